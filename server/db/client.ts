import type { PrismaClient as SqlitePrismaClient } from '@/server/db/generated/sqlite/client';
import type { DatabaseTarget } from '@/server/db/url';
import { resolveDatabaseTarget } from '@/server/db/url';
import { secureSqliteFiles } from '@/server/db/file-modes';

/**
 * The client type the services are written against. Both generated clients come from the
 * same models (prisma/models.prisma) and only the provider differs, so the PostgreSQL client
 * is presented under the SQLite client's type; the storage tests run every service against
 * both to keep that honest.
 */
export type Db = SqlitePrismaClient;

export async function createDb(target: DatabaseTarget = resolveDatabaseTarget()): Promise<Db> {
  if (target.provider === 'postgresql') {
    const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
      import('@/server/db/generated/postgresql/client'),
      import('@prisma/adapter-pg'),
    ]);
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: target.url }) });
    return db as unknown as Db;
  }

  for (const change of secureSqliteFiles(target.filePath)) console.warn(`[db] made private: ${change}`);
  const [{ PrismaClient }, { PrismaBetterSQLite3 }] = await Promise.all([
    import('@/server/db/generated/sqlite/client'),
    import('@prisma/adapter-better-sqlite3'),
  ]);
  // `timeout` is better-sqlite3's busy timeout: wait for another writer instead of failing.
  const db = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: target.url, timeout: 5_000 }),
  });
  // WAL lets readers proceed while a write is in progress; the mode is stored in the file.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return db;
}

const globalForDb = globalThis as unknown as { switchboardDb?: Promise<Db> };

/** The process-wide client (one per server process; survives dev hot reloads). */
export function getDb(): Promise<Db> {
  globalForDb.switchboardDb ??= createDb().catch((error: unknown) => {
    globalForDb.switchboardDb = undefined;
    throw error;
  });
  return globalForDb.switchboardDb;
}
