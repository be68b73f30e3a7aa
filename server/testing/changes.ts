// Test scaffolding for changes against a lab host: draft, review and apply as an operator would,
// read the host, explain a failed change, and compare two reads by configuration only.
import { authorizeLabKey, ensureLab, type LabHost } from '@/lab/testing';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';
import { getDraft } from '@/server/changes/drafts';
import { getChange, revertChange } from '@/server/changes/history';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { ensurePanelIdentity } from '@/server/ssh/identity';
import { makeUser } from '@/server/testing/fixtures';
import { addOperations } from '@/server/changes/drafts';
import { reviewDraft, type StoredPlan } from '@/server/changes/review';
import { startApply, type ApplySummary } from '@/server/changes/apply';
import type { Db } from '@/server/db/client';
import type { Operation } from '@/server/plan/ops';
import type { SshPool } from '@/server/ssh/pool';
import { configurationDifferences, configurationOf, describeChange } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { refreshHost } from '@/server/topology/refresh';

/** Differences between two reads that matter (a re-created interface gets a new ifindex). */
export function configurationChanges(before: Topology, after: Topology): string[] {
  return configurationDifferences(configurationOf(before), configurationOf(after)).map(describeChange);
}

export const iface = (t: Topology, name: string) => t.interfaces.find((i) => i.name === name);

export interface ChangeHarness {
  read(): Promise<Topology>;
  /** Draft, review and apply; resolves with the settled change. */
  change(ops: Operation[], opts?: { reason?: string; editPlan?: (p: StoredPlan) => void; confirmDisruptive?: boolean }): Promise<ApplySummary>;
  /** A change's steps, commands and outputs, for an assertion message. */
  explain(changeId: string): Promise<string>;
  /**
   * Applies `ops` (expecting exactly what was planned, checked by `check`), then drafts,
   * reviews and applies the Revert, and expects the host's configuration as it was before.
   */
  appliesVerifiesReverts(name: string, ops: Operation[], check: (after: Topology) => void | Promise<void>, opts?: { confirmDisruptive?: boolean }): Promise<void>;
  /**
   * Applies `ops` with step k's command replaced by one the host refuses, as a kernel refusal
   * would; expects steps 1..k-1 rolled back, the host as it was, and the draft kept.
   */
  rollsBackWhenStepFails(ops: Operation[], k: number): Promise<void>;
}

export function changeHarness(ctx: () => { db: Db; pool: SshPool; actor: { id: string; username: string }; hostId: string }): ChangeHarness {
  return {
    async read() {
      const { db, pool, hostId } = ctx();
      return (await refreshHost(db, pool, hostId)).topology;
    },
    async change(ops, opts = {}) {
      const { db, pool, actor, hostId } = ctx();
      await addOperations(db, actor, hostId, ops);
      const review = await reviewDraft(db, pool, actor, hostId);
      if (!review.ok) throw new Error(`review refused: ${JSON.stringify(review.problems)}`);
      if (opts.editPlan) {
        const row = await db.changeSet.findUniqueOrThrow({ where: { id: review.changeId } });
        const plan = JSON.parse(row.plan) as StoredPlan;
        opts.editPlan(plan);
        await db.changeSet.update({ where: { id: review.changeId }, data: { plan: JSON.stringify(plan) } });
      }
      // As an operator who read the review: its warnings are acknowledged (the refusal without is tested on its own).
      const { finished } = await startApply(db, pool, actor, { changeId: review.changeId, reason: opts.reason ?? 'integration test', confirmDisruptive: opts.confirmDisruptive ?? false, acknowledgeWarnings: true });
      return finished;
    },
    async explain(changeId) {
      const d = await getChange(ctx().db, changeId);
      return JSON.stringify({ status: d.status, differences: d.differences, steps: d.steps.map((s) => ({ s: s.description, status: s.status, commands: s.commands.map((c) => [c.argv.join(' '), c.outcome]), rollback: s.rollback })) }, null, 1);
    },
    async appliesVerifiesReverts(name, ops, check, opts = {}) {
      const { db, actor, hostId } = ctx();
      const before = await this.read();
      const applied = await this.change(ops, { reason: `test: ${name}`, ...opts });
      expect(applied.status, await this.explain(applied.changeId)).toBe('applied');
      expect(applied.differences).toEqual([]);
      await check(await this.read());
      expect((await getDraft(db, hostId)).items).toEqual([]); // applied operations leave the draft

      await revertChange(db, actor, applied.changeId);
      const reverted = await this.change([], { reason: `revert: ${name}`, ...opts });
      expect(reverted.status, await this.explain(reverted.changeId)).toBe('applied');
      expect(configurationChanges(before, await this.read())).toEqual([]);
    },
    async rollsBackWhenStepFails(ops, k) {
      const { db, hostId } = ctx();
      const before = await this.read();
      const result = await this.change(ops, {
        editPlan: (p) => {
          p.steps[k - 1]!.commands[0]!.argv = ['ip', 'link', 'set', 'dev', `nosuch${k}`, 'up'];
        },
      });
      expect(result.status, await this.explain(result.changeId)).toBe('rolled-back');
      expect(result.differences).toEqual([]);
      expect(configurationChanges(before, await this.read())).toEqual([]);
      const detail = await getChange(db, result.changeId);
      expect(detail.steps.map((s) => s.status)).toEqual([
        ...Array<string>(k - 1).fill('rolled-back'),
        'failed',
        ...Array<string>(detail.steps.length - k).fill('pending'),
      ]);
      expect(detail.steps[k - 1]!.commands[0]!.outcome?.output.join('\n')).toContain(`nosuch${k}`);
      // The draft stays for the operator to fix and try again.
      expect((await getDraft(db, hostId)).items).toHaveLength(ops.length);
    },
  };
}

