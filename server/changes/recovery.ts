// Settling an apply whose panel lost sight of it: the connection dropped mid-run, or the panel
// was killed (found on restart by the sweep). The runner keeps going on the host and journals
// every event (runner.ts), so recovery waits for the journal's end, appends the step records
// the trail is missing, reads the host and records what state it is in. Nothing is lost.
import type { Db } from '@/server/db/client';
import { ProgressTracker, progressKey, type ProgressRecord } from '@/server/apply/progress';
import { confirmOverNewConnection } from '@/server/apply/confirm';
import { lineSplitter, parseRunnerLine } from '@/server/apply/runner';
import { appendAudit } from '@/server/audit/records';
import { isAppError } from '@/server/errors';
import { sshTargetOf } from '@/server/hosts/hosts';
import { journalArgv } from '@/server/hosts/helpers';
import type { Operation } from '@/server/plan/ops';
import { hostRollbackReason } from '@/server/plan/confirmation';
import { differencesFromIntended } from '@/server/plan/verify';
import type { SshPool } from '@/server/ssh/pool';
import { configurationDifferences, describeChange } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { readHostAfterChange, removeAppliedDrafts } from './after-run';
import type { ApplySummary, ChangeStatus } from './apply';
import type { StoredPlan } from './review';
import { publish } from '@/server/live/hub';

/** How long to wait for a runner that is still working on the host to write its end. */
export const JOURNAL_WAIT_MS = 60_000;
const JOURNAL_POLL_MS = 1_000;

interface Journal {
  found: boolean;
  records: ProgressRecord[];
  result: string | null;
}

/**
 * Reads the journal until the runner's end. `confirmWhileWaiting`: the panel that started the
 * apply lost only its connection (it is alive, and it reaches the host again): when the runner
 * waits for a confirmation, it confirms over a new connection, as it would have live. A panel
 * that restarted does not: the change was never confirmed by the panel that made it, and the
 * host undoes it (issue 12, "SIGKILL the panel inside the window").
 */
async function readJournal(
  pool: SshPool,
  host: Parameters<typeof sshTargetOf>[0],
  changeId: string,
  plan: StoredPlan,
  waitMs: number,
  confirmWhileWaiting: boolean,
): Promise<Journal> {
  const deadline = Date.now() + waitMs;
  let confirmed = false;
  for (;;) {
    let r;
    try {
      const target = sshTargetOf(host);
      r = await pool.exec(target, journalArgv(target, changeId), { timeoutMs: 20_000, allowFailure: true });
    } catch (err) {
      // A step that cut the management path may be rolled back a moment later: keep trying.
      if (isAppError(err) && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, JOURNAL_POLL_MS));
        continue;
      }
      throw err;
    }
    const tracker = new ProgressTracker(plan);
    const records: ProgressRecord[] = [];
    let missing = false;
    const lines = lineSplitter((line) => {
      const e = parseRunnerLine(line);
      if (e?.type === 'missing') missing = true;
      if (e) records.push(...tracker.push(e));
    });
    // Only complete lines: the runner may be writing the last one right now.
    lines.push(r.stdout.slice(0, r.stdout.lastIndexOf('\n') + 1));
    if (missing) return { found: false, records: [], result: null };
    if (tracker.result || Date.now() > deadline) return { found: true, records, result: tracker.result };
    if (confirmWhileWaiting && !confirmed && tracker.confirmWindow !== null) {
      confirmed = true;
      await confirmOverNewConnection(pool, sshTargetOf(host), changeId, tracker.confirmWindow);
      continue;
    }
    await new Promise((res) => setTimeout(res, JOURNAL_POLL_MS));
  }
}

export async function recoverChange(db: Db, pool: SshPool, changeId: string, why: string, opts: { holdingLock?: boolean } = {}): Promise<ApplySummary> {
  const claimed = await db.changeSet.updateMany({ where: { id: changeId, status: 'applying' }, data: { status: 'recovering' } });
  const change = await db.changeSet.findUniqueOrThrow({ where: { id: changeId } });
  if (!claimed.count) return { changeId, status: change.status as ChangeStatus, differences: [], durationMs: 0 };
  try {
    return await settle(db, pool, change, why, opts);
  } catch (err) {
    // Whatever failed (the database, most likely), the change must not stay "recovering":
    // hand it back to the sweep, which tries again.
    await db.changeSet.updateMany({ where: { id: changeId, status: 'recovering' }, data: { status: 'applying' } }).catch(() => undefined);
    throw err;
  }
}

