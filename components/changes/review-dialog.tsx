'use client';

// Review and apply: the server reads the live host, checks the draft against it and either
// refuses (what no longer fits, and what changed on the host) or returns the exact plan: every
// command and its inverse. Apply needs a reason, and an explicit yes when a step may cut the
// panel's own SSH connection or cut VMs off a network. The running change is then followed step by step.
import { CommandDocuments } from './command-documents';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LIVE_STATUSES } from '@/components/changes/change-status';
import { ChangeSteps } from '@/components/changes/change-steps';
import { useDraftEditor } from '@/components/changes/draft-context';
import { Modal } from '@/components/ui/modal';
import { useTRPC } from '@/components/trpc/client';
import type { RouterOutputs } from '@/components/trpc/types';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/error-message';
import { MAX_CONFIRM_WINDOW_SECONDS, MIN_CONFIRM_WINDOW_SECONDS } from '@/server/plan/confirmation';
import { changeInWords } from '@/server/topology/change-words';
import { isoTime } from '@/components/ui/date-words';

type Review = RouterOutputs['changes']['review'];
type OkReview = Extract<Review, { ok: true }>;
type DiffEntry = OkReview['diff'][number];

/** While the dialog is hidden during an apply: often enough to refresh the graph promptly. */
const HIDDEN_POLL_MS = 1_500;

/** A change has settled once it is neither waiting for apply nor running. */
export function isFinalStatus(status: string): boolean {
  return status !== 'reviewed' && !LIVE_STATUSES.has(status);
}

/** One line per graph change, in sentences: the server's own words (change-words.ts). */
export const describeDiff = (c: DiffEntry): string => changeInWords(c);

const CHANGE_STYLE = {
  added: 'text-emerald-700',
  removed: 'text-red-700',
  changed: 'text-amber-700',
} as const;