/**
 * A panel on `db` that the lab lets in (its key authorized on every lab host), with `labHost`
 * added and its key pinned, and an operator to act as.
 */
export async function panelWithLabHost(db: Db, labHost: { name: string; address: string; hostKeyFingerprint(): Promise<string> }, operator: string) {
  await authorizeLabKey((await ensurePanelIdentity(db)).publicKey);
  const pool = createPanelPool(db);
  // Only disruptive changes wait for the panel's confirmation here: on this 2-core machine the
  // wait (a new SSH connection each time) took changes.int.test.ts alone to 13.4 min. The
  // waiting itself is tested in confirmed-apply.int.test.ts, hosts.int.test.ts and the browser tests.
  const host = await db.host.create({
    data: { name: labHost.name, address: labHost.address, hostKeyFingerprint: await labHost.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date(), confirmScope: 'disruptive' },
  });
  const user = await makeUser(db, operator, 'operator');
  return { pool, hostId: host.id, actor: { id: user.id, username: user.username } };
}

export interface LabHostSuite {
  hv1: LabHost;
  t: TestDatabase;
  pool: SshPool;
  hostId: string;
  actor: { id: string; username: string };
}

/**
 * A suite that changes lab host hv1 through a SQLite panel as `operator`: hv1 starts from its
 * seed, every case starts with an empty draft, and a case that `dirty` says left the host
 * changed (a failed one) gets hv1 from its seed again. Call at the top of a test file.
 */
export function labHostSuite(operator: string, dirty: (s: LabHostSuite) => Promise<boolean>): { suite: LabHostSuite; harness: ChangeHarness } {
  const suite = {} as LabHostSuite;
  beforeAll(async () => {
    process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
    [suite.hv1] = (await ensureLab({ hosts: 2 })) as [LabHost];
    await suite.hv1.start();
    suite.t = await openTestDatabase('sqlite');
    await emptyAllTables(suite.t.db);
    Object.assign(suite, await panelWithLabHost(suite.t.db, suite.hv1, operator));
  }, 600_000);
  beforeEach(async () => {
    await suite.t.db.draftOperation.deleteMany();
    if (await dirty(suite)) await suite.hv1.start();
  }, 120_000);
  afterAll(async () => {
    suite.pool?.closeAll();
    await suite.t?.close();
  });
  return { suite, harness: changeHarness(() => ({ db: suite.t.db, pool: suite.pool, actor: suite.actor, hostId: suite.hostId })) };
}