async function settle(
  db: Db,
  pool: SshPool,
  change: Awaited<ReturnType<Db['changeSet']['findUniqueOrThrow']>>,
  why: string,
  opts: { holdingLock?: boolean },
): Promise<ApplySummary> {
  const changeId = change.id;

  const host = await db.host.findUnique({ where: { id: change.hostId } });
  const started = await db.auditRecord.findFirst({ where: { changeId, kind: 'change.started' } });
  const startedContent = started ? (JSON.parse(started.content) as { before: Topology; operations: Operation[]; confirmWindowSeconds?: number }) : null;
  const plan = JSON.parse(change.plan) as StoredPlan;
  const actor = { id: change.authorId, name: change.authorName };

  let hostOutcome = 'unknown';
  let after: Topology | null = null;
  const notes: string[] = [];
  if (host) {
    try {
      // A runner waiting for a confirmation ends only when its window closes.
      const waitMs = JOURNAL_WAIT_MS + (startedContent?.confirmWindowSeconds ?? 0) * 1000;
      const journal = await readJournal(pool, host, changeId, plan, waitMs, opts.holdingLock === true);
      const recorded = await db.auditRecord.findMany({ where: { changeId, kind: { in: ['change.step', 'change.rollback', 'change.confirmation'] } }, select: { content: true } });
      const have = new Set(recorded.map((r) => progressKey(JSON.parse(r.content) as ProgressRecord)));
      for (const record of journal.records) {
        if (have.has(progressKey(record))) continue;
        await appendAudit(db, { kind: record.kind, changeId, hostId: host.id, actor, content: { ...record, fromJournal: true } });
      }
      hostOutcome = !journal.found
        ? 'the runner never started (no journal on the host)'
        : journal.result ?? `still running after ${waitMs / 1000} s, or stopped without finishing`;
    } catch (err) {
      notes.push(`The journal could not be read: ${isAppError(err) ? err.userMessage : String(err)}`);
    }
    const read = await readHostAfterChange(db, pool, host.id);
    after = read.after;
    if (read.readError) notes.push(`The host could not be read: ${read.readError}`);
  } else {
    notes.push('The host was removed from the inventory.');
  }

  const ops = startedContent?.operations ?? [];
  const differencesFromPlan = after ? differencesFromIntended(plan.intended, after, ops) : [];
  const differencesFromBefore = after && startedContent ? configurationDifferences(startedContent.before, after).map(describeChange) : [];
  const hostState = !after
    ? 'unknown (the host could not be read)'
    : !differencesFromPlan.length
      ? 'as the plan intended'
      : !differencesFromBefore.length
        ? 'as it was before the change'
        : 'partly changed (see the differences)';
  // The host undid the change itself (nobody confirmed it in time): that is the change's
  // outcome, whatever kept the panel from seeing it live, and it says so in the status.
  const byHost = hostOutcome === 'rolled-back-by-host';
  const status: ChangeStatus = byHost ? 'rolled-back-by-host' : 'interrupted';
  await appendAudit(db, {
    kind: 'change.interrupted',
    changeId,
    hostId: change.hostId,
    actor,
    content: {
      result: status,
      why: byHost ? `${hostRollbackReason(startedContent?.confirmWindowSeconds ?? 0, null)}; the panel learnt it from the host's journal (${why})` : why,
      hostOutcome,
      hostState,
      differencesFromPlan,
      differencesFromBefore,
      notes,
      after,
    },
  });
  await db.changeSet.update({ where: { id: changeId }, data: { status, finishedAt: new Date() } });
  if (hostOutcome === 'applied') {
    await removeAppliedDrafts(db, change.hostId, change.draftIds);
  }
  publish({ kind: 'change', hostId: change.hostId, changeId });
  if (!opts.holdingLock) await db.hostLock.deleteMany({ where: { hostId: change.hostId, changeId } });
  return { changeId, status, differences: byHost ? [...differencesFromBefore, ...notes] : [...differencesFromPlan, ...notes], durationMs: 0 };
}

/**
 * Finds applies whose panel is gone (their host lock expired or vanished) and settles them.
 * Runs at start and then periodically, so a killed panel's change is settled by whichever
 * instance comes up next.
 */
export async function recoverStaleApplies(db: Db, pool: SshPool): Promise<string[]> {
  const open = await db.changeSet.findMany({ where: { status: 'applying' }, select: { id: true, hostId: true } });
  const recovered: string[] = [];
  for (const c of open) {
    const lock = await db.hostLock.findUnique({ where: { hostId: c.hostId } });
    if (lock && lock.changeId === c.id && lock.expiresAt > new Date()) continue;
    await recoverChange(db, pool, c.id, 'the panel stopped while applying it (found after a restart)');
    recovered.push(c.id);
  }
  return recovered;
}
