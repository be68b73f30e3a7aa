// One apply per host at a time, across every panel instance sharing the database. The lock is a
// row keyed by host id: creating it is atomic on SQLite and PostgreSQL alike (a second creator
// gets a unique violation). The holder renews it while it works; a row past its expiry belongs
// to a holder that died, and recovery (recovery.ts) settles its change before anyone takes it.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/server/db/client';
import { isUniqueViolation } from '@/server/db/errors';

/** This process, as a lock holder. A restarted panel is a new holder. */
export const INSTANCE_ID = `${process.pid}-${randomUUID().slice(0, 8)}`;

/** Long enough to ride out a slow database write; the holder renews every third of it. */
export const LOCK_TTL_MS = 30_000;

export type LockAttempt =
  | { acquired: true; owner: { hostId: string; holder: string; changeId: string }; release: () => Promise<void>; renew: () => Promise<boolean> }
  | { acquired: false; heldBy: { changeId: string | null; acquiredAt: Date; expired: boolean } };

export async function tryAcquireHostLock(db: Db, hostId: string, changeId: string, holder = INSTANCE_ID): Promise<LockAttempt> {
  const now = new Date();
  try {
    await db.hostLock.create({ data: { hostId, holder, changeId, acquiredAt: now, expiresAt: new Date(now.getTime() + LOCK_TTL_MS) } });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const row = await db.hostLock.findUnique({ where: { hostId } });
    if (!row) return tryAcquireHostLock(db, hostId, changeId, holder); // released meanwhile
    return { acquired: false, heldBy: { changeId: row.changeId, acquiredAt: row.acquiredAt, expired: row.expiresAt < now } };
  }
  const mine = { hostId, holder, changeId };
  return {
    acquired: true,
    owner: mine,
    // Conditional on holder and change: never renew or drop a lock someone else took over.
    // False when the lock is no longer ours (it expired and another panel settled the change).
    renew: async () => {
      const r = await db.hostLock.updateMany({ where: mine, data: { expiresAt: new Date(Date.now() + LOCK_TTL_MS) } });
      return r.count > 0;
    },
    release: async () => {
      await db.hostLock.deleteMany({ where: mine });
    },
  };
}

/**
 * Removes an expired lock once its change is settled (or was never started), only if it is
 * still that same expired lock: a holder that died between taking the lock and starting, or a
 * release that failed, must not block the host for good.
 */
export async function breakExpiredLock(db: Db, hostId: string, changeId: string | null): Promise<boolean> {
  const r = await db.hostLock.deleteMany({ where: { hostId, changeId, expiresAt: { lt: new Date() } } });
  return r.count > 0;
}
