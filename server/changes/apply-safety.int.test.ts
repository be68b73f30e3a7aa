// An apply that loses its connection, its panel, or races another apply. Each ends in a
// consistent, explained state: the record says what the host did, and the host is either as
// the plan intended or as it was.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureLab, type LabHost } from '@/lab/testing';
import { createDb } from '@/server/db/client';
import { resolveDatabaseTarget } from '@/server/db/url';
import type { Operation } from '@/server/plan/ops';
import type { SshPool } from '@/server/ssh/pool';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { panelWithLabHost } from '@/server/testing/changes';
import { appErrorOf } from '@/server/testing/errors';
import { openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { latestTopology, refreshHost } from '@/server/topology/refresh';
import { executePlan } from '@/server/apply/executor';
import { sshTargetOf } from '@/server/hosts/hosts';
import { renderOperation } from '@/server/plan/render';
import { startApply } from './apply';
import { addOperations } from './drafts';
import { getChange } from './history';
import { recoverStaleApplies } from './recovery';
import { reviewDraft } from './review';

let hv1: LabHost;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1] = (await ensureLab({ hosts: 2 })) as [LabHost];
}, 600_000);

/** n veth pairs, each created and set up: 2n operations. */
function manyOps(prefix: string, pairs: number): Operation[] {
  return Array.from({ length: pairs }, (_, i): Operation[] => [
    { kind: 'createVeth', name: `${prefix}${i}a`, peer: `${prefix}${i}b` },
    { kind: 'setLinkState', dev: `${prefix}${i}a`, up: true },
  ]).flat();
}

/**
 * manyOps with a tc qdisc on each pair's first end: after the creations (one ip batch), no two ip
 * commands are adjacent, so the runner starts a process per command, time enough to cut the
 * connection while it works. (200 ip commands alone run in one ip -batch, over before the test
 * can act.)
 */
function slowOps(prefix: string, pairs: number): Operation[] {
  return Array.from({ length: pairs }, (_, i): Operation[] => [
    { kind: 'createVeth', name: `${prefix}${i}a`, peer: `${prefix}${i}b` },
    { kind: 'setLinkState', dev: `${prefix}${i}a`, up: true },
    { kind: 'setQdisc', dev: `${prefix}${i}a`, qdisc: { kind: 'tbf', rateKbit: 100_000 } }, // tbf: this machine's kernel has no fq_codel
  ]).flat();
}

async function linksNamed(prefix: string): Promise<string[]> {
  const out = (await hv1.exec(['ip', '-o', 'link', 'show'])).stdout;
  return [...out.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]!).filter((n) => n.startsWith(prefix));
}

