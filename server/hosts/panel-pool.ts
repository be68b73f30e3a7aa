// The process-wide SSH pool of the panel: its identity's private key, and refused host keys
// recorded in the host's event log.
import type { Db } from '@/server/db/client';
import { recordKeyMismatch } from '@/server/hosts/hosts';
import { loadPanelPrivateKey } from '@/server/ssh/identity';
import { SshPool } from '@/server/ssh/pool';

// One pool per database client: the pool reads the identity and records refusals through the
// client it was made for (the server has one; tests open one per provider).
const globalForPool = globalThis as unknown as { switchboardSshPools?: WeakMap<Db, SshPool> };

/** A pool that authenticates as the panel and records refused host keys. */
export function createPanelPool(db: Db): SshPool {
  return new SshPool({
    privateKey: () => loadPanelPrivateKey(db),
    onHostKeyMismatch: (host, presented) => {
      recordKeyMismatch(db, host, presented).catch((err: unknown) => {
        console.error(`[ssh] could not record the refused host key of ${host.name}:`, err);
      });
    },
  });
}

export function getPanelPool(db: Db): SshPool {
  const pools = (globalForPool.switchboardSshPools ??= new WeakMap());
  let pool = pools.get(db);
  if (!pool) {
    pool = createPanelPool(db);
    pools.set(db, pool);
  }
  return pool;
}
