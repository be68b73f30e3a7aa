// "Draft a change that undoes it", for a change made on a host outside Switchboard: the
// operations that take the host from the read after that change back to the read before it
// (plan/undo-outside.ts), added to the host's draft. Review then plans them against the host as
// it is now, like any draft, so a host that moved on since is caught there.
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { Actor } from '@/server/hosts/hosts';
import { undoOutsideChange } from '@/server/plan/undo-outside';
import { snapshotTopology } from '@/server/topology/timeline';
import { addOperations, type DraftView } from './drafts';

export interface OutsideUndoDrafted {
  draft: DraftView;
  /** How many operations went into the draft. */
  drafted: number;
  /** What the draft leaves as the outside change made it, each in a sentence. */
  notUndone: string[];
}

export async function draftUndoOfOutsideChange(db: Db, actor: Actor, observedChangeId: string): Promise<OutsideUndoDrafted> {
  const row = await db.observedChange.findUnique({ where: { id: observedChangeId } });
  if (!row) throw new AppError('NOT_FOUND', { userMessage: 'That outside change is not recorded (any more).' });
  // The reads before and after it, as the time slider shows them.
  const [before, after] = await Promise.all([snapshotTopology(db, row.hostId, row.fromSnapshotId), snapshotTopology(db, row.hostId, row.toSnapshotId)]);
  const undo = undoOutsideChange(before.topology, after.topology);
  if (!undo.operations.length) {
    throw new AppError('BAD_INPUT', { userMessage: `Switchboard cannot undo any of this change: ${undo.notUndone.join('; ')}.` });
  }
  const draft = await addOperations(db, actor, row.hostId, undo.operations);
  return { draft, drafted: undo.operations.length, notUndone: undo.notUndone };
}
