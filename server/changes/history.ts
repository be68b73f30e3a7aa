// Reading the change history: lists with filters, one change with everything its audit records
// say, exports (JSON, CSV) and "revert" (a new draft of a past change's inverse operations).
import { csvField } from '@/server/csv';
import type { Db } from '@/server/db/client';
import { auditRecordsOf } from '@/server/audit/records';
import { AppError } from '@/server/errors';
import type { Actor } from '@/server/hosts/hosts';
import { invertSequence } from '@/server/plan/invert';
import type { Operation } from '@/server/plan/ops';
import type { PlanStep } from '@/server/plan/planner';
import type { PlannedDocument } from '@/server/plan/render';
import { diffTopology, type TopologyChange } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import type { CommandOutcome, ConfirmationRecord, RollbackRecord, StepRecord } from '@/server/apply/progress';
import { changeLabel } from './change-label';
import { addOperations, type DraftView } from './drafts';
import type { StoredPlan } from './review';

export interface HistoryFilter {
  hostId?: string;
  user?: string;
  status?: string;
  from?: Date;
  to?: Date;
  take?: number;
  cursor?: string;
}

/** Changes that reached the host's audit trail (reviews never applied are not history). */
export async function listChanges(db: Db, f: HistoryFilter) {
  const take = Math.min(f.take ?? 50, 500);
  const rows = await db.changeSet.findMany({
    where: {
      status: f.status ? f.status : { not: 'reviewed' },
      ...(f.hostId ? { hostId: f.hostId } : {}),
      ...(f.user ? { authorName: f.user } : {}),
      ...(f.from || f.to ? { startedAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
    },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: take + 1,
    ...(f.cursor ? { cursor: { id: f.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, take);
  // Changes on this page that later changes reverted (a revert can be on another page).
  const reverts = await db.changeSet.findMany({ where: { revertOfId: { in: page.map((r) => r.id) }, status: { not: 'reviewed' } }, select: { id: true, revertOfId: true } });
  return {
    items: page.map((r) => ({
      id: r.id,
      label: changeLabel(r.id),
      revertOf: r.revertOfId ? { id: r.revertOfId, label: changeLabel(r.revertOfId) } : null,
      revertedBy: reverts.filter((v) => v.revertOfId === r.id).map((v) => ({ id: v.id, label: changeLabel(v.id) })),
      hostId: r.hostId,
      hostName: r.hostName,
      status: r.status,
      authorName: r.authorName,
      reason: r.reason,
      operations: (JSON.parse(r.operations) as Operation[]).length,
      disruptive: r.disruptive,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    })),
    nextCursor: rows.length > take ? page.at(-1)!.id : null,
  };
}

export interface StepView {
  index: number;
  description: string;
  disruptive: string | null;
  status: 'pending' | 'ok' | 'failed' | 'rolled-back' | 'rollback-failed';
  commands: { argv: string[]; inverse: string[][]; documents?: PlannedDocument[]; outcome: CommandOutcome | null }[];
  rollback: { argv: string[]; exitCode: number; ms: number; output: string[] }[];
}

export interface ChangeDetail {
  id: string;
  /** "CHG-…", what people call it. */
  label: string;
  /** The change this one undid (applied from a Revert), and the changes that undid this one. */
  revertOf: { id: string; label: string } | null;
  revertedBy: { id: string; label: string; status: string }[];
  hostId: string;
  hostName: string;
  status: string;
  authorName: string;
  reason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  disruptive: boolean;
  hostKeyFingerprint: string | null;
  steps: StepView[];
  /** Before -> after (or before -> intended while it runs). */
  diff: TopologyChange[];
  differences: string[];
  final: Record<string, unknown> | null;
  /** Which steps a reboot undoes, in a sentence (null: all survive it, or the plan predates the check). */
  runtimeOnly: string | null;
  runtimeOnlySteps: number[];
  /** The host's wait for the panel's confirmation: since when, how long, and how it ended. */
  confirmation: { state: ConfirmationRecord['state']; windowSeconds: number; since: Date; secondsLeft: number | null } | null;
  records: { seq: number; kind: string; at: Date; actorName: string | null; hash: string }[];
}

/** The host as the change found it and as it left it (or as the plan intends, while it runs or when it never ran). */
export interface ChangePictures {
  before: Topology | null;
  after: Topology | null;
  /** Where `after` comes from: the host read after the change, or the plan's intended state. */
  afterIs: 'read' | 'intended';
}

/** The two topologies a change's page draws side by side (kept apart from getChange: they can be large). */
export async function getChangePictures(db: Db, changeId: string): Promise<ChangePictures> {
  const row = await db.changeSet.findUnique({ where: { id: changeId }, select: { plan: true } });
  if (!row) throw new AppError('NOT_FOUND', { userMessage: 'That change does not exist.' });
  const plan = JSON.parse(row.plan) as StoredPlan;
  const records = await auditRecordsOf(db, changeId);
  const started = records.find((r) => r.kind === 'change.started')?.content as { before: Topology } | undefined;
  const final = records.filter((r) => r.kind === 'change.finished' || r.kind === 'change.interrupted').at(-1)?.content as { after?: Topology | null } | undefined;
  const after = final?.after ?? null;
  return { before: started?.before ?? null, after: after ?? plan.intended ?? null, afterIs: after ? 'read' : 'intended' };
}

export async function getChange(db: Db, changeId: string): Promise<ChangeDetail> {
  const row = await db.changeSet.findUnique({ where: { id: changeId } });
  if (!row) throw new AppError('NOT_FOUND', { userMessage: 'That change does not exist.' });
  const plan = JSON.parse(row.plan) as StoredPlan;
  const records = await auditRecordsOf(db, changeId);
  const started = records.find((r) => r.kind === 'change.started')?.content as { before: Topology; host?: { hostKeyFingerprint: string } } | undefined;
  const finalRecord = records.filter((r) => r.kind === 'change.finished' || r.kind === 'change.interrupted').at(-1);
  const final = (finalRecord?.content ?? null) as (Record<string, unknown> & { after?: Topology | null; differences?: string[]; differencesFromPlan?: string[] }) | null;

  const stepRecords = records.filter((r) => r.kind === 'change.step').map((r) => r.content as StepRecord);
  const rollbacks = records.filter((r) => r.kind === 'change.rollback').map((r) => r.content as RollbackRecord);
  const confirmations = records.filter((r) => r.kind === 'change.confirmation');
  const waiting = confirmations.find((r) => (r.content as ConfirmationRecord).state === 'waiting');
  const lastConfirmation = confirmations.at(-1)?.content as ConfirmationRecord | undefined;
  // Once a step failed, or the host undid an unconfirmed change, every step that ran was rolled
  // back, including those whose commands needed no inverse (a MAC set on an interface the change
  // itself created).
  const runFailed = stepRecords.some((r) => r.status === 'failed') || lastConfirmation?.state === 'expired';
  const steps: StepView[] = plan.steps.map((s: PlanStep, index) => {
    const done = stepRecords.find((r) => r.step === index);
    const undone = rollbacks.filter((r) => r.step === index);
    const rollbackFailed = undone.some((r) => r.outcome.exitCode !== 0);
    return {
      index,
      description: s.description,
      disruptive: s.disruptive,
      status: !done ? 'pending' : done.status === 'ok' && runFailed ? (rollbackFailed ? 'rollback-failed' : 'rolled-back') : done.status,
      commands: s.commands.map((c, i) => ({ argv: c.argv, inverse: c.inverse, documents: c.documents, outcome: done?.commands[i] ?? null })),
      rollback: undone.map((r) => r.outcome),
    };
  });
  const after = final?.after ?? null;
  const diff = started ? diffTopology(started.before, after ?? plan.intended) : plan.diff;
  const revertedBy = await db.changeSet.findMany({ where: { revertOfId: row.id, status: { not: 'reviewed' } }, select: { id: true, status: true }, orderBy: { createdAt: 'asc' } });
  return {
    id: row.id,
    label: changeLabel(row.id),
    revertOf: row.revertOfId ? { id: row.revertOfId, label: changeLabel(row.revertOfId) } : null,
    revertedBy: revertedBy.map((r) => ({ id: r.id, label: changeLabel(r.id), status: r.status })),
    hostId: row.hostId,
    hostName: row.hostName,
    status: row.status,
    authorName: row.authorName,
    reason: row.reason,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    disruptive: row.disruptive,
    hostKeyFingerprint: started?.host?.hostKeyFingerprint ?? null,
    steps,
    diff,
    differences: final?.differences ?? final?.differencesFromPlan ?? [],
    final: final ? Object.fromEntries(Object.entries(final).filter(([k]) => k !== 'after')) : null,
    runtimeOnly: plan.persistence?.sentence ?? null,
    runtimeOnlySteps: plan.persistence?.runtimeOnlySteps ?? [],
    // A wait recorded as the last command started, in a change that then failed (so the host
    // never waited), is no wait at all.
    confirmation:
      lastConfirmation && waiting && !(lastConfirmation.state === 'waiting' && row.status !== 'applying' && row.status !== 'recovering')
        ? {
            state: lastConfirmation.state,
            windowSeconds: lastConfirmation.windowSeconds,
            since: waiting.at,
            // Counted here, on the panel's clock (the browser's may differ); the page counts down from it.
            secondsLeft: lastConfirmation.state === 'waiting' ? Math.max(0, lastConfirmation.windowSeconds - (Date.now() - waiting.at.getTime()) / 1000) : null,
          }
        : null,
    records: records.map((r) => ({ seq: r.seq, kind: r.kind, at: r.at, actorName: r.actorName, hash: r.hash })),
  };
}

/** Full records for auditors: every change in the filter with its audit records' content. */
export async function exportChanges(db: Db, f: HistoryFilter, format: 'json' | 'csv'): Promise<{ filename: string; mimeType: string; body: string }> {
  // Every change the filter matches, page by page: an export must not stop silently at a page size.
  const items: Awaited<ReturnType<typeof listChanges>>['items'] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await listChanges(db, { ...f, take: 500, cursor });
    items.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (format === 'csv') {
    const header = ['id', 'host', 'status', 'user', 'reason', 'started_at', 'finished_at', 'operations', 'commands'];
    const lines = [header.join(',')];
    for (const item of items) {
      const detail = await getChange(db, item.id);
      const commands = detail.steps.flatMap((s) => s.commands.map((c) => `${c.argv.join(' ')} => ${c.outcome ? c.outcome.exitCode : 'not run'}`)).join('\n');
      lines.push([item.id, item.hostName, item.status, item.authorName, item.reason ?? '', item.startedAt?.toISOString() ?? '', item.finishedAt?.toISOString() ?? '', String(item.operations), commands].map(csvField).join(','));
    }
    return { filename: `switchboard-changes-${stamp}.csv`, mimeType: 'text/csv', body: lines.join('\r\n') + '\r\n' };
  }
  const changes = [];
  for (const item of items) changes.push({ ...item, records: await auditRecordsOf(db, item.id) });
  return { filename: `switchboard-changes-${stamp}.json`, mimeType: 'application/json', body: JSON.stringify({ exportedAt: new Date(), filter: f, changes }, null, 2) };
}


/** Drafts the inverse of a past change; review then plans it against the host as it is now. */
export async function revertChange(db: Db, actor: Actor, changeId: string): Promise<DraftView> {
  const row = await db.changeSet.findUnique({ where: { id: changeId } });
  if (!row) throw new AppError('NOT_FOUND', { userMessage: 'That change does not exist.' });
  if (!['applied', 'applied-with-differences', 'interrupted'].includes(row.status)) {
    throw new AppError('BAD_INPUT', { userMessage: `This change is ${row.status}; only an applied change has something to revert.` });
  }
  if (row.status === 'interrupted') {
    const settled = await db.auditRecord.findFirst({ where: { changeId, kind: 'change.interrupted' }, orderBy: { seq: 'desc' } });
    const hostState = settled ? (JSON.parse(settled.content) as { hostState?: string }).hostState : undefined;
    if (hostState === 'as it was before the change') {
      throw new AppError('BAD_INPUT', { userMessage: 'This change was interrupted and the host is as it was before it; there is nothing to revert.' });
    }
  }
  const started = await db.auditRecord.findFirst({ where: { changeId, kind: 'change.started' } });
  if (!started) throw new AppError('NOT_FOUND', { userMessage: 'This change has no start record to revert from.' });
  const content = JSON.parse(started.content) as { before: Topology; steps: PlanStep[] };
  const applied = content.steps.map((s) => s.operation);
  const inverse = invertSequence(applied, content.before);
  if (!inverse.length) throw new AppError('BAD_INPUT', { userMessage: 'This change has no operations to revert.' });
  return addOperations(db, actor, row.hostId, inverse, changeId);
}
