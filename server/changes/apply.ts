// Applying a reviewed change: lock the host, make sure it is still in the reviewed state,
// write the audit record before the first byte goes to the host (DESIGN.md rule 7), run the
// plan in one exec, record each step as it completes, read the host again and compare it with
// the intended result. The only place change audit records are written (with recovery.ts).
import type { Db } from '@/server/db/client';
import { executePlan, type ExecutionOutcome } from '@/server/apply/executor';
import { breakExpiredLock, LOCK_TTL_MS, tryAcquireHostLock } from '@/server/apply/lock';
import { settleOwnApply, type ApplyOwner } from './settle';
import type { ChangeStatus } from './changes.types';
import type { ProgressRecord, RunResult } from '@/server/apply/progress';
import { appendAudit, auditAppender } from '@/server/audit/records';
import { AppError, isAppError } from '@/server/errors';
import { sshTargetOf, type Actor } from '@/server/hosts/hosts';
import type { Operation } from '@/server/plan/ops';
import { confirmationWindow, hostRollbackReason } from '@/server/plan/confirmation';
import { kernelReadShowsAll } from '@/server/plan/commands';
import { differencesFromIntended } from '@/server/plan/verify';
import type { SshPool } from '@/server/ssh/pool';
import { configurationDifferences, describeChange, diffTopology, topologyHash } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { probeHost, refreshHost, type ProbedRead } from '@/server/topology/refresh';
import { readHostAfterChange, recordReadAfterChange, removeAppliedDrafts } from './after-run';
import { changeLabel } from './change-label';
import { draftOperations } from './drafts';
import { recoverChange } from './recovery';
import type { StoredPlan } from './review';
import { publish } from '@/server/live/hub';
import { pauseWatchReads } from '@/server/live/host-watch';

export type { ChangeStatus } from './changes.types';

export interface ApplyInput {
  changeId: string;
  reason: string;
  /** The operator saw that the plan touches the panel's own SSH path and confirmed it. */
  confirmDisruptive: boolean;
  /** This change's confirmation window, instead of the host's (when the change waits for one). */
  confirmWindowSeconds?: number;
  /** The operator read the review's warnings; a change with warnings is refused without it. */
  acknowledgeWarnings?: boolean;
}

export interface ApplySummary {
  changeId: string;
  status: ChangeStatus;
  differences: string[];
  durationMs: number;
}

const timeAgo = (d: Date) => `${Math.max(0, Math.round((Date.now() - d.getTime()) / 1000))} s ago`;

async function lockHost(db: Db, pool: SshPool, hostName: string, hostId: string, changeId: string) {
  let attempt = await tryAcquireHostLock(db, hostId, changeId);
  if (!attempt.acquired && attempt.heldBy.expired) {
    // The holder died: settle its change first, so its record says what happened (this does
    // nothing if it never started or is already settled), then clear its expired lock.
    if (attempt.heldBy.changeId) await recoverChange(db, pool, attempt.heldBy.changeId, 'the panel that ran it stopped renewing its lock');
    await breakExpiredLock(db, hostId, attempt.heldBy.changeId);
    attempt = await tryAcquireHostLock(db, hostId, changeId);
  }
  if (!attempt.acquired) {
    const other = attempt.heldBy.changeId ? await db.changeSet.findUnique({ where: { id: attempt.heldBy.changeId } }) : null;
    throw new AppError('CONFLICT', {
      userMessage: `${hostName} is being changed right now${other ? ` by ${other.authorName} (change ${other.id})` : ''}, started ${timeAgo(attempt.heldBy.acquiredAt)}. Wait for it to finish, then review again.`,
    });
  }
  return attempt;
}

/**
 * Checks, locks, records and starts the apply. Returns once the run has started; `finished`
 * settles when the change has its final record (the router does not wait; the UI follows the
 * audit records as they appear).
 */
