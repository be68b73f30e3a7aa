import type { Db } from '@/server/db/client';
import { createDb } from '@/server/db/client';
import { migrateDeploy } from '@/server/db/prisma-cli';
import type { ScratchDatabase } from '@/server/db/scratch';
import { createScratchDatabase } from '@/server/db/scratch';
import { resolveDatabaseTarget } from '@/server/db/url';

/** Storage and service tests run on both providers (issue 3). */
export const PROVIDERS = ['sqlite', 'postgresql'] as const;

export interface TestDatabase {
  db: Db;
  scratch: ScratchDatabase;
  close(): Promise<void>;
}

/** A fresh database with the committed migrations applied, exactly as `npm start` does. */
export async function openTestDatabase(provider: (typeof PROVIDERS)[number]): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(provider);
  await migrateDeploy(scratch.url);
  const db = await createDb(resolveDatabaseTarget({ DATABASE_URL: scratch.url }));
  return {
    db,
    scratch,
    async close() {
      await db.$disconnect();
      await scratch.drop();
    },
  };
}

/** Removes every row, children first, so each test starts from an empty panel. */
export async function emptyAllTables(db: Db) {
  await db.session.deleteMany();
  await db.loginAttempt.deleteMany();
  await db.setupToken.deleteMany();
  await db.user.deleteMany();
  await db.panelIdentity.deleteMany();
  await db.hostEvent.deleteMany();
  await db.topologySnapshot.deleteMany();
  await db.observedChange.deleteMany();
  await db.counterSample.deleteMany();
  await db.graphLayout.deleteMany();
  await db.draftOperation.deleteMany();
  await db.changeSet.deleteMany();
  await db.auditRecord.deleteMany();
  await db.hostLock.deleteMany();
  await db.host.deleteMany();
}

/** Every row of every table, for "nothing changed" assertions. */
export async function snapshotAllTables(db: Db) {
  const [users, sessions, loginAttempts, setupTokens, panelIdentities, hosts, hostEvents, snapshots, observedChanges, counterSamples, graphLayouts, draftOperations, changeSets, auditRecords, hostLocks] = await Promise.all([
    db.user.findMany({ orderBy: { id: 'asc' } }),
    db.session.findMany({ orderBy: { id: 'asc' } }),
    db.loginAttempt.findMany({ orderBy: { id: 'asc' } }),
    db.setupToken.findMany({ orderBy: { id: 'asc' } }),
    db.panelIdentity.findMany({ orderBy: { id: 'asc' } }),
    db.host.findMany({ orderBy: { id: 'asc' } }),
    db.hostEvent.findMany({ orderBy: { id: 'asc' } }),
    db.topologySnapshot.findMany({ orderBy: { id: 'asc' } }),
    db.observedChange.findMany({ orderBy: { id: 'asc' } }),
    db.counterSample.findMany({ orderBy: { id: 'asc' } }),
    db.graphLayout.findMany({ orderBy: [{ userId: 'asc' }, { hostId: 'asc' }] }),
    db.draftOperation.findMany({ orderBy: { id: 'asc' } }),
    db.changeSet.findMany({ orderBy: { id: 'asc' } }),
    db.auditRecord.findMany({ orderBy: { seq: 'asc' } }),
    db.hostLock.findMany({ orderBy: { hostId: 'asc' } }),
  ]);
  return { users, sessions, loginAttempts, setupTokens, panelIdentities, hosts, hostEvents, snapshots, observedChanges, counterSamples, graphLayouts, draftOperations, changeSets, auditRecords, hostLocks };
}
