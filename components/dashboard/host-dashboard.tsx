'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { DashboardLive, LiveStatus, useLive } from '@/components/live/live-events';
import { ErrorMessage } from '@/components/ui/error-message';
import { HostStatusBadge, RelativeTime } from '@/components/hosts/host-status';
import { Sparkline } from '@/components/dashboard/sparkline';
import { sharedScale } from '@/components/dashboard/scale';
import { formatBits } from '@/server/topology/rates';
import type { DashboardInterface } from '@/server/topology/dashboard';
import { isoTime } from '@/components/ui/date-words';

const fmtRate = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));
/** The top of a host's shared sparkline scale, in bits per second. */
const scaleOf = (interfaces: readonly DashboardInterface[]) => sharedScale(interfaces.map((i) => i.series.map((p) => p.rxBps + p.txBps)));

/** A link that is down for a reason that is normal (a paused VM's tap) is idle, not an alarm. */
const isAlarm = (i: DashboardInterface) => i.flapping || (i.up === false && !i.quietBecause);

function InterfaceRow({ i, kiosk, scale }: { i: DashboardInterface; kiosk: boolean; scale: number }) {
  const state = i.flapping ? 'flapping' : i.up === false ? (i.quietBecause ? 'idle' : 'down') : i.up ? 'up' : '—';
  const tone = i.flapping ? 'bg-amber-50 dark:bg-amber-900/40' : state === 'down' ? 'bg-red-50 dark:bg-red-900/40' : '';
  const last = i.latest;
  return (
    <tr data-id={`iface-${i.name}`} data-state={state} className={`border-t border-slate-100 dark:border-slate-800 ${tone}`}>
      <td className="py-1 pr-3 font-medium">{i.name}</td>
      <td className="py-1 pr-3 text-xs text-slate-500">{i.kind}</td>
      <td
        title={i.quietBecause ? `No carrier, as expected: ${i.quietBecause}` : undefined}
        className={`py-1 pr-3 text-xs font-semibold ${i.flapping ? 'text-amber-700 dark:text-amber-300' : state === 'idle' ? 'font-normal text-slate-500' : state === 'down' ? 'text-red-700 dark:text-red-300' : 'text-emerald-700 dark:text-emerald-400'}`}
      >
        {state}
        {state === 'idle' && <span className="block text-[11px]" data-testid="quiet-because">{i.quietBecause}</span>}
        {i.transitions > 0 && <span className="font-normal text-slate-500"> ({i.transitions}×)</span>}
      </td>
      <td className="py-1 pr-3 tabular-nums" data-testid="rx">{last ? formatBits(last.rxBps) : '—'}</td>
      <td className="py-1 pr-3 tabular-nums" data-testid="tx">{last ? formatBits(last.txBps) : '—'}</td>
      {!kiosk && <td className="py-1 pr-3 tabular-nums text-xs">{last ? `${fmtRate(last.rxPps)} / ${fmtRate(last.txPps)}` : '—'}</td>}
      <td className={`py-1 pr-3 tabular-nums text-xs ${last && last.dropsPs > 0 ? 'text-amber-700' : ''}`}>{last ? fmtRate(last.dropsPs) : '—'}</td>
      <td className={`py-1 pr-3 tabular-nums text-xs ${last && last.errorsPs > 0 ? 'text-red-700' : ''}`}>{last ? fmtRate(last.errorsPs) : '—'}</td>
      <td className="py-1">
        <Sparkline values={i.series.map((p) => p.rxBps + p.txBps)} max={scale} width={kiosk ? 180 : 120} />
      </td>
    </tr>
  );
}

/** How long a wall screen shows each host when there are several. */
export const KIOSK_PAGE_SECONDS = 15;

/** Which host a wall screen shows: turns every KIOSK_PAGE_SECONDS while there are `count` > 1. */
function useKioskPage(count: number): number {
  const [page, setPage] = useState(0);
  useEffect(() => {
    if (count < 2) return;
    const timer = setInterval(() => setPage((p) => p + 1), KIOSK_PAGE_SECONDS * 1000);
    return () => clearInterval(timer);
  }, [count]);
  return page;
}

/**
 * Rates for every host (or one), every `everySeconds`; the server probes each host at most once
 * per interval however many dashboards are open. Live, the server samples and says when each
 * round is read; polling (whose asks cause the reads) is the fallback while the events are down.
 */
export function Dashboard(props: { everySeconds: number; hostId?: string; kiosk?: boolean }) {
  return (
    <DashboardLive hostId={props.hostId} everySeconds={props.everySeconds}>
      <DashboardTables {...props} />
    </DashboardLive>
  );
}

function DashboardTables({ everySeconds, hostId, kiosk = false }: { everySeconds: number; hostId?: string; kiosk?: boolean }) {
  const trpc = useTRPC();
  const live = useLive();
  const data = useQuery({
    ...trpc.topology.dashboard.queryOptions({ everySeconds, hostId }),
    refetchInterval: live ? false : everySeconds * 1000,
    refetchIntervalInBackground: true,
  });
  const hosts = data.data ?? [];
  // A wall screen shows one host at a time when there are several, turning the page by itself.
  const page = useKioskPage(kiosk ? hosts.length : 0);
  const shown = kiosk && hosts.length > 1 ? [hosts[page % hosts.length]!] : hosts;
  return (
    <div className="space-y-6">
      <LiveStatus live={live} liveMeans={`The panel reads ${hostId ? 'this host' : 'every host'} every ${everySeconds} s and the figures change as each read lands.`} />
      {data.error && <ErrorMessage error={data.error} />}
      {data.isPending && <p className="text-sm text-slate-500">Reading hosts…</p>}
      {data.data?.length === 0 && <p className="text-sm text-slate-500">No hypervisors yet.</p>}
      {kiosk && hosts.length > 1 && (
        <p className="flex items-center gap-3 text-lg text-slate-400" data-testid="kiosk-pager">
          Host {(page % hosts.length) + 1} of {hosts.length}, next in {KIOSK_PAGE_SECONDS} s
          <span className="flex gap-1.5" aria-hidden="true">
            {hosts.map((h, i) => (
              <span key={h.host.id} className={`h-2.5 w-2.5 rounded-full ${i === page % hosts.length ? 'bg-sky-400' : 'bg-slate-600'}`} />
            ))}
          </span>
        </p>
      )}
      {shown.map((h) => (
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
          <table className={`w-full text-left ${kiosk ? 'text-xl' : 'text-sm'}`}>
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
                <th className="pb-1 font-medium">
                  Last 15 min{' '}
                  <span className="normal-case" data-testid="sparkline-scale" title="Every sparkline of this host is drawn on this scale, so they compare">
                    (rx+tx, 0–{formatBits(scaleOf(h.interfaces))})
                  </span>
                </th>
              </tr>
            </thead>
            <tbody>
              {/* Problems first: a wall screen should show what is wrong without scrolling. */}
              {[...h.interfaces]
                .sort((a, b) => Number(b.flapping) - Number(a.flapping) || Number(isAlarm(b)) - Number(isAlarm(a)))
                .map((i) => (
                  <InterfaceRow key={i.name} i={i} kiosk={kiosk} scale={scaleOf(h.interfaces)} />
                ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}
