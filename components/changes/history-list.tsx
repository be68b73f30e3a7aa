'use client';

import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { CHANGE_STATUS_STYLE, ChangeStatusBadge } from '@/components/changes/change-status';
import { RevertLinks } from '@/components/changes/revert-links';
import { useTRPC, useTRPCClient } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { saveFile } from '@/components/ui/save-file';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';
import { Field, Select, TextInput } from '@/components/ui/field';
import type { Role } from '@/server/auth/roles';
import { isoDateTime } from '@/components/ui/date-words';

const PAGE_SIZE = 25;
/** Typing a user name filters after a short pause, not on every key. */
const TYPING_PAUSE_MS = 350;
/** The statuses a settled change can have (ZHistoryFilter's enum, without server imports). */
const STATUS_OPTIONS = ['applying', 'applied', 'applied-with-differences', 'rolled-back', 'rolled-back-by-host', 'rollback-incomplete', 'not-applied', 'interrupted'] as const;
type StatusOption = (typeof STATUS_OPTIONS)[number];

interface Filters {
  hostId: string;
  user: string;
  status: '' | StatusOption;
  from: string; // yyyy-mm-dd from <input type="date">, local time
  to: string;
}

const EMPTY: Filters = { hostId: '', user: '', status: '', from: '', to: '' };

/** The form's strings -> the procedure's filter; a date range covers whole local days. */
function toQueryFilter(f: Filters) {
  return {
    ...(f.hostId ? { hostId: f.hostId } : {}),
    ...(f.user.trim() ? { user: f.user.trim() } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.from ? { from: new Date(`${f.from}T00:00:00`) } : {}),
    ...(f.to ? { to: new Date(`${f.to}T23:59:59.999`) } : {}),
  };
}