function DiffSummary({ diff }: { diff: DiffEntry[] }) {
  const count = (k: DiffEntry['change']) => diff.filter((d) => d.change === k).length;
  return (
    <section data-testid="plan-diff" className="space-y-1.5">
      <h3 className="text-sm font-semibold text-slate-900">What the graph will look like</h3>
      <p className="flex flex-wrap gap-3 text-xs">
        <span className="text-emerald-700" data-testid="diff-added">
          {count('added')} added
        </span>
        <span className="text-red-700" data-testid="diff-removed">
          {count('removed')} removed
        </span>
        <span className="text-amber-700" data-testid="diff-changed">
          {count('changed')} changed
        </span>
      </p>
      {diff.length > 0 && (
        <ul className="max-h-40 space-y-0.5 overflow-y-auto rounded-md border border-slate-200 bg-slate-50 p-2 text-xs">
          {diff.map((d, i) => (
            <li key={i} className={CHANGE_STYLE[d.change]}>
              {describeDiff(d)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Plan({ review }: { review: OkReview }) {
  return (
    <div className="space-y-4">
      <ol className="space-y-2.5" aria-label="Steps in order">
        {review.steps.map((step, i) => (
          <li key={i} data-testid="plan-step" data-disruptive={step.disruptive ? 'true' : undefined} className="rounded-lg border border-slate-200 p-3">
            <div className="flex flex-wrap items-baseline gap-2">
              <span className="font-mono text-xs text-slate-400">#{i + 1}</span>
              <span className="text-sm font-medium text-slate-900">{step.description}</span>
              {review.draftedBy[step.draftIndex] && (
                <span className="text-xs text-slate-500" data-testid="plan-drafted-by">
                  drafted by {review.draftedBy[step.draftIndex]}
                </span>
              )}
              {step.disruptive && (
                <span className="rounded-full bg-red-600 px-2 py-0.5 text-[11px] font-semibold uppercase tracking-wide text-white" data-testid="plan-disruptive">
                  disruptive
                </span>
              )}
              {review.persistence.runtimeOnlySteps.includes(i) && (
                <span className="rounded-full bg-slate-200 px-2 py-0.5 text-[11px] font-semibold uppercase tracking-wide text-slate-700" data-testid="plan-runtime-only" title="A reboot undoes it">
                  runtime only
                </span>
              )}
            </div>
            {step.disruptive && <p className="mt-1 text-xs text-red-700">{step.disruptive}</p>}
            {step.deferred && (
              <p className="mt-1 text-xs text-amber-800" data-testid="plan-deferred">
                {step.deferred}
              </p>
            )}
            {step.warnings?.map((w) => (
              <p key={w} className="mt-1 rounded border border-amber-300 bg-amber-50 px-2 py-1 text-xs text-amber-900" data-testid="plan-warning">
                <span className="font-semibold">Warning: </span>
                {w}
              </p>
            ))}
            <ul className="mt-2 space-y-1.5">
              {step.commands.map((c, j) => (
                <li key={j} className="space-y-1">
                  <code data-testid="plan-command" className="block break-all rounded bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100">
                    {c.argv.join(' ')}
                  </code>
                  <CommandDocuments documents={c.documents} argv={c.argv} />
                  {c.inverse.map((inv, k) => (
                    <div key={k} className="flex items-baseline gap-1.5 pl-3">
                      <span className="text-[10px] uppercase tracking-wide text-slate-400">undo</span>
                      <code data-testid="plan-inverse" className="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-700">
                        {inv.join(' ')}
                      </code>
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      <DiffSummary diff={review.diff} />
    </div>
  );
}

function Refused({ review }: { review: Extract<Review, { ok: false }> }) {
  return (
    <div className="space-y-3" data-testid="review-problems">
      <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        The draft no longer fits {review.hostName} as it is now. Undo or redo these operations, then review again.
      </p>
      {review.problems.length > 0 && (
        <ul className="space-y-2">
          {review.problems.map((p) => (
            <li key={p.id} data-testid="review-problem" className="rounded-md border border-red-200 p-2 text-sm">
              <p className="font-medium text-slate-900">{p.description}</p>
              <ul className="mt-0.5 list-disc pl-5 text-xs text-red-700">
                {p.errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
      {review.hostChanges.length > 0 && (
        <div data-testid="host-changes" className="rounded-md border border-amber-200 bg-amber-50 p-2 text-sm text-amber-900">
          <p>The host changed since the draft was made: {review.hostChanges.join('; ')}</p>
        </div>
      )}
    </div>
  );
}

export function ReviewDialog({ open, onClose, onFinished }: { open: boolean; onClose: () => void; onFinished: () => void }) {
  const trpc = useTRPC();
  const { hostId, draft } = useDraftEditor();
  const review = useMutation(trpc.changes.review.mutationOptions());
  const queryClient = useQueryClient();
  // A refused apply (the draft changed, or another tab applied it) re-reads the draft, so the
  // panel behind the dialog lists what is really left.
  const apply = useMutation(
    trpc.changes.applyChange.mutationOptions({ onError: () => void queryClient.invalidateQueries({ queryKey: trpc.changes.draft.queryKey({ hostId }) }) }),
  );
  const [reason, setReason] = useState('');
  // A revert's draft starts with a reason that says so (the operator can say more).
  const revertOf = draft?.revertOf;
  const revertReason = revertOf ? `Revert of ${revertOf.label}${revertOf.reason ? ` (“${revertOf.reason}”)` : ''}` : '';
  const [confirmed, setConfirmed] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);
  /** This change's confirmation window in seconds, when the operator changes the host's. */
  const [windowSeconds, setWindowSeconds] = useState<string>('');
  const [changeId, setChangeId] = useState<string | null>(null);
  // Shares the cache entry ChangeSteps polls while the dialog shows it; hidden, the dialog
  // polls itself so the graph still learns when the change settles.
  const change = useQuery({
    ...trpc.changes.get.queryOptions(changeId ? { changeId } : skipToken),
    refetchInterval: (query) => (!open && query.state.data && !isFinalStatus(query.state.data.status) ? HIDDEN_POLL_MS : false),
    refetchIntervalInBackground: true,
  });
  const finished = change.data ? isFinalStatus(change.data.status) : false;
  const notified = useRef<string | null>(null);

  const { mutate: runReview, reset: resetReview } = review;
  const { reset: resetApply } = apply;
  // Each opening reviews afresh, unless an apply from this dialog is still running.
  const running = changeId !== null && !finished;
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open && !wasOpen.current && !running) {
      setChangeId(null);
      setReason(revertReason);
      setConfirmed(false);
      setAcknowledged(false);
      setWindowSeconds('');
      resetApply();
      resetReview();
      runReview({ hostId });
    }
    wasOpen.current = open;
  }, [open, running, hostId, runReview, resetReview, resetApply, revertReason]);

  useEffect(() => {
    if (changeId && finished && notified.current !== changeId) {
      notified.current = changeId;
      onFinished();
    }
  }, [changeId, finished, onFinished]);

  const data = review.data;
  const ok = data?.ok ? data : null;
  const windowValue = windowSeconds.trim() === '' ? undefined : Number(windowSeconds);
  const windowOk = windowValue === undefined || (Number.isInteger(windowValue) && windowValue >= MIN_CONFIRM_WINDOW_SECONDS && windowValue <= MAX_CONFIRM_WINDOW_SECONDS);
  const warned = ok !== null && ok.steps.some((s) => (s.warnings?.length ?? 0) > 0);
  const canApply = ok !== null && reason.trim().length > 0 && (!ok.disruptive || confirmed) && (!warned || acknowledged) && windowOk && !apply.isPending;

  return (
    <Modal open={open} onClose={onClose} title={data ? `Review changes on ${data.hostName}` : 'Review changes'} testId="review-dialog" wide>
      {changeId ? (
        <div className="space-y-4">
          <ChangeSteps changeId={changeId} />
          <div className="flex items-center justify-between gap-3 border-t border-slate-100 pt-3">
            <Link href={`/history/${changeId}`} className="text-sm font-medium text-sky-700 hover:underline">
              Open in history
            </Link>
            <Button type="button" variant={finished ? 'primary' : 'secondary'} onClick={onClose}>
              {finished ? 'Done' : 'Hide (keeps running)'}
            </Button>
          </div>
        </div>
      ) : review.isPending ? (
        <p className="flex items-center gap-2 text-sm text-slate-600" role="status">
          <span aria-hidden className="inline-block h-3.5 w-3.5 animate-spin rounded-full border-2 border-sky-200 border-t-sky-600" />
          Reading the host and planning the commands…
        </p>
      ) : review.error ? (
        <div className="space-y-3">
          <ErrorMessage error={review.error} />
          <Button type="button" variant="secondary" onClick={() => runReview({ hostId })}>
            Try again
          </Button>
        </div>
      ) : data && !data.ok ? (
        <div className="space-y-4">
          <Refused review={data} />
          <div className="flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={() => runReview({ hostId })}>
              Review again
            </Button>
            <Button type="button" onClick={onClose}>
              Back to the draft
            </Button>
          </div>
        </div>
      ) : ok ? (
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!canApply) return;
            apply.mutate(
              { changeId: ok.changeId, reason: reason.trim(), confirmDisruptive: confirmed, acknowledgeWarnings: acknowledged, ...(ok.confirmWindowSeconds && windowValue !== undefined ? { confirmWindowSeconds: windowValue } : {}) },
              { onSuccess: (r) => setChangeId(r.changeId) },
            );
          }}
        >
          <p className="text-xs text-slate-500">
            Planned against the host as read at {isoTime(new Date(ok.observedAt))}. {ok.steps.length} step{ok.steps.length === 1 ? '' : 's'}, run in this
            order; if one fails, the ones before it are undone with the commands marked “undo”.
          </p>
          <Plan review={ok} />
          <div>
            <label htmlFor="apply-reason" className="block text-sm font-medium text-slate-700">
              Reason
            </label>
            <textarea
              id="apply-reason"
              required
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              rows={2}
              maxLength={2000}
              placeholder="Why this change (kept in the audit trail)"
              className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500"
            />
          </div>
          {ok.disruptive && (
            <label className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-900">
              <input type="checkbox" className="mt-0.5" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
              I accept what the steps marked disruptive do (named in red above): they may cut the panel&apos;s connection to the host, or cut VMs off a network
            </label>
          )}
          {ok.persistence.sentence && (
            <p data-testid="runtime-only" className="rounded-md border border-slate-300 bg-slate-50 p-2 text-sm text-slate-800">
              {ok.persistence.sentence}
            </p>
          )}
          {warned && (
            <label className="flex items-start gap-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900">
              <input type="checkbox" className="mt-0.5" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} />
              I have read the warnings above and want this change anyway
            </label>
          )}
          {ok.confirmWindowSeconds > 0 ? (
            <div data-testid="confirm-window" className="rounded-md border border-sky-200 bg-sky-50 p-2 text-sm text-sky-900">
              <p>
                After the last step, {ok.hostName} waits{' '}
                <label className="inline-flex items-center gap-1">
                  <input
                    type="number"
                    aria-label="Seconds to wait for the confirmation"
                    min={MIN_CONFIRM_WINDOW_SECONDS}
                    max={MAX_CONFIRM_WINDOW_SECONDS}
                    value={windowSeconds}
                    placeholder={String(ok.confirmWindowSeconds)}
                    onChange={(e) => setWindowSeconds(e.target.value)}
                    className="w-16 rounded border border-sky-300 bg-white px-1 py-0.5 text-right text-sm"
                  />
                  s
                </label>{' '}
                for the panel to confirm, over a new connection, that it still reaches the host. If the change cuts the panel off, {ok.hostName} undoes it by itself.
              </p>
              {!windowOk && (
                <p className="mt-1 text-red-700">
                  The wait is a whole number of seconds from {MIN_CONFIRM_WINDOW_SECONDS} to {MAX_CONFIRM_WINDOW_SECONDS}.
                </p>
              )}
            </div>
          ) : (
            <p data-testid="confirm-window" className="text-xs text-slate-500">
              {ok.hostName} keeps this change without waiting for a confirmation: none of its steps is one the host&apos;s settings ask to confirm.
            </p>
          )}
          {apply.error && <ErrorMessage error={apply.error} />}
          <div className="flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={onClose}>
              Cancel
            </Button>
            {apply.error && (
              // The usual refusals (the host or the draft changed, another apply runs) need a fresh plan.
              <Button type="button" variant="secondary" onClick={() => { resetApply(); runReview({ hostId }); }}>
                Review again
              </Button>
            )}
            <Button type="submit" disabled={!canApply}>
              {apply.isPending ? 'Starting…' : 'Apply'}
            </Button>
          </div>
        </form>
      ) : null}
    </Modal>
  );
}