export async function startApply(db: Db, pool: SshPool, actor: Actor, input: ApplyInput): Promise<{ changeId: string; finished: Promise<ApplySummary> }> {
  const reason = input.reason.trim();
  if (!reason) throw new AppError('BAD_INPUT', { userMessage: 'Say why you are making this change; the reason goes into the history.' });
  const change = await db.changeSet.findUnique({ where: { id: input.changeId } });
  if (!change) throw new AppError('NOT_FOUND', { userMessage: 'That reviewed change does not exist; review the draft again.' });
  if (change.status !== 'reviewed') throw new AppError('CONFLICT', { userMessage: `This change was already ${change.status === 'applying' ? 'started' : change.status}; review the draft again for a new one.` });
  if (change.disruptive && !input.confirmDisruptive) {
    // Each step that needs confirming says why (the panel's own path, or VMs cut off a network).
    const why = (JSON.parse(change.plan) as StoredPlan).steps.flatMap((s, i) => (s.disruptive ? [`step ${i + 1} ${s.disruptive}`] : []));
    throw new AppError('BAD_INPUT', { userMessage: `This change needs your confirmation: ${why.join('; ')}. Confirm that you accept this if it goes wrong.` });
  }
  const warnings = (JSON.parse(change.plan) as StoredPlan).steps.flatMap((s, i) => (s.warnings ?? []).map((w) => `step ${i + 1}: ${w}`));
  if (warnings.length && !input.acknowledgeWarnings) {
    throw new AppError('BAD_INPUT', { userMessage: `This change has warnings to acknowledge first: ${warnings.join(' ')} Acknowledge them to apply it anyway.` });
  }
  const host = await db.host.findUnique({ where: { id: change.hostId } });
  if (!host) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });

  const draftIds = (await draftOperations(db, change.hostId)).map((d) => d.id);
  if (JSON.stringify(draftIds) !== change.draftIds) {
    // Most often another tab or operator applied these very operations: say who and as what.
    const reviewed = new Set(JSON.parse(change.draftIds) as string[]);
    const others = await db.changeSet.findMany({
      where: { hostId: change.hostId, id: { not: change.id }, status: { not: 'reviewed' }, createdAt: { gte: change.createdAt } },
      orderBy: { createdAt: 'asc' },
      select: { id: true, authorName: true, status: true, draftIds: true },
    });
    const taken = others.find((o) => (JSON.parse(o.draftIds) as string[]).some((id) => reviewed.has(id)));
    if (taken) {
      throw new AppError('CONFLICT', {
        userMessage: `These operations were ${taken.status === 'applying' ? 'being applied' : taken.status === 'applied' ? 'applied' : `taken up (${taken.status})`} by ${taken.authorName} as ${changeLabel(taken.id)}; the draft now holds only what is left. Review it again.`,
      });
    }
    throw new AppError('CONFLICT', { userMessage: `The draft for ${host.name} changed after this review (someone added or removed an operation). Review it again.` });
  }

  const held = await lockHost(db, pool, host.name, host.id, change.id);
  const resumeWatchReads = pauseWatchReads(host.id);
  const lock = { ...held, release: () => held.release().finally(resumeWatchReads) };
  // Renewed from now on: the checks below read the host, which may take a while.
  // A renewal that finds the lock gone means recovery took the change over; the final write is
  // fenced (settle.ts), so the late result cannot overwrite what recovery recorded.
  const renewal = setInterval(
    () =>
      void lock
        .renew()
        .then((held) => {
          if (!held) console.warn(`[apply] change ${change.id}: the host lock on ${host.name} is no longer this panel's; its result will not be recorded over recovery's`);
        })
        .catch(() => undefined),
    LOCK_TTL_MS / 3,
  );
  let before: Topology;
  let beforeOutput: string;
  try {
    const live = await refreshHost(db, pool, host.id, { beforeOwnChange: true });
    if (topologyHash(live.topology) !== change.baseHash) {
      const changes = await changesSinceReview(db, host.id, change.createdAt, live.topology);
      throw new AppError('CONFLICT', {
        userMessage: `${host.name} changed since this review${changes.length ? `: ${changes.slice(0, 5).join('; ')}${changes.length > 5 ? ` (+${changes.length - 5} more)` : ''}` : ''}. Review again so the plan and its inverses match the host.`,
      });
    }
    before = live.topology;
    beforeOutput = live.probeOutput;
    // Claimed atomically: two apply calls for one reviewed change cannot both start it.
    const claimed = await db.changeSet.updateMany({
      where: { id: change.id, status: 'reviewed' },
      data: { status: 'applying', reason, authorId: actor.id, authorName: actor.username, startedAt: new Date() },
    });
    if (!claimed.count) throw new AppError('CONFLICT', { userMessage: 'This change was just started by someone else; follow it in the history.' });
  } catch (err) {
    clearInterval(renewal);
    await lock.release();
    throw err;
  }

  let plan: StoredPlan;
  let operations: Operation[];
  let confirmWindowSeconds: number;
  try {
    plan = JSON.parse(change.plan) as StoredPlan;
    operations = JSON.parse(change.operations) as Operation[];
    confirmWindowSeconds = confirmationWindow(plan, host, input.confirmWindowSeconds);
    // Write-ahead: this record exists before anything is sent to the host.
    await appendAudit(db, {
      kind: 'change.started',
      changeId: change.id,
      hostId: host.id,
      actor: { id: actor.id, name: actor.username },
      content: {
        host: { name: host.name, address: host.address, port: host.port, username: host.username, hostKeyFingerprint: host.hostKeyFingerprint },
        reason,
        reviewedBy: change.authorName,
        disruptive: change.disruptive,
        disruptiveConfirmed: input.confirmDisruptive,
        warningsAcknowledged: warnings.length ? warnings : null,
        confirmWindowSeconds,
        runtimeOnly: plan.persistence?.sentence ?? null,
        operations,
        steps: plan.steps,
        before,
      },
    });
  } catch (err) {
    // Nothing was sent: the change goes back to reviewed and the host is free again.
    clearInterval(renewal);
    await db.changeSet.update({ where: { id: change.id }, data: { status: 'reviewed', startedAt: null } }).catch(() => undefined);
    await lock.release();
    throw err;
  }

  publish({ kind: 'change', hostId: host.id, changeId: change.id });
  const finished = runApply(db, pool, { change, host, plan, operations, before, beforeOutput, lock, actor, renewal, confirmWindowSeconds });
  return { changeId: change.id, finished };
}

