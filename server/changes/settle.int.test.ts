// The fenced final write of an apply (settle.ts), against both databases: a panel that stalled
// past its lock's lifetime must not overwrite what recovery recorded.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@/server/audit/records';
import { tryAcquireHostLock, breakExpiredLock } from '@/server/apply/lock';
import { emptyAllTables, openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { settleOwnApply, type ApplyOwner } from './settle';

describe.each(PROVIDERS)('settling an apply on %s', (provider) => {
  let t: TestDatabase;
  let changeId: string;
  const hostId = 'host-1';

  beforeAll(async () => {
    t = await openTestDatabase(provider);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(t.db);
    const change = await t.db.changeSet.create({
      data: { hostId, hostName: 'hv1', status: 'applying', authorId: 'u1', authorName: 'otto', draftIds: '[]', operations: '[]', plan: '{}', baseHash: 'x', startedAt: new Date() },
    });
    changeId = change.id;
  });

  const finished = (result: string) => ({ kind: 'change.finished' as const, changeId, hostId, actor: { id: 'u1', name: 'otto' }, content: { result } });

  it('writes status and final record together while the lock and the change are still this panel\'s', async () => {
    const lock = await tryAcquireHostLock(t.db, hostId, changeId, 'panel-a');
    if (!lock.acquired) throw new Error('lock');
    expect(await settleOwnApply(t.db, lock.owner, 'applied', finished('applied'))).toBe(true);
    expect(await t.db.changeSet.findUniqueOrThrow({ where: { id: changeId } })).toMatchObject({ status: 'applied', finishedAt: expect.any(Date) });
    expect(await t.db.auditRecord.count({ where: { changeId, kind: 'change.finished' } })).toBe(1);
  });

  it('writes nothing when renewals stalled, the lock expired and recovery settled the change meanwhile', async () => {
    const lock = await tryAcquireHostLock(t.db, hostId, changeId, 'panel-a');
    if (!lock.acquired) throw new Error('lock');
    // Panel A stops renewing (its database stalled); the lock runs out.
    await t.db.hostLock.update({ where: { hostId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    // Recovery (any panel) claims the change, records it, and clears the expired lock ...
    await t.db.changeSet.update({ where: { id: changeId }, data: { status: 'interrupted', finishedAt: new Date() } });
    expect(await breakExpiredLock(t.db, hostId, changeId)).toBe(true);
    // ... and the host is locked again, by another panel, for the next change.
    const next = await tryAcquireHostLock(t.db, hostId, 'change-2', 'panel-b');
    expect(next.acquired).toBe(true);
    // Panel A wakes up with its late result: fenced.
    expect(await settleOwnApply(t.db, lock.owner, 'applied', finished('applied'))).toBe(false);
    expect((await t.db.changeSet.findUniqueOrThrow({ where: { id: changeId } })).status).toBe('interrupted');
    expect(await t.db.auditRecord.count()).toBe(0);
  });

  it('writes nothing when recovery has claimed the change though the expired lock row is still there', async () => {
    const lock = await tryAcquireHostLock(t.db, hostId, changeId, 'panel-a');
    if (!lock.acquired) throw new Error('lock');
    await t.db.changeSet.update({ where: { id: changeId }, data: { status: 'recovering' } });
    expect(await settleOwnApply(t.db, lock.owner, 'rolled-back', finished('rolled-back'))).toBe(false);
    expect((await t.db.changeSet.findUniqueOrThrow({ where: { id: changeId } })).status).toBe('recovering');
  });

  it('writes nothing for a holder that never had the lock', async () => {
    const impostor: ApplyOwner = { hostId, changeId, holder: 'panel-z' };
    await tryAcquireHostLock(t.db, hostId, changeId, 'panel-a');
    expect(await settleOwnApply(t.db, impostor, 'applied', finished('applied'))).toBe(false);
    expect(await verifyAuditChain(t.db)).toMatchObject({ records: 0 });
  });
});
