// Test scaffolding for changes against a lab host: draft, review and apply as an operator would,
// read the host, explain a failed change, and compare two reads by configuration only.
import { getChange } from '@/server/changes/history';
import { addOperations } from '@/server/changes/drafts';
import { reviewDraft, type StoredPlan } from '@/server/changes/review';
import { startApply, type ApplySummary } from '@/server/changes/apply';
import type { Db } from '@/server/db/client';
import type { Operation } from '@/server/plan/ops';
import type { SshPool } from '@/server/ssh/pool';
import { configurationOf, describeChange, diffTopology } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { refreshHost } from '@/server/topology/refresh';

/** Differences between two reads that matter (a re-created interface gets a new ifindex). */
export function configurationChanges(before: Topology, after: Topology): string[] {
  return diffTopology(configurationOf(before), configurationOf(after))
    .map((c) => (c.fields ? { ...c, fields: Object.fromEntries(Object.entries(c.fields).filter(([k]) => k !== 'index' && k !== 'peerIfindexElsewhere')) } : c))
    .filter((c) => c.change !== 'changed' || Object.keys(c.fields ?? {}).length > 0)
    .map(describeChange);
}

export const iface = (t: Topology, name: string) => t.interfaces.find((i) => i.name === name);

export interface ChangeHarness {
  read(): Promise<Topology>;
  /** Draft, review and apply; resolves with the settled change. */
  change(ops: Operation[], opts?: { reason?: string; editPlan?: (p: StoredPlan) => void }): Promise<ApplySummary>;
  /** A change's steps, commands and outputs, for an assertion message. */
  explain(changeId: string): Promise<string>;
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
      const { finished } = await startApply(db, pool, actor, { changeId: review.changeId, reason: opts.reason ?? 'integration test', confirmDisruptive: false });
      return finished;
    },
    async explain(changeId) {
      const d = await getChange(ctx().db, changeId);
      return JSON.stringify({ status: d.status, differences: d.differences, steps: d.steps.map((s) => ({ s: s.description, status: s.status, commands: s.commands.map((c) => [c.argv.join(' '), c.outcome]), rollback: s.rollback })) }, null, 1);
    },
  };
}