async function changesSinceReview(db: Db, hostId: string, reviewedAt: Date, live: Topology): Promise<string[]> {
  const atReview = await db.topologySnapshot.findFirst({ where: { hostId, observedAt: { lte: reviewedAt } }, orderBy: { observedAt: 'desc' } });
  if (!atReview) return [];
  return diffTopology(JSON.parse(atReview.topology) as Topology, live).map(describeChange);
}

interface RunContext {
  change: { id: string; hostId: string; draftIds: string };
  host: Parameters<typeof sshTargetOf>[0] & { name: string };
  plan: StoredPlan;
  operations: Operation[];
  before: Topology;
  /** The probe output `before` was parsed from (a full read, taken under this apply's lock). */
  beforeOutput: string;
  lock: { owner: ApplyOwner; release: () => Promise<void>; renew: () => Promise<boolean> };
  actor: Actor;
  /** The lock's renewal timer, started when the lock was taken; runApply stops it. */
  renewal: ReturnType<typeof setInterval>;
  /** Seconds the host waits for the panel's confirmation after the last step (0: it does not wait). */
  confirmWindowSeconds: number;
}

async function runApply(db: Db, pool: SshPool, ctx: RunContext): Promise<ApplySummary> {
  const { change, host, plan, lock, actor, renewal } = ctx;
  const actorRef = { id: actor.id, name: actor.username };
  // Records are appended in the order the runner reported them, those that arrive while a write
  // is under way together in the next. A failed append is awaited (and handled) below.
  const records = auditAppender(db, () => publish({ kind: 'change', hostId: host.id, changeId: change.id }));
  const onRecord = (r: ProgressRecord) => records.append({ kind: r.kind, changeId: change.id, hostId: host.id, actor: actorRef, content: r });
  // Once every step ran and the host waits for the confirmation, the host is probed over the
  // pooled connection while the confirmation opens its new one: each takes a few hundred
  // milliseconds. Only if the host keeps the change is it stored, as the read after it (finish).
  let probedWhileConfirming: Promise<ProbedRead | null> | undefined;
  try {
    // A plan of only ip, bridge and tc commands changed nothing but what the kernel's sections
    // show: those are read (about a third of a full read) and laid over the read before it.
    const kernelOver = kernelReadShowsAll(plan.steps) ? ctx.beforeOutput : undefined;
    let outcome: ExecutionOutcome;
    try {
      outcome = await executePlan(pool, sshTargetOf(host), change.id, plan, onRecord, {
        confirmWindowSeconds: ctx.confirmWindowSeconds,
        onAwaitingConfirmation: () => {
          const startedAt = new Date();
          // A failed probe is no answer: the host is read again once the run is over.
          probedWhileConfirming = probeHost(pool, host, { kernelOver }).then((p) => ({ ...p, startedAt }), () => null);
        },
      });
    } finally {
      await records.flushed();
      await probedWhileConfirming;
    }
    if (outcome.connectionError) {
      // The runner may still be working (or done) on the host: recovery waits for its journal.
      const summary = await recoverChange(db, pool, change.id, `the connection failed during the apply: ${outcome.connectionError.userMessage}`, { holdingLock: true });
      return summary;
    }
    if (outcome.busy || outcome.runnerError) {
      const why = outcome.busy ? `another apply held ${host.name}'s own lock (a panel not sharing this database?)` : `the runner refused the plan (${outcome.runnerError})`;
      return await finish(db, pool, ctx, 'not-applied', { why, durationMs: outcome.durationMs });
    }
    return await finish(db, pool, ctx, outcome.result!, {
      probedWhileConfirming,
      durationMs: outcome.durationMs,
      confirmation: outcome.confirmation,
      ...(outcome.result === 'rolled-back-by-host' ? { why: hostRollbackReason(outcome.confirmation?.windowSeconds ?? ctx.confirmWindowSeconds, outcome.confirmation?.lastError ?? null) } : {}),
    });
  } catch (err) {
    // Something on the panel's side failed (database, bug): record it rather than lose it.
    const why = isAppError(err) ? err.userMessage : String(err);
    return await recoverChange(db, pool, change.id, `the panel failed while applying: ${why}`, { holdingLock: true });
  } finally {
    clearInterval(renewal);
    await lock.release().catch(() => undefined);
  }
}

