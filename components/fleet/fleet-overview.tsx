'use client';

import Link from 'next/link';
import { useMemo } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';
import { HostStatusBadge, RelativeTime } from '@/components/hosts/host-status';
import type { Role } from '@/server/auth/roles';
import type { FleetConflict } from '@/server/topology/fleet';
import { hostsNeedingAttention } from '@/server/hosts/attention';
import { isoDateTime } from '@/components/ui/date-words';
import { useLive } from '@/components/live/live-events';

/** How a row that needs someone stands out. */
const ROW_TONE = { danger: 'bg-red-50', warning: 'bg-amber-50/70', none: '' } as const;

/** The fleet list re-reads the panel's database this often (cheap; it does not probe hosts). */
const POLL_MS = 10_000;

export function FleetOverview({ role }: { role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Reads and host changes arrive as live events; the timer stands in only while they cannot.
  const poll = useLive() ? false : POLL_MS;
  const fleet = useQuery({ ...trpc.topology.fleet.queryOptions(), refetchInterval: poll });
  const conflicts = useQuery({ ...trpc.topology.conflicts.queryOptions({}), refetchInterval: poll });
  const conflictsOn = (hostId: string) => conflicts.data?.filter((c) => c.places.some((p) => p.hostId === hostId)).length ?? 0;
  const invalidate = () => Promise.all([queryClient.invalidateQueries({ queryKey: trpc.topology.fleet.queryKey() }), queryClient.invalidateQueries({ queryKey: trpc.topology.conflicts.queryKey() })]);
  const refreshAll = useMutation(trpc.topology.refreshAll.mutationOptions({ onSuccess: invalidate }));
  const acknowledge = useMutation(trpc.topology.acknowledgeChanges.mutationOptions({ onSuccess: invalidate }));
  const canAcknowledge = role === 'admin' || role === 'operator';
  const failed = refreshAll.data?.filter((r) => !r.ok) ?? [];
  const attention = useMemo(() => hostsNeedingAttention(fleet.data?.map((r) => r.host) ?? []), [fleet.data]);

  return (
    <div className="space-y-6">
      <div className="flex items-center gap-4">
        <h1 className="text-xl font-semibold">Fleet</h1>
        <Button variant="secondary" onClick={() => refreshAll.mutate()} disabled={refreshAll.isPending}>
          {refreshAll.isPending ? 'Reading every host…' : 'Refresh all hosts'}
        </Button>
        {refreshAll.data && (
          <span className="text-sm text-slate-600" data-testid="refresh-all-result">
            Read {refreshAll.data.length - failed.length} of {refreshAll.data.length} hosts
            {failed.length > 0 && `; failed: ${failed.map((f) => f.name).join(', ')}`}
          </span>
        )}
      </div>
      {refreshAll.error && <ErrorMessage error={refreshAll.error} />}
      <Card>
        {fleet.error && <ErrorMessage error={fleet.error} />}
        {fleet.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        {fleet.data?.length === 0 && (
          <p className="text-sm text-slate-600">
            No hypervisors yet. <Link className="text-sky-700 underline" href="/hosts">Add one</Link>.
          </p>
        )}
        {fleet.data && fleet.data.length > 0 && (
          <table className="w-full text-left text-sm" data-testid="fleet-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="pb-2 pl-2 pr-4 font-medium">Host</th>
                <th className="pb-2 pr-4 font-medium">Status</th>
                <th className="pb-2 pr-4 font-medium">Last read</th>
                <th className="pb-2 pr-4 font-medium">Interfaces</th>
                <th className="pb-2 pr-4 font-medium">VMs</th>
                <th className="pb-2 pr-4 font-medium">Networks</th>
                <th className="pb-2 pr-4 font-medium">Conflicts</th>
                <th className="pb-2 font-medium">Outside changes</th>
              </tr>
            </thead>
            <tbody>
              {fleet.data.map((row) => (
                <tr
                  key={row.host.id}
                  data-id={`fleet-${row.host.name}`}
                  data-attention={attention.get(row.host.id)?.some((a) => a.tone === 'danger') ? 'danger' : attention.has(row.host.id) ? 'warning' : undefined}
                  className={`border-t border-slate-100 ${ROW_TONE[attention.get(row.host.id)?.some((a) => a.tone === 'danger') ? 'danger' : attention.has(row.host.id) ? 'warning' : 'none']}`}
                >
                  <td className="py-2 pl-2 pr-4">
                    <Link href={`/hosts/${row.host.id}`} className="font-medium text-sky-700 hover:underline">
                      {row.host.name}
                    </Link>
                    <div className="text-xs text-slate-500">{row.host.address}</div>
                    {attention.get(row.host.id)?.map((a) => (
                      <div key={a.what} data-testid="host-attention" className={`mt-1 max-w-md text-xs ${a.tone === 'danger' ? 'text-red-900' : 'text-amber-900'}`}>
                        <span className="font-medium">{a.what}</span>{' '}
                        <span data-testid="host-next-step">
                          Next: {a.next}{' '}
                          <Link href="/hosts" className="underline">
                            Hypervisors
                          </Link>
                        </span>
                      </div>
                    ))}
                  </td>
                  <td className="py-2 pr-4">
                    <HostStatusBadge status={row.host.status} />
                  </td>
                  <td className="py-2 pr-4 text-slate-700">
                    <RelativeTime at={row.host.lastContactAt} />
                  </td>
                  <td className="py-2 pr-4" data-testid="count-interfaces">{row.counts?.interfaces ?? '—'}</td>
                  <td className="py-2 pr-4" data-testid="count-vms">
                    {row.counts ? `${row.counts.runningVms} / ${row.counts.vms}` : '—'}
                  </td>
                  <td className="py-2 pr-4" data-testid="count-networks">{row.counts?.networks ?? '—'}</td>
                  <td className="py-2 pr-4" data-testid="count-conflicts">
                    {conflictsOn(row.host.id) > 0 ? (
                      <a href="#conflicts" className="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 ring-1 ring-red-600/30">
                        {conflictsOn(row.host.id)}
                      </a>
                    ) : (
                      <span className="text-xs text-slate-400">none</span>
                    )}
                  </td>
                  <td className="py-2">
                    {row.unacknowledgedChanges > 0 ? (
                      <span className="flex items-center gap-2">
                        <Link
                          href={`/hosts/${row.host.id}?outside=1`}
                          data-testid="observed-changes-badge"
                          className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-600/30 hover:bg-amber-200"
                          title={`See what changed on the graph${row.lastChangeAt ? ` (last ${isoDateTime(new Date(row.lastChangeAt))})` : ''}`}
                        >
                          {row.unacknowledgedChanges} change{row.unacknowledgedChanges === 1 ? '' : 's'} outside Switchboard
                        </Link>
                        {canAcknowledge && (
                          <Button variant="secondary" onClick={() => acknowledge.mutate({ hostId: row.host.id })}>
                            Acknowledge
                          </Button>
                        )}
                      </span>
                    ) : (
                      <span className="text-xs text-slate-400">none</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {conflicts.data && conflicts.data.length > 0 && <ConflictList conflicts={conflicts.data} />}
    </div>
  );
}

/** Each conflict in a sentence, with links to the hosts it touches (their graphs mark the places). */
function ConflictList({ conflicts }: { conflicts: FleetConflict[] }) {
  return (
    <Card>
      <h2 id="conflicts" className="mb-2 text-base font-semibold text-red-900">
        {conflicts.length} conflict{conflicts.length === 1 ? '' : 's'} across the fleet
      </h2>
      <ul className="space-y-1.5 text-sm" data-testid="fleet-conflicts">
        {conflicts.map((c) => (
          <li key={c.key} className="flex flex-wrap items-baseline gap-x-2">
            <span className="text-slate-800">{c.sentence}</span>
            {[...new Map(c.places.map((p) => [p.hostId, p.hostName])).entries()].map(([id, name]) => (
              <Link key={id} href={`/hosts/${id}`} className="text-xs text-sky-700 hover:underline">
                open {name}
              </Link>
            ))}
          </li>
        ))}
      </ul>
    </Card>
  );
}
