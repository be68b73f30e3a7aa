'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { ChangePictures } from '@/components/changes/change-pictures';
import { RevertLinks } from '@/components/changes/revert-links';
import { ChangeStatusBadge } from '@/components/changes/change-status';
import { ChangeSteps, formatMs } from '@/components/changes/change-steps';
import { DateTime } from '@/components/changes/history-list';
import { Fingerprint } from '@/components/hosts/fingerprint';
import { useTRPC } from '@/components/trpc/client';
import type { RouterOutputs } from '@/components/trpc/types';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';
import type { Role } from '@/server/auth/roles';
import { fieldSentences, pathInWords } from '@/server/topology/change-words';

type Change = RouterOutputs['changes']['get'];
type DiffEntry = Change['diff'][number];

/** The statuses revertChange accepts: something reached the host. */
const REVERTIBLE = new Set(['applied', 'applied-with-differences', 'interrupted']);

export function ChangeDetail({ changeId, role }: { changeId: string; role: Role }) {
  const trpc = useTRPC();
  // Same query (and cache entry) as <ChangeSteps>, which polls it while the change runs.
  const change = useQuery(trpc.changes.get.queryOptions({ changeId }));

  if (change.error && !change.data) {
    return (
      <div className="space-y-4">
        <Breadcrumb />
        <ErrorMessage error={change.error} />
      </div>
    );
  }
  if (!change.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const c = change.data;
  const canRevert = (role === 'admin' || role === 'operator') && REVERTIBLE.has(c.status);
  const durationMs = c.startedAt && c.finishedAt ? new Date(c.finishedAt).getTime() - new Date(c.startedAt).getTime() : null;

  return (
    <div className="space-y-6 py-4">
      <div className="flex flex-wrap items-center gap-3">
        <Breadcrumb />
        <span className="text-slate-400">/</span>
        <h1 className="text-xl font-semibold">
          <span data-testid="change-label">{c.label}</span> on {c.hostName}
        </h1>
        {canRevert && <RevertButton changeId={c.id} hostId={c.hostId} />}
      </div>
      <RevertLinks revertOf={c.revertOf} revertedBy={c.revertedBy} />

      <Card>
        <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
          <Row label="Who">
            <span data-testid="change-author">{c.authorName}</span>
          </Row>
          <Row label="When">
            <DateTime at={c.startedAt ?? c.createdAt} />
            {c.finishedAt && (
              <span className="text-slate-500">
                {' '}
                → <DateTime at={c.finishedAt} />
                {durationMs !== null && ` (${formatMs(durationMs)})`}
              </span>
            )}
          </Row>
          <Row label="Host">
            <Link href={`/hosts/${c.hostId}`} className="font-medium text-sky-700 hover:text-sky-900" data-testid="change-host">
              {c.hostName}
            </Link>
          </Row>
          <Row label="Reason">
            {c.reason ? <span className="whitespace-pre-wrap text-slate-900">{c.reason}</span> : <span className="text-slate-400">none given</span>}
          </Row>
          <Row label="Host key used">
            {c.hostKeyFingerprint ? <Fingerprint value={c.hostKeyFingerprint} testId="change-host-key" /> : <span className="text-slate-400">not recorded</span>}
          </Row>
          <Row label="Result">
            <ChangeStatusBadge status={c.status} testId="change-result" />
            {c.disruptive && <span className="ml-2 text-xs text-orange-700">included disruptive steps</span>}
          </Row>
        </dl>
      </Card>

      <Card>
        <ChangeSteps changeId={changeId} />
      </Card>

      <Card title="Before → after">
        <DiffView diff={c.diff} live={c.status === 'applying' || c.status === 'recovering'} />
      </Card>

      <Card title="The host before and after">
        <ChangePictures changeId={changeId} />
      </Card>

      <Card title="Audit records">
        <AuditRecords records={c.records} />
      </Card>
    </div>
  );
}

function Breadcrumb() {
  return (
    <Link href="/history" className="text-sm text-slate-500 hover:text-slate-900">
      History
    </Link>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-900">{children}</dd>
    </>
  );
}

function RevertButton({ changeId, hostId }: { changeId: string; hostId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const revert = useMutation(
    trpc.changes.revert.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.changes.draft.queryKey({ hostId }) });
        router.push(`/hosts/${hostId}`);
      },
    }),
  );
  return (
    <div className="ml-auto flex flex-col items-end gap-2">
      <Button
        variant="danger"
        onClick={() => revert.mutate({ changeId })}
        disabled={revert.isPending || revert.isSuccess}
        data-testid="revert-change"
        title="Adds this change's inverse operations to the host's draft; nothing runs until you review and apply it."
      >
        {revert.isPending ? 'Drafting the revert…' : 'Revert'}
      </Button>
      {revert.error && <ErrorMessage error={revert.error} />}
    </div>
  );
}

