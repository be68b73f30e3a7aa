// "Review": read the live host, check the draft against it, and either refuse with what no
// longer fits (and what changed on the host since the draft was made), or store the exact
// plan that apply will run.
import { createId } from '@paralleldrive/cuid2';
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { Actor } from '@/server/hosts/hosts';
import { describeOperation, type Operation } from '@/server/plan/ops';
import { confirmationWindow } from '@/server/plan/confirmation';
import { persistenceOf, type Persistence } from '@/server/plan/persistence';
import { planChange, type Plan, type PlanStep } from '@/server/plan/planner';
import { fleetConflictsOfOperations } from './fleet-conflicts';
import type { SshPool } from '@/server/ssh/pool';
import { describeChange, diffTopology, topologyHash, type TopologyChange } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { latestTopology, refreshHost } from '@/server/topology/refresh';
import { withListening } from '@/server/topology/listening-read';
import { draftOperations } from './drafts';

/** What a ChangeSet row's `plan` column holds. */
export interface StoredPlan {
  steps: PlanStep[];
  diff: TopologyChange[];
  intended: Topology;
  /** Which steps a reboot undoes, and the sentence that says so. Absent in plans stored before it. */
  persistence?: Persistence;
}

export type ReviewResult =
  | {
      ok: true;
      changeId: string;
      hostName: string;
      steps: PlanStep[];
      diff: TopologyChange[];
      disruptive: boolean;
      /** Seconds the host will wait for the panel's confirmation after the last step (0: it will not wait). */
      confirmWindowSeconds: number;
      persistence: Persistence;
      observedAt: Date;
      /** Who drafted each operation, by its place in the draft (a step's draftIndex). */
      draftedBy: string[];
    }
  | {
      ok: false;
      hostName: string;
      /** Operations that no longer fit the live host, each with why. */
      problems: { id: string; description: string; errors: string[] }[];
      /** What changed on the host since the state the draft was made against. */
      hostChanges: string[];
      observedAt: Date;
    };

export async function reviewDraft(db: Db, pool: SshPool, actor: Actor, hostId: string): Promise<ReviewResult> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });
  const draft = await draftOperations(db, hostId);
  if (!draft.length) throw new AppError('BAD_INPUT', { userMessage: `The draft for ${host.name} is empty; make a change in the graph first.` });

  const known = await latestTopology(db, hostId);
  const live = await refreshHost(db, pool, hostId);
  const ops: Operation[] = draft.map((d) => d.operation);
  // The host says which address and device carry this connection; the inventory address (maybe
  // a DNS name or a NAT address) is only the fallback.
  const path = live.session
    ? { hostAddress: live.session.hostAddress, panelAddress: live.session.panelAddress, device: live.session.device, gateway: live.session.gateway }
    : host.address;
  // The change's id is chosen before it is planned: the firewall rules it writes carry it. A
  // cuid like the database's own ids (letters and digits: the runner and journal take no other).
  const changeId = createId();
  // A port forward warns when the host itself serves that port: only its review reads them.
  const planFrom = ops.some((op) => op.kind === 'addPortForward') ? await withListening(pool, host, live.topology) : live.topology;
  const planned = planChange(planFrom, ops, path, { writeBootConfig: host.writeBootConfig, changeId });
  const fleet = await fleetConflictsOfOperations(db, hostId, ops);
  // A MAC another host uses is refused like any other problem of the operation.
  const result: typeof planned = fleet.some((e) => e.length)
    ? { ok: false, checks: ops.map((_, index) => ({ index, errors: [...(planned.ok ? [] : planned.checks[index]!.errors), ...fleet[index]!] })) }
    : planned;
  if (!result.ok) {
    return {
      ok: false,
      hostName: host.name,
      problems: result.checks.filter((c) => c.errors.length).map((c) => ({ id: draft[c.index]!.id, description: describeOperation(ops[c.index]!), errors: c.errors })),
      hostChanges: known ? diffTopology(known.topology, live.topology).map(describeChange) : [],
      observedAt: live.observedAt,
    };
  }
  const plan: Plan = result.plan;
  const persistence = persistenceOf(plan.steps, host.name, live.topology.host.bootConfig, plan.bootNotWritten, plan.keepNotWritten);
  const stored: StoredPlan = { steps: plan.steps, diff: plan.diff, intended: plan.intended, persistence };
  const row = await db.changeSet.create({
    data: {
      id: changeId,
      hostId,
      hostName: host.name,
      status: 'reviewed',
      authorId: actor.id,
      authorName: actor.username,
      draftIds: JSON.stringify(draft.map((d) => d.id)),
      operations: JSON.stringify(ops),
      plan: JSON.stringify(stored),
      baseHash: topologyHash(live.topology),
      disruptive: plan.disruptive,
      // Applied from a Revert's draft: this change undoes that one (History links both ways).
      revertOfId: draft.find((d) => d.revertOfId)?.revertOfId ?? null,
    },
  });
  return {
    ok: true,
    changeId: row.id,
    hostName: host.name,
    steps: plan.steps,
    diff: plan.diff,
    disruptive: plan.disruptive,
    confirmWindowSeconds: confirmationWindow(plan, host),
    persistence,
    observedAt: live.observedAt,
    draftedBy: draft.map((d) => d.authorName),
  };
}
