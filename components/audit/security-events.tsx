'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { DateTime } from '@/components/changes/history-list';
import { useTRPC, useTRPCClient } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/error-message';
import { saveFile } from '@/components/ui/save-file';
import { detailsInWords } from './details';

const GROUPS = [
  ['', 'Every kind'],
  ['sign-in', 'Sign-ins'],
  ['users', 'Users'],
  ['hosts', 'Hosts and keys'],
] as const;
type Group = (typeof GROUPS)[number][0];

/** Sign-ins, account and host events from the audit chain, newest first, filterable and exportable. */
export function SecurityEvents() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [group, setGroup] = useState<Group>('');
  const [user, setUser] = useState('');
  const filter = { ...(group ? { group } : {}), ...(user.trim() ? { user: user.trim().toLowerCase() } : {}) };
  const events = useInfiniteQuery(trpc.audit.events.infiniteQueryOptions({ ...filter, take: 50 }, { getNextPageParam: (last) => last.nextCursor ?? undefined }));
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  const [exportError, setExportError] = useState<unknown>(null);
  async function download(format: 'json' | 'csv') {
    setExportError(null);
    try {
      saveFile(await client.audit.exportEvents.query({ ...filter, format }));
    } catch (err) {
      setExportError(err);
    }
  }

  return (
    <section className="space-y-3" data-testid="security-events">
      <div className="flex flex-wrap items-end gap-3">
        <h2 className="text-lg font-semibold">Security events</h2>
        <label className="text-sm">
          <span className="block text-xs text-slate-500">Kind</span>
          <select className="rounded-md border border-slate-300 px-2 py-1" value={group} onChange={(e) => setGroup(e.target.value as Group)} data-testid="event-group">
            {GROUPS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="block text-xs text-slate-500">User</span>
          <input className="rounded-md border border-slate-300 px-2 py-1" value={user} onChange={(e) => setUser(e.target.value)} placeholder="any" data-testid="event-user" />
        </label>
        <div className="ml-auto flex gap-2">
          <Button variant="secondary" onClick={() => download('json')} data-testid="events-export-json">
            Export JSON
          </Button>
          <Button variant="secondary" onClick={() => download('csv')} data-testid="events-export-csv">
            Export CSV
          </Button>
        </div>
      </div>
      {exportError !== null && <ErrorMessage error={exportError} />}
      {events.error && <ErrorMessage error={events.error} />}
      {events.isSuccess && items.length === 0 && <p className="text-sm text-slate-500">No security events match.</p>}
      {items.length > 0 && (
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="py-1 pr-3 font-medium">When</th>
              <th className="py-1 pr-3 font-medium">What</th>
              <th className="py-1 pr-3 font-medium">Who</th>
              <th className="py-1 font-medium">Details</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.seq} className="border-t border-slate-100 align-top" data-testid="security-event">
                <td className="whitespace-nowrap py-1 pr-3 text-slate-600">
                  <DateTime at={e.at} />
                </td>
                <td className="py-1 pr-3">{e.label}</td>
                <td className="py-1 pr-3">{e.actorName ?? '—'}</td>
                <td className="break-all py-1 text-slate-700">{detailsInWords(e.content)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.hasNextPage && (
        <Button variant="secondary" onClick={() => events.fetchNextPage()} disabled={events.isFetchingNextPage}>
          {events.isFetchingNextPage ? 'Loading…' : 'Older events'}
        </Button>
      )}
    </section>
  );
}
