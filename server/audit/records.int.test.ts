// Batched audit appends (issue 15): records that arrive while one write is under way go in the
// next write together, and the chain stays whole and in order, on both databases, also when two
// appenders write at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { appendAudit, auditAppender, verifyAuditChain } from './records';

describe.each(PROVIDERS)('audit appender on %s', (provider) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(provider);
  });
  afterAll(async () => {
    await t?.close();
  });

  const entry = (n: number, from: string) => ({ kind: 'change.step' as const, changeId: null, hostId: null, actor: null, content: { n, from } });

  it('writes 200 records in a few transactions, in order, alongside another appender, with the chain intact', async () => {
    let batches = 0;
    const appender = auditAppender(t.db, () => batches++);
    const other = (async () => {
      for (let i = 0; i < 20; i++) await appendAudit(t.db, entry(i, 'other'));
    })();
    for (let i = 0; i < 200; i++) {
      appender.append(entry(i, 'batched'));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 0));
    }
    await appender.flushed();
    await other;
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThan(20);
    const rows = await t.db.auditRecord.findMany({ orderBy: { seq: 'asc' } });
    const mine = rows.map((r) => JSON.parse(r.content) as { n: number; from: string }).filter((c) => c.from === 'batched');
    expect(mine.map((c) => c.n)).toEqual([...Array(200).keys()]);
    expect(rows.map((r) => r.seq)).toEqual([...Array(220).keys()].map((i) => i + 1));
    const report = await verifyAuditChain(t.db);
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(220);
  });

  it('reports a failed write from flushed(), and writes nothing after it', async () => {
    const appender = auditAppender(t.db);
    const before = await t.db.auditRecord.count();
    // A record whose content cannot be written as canonical text.
    appender.append({ kind: 'change.step', changeId: null, hostId: null, actor: null, content: { bad: 1n } });
    appender.append(entry(1, 'after the failure'));
    await expect(appender.flushed()).rejects.toThrow();
    expect(await t.db.auditRecord.count()).toBe(before);
  });
});
