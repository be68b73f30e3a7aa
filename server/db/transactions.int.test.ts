import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/server/db/generated/postgresql/client';
import { migrateDeploy } from '@/server/db/prisma-cli';
import type { ScratchDatabase } from '@/server/db/scratch';
import { createScratchPostgres } from '@/server/db/scratch';

/**
 * Regression test for patches/@prisma+client+6.19.3.patch. Prisma 6.19's transaction manager
 * sends COMMIT and only then releases the adapter's connection; when COMMIT fails (PostgreSQL
 * 40001 under Serializable) the connection was never released, so each conflict leaked one
 * pooled connection and `$disconnect()` hung forever. With a pool of 2, three leaks would
 * leave the last query waiting.
 */
describe('PostgreSQL transactions through the driver adapter', () => {
  let scratch: ScratchDatabase;
  let db: PrismaClient;

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    await migrateDeploy(scratch.url);
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: scratch.url, max: 2 }) });
    await db.user.createMany({
      data: ['a', 'b'].map((id) => ({ id, username: id, passwordHash: 'x', role: 'admin' })),
    });
  });
  afterAll(async () => {
    // Bounded: with the leak, $disconnect() never returns (DROP ... WITH (FORCE) still works).
    await Promise.race([db?.$disconnect(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await scratch?.drop();
  });

  it('releases the connection when a serializable COMMIT fails', async () => {
    const demote = (other: string) =>
      db.$transaction(
        async (tx) => {
          await tx.user.count({ where: { role: 'admin' } });
          await tx.user.update({ where: { id: other }, data: { role: 'viewer' } });
        },
        { isolationLevel: 'Serializable' },
      );
    let conflicts = 0;
    for (let round = 0; round < 50 && conflicts === 0; round++) {
      await db.user.updateMany({ data: { role: 'admin' } });
      const results = await Promise.allSettled([demote('a'), demote('b')]);
      conflicts += results.filter((r) => r.status === 'rejected').length;
    }
    expect(conflicts, 'no serialization conflict happened; the test proves nothing').toBeGreaterThan(0);

    // Both pooled connections must be usable again: two transactions that each wait for the
    // other to have started. With a leaked connection the second cannot start (maxWait).
    let started = 0;
    let bothStarted!: () => void;
    const barrier = new Promise<void>((resolve) => (bothStarted = resolve));
    const holdConnection = () =>
      db.$transaction(
        async (tx) => {
          await tx.user.count();
          if (++started === 2) bothStarted();
          await Promise.race([barrier, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        },
        { maxWait: 3_000, timeout: 10_000 },
      );
    const results = await Promise.allSettled([holdConnection(), holdConnection()]);
    expect(results.map((r) => r.status), 'a failed transaction kept its pooled connection').toEqual([
      'fulfilled',
      'fulfilled',
    ]);
  });
});
