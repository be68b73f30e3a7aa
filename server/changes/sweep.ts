// The periodic search for applies whose panel died (see recovery.ts). Every instance runs it;
// recovery claims a change atomically, so two instances never settle the same one twice.
import { getDb } from '@/server/db/client';
import { getPanelPool } from '@/server/hosts/panel-pool';
import { LOCK_TTL_MS } from '@/server/apply/lock';
import { recoverStaleApplies } from './recovery';

/** Half the lock's lifetime: a dead panel's change is settled at most ~1.5 TTL after it died. */
const SWEEP_EVERY_MS = LOCK_TTL_MS / 2;

export function startRecoverySweep(): void {
  const sweep = async () => {
    try {
      const db = await getDb();
      const recovered = await recoverStaleApplies(db, getPanelPool(db));
      for (const id of recovered) console.log(`[recovery] change ${id} was interrupted; its record now says what the host did`);
    } catch (err) {
      console.error('[recovery] sweep failed', err);
    }
  };
  setTimeout(() => void sweep(), 1_000).unref();
  setInterval(() => void sweep(), SWEEP_EVERY_MS).unref();
}