export function HistoryList({ role }: { role: Role }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const canExport = role === 'admin' || role === 'auditor';

  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [typedUser, setTypedUser] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.user === typedUser ? f : { ...f, user: typedUser })), TYPING_PAUSE_MS);
    return () => clearTimeout(t);
  }, [typedUser]);

  const queryFilter = useMemo(() => toQueryFilter(filters), [filters]);
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const changes = useInfiniteQuery(
    trpc.changes.list.infiniteQueryOptions(
      { ...queryFilter, take: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );
  const items = changes.data?.pages.flatMap((p) => p.items) ?? [];

  const [exporting, setExporting] = useState<'json' | 'csv' | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  async function download(format: 'json' | 'csv') {
    setExporting(format);
    setExportError(null);
    try {
      saveFile(await client.changes.export.query({ ...queryFilter, format }));
    } catch (err) {
      setExportError(err);
    } finally {
      setExporting(null);
    }
  }

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const filtered = Object.values(queryFilter).length > 0 || typedUser.trim() !== '';

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">Change history</h1>
        {canExport && (
          <div className="ml-auto flex gap-2">
            <Button variant="secondary" onClick={() => download('json')} disabled={exporting !== null} data-testid="export-json">
              {exporting === 'json' ? 'Exporting…' : 'Export JSON'}
            </Button>
            <Button variant="secondary" onClick={() => download('csv')} disabled={exporting !== null} data-testid="export-csv">
              {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
            </Button>
          </div>
        )}
      </div>
      {exportError !== null && <ErrorMessage error={exportError} />}

      <Card>
        <form
          className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-6"
          onSubmit={(e) => {
            e.preventDefault();
            set('user', typedUser);
          }}
          data-testid="history-filters"
        >
          <div className="lg:col-span-2">
            <Field label="Host">
              <Select value={filters.hostId} onChange={(e) => set('hostId', e.target.value)} name="hostId">
                <option value="">All hosts</option>
                {hosts.data?.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <Field label="User">
            <TextInput value={typedUser} onChange={(e) => setTypedUser(e.target.value)} placeholder="any" name="user" autoComplete="off" />
          </Field>
          <Field label="Result">
            <Select value={filters.status} onChange={(e) => set('status', e.target.value as Filters['status'])} name="status">
              <option value="">Any result</option>
              {STATUS_OPTIONS.map((s) => (
                <option key={s} value={s}>
                  {CHANGE_STATUS_STYLE[s]?.label ?? s}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="From">
            <TextInput type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set('from', e.target.value)} name="from" />
          </Field>
          <Field label="To">
            <TextInput type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set('to', e.target.value)} name="to" />
          </Field>
          {filtered && (
            <div className="sm:col-span-2 lg:col-span-6">
              <button
                type="button"
                className="text-sm text-sky-700 hover:text-sky-900"
                onClick={() => {
                  setTypedUser('');
                  setFilters(EMPTY);
                }}
              >
                Clear filters
              </button>
            </div>
          )}
        </form>
      </Card>

      <Card>
        {changes.error && <ErrorMessage error={changes.error} />}
        {changes.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        {changes.data && items.length === 0 && (
          <p className="text-sm text-slate-600" data-testid="history-empty">
            {filtered ? 'No change matches these filters.' : 'No change has been applied yet.'}
          </p>
        )}
        {items.length > 0 && (
          <div className="-mx-5 overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="history-table">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="px-5 pb-2 font-medium">Time</th>
                  <th className="pb-2 pr-4 font-medium">Host</th>
                  <th className="pb-2 pr-4 font-medium">User</th>
                  <th className="pb-2 pr-4 font-medium">Reason</th>
                  <th className="pb-2 pr-4 text-right font-medium">Operations</th>
                  <th className="pb-2 pr-5 font-medium">Result</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {items.map((c) => (
                  <tr
                    key={c.id}
                    data-id={`change-${c.id}`}
                    data-status={c.status}
                    className="cursor-pointer align-top hover:bg-slate-50"
                    onClick={(e) => {
                      // Let the links inside the row (and modifier clicks) do their own thing.
                      if ((e.target as HTMLElement).closest('a') || e.metaKey || e.ctrlKey) return;
                      router.push(`/history/${c.id}`);
                    }}
                  >
                    <td className="whitespace-nowrap px-5 py-2.5">
                      <Link href={`/history/${c.id}`} className="font-medium text-slate-900 hover:text-sky-700">
                        <DateTime at={c.startedAt} />
                      </Link>
                      <div className="text-xs text-slate-500">{c.label}</div>
                      <RevertLinks revertOf={c.revertOf} revertedBy={c.revertedBy} />
                    </td>
                    <td className="py-2.5 pr-4 text-slate-700">{c.hostName}</td>
                    <td className="py-2.5 pr-4 text-slate-700">{c.authorName}</td>
                    <td className="max-w-xs py-2.5 pr-4 text-slate-600">
                      <span className="line-clamp-2" title={c.reason ?? undefined}>
                        {c.reason ?? <span className="text-slate-400">—</span>}
                      </span>
                    </td>
                    <td className="py-2.5 pr-4 text-right tabular-nums text-slate-700">
                      {c.operations}
                      {c.disruptive && (
                        <span className="ml-1.5 rounded bg-orange-50 px-1 py-0.5 text-[10px] font-medium uppercase text-orange-800" title="Included disruptive steps">
                          disr.
                        </span>
                      )}
                    </td>
                    <td className="py-2.5 pr-5">
                      <ChangeStatusBadge status={c.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {changes.hasNextPage && (
          <div className="mt-4 flex justify-center">
            <Button variant="secondary" onClick={() => changes.fetchNextPage()} disabled={changes.isFetchingNextPage} data-testid="load-more">
              {changes.isFetchingNextPage ? 'Loading…' : 'Load older changes'}
            </Button>
          </div>
        )}
      </Card>
    </div>
  );
}

export function DateTime({ at }: { at: string | Date | null }) {
  if (!at) return <span className="text-slate-400">—</span>;
  const date = new Date(at);
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {isoDateTime(date)}
    </time>
  );
}