/** Reads the host after the run, compares, writes the final record and settles the draft. */
async function finish(
  db: Db,
  pool: SshPool,
  ctx: RunContext,
  runResult: RunResult | 'not-applied',
  extra: { why?: string; durationMs: number; confirmation?: ExecutionOutcome['confirmation']; probedWhileConfirming?: Promise<ProbedRead | null> },
): Promise<ApplySummary> {
  const { change, host, plan, operations, before, actor } = ctx;
  // The probe taken while the confirmation was under way shows what the host kept only if it
  // kept the change (and answered); otherwise the host is read now.
  const early = runResult === 'applied' ? await extra.probedWhileConfirming : null;
  const { after, readError, announce } = early ? await recordReadAfterChange(db, host.id, early) : await readHostAfterChange(db, pool, host.id);
  let status: ChangeStatus;
  let differences: string[] = [];
  if (runResult === 'applied') {
    differences = after ? differencesFromIntended(plan.intended, after, operations) : [`The host could not be read after the apply: ${readError}`];
    status = differences.length ? 'applied-with-differences' : 'applied';
  } else {
    // Rolled back (or never run): the host should be exactly as it was before.
    differences = after ? configurationDifferences(before, after).map(describeChange) : [`The host could not be read after the rollback: ${readError}`];
    status = runResult;
  }
  const settled = await settleOwnApply(db, ctx.lock.owner, status, {
    kind: 'change.finished',
    changeId: change.id,
    hostId: host.id,
    actor: { id: actor.id, name: actor.username },
    content: { result: status, why: extra.why ?? null, durationMs: extra.durationMs, confirmation: extra.confirmation ?? null, differences, after },
  });
  if (!settled) {
    // Recovery settled it while this panel was stalled: its record stands.
    const row = await db.changeSet.findUniqueOrThrow({ where: { id: change.id }, select: { status: true } });
    console.warn(`[apply] change ${change.id} was settled by recovery as ${row.status}; this panel's late result (${status}) was not recorded`);
    announce();
    return { changeId: change.id, status: row.status as ChangeStatus, differences: [], durationMs: extra.durationMs };
  }
  if (runResult === 'applied') {
    await removeAppliedDrafts(db, host.id, change.draftIds);
  }
  publish({ kind: 'change', hostId: host.id, changeId: change.id });
  // Open views hear of the read after the change's final record: a page shows the result before
  // it redraws its graph (which holds its thread).
  announce();
  return { changeId: change.id, status, differences, durationMs: extra.durationMs };
}