async function removeLinks(prefix: string) {
  for (const n of await linksNamed(prefix)) if (n.endsWith('a')) await hv1.exec(['ip', 'link', 'del', 'dev', n], { allowFailure: true });
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(PROVIDERS)('apply safety on %s', (provider) => {
  let t: TestDatabase;
  let pool: SshPool;
  let hostId: string;
  let actor: { id: string; username: string };

  async function reviewed(ops: Operation[]): Promise<string> {
    await addOperations(t.db, actor, hostId, ops);
    const review = await reviewDraft(t.db, pool, actor, hostId);
    if (!review.ok) throw new Error(`review refused: ${JSON.stringify(review.problems)}`);
    return review.changeId;
  }

  beforeAll(async () => {
    t = await openTestDatabase(provider);
    ({ pool, hostId, actor } = await panelWithLabHost(t.db, hv1, 'oscar'));
  });
  beforeEach(async () => {
    await t.db.draftOperation.deleteMany();
    await removeLinks('sx');
    await refreshHost(t.db, pool, hostId);
  });
  afterAll(async () => {
    await removeLinks('sx');
    pool?.closeAll();
    await t?.close();
  });

  it('survives the SSH connection dying mid-apply: the runner finishes, the journal fills the record', async () => {
    const ops = slowOps('sx', 100);
    const changeId = await reviewed(ops);
    const { finished } = await startApply(t.db, pool, actor, { changeId, reason: 'connection cut mid-apply', confirmDisruptive: false });
    // Kill the session's sshd as soon as the first step is recorded: the panel loses the
    // connection while the runner on the host is still working.
    await until('the first step record', () => t.db.auditRecord.findFirst({ where: { changeId, kind: 'change.step' } }));
    await hv1.exec(['pkill', '-KILL', '-f', 'sshd: root@notty']);
    const summary = await finished;

    expect(summary.status).toBe('interrupted');
    const detail = await getChange(t.db, changeId);
    expect(detail.final).toMatchObject({ result: 'interrupted', hostOutcome: 'applied', hostState: 'as the plan intended' });
    expect(String(detail.final?.why)).toMatch(/connection failed during the apply/);
    // Every step is recorded exactly once: some live, the rest from the host's journal.
    expect(detail.steps.map((s) => s.status)).toEqual(ops.map(() => 'ok'));
    const stepRecords = await t.db.auditRecord.findMany({ where: { changeId, kind: 'change.step' } });
    expect(stepRecords).toHaveLength(ops.length);
    expect(stepRecords.some((r) => r.content.includes('"fromJournal":true'))).toBe(true);
    expect(await linksNamed('sx')).toHaveLength(200);
    expect(await t.db.hostLock.count()).toBe(0);
  });

  it('settles a change whose panel was killed mid-apply, when the next panel starts', async () => {
    const ops = slowOps('sx', 100);
    const changeId = await reviewed(ops);
    const child = spawn('npx', ['tsx', 'server/changes/apply-child.ts', t.scratch.url, changeId, actor.id, actor.username], { stdio: ['ignore', 'pipe', 'ignore'] });
    const started = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before starting`)));
    });
    await started;
    await until('the first step record', () => t.db.auditRecord.findFirst({ where: { changeId, kind: 'change.step' } }));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // The dead panel's lock is still there until it expires; a live panel must not steal it.
    expect(await recoverStaleApplies(t.db, pool)).toEqual([]);
    expect((await t.db.changeSet.findUniqueOrThrow({ where: { id: changeId } })).status).toBe('applying');
    // Time passes past the lock's expiry (set directly rather than waiting 30 s).
    await t.db.hostLock.updateMany({ where: { hostId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await recoverStaleApplies(t.db, pool)).toEqual([changeId]);

    const detail = await getChange(t.db, changeId);
    expect(detail.status).toBe('interrupted');
    expect(detail.final).toMatchObject({ result: 'interrupted', hostOutcome: 'applied', hostState: 'as the plan intended' });
    expect(detail.steps.every((s) => s.status === 'ok')).toBe(true);
    expect(await linksNamed('sx')).toHaveLength(200);
    expect(await t.db.hostLock.count()).toBe(0);
  }, 120_000);

  it('clears an expired lock left by a change that is already settled, instead of blocking the host for good', async () => {
    const settled = await t.db.changeSet.create({
      data: { hostId, hostName: 'hv1', status: 'rolled-back', authorId: actor.id, authorName: actor.username, draftIds: '[]', operations: '[]', plan: '{}', baseHash: 'x', finishedAt: new Date() },
    });
    await t.db.hostLock.create({ data: { hostId, holder: 'a-dead-panel', changeId: settled.id, acquiredAt: new Date(Date.now() - 120_000), expiresAt: new Date(Date.now() - 60_000) } });
    const changeId = await reviewed(manyOps('sx', 1));
    const { finished } = await startApply(t.db, pool, actor, { changeId, reason: 'after a stale lock', confirmDisruptive: false });
    expect((await finished).status).toBe('applied');
    expect(await t.db.hostLock.count()).toBe(0);
    expect((await t.db.changeSet.findUniqueOrThrow({ where: { id: settled.id } })).status).toBe('rolled-back');
  });

  it('never interleaves two applies on one host: two panel instances sharing the database', async () => {
    // A second instance: its own database client and its own SSH pool.
    const db2 = await createDb(resolveDatabaseTarget({ DATABASE_URL: t.scratch.url }));
    const pool2 = createPanelPool(db2);
    try {
      const first = await reviewed(manyOps('sx', 20));
      const second = await reviewDraft(db2, pool2, actor, hostId);
      if (!second.ok) throw new Error('second review refused');
      const results = await Promise.allSettled([
        startApply(t.db, pool, actor, { changeId: first, reason: 'instance one', confirmDisruptive: false }),
        startApply(db2, pool2, actor, { changeId: second.changeId, reason: 'instance two', confirmDisruptive: false }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const err = await appErrorOf(Promise.reject((lost[0] as PromiseRejectedResult).reason));
      expect(err.code).toBe('CONFLICT');
      expect(err.userMessage).toMatch(/hv1 is being changed right now by oscar .*Wait for it to finish/);
      const summary = await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startApply>>>).value.finished;
      expect(summary.status).toBe('applied');
      // The loser sent nothing and recorded nothing.
      const loserId = summary.changeId === first ? second.changeId : first;
      expect(await t.db.auditRecord.count({ where: { changeId: loserId } })).toBe(0);
      expect(await linksNamed('sx')).toHaveLength(40);
    } finally {
      pool2.closeAll();
      await db2.$disconnect();
    }
  });

  it('refuses a second runner on the host itself while one runs (panels that share no database)', async () => {
    // Only the host's own lock (flock in the runner) stands between panels that share nothing.
    // Another runner is simulated by holding that lock inside the host for a few seconds.
    await hv1.exec(['mkdir', '-p', '/run/switchboard']);
    const holder = hv1.exec(['flock', '/run/switchboard/apply.lock', 'sleep', '3']);
    await until('the lock to be held', async () => (await hv1.exec(['flock', '-n', '/run/switchboard/apply.lock', 'true'], { allowFailure: true })).code !== 0);
    const host = await t.db.host.findUniqueOrThrow({ where: { id: hostId } });
    const plan = { steps: [{ commands: renderOperation({ kind: 'createVeth', name: 'sxo0a', peer: 'sxo0b' }, (await latestTopology(t.db, hostId))!.topology) }] };
    const other = await executePlan(pool, sshTargetOf(host), `busy${Date.now()}`, plan, () => undefined);
    expect(other).toMatchObject({ busy: true, result: null, connectionError: null });
    expect(await linksNamed('sxo')).toEqual([]);
    await holder;
    // Once the lock is free, the same plan runs.
    const again = await executePlan(pool, sshTargetOf(host), `free${Date.now()}`, plan, () => undefined);
    expect(again).toMatchObject({ busy: false, result: 'applied' });
    expect((await linksNamed('sxo')).sort()).toEqual(['sxo0a', 'sxo0b']);
    await hv1.exec(['ip', 'link', 'del', 'dev', 'sxo0a']);
  });
});
