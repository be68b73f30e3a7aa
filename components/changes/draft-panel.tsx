'use client';

// The host's draft, in order: what each operation does, who drafted it, why it does not fit
// (if it does not), and a way to undo it. Review starts from here.
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useDraftEditor } from '@/components/changes/draft-context';
import { RelativeTime } from '@/components/hosts/host-status';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/error-message';

export function DraftPanel({ onReview }: { onReview: () => void }) {
  const trpc = useTRPC();
  const { hostId, canEdit, draft, setDraft } = useDraftEditor();
  const remove = useMutation(trpc.changes.removeOperation.mutationOptions({ onSuccess: setDraft }));
  const discard = useMutation(trpc.changes.discardDraft.mutationOptions({ onSuccess: setDraft }));
  const items = draft?.items ?? [];
  const invalid = items.filter((i) => i.errors.length).length;
  const busy = remove.isPending || discard.isPending;
  const me = useQuery(trpc.auth.me.queryOptions());
  const othersOps = items.filter((i) => me.data && i.authorName !== me.data.username);
  const othersNames = [...new Set(othersOps.map((i) => i.authorName))].join(' and ');
  const [confirming, setConfirming] = useState(false);

  return (
    <section data-testid="draft-panel" aria-labelledby="draft-heading" className="space-y-3">
      <header className="flex items-center gap-2">
        <h3 id="draft-heading" className="text-sm font-semibold text-slate-900">
          Draft
        </h3>
        <span
          data-testid="draft-count"
          className={`rounded-full px-2 py-0.5 text-xs font-medium ${items.length ? 'bg-amber-100 text-amber-900' : 'bg-slate-100 text-slate-600'}`}
        >
          {items.length} pending
        </span>
        {draft?.basedOn && (
          <span className="ml-auto text-[11px] text-slate-500">
            against the read of <RelativeTime at={draft.basedOn.observedAt} />
          </span>
        )}
      </header>

      {canEdit && (
        <div className="flex flex-wrap gap-2">
          <Button type="button" onClick={onReview} disabled={!items.length || !draft?.valid || busy}>
            Review changes
          </Button>
          <Button
            type="button"
            variant="danger"
            disabled={!items.length || busy || confirming}
            title="Removes every drafted operation, for everyone editing this host"
            onClick={() => (othersOps.length ? setConfirming(true) : discard.mutate({ hostId }))}
          >
            Discard draft
          </Button>
        </div>
      )}
      {confirming && (
        // The draft is shared: throwing away someone else's work is asked about first.
        <div role="alertdialog" aria-labelledby="discard-others" data-testid="discard-confirm" className="space-y-2 rounded-md border border-red-200 bg-red-50 p-2.5 text-xs text-red-900">
          <p id="discard-others">
            This draft holds {othersOps.length} operation{othersOps.length === 1 ? '' : 's'} by {othersNames}. Discard {othersOps.length === 1 ? 'it' : 'them'} too?
          </p>
          <div className="flex gap-2">
            <Button
              type="button"
              variant="danger"
              onClick={() => {
                setConfirming(false);
                discard.mutate({ hostId });
              }}
            >
              Discard everyone’s operations
            </Button>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)}>
              Keep the draft
            </Button>
          </div>
        </div>
      )}

      {!draft ? (
        <p className="text-xs text-slate-500">Loading the draft…</p>
      ) : items.length === 0 ? (
        <p className="text-xs text-slate-500">
          {canEdit
            ? 'Nothing drafted. Drag from one interface’s right handle to a bridge or bond, use “New”, or edit a selected interface.'
            : 'Nothing drafted for this host.'}
        </p>
      ) : (
        <ol className="space-y-1.5">
          {items.map((item, index) => (
            <li
              key={item.id}
              data-testid="draft-op"
              data-invalid={item.errors.length ? 'true' : undefined}
              className={`group rounded-md border px-2.5 py-1.5 text-xs ${item.errors.length ? 'border-red-200 bg-red-50/60' : 'border-slate-200 bg-white'}`}
            >
              <div className="flex items-start gap-2">
                <span className="mt-px font-mono text-[10px] text-slate-400">{index + 1}</span>
                <div className="min-w-0 flex-1">
                  <p className="font-medium text-slate-900">{item.description}</p>
                  <p className="text-[11px] text-slate-500">
                    by {item.authorName}, <RelativeTime at={item.createdAt} />
                    {item.revertOf && (
                      <>
                        {' · '}
                        <Link href={`/history/${item.revertOf.changeId}`} className="text-sky-700 hover:text-sky-900" data-testid="draft-op-revert-of">
                          revert of {item.revertOf.label}
                        </Link>
                      </>
                    )}
                  </p>
                </div>
                {canEdit && (
                  <button
                    type="button"
                    aria-label={`Undo ${item.description}`}
                    title="Undo"
                    disabled={busy}
                    onClick={() => remove.mutate({ hostId, operationId: item.id })}
                    className="rounded px-1.5 py-0.5 text-slate-500 hover:bg-slate-100 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 disabled:opacity-40"
                  >
                    ↶ Undo
                  </button>
                )}
              </div>
              {item.errors.length > 0 && (
                <ul data-testid="draft-op-errors" className="mt-1 space-y-0.5 pl-4 text-red-700">
                  {item.errors.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}

      {remove.error && <ErrorMessage error={remove.error} />}
      {discard.error && <ErrorMessage error={discard.error} />}
      {invalid > 0 && (
        <p className="text-xs text-red-700">
          {invalid} operation{invalid === 1 ? ' does' : 's do'} not fit the host; undo or fix {invalid === 1 ? 'it' : 'them'} before review.
        </p>
      )}

    </section>
  );
}
