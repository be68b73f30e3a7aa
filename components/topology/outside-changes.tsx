'use client';

import { useEffect, useMemo, useState } from 'react';
import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { pictureDifferences } from '@/components/changes/picture-differences';
import type { PendingMark } from '@/components/changes/pending-graph';
import { RelativeTime } from '@/components/hosts/host-status';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { isoDateTime } from '@/components/ui/date-words';
import { ErrorMessage } from '@/components/ui/error-message';
import type { Topology } from '@/server/topology/model';

/** How many acknowledged changes the list keeps showing below the open ones. */
const ACKNOWLEDGED_SHOWN = 5;

/**
 * What a change outside Switchboard touched, as marks on the live graph: what it added is drawn
 * as added, what it changed as changed (what it removed is not on the graph; the sentences say it).
 */
function useOutsideMarks(hostId: string, change: { fromSnapshotId: string; toSnapshotId: string } | null): ReadonlyMap<string, PendingMark> | null {
  const trpc = useTRPC();
  const from = useQuery(trpc.topology.snapshot.queryOptions(change ? { hostId, snapshotId: change.fromSnapshotId } : skipToken));
  const to = useQuery(trpc.topology.snapshot.queryOptions(change ? { hostId, snapshotId: change.toSnapshotId } : skipToken));
  return useMemo(() => {
    if (!change || !from.data || !to.data) return null;
    const d = pictureDifferences(from.data.topology as Topology, to.data.topology as Topology);
    return new Map<string, PendingMark>([...[...d.addedIds].map((id) => [id, 'added'] as const), ...[...d.changed].map((id) => [id, 'changed'] as const)]);
  }, [change, from.data, to.data]);
}

/**
 * The host's changes made outside Switchboard, newest first: each in sentences, drawn on the
 * graph when picked, with "Acknowledge" and "Draft undo" for operators. The fleet's badge opens
 * it (`?outside=1`).
 */
export function OutsideChanges(props: { hostId: string; canEdit: boolean; onMarks: (marks: ReadonlyMap<string, PendingMark> | null) => void; onClose: () => void }) {
  const { hostId, canEdit, onMarks, onClose } = props;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.topology.observedChanges.queryOptions({ hostId }));
  const rows = useMemo(() => {
    const all = list.data ?? [];
    return [...all.filter((c) => !c.acknowledgedAt), ...all.filter((c) => c.acknowledgedAt).slice(0, ACKNOWLEDGED_SHOWN)];
  }, [list.data]);
  const [shownId, setShownId] = useState<string | null>(null);
  // The newest open change is drawn at once: that is what the badge was about.
  const firstOpen = rows.find((c) => !c.acknowledgedAt)?.id ?? null;
  const shown = rows.find((c) => c.id === (shownId ?? firstOpen)) ?? null;
  const marks = useOutsideMarks(hostId, shown);
  useEffect(() => {
    onMarks(marks);
  }, [marks, onMarks]);
  useEffect(() => () => onMarks(null), [onMarks]);

  const invalidateList = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.topology.observedChanges.queryKey({ hostId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.topology.fleet.queryKey() });
  };
  const acknowledge = useMutation(trpc.topology.acknowledgeChanges.mutationOptions({ onSuccess: invalidateList }));
  const [undone, setUndone] = useState<{ id: string; drafted: number; misfits: number; notUndone: string[] } | null>(null);
  const undo = useMutation(
    trpc.changes.undoOutsideChange.mutationOptions({
      onSuccess: (r, input) => {
        // The draft validates the new operations against the host as it is now, after whatever changed since.
        const misfits = r.draft.items.slice(-r.drafted).filter((i) => i.errors.length).length;
        setUndone({ id: input.observedChangeId, drafted: r.drafted, misfits, notUndone: r.notUndone });
        queryClient.setQueryData(trpc.changes.draft.queryKey({ hostId }), r.draft);
      },
    }),
  );

  return (
    <section data-testid="outside-changes" aria-labelledby="outside-heading" className="space-y-2 text-sm">
      <div className="flex items-center gap-2">
        <h2 id="outside-heading" className="font-semibold text-slate-900">
          Changed outside Switchboard
        </h2>
        <button type="button" className="ml-auto text-xs text-slate-600 underline" onClick={onClose}>
          Close
        </button>
      </div>
      {list.error && <ErrorMessage error={list.error} />}
      {acknowledge.error && <ErrorMessage error={acknowledge.error} />}
      {undo.error && <ErrorMessage error={undo.error} />}
      {list.data && !rows.length && <p className="text-slate-500">Nothing on this host changed outside Switchboard.</p>}
      {shown && (
        <p className="text-xs text-slate-600" data-testid="outside-marks-legend">
          The graph marks what the picked change added (blue, dashed) and changed (amber).
        </p>
      )}
      <ol className="space-y-2">
        {rows.map((c) => (
          <li
            key={c.id}
            data-testid="outside-change"
            data-acknowledged={c.acknowledgedAt ? 'true' : undefined}
            data-shown={shown?.id === c.id ? 'true' : undefined}
            className={`rounded-md border p-2 ${shown?.id === c.id ? 'border-sky-400 bg-sky-50' : c.acknowledgedAt ? 'border-slate-200' : 'border-amber-300 bg-amber-50'}`}
          >
            <button type="button" className="w-full text-left" onClick={() => setShownId(c.id)} title="Show on the graph">
              <span className="text-xs text-slate-600">
                <RelativeTime at={c.observedAt} /> ({isoDateTime(new Date(c.observedAt))}){c.acknowledgedAt ? ', acknowledged' : ''}
              </span>
              <ul className="mt-1 list-disc pl-4 text-slate-800">
                {c.summary.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </button>
            {canEdit && (
              <div className="mt-2 flex flex-wrap gap-2">
                <Button variant="secondary" onClick={() => undo.mutate({ observedChangeId: c.id })} disabled={undo.isPending || undone?.id === c.id}>
                  Draft undo
                </Button>
                {!c.acknowledgedAt && (
                  <Button variant="secondary" onClick={() => acknowledge.mutate({ hostId, observedChangeId: c.id })} disabled={acknowledge.isPending}>
                    Acknowledge
                  </Button>
                )}
              </div>
            )}
            {undone?.id === c.id && (
              <div role="status" data-testid="outside-undo-result" className="mt-2 text-xs text-slate-700">
                <p>
                  {undone.drafted} operation{undone.drafted === 1 ? '' : 's'} drafted to undo it; review {undone.drafted === 1 ? 'it' : 'them'} with the draft.
                </p>
                {undone.misfits > 0 && (
                  <p className="mt-1 font-medium text-amber-900">
                    {undone.misfits} of them {undone.misfits === 1 ? 'does' : 'do'} not fit the host as it is now (it changed since); the draft says why.
                  </p>
                )}
                {undone.notUndone.length > 0 && (
                  <>
                    <p className="mt-1 font-medium">Left as it is:</p>
                    <ul className="list-disc pl-4">
                      {undone.notUndone.map((line) => (
                        <li key={line}>{line}</li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
