// The final write of an apply, fenced. A panel whose database stalled past its lock's lifetime
// may find that the recovery sweep (of this or another panel) has already settled its change;
// its own late result must then not overwrite that record. Status, final audit record and the
// lock check commit together in one transaction, or nothing is written.
import type { Db } from '@/server/db/client';
import { appendAuditIn, inAuditTransaction, type AuditEntry } from '@/server/audit/records';
import type { ChangeStatus } from './changes.types';

export interface ApplyOwner {
  hostId: string;
  changeId: string;
  /** The lock holder id this panel took the host's lock with. */
  holder: string;
}

/**
 * Settles a change this panel is applying: only while its host lock is still this holder's
 * for this change and the change is still `applying`. Returns false, writing nothing, when
 * someone else has taken over.
 */
export async function settleOwnApply(db: Db, owner: ApplyOwner, status: ChangeStatus, record: AuditEntry): Promise<boolean> {
  return inAuditTransaction(db, async (tx) => {
    const lock = await tx.hostLock.findUnique({ where: { hostId: owner.hostId } });
    if (!lock || lock.holder !== owner.holder || lock.changeId !== owner.changeId) return false;
    const claimed = await tx.changeSet.updateMany({ where: { id: owner.changeId, status: 'applying' }, data: { status, finishedAt: new Date() } });
    if (claimed.count !== 1) return false;
    await appendAuditIn(tx, record);
    return true;
  });
}