const DIFF_STYLE: Record<DiffEntry['change'], { sign: string; box: string; badge: string; label: string }> = {
  added: { sign: '+', box: 'border-emerald-200 bg-emerald-50', badge: 'bg-emerald-600 text-white', label: 'text-emerald-800' },
  removed: { sign: '−', box: 'border-red-200 bg-red-50', badge: 'bg-red-600 text-white', label: 'text-red-800' },
  changed: { sign: '~', box: 'border-amber-200 bg-amber-50', badge: 'bg-amber-500 text-white', label: 'text-amber-900' },
};

function DiffView({ diff, live }: { diff: DiffEntry[]; live: boolean }) {
  if (!diff.length) {
    return <p className="text-sm text-slate-600">{live ? 'Nothing has changed on the host yet.' : 'The host configuration did not change.'}</p>;
  }
  const count = (kind: DiffEntry['change']) => diff.filter((d) => d.change === kind).length;
  return (
    <div className="space-y-3" data-testid="change-diff">
      <p className="flex gap-4 text-xs font-medium">
        <span className="text-emerald-700">{count('added')} added</span>
        <span className="text-red-700">{count('removed')} removed</span>
        <span className="text-amber-800">{count('changed')} changed</span>
        {live && <span className="text-slate-500">(intended; the change is still running)</span>}
      </p>
      <ul className="grid gap-2 md:grid-cols-2">
        {diff.map((d) => {
          const s = DIFF_STYLE[d.change];
          const fields = Object.entries(d.fields ?? {});
          return (
            <li
              key={`${d.entity}:${d.name}:${d.change}`}
              data-testid="diff-entry"
              data-change={d.change}
              data-entity={d.entity}
              data-name={d.name}
              className={`rounded-md border p-3 ${s.box}`}
            >
              <div className="flex items-center gap-2">
                <span aria-hidden className={`flex h-5 w-5 shrink-0 items-center justify-center rounded font-mono text-sm font-bold ${s.badge}`}>
                  {s.sign}
                </span>
                <span className="rounded bg-white/70 px-1.5 py-0.5 text-[11px] uppercase tracking-wide text-slate-600 ring-1 ring-inset ring-slate-200">{d.entity}</span>
                <span className="font-mono text-sm font-medium text-slate-900">{d.name}</span>
                <span className={`ml-auto text-xs font-medium ${s.label}`}>{d.change}</span>
              </div>
              {d.summary && <p className="mt-1 text-xs text-slate-700">{d.summary}</p>}
              {fields.length > 0 && (
                <ul className="mt-2 space-y-0.5 text-xs text-slate-800">
                  {fields.flatMap(([field, [before, after]]) =>
                    fieldSentences(field, before, after).map((sentence) => (
                      <li key={`${field}:${sentence}`} data-testid="diff-field" data-field={pathInWords(field)} className="break-words">
                        {sentence}
                      </li>
                    )),
                  )}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function AuditRecords({ records }: { records: Change['records'] }) {
  if (!records.length) return <p className="text-sm text-slate-600">No audit records for this change.</p>;
  return (
    <table className="w-full text-left text-sm" data-testid="audit-records">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th className="pb-2 pr-4 font-medium">Seq</th>
          <th className="pb-2 pr-4 font-medium">Kind</th>
          <th className="pb-2 pr-4 font-medium">Time</th>
          <th className="pb-2 pr-4 font-medium">By</th>
          <th className="pb-2 font-medium">Hash</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {records.map((r) => (
          <tr key={r.seq} data-testid="audit-record" data-seq={r.seq} data-kind={r.kind}>
            <td className="py-1.5 pr-4 font-mono tabular-nums text-slate-700">{r.seq}</td>
            <td className="py-1.5 pr-4 font-mono text-xs text-slate-800">{r.kind}</td>
            <td className="whitespace-nowrap py-1.5 pr-4 text-slate-600">
              <DateTime at={r.at} />
            </td>
            <td className="py-1.5 pr-4 text-slate-600">{r.actorName ?? <span className="text-slate-400">panel</span>}</td>
            <td className="py-1.5">
              <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700" title={r.hash}>
                {r.hash.slice(0, 12)}
              </code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
