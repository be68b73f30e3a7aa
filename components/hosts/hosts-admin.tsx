'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';
import { AddHostForm } from '@/components/hosts/add-host-form';
import { HostRow } from '@/components/hosts/host-row';
import type { Role } from '@/server/auth/roles';

/** How often the list re-reads the panel's database. */
const POLL_MS = 5_000;

export function HostsAdmin({ role }: { role: Role }) {
  const trpc = useTRPC();
  // Re-read every few seconds: a host tested from another tab, or read by a graph, shows its new
  // status here without a reload (a cheap database read; nothing is probed).
  const hosts = useQuery({ ...trpc.hosts.list.queryOptions(), refetchInterval: POLL_MS });
  const canManage = role === 'admin';
  const canTest = role === 'admin' || role === 'operator';

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Hypervisors</h1>
      <Card title="Hosts">
        {hosts.error && <ErrorMessage error={hosts.error} />}
        {hosts.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        {hosts.data?.length === 0 && (
          <p className="text-sm text-slate-600">
            No hypervisors yet.{canManage ? ' Add one below.' : ' An admin adds them.'}
          </p>
        )}
        {hosts.data && hosts.data.length > 0 && (
          <table className="w-full text-left text-sm" data-testid="hosts-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="pb-2 pr-4 font-medium">Host</th>
                <th className="pb-2 pr-4 font-medium">Status</th>
                <th className="pb-2 pr-4 font-medium">Last contact</th>
                <th className="pb-2 pr-4 font-medium">Pinned host key</th>
                <th className="pb-2 font-medium">{canTest ? 'Actions' : ''}</th>
              </tr>
            </thead>
            <tbody>
              {hosts.data.map((host) => (
                <HostRow key={host.id} host={host} canTest={canTest} canManage={canManage} />
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {canManage && <AddHostForm />}
    </div>
  );
}
