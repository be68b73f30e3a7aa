'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { ErrorMessage } from '@/components/ui/error-message';
import { HostStatusBadge, RelativeTime } from '@/components/hosts/host-status';
import { Sparkline } from '@/components/dashboard/sparkline';
import { formatBits } from '@/server/topology/rates';
import type { DashboardInterface } from '@/server/topology/dashboard';
import { isoTime } from '@/components/ui/date-words';

const fmtRate = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));

function InterfaceRow({ i, kiosk }: { i: DashboardInterface; kiosk: boolean }) {
  const state = i.flapping ? 'flapping' : i.up === false ? 'down' : i.up ? 'up' : '—';
  const tone = i.flapping ? 'bg-amber-50 dark:bg-amber-900/40' : i.up === false ? 'bg-red-50 dark:bg-red-900/40' : '';
  const last = i.latest;
  return (
    <tr data-id={`iface-${i.name}`} data-state={state} className={`border-t border-slate-100 dark:border-slate-800 ${tone}`}>
      <td className="py-1 pr-3 font-medium">{i.name}</td>
      <td className="py-1 pr-3 text-xs text-slate-500">{i.kind}</td>
      <td className={`py-1 pr-3 text-xs font-semibold ${i.flapping ? 'text-amber-700 dark:text-amber-300' : i.up === false ? 'text-red-700 dark:text-red-300' : 'text-emerald-700 dark:text-emerald-400'}`}>
        {state}
        {i.transitions > 0 && <span className="font-normal text-slate-500"> ({i.transitions}×)</span>}
      </td>
      <td className="py-1 pr-3 tabular-nums" data-testid="rx">{last ? formatBits(last.rxBps) : '—'}</td>
      <td className="py-1 pr-3 tabular-nums" data-testid="tx">{last ? formatBits(last.txBps) : '—'}</td>
      {!kiosk && <td className="py-1 pr-3 tabular-nums text-xs">{last ? `${fmtRate(last.rxPps)} / ${fmtRate(last.txPps)}` : '—'}</td>}
      <td className={`py-1 pr-3 tabular-nums text-xs ${last && last.dropsPs > 0 ? 'text-amber-700' : ''}`}>{last ? fmtRate(last.dropsPs) : '—'}</td>
      <td className={`py-1 pr-3 tabular-nums text-xs ${last && last.errorsPs > 0 ? 'text-red-700' : ''}`}>{last ? fmtRate(last.errorsPs) : '—'}</td>
      <td className="py-1">
        <Sparkline values={i.series.map((p) => p.rxBps + p.txBps)} width={kiosk ? 180 : 120} />
      </td>
    </tr>
  );
}

/**
 * Rates for every host (or one), re-read every `everySeconds`; the server probes each host at
 * most once per interval however many dashboards are open.
 */
export function Dashboard({ everySeconds, hostId, kiosk = false }: { everySeconds: number; hostId?: string; kiosk?: boolean }) {
  const trpc = useTRPC();
  const data = useQuery({
    ...trpc.topology.dashboard.queryOptions({ everySeconds, hostId }),
    refetchInterval: everySeconds * 1000,
    refetchIntervalInBackground: true,
  });
  return (
    <div className="space-y-6">
      {data.error && <ErrorMessage error={data.error} />}
      {data.isPending && <p className="text-sm text-slate-500">Reading hosts…</p>}
      {data.data?.length === 0 && <p className="text-sm text-slate-500">No hypervisors yet.</p>}
      {data.data?.map((h) => (
        <section key={h.host.id} data-id={`dash-${h.host.name}`} className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900">
          <header className="mb-2 flex items-center gap-3">
            <h2 className={kiosk ? 'text-2xl font-semibold' : 'text-base font-semibold'}>{h.host.name}</h2>
            <HostStatusBadge status={h.host.status} />
            <span className="text-xs text-slate-500" data-testid="sampled-at">
              data from {h.sampledAt ? <RelativeTime at={h.sampledAt} /> : 'never'}
              {h.sampledAt && ` (${isoTime(new Date(h.sampledAt))})`} · every {everySeconds} s
            </span>
            {h.host.status !== 'reachable' && h.host.statusMessage && <span className="text-xs text-red-700">{h.host.statusMessage}</span>}
          </header>
          <table className={`w-full text-left ${kiosk ? 'text-base' : 'text-sm'}`}>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="pb-1 pr-3 font-medium">Interface</th>
                <th className="pb-1 pr-3 font-medium">Kind</th>
                <th className="pb-1 pr-3 font-medium">Link</th>
                <th className="pb-1 pr-3 font-medium">Rx</th>
                <th className="pb-1 pr-3 font-medium">Tx</th>
                {!kiosk && <th className="pb-1 pr-3 font-medium">Packets/s rx / tx</th>}
                <th className="pb-1 pr-3 font-medium">Drops/s</th>
                <th className="pb-1 pr-3 font-medium">Errors/s</th>
                <th className="pb-1 font-medium">Last 15 min</th>
              </tr>
            </thead>
            <tbody>
              {/* Problems first: a wall screen should show what is wrong without scrolling. */}
              {[...h.interfaces]
                .sort((a, b) => Number(b.flapping) - Number(a.flapping) || Number(a.up !== false) - Number(b.up !== false))
                .map((i) => (
                  <InterfaceRow key={i.name} i={i} kiosk={kiosk} />
                ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
