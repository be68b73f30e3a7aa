import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Db } from '@/server/db/client';
import { createDb } from '@/server/db/client';
import { migrateDeploy } from '@/server/db/prisma-cli';
import type { ScratchDatabase } from '@/server/db/scratch';
import { createScratchDatabase } from '@/server/db/scratch';
import { resolveDatabaseTarget } from '@/server/db/url';

describe.each(['sqlite', 'postgresql'] as const)('storage on %s', (provider) => {
  let scratch: ScratchDatabase;
  let db: Db;

  beforeAll(async () => {
    scratch = await createScratchDatabase(provider);
    await migrateDeploy(scratch.url);
    db = await createDb(resolveDatabaseTarget({ DATABASE_URL: scratch.url }));
  });
  afterAll(async () => {
    await db?.$disconnect();
    await scratch?.drop();
  });

  it('applies the committed migrations and round-trips a row', async () => {
    const user = await db.user.create({
      data: { username: 'alice', passwordHash: 'x', role: 'viewer' },
    });
    const found = await db.user.findUniqueOrThrow({ where: { username: 'alice' } });
    expect(found.id).toBe(user.id);
    expect(found.createdAt).toBeInstanceOf(Date);
  });

  it('enforces the unique username', async () => {
    await expect(
      db.user.create({ data: { username: 'alice', passwordHash: 'y', role: 'admin' } }),
    ).rejects.toThrow();
  });

  it('cascades session deletion with the user', async () => {
    const user = await db.user.create({ data: { username: 'bob', passwordHash: 'x', role: 'viewer' } });
    await db.session.create({
      data: { id: 'hash-1', userId: user.id, expiresAt: new Date(Date.now() + 60_000) },
    });
    await db.user.delete({ where: { id: user.id } });
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
  });

  it('a second migrate deploy (as at every start) is a no-op and keeps the data', async () => {
    // On a WAL SQLite file, migrate deploy fails with SQLITE_BUSY while any other connection is
    // open, which is why scripts/start.sh migrates before the server starts.
    await db.$disconnect();
    const { stdout } = await migrateDeploy(scratch.url);
    expect(stdout).toMatch(/No pending migrations/);
    db = await createDb(resolveDatabaseTarget({ DATABASE_URL: scratch.url }));
    expect(await db.user.count({ where: { username: 'alice' } })).toBe(1);
  });

  if (provider === 'sqlite') {
    it('keeps the SQLite file in WAL mode', () => {
      const file = new Database(scratch.url.replace(/^file:/, ''), { readonly: true });
      try {
        expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        file.close();
      }
    });
  }
});
