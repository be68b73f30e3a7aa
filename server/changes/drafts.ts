// A host's draft change set: the operations operators have drafted and not yet applied, stored
// on the server (a reload, another browser or another operator sees the same draft), each
// validated against the latest known topology as it is added.
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { Actor } from '@/server/hosts/hosts';
import { describeOperation, ZOperation, type Operation } from '@/server/plan/ops';
import { validateOperations } from '@/server/plan/validate';
import { diffTopology, type TopologyChange } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { latestTopology } from '@/server/topology/refresh';
import { changeLabel } from './change-label';
import { fleetConflictsOfOperations, withMacs } from './fleet-conflicts';
import { publish } from '@/server/live/hub';

/** A draft larger than this is more likely a runaway script than a change a person reviews. */
export const DRAFT_LIMIT = 500;

export interface DraftItem {
  id: string;
  operation: Operation;
  description: string;
  authorName: string;
  createdAt: Date;
  errors: string[];
  /** The change this operation undoes, when "Revert" drafted it. */
  revertOf: { changeId: string; label: string } | null;
}

export interface DraftView {
  hostId: string;
  items: DraftItem[];
  valid: boolean;
  /** The latest topology with every valid operation applied, for drawing pending changes. */
  projected: Topology | null;
  /** What the draft changes, against the latest topology (added, removed, changed). */
  pending: TopologyChange[];
  basedOn: { snapshotId: string; observedAt: Date } | null;
  /** The change a revert in this draft undoes, with its reason (review prefills its own reason from it). */
  revertOf: { changeId: string; label: string; reason: string | null } | null;
}

async function draftRows(db: Db, hostId: string) {
  const rows = await db.draftOperation.findMany({ where: { hostId }, orderBy: [{ position: 'asc' }, { createdAt: 'asc' }] });
  return rows.map((r) => ({ ...r, operation: ZOperation.parse(JSON.parse(r.operation)) }));
}

export async function draftOperations(db: Db, hostId: string): Promise<{ id: string; operation: Operation; authorName: string; revertOfId: string | null }[]> {
  return (await draftRows(db, hostId)).map((r) => ({ id: r.id, operation: r.operation, authorName: r.authorName, revertOfId: r.revertOfId }));
}

const revertOfItem = (revertOfId: string | null) => (revertOfId ? { changeId: revertOfId, label: changeLabel(revertOfId) } : null);

/** The change the draft's first reverted operation undoes, with that change's reason. */
async function draftRevertOf(db: Db, rows: { revertOfId: string | null }[]): Promise<DraftView['revertOf']> {
  const changeId = rows.find((r) => r.revertOfId)?.revertOfId;
  if (!changeId) return null;
  const change = await db.changeSet.findUnique({ where: { id: changeId }, select: { reason: true } });
  return { changeId, label: changeLabel(changeId), reason: change?.reason ?? null };
}

export async function getDraft(db: Db, hostId: string): Promise<DraftView> {
  const [rows, latest] = await Promise.all([draftRows(db, hostId), latestTopology(db, hostId)]);
  const revertOf = await draftRevertOf(db, rows);
  if (!latest) {
    return {
      hostId,
      items: rows.map((r) => ({ id: r.id, operation: r.operation, description: describeOperation(r.operation), authorName: r.authorName, createdAt: r.createdAt, errors: ['The host has not been read yet; refresh it first.'], revertOf: revertOfItem(r.revertOfId) })),
      valid: false,
      projected: null,
      pending: [],
      basedOn: null,
      revertOf,
    };
  }
  const validation = validateOperations(latest.topology, rows.map((r) => r.operation));
  const fleet = await fleetConflictsOfOperations(db, hostId, rows.map((r) => r.operation));
  return {
    hostId,
    items: rows.map((r, i) => ({
      id: r.id,
      operation: r.operation,
      description: describeOperation(r.operation),
      authorName: r.authorName,
      createdAt: r.createdAt,
      errors: [...validation.checks[i]!.errors, ...fleet[i]!],
      revertOf: revertOfItem(r.revertOfId),
    })),
    valid: validation.valid && fleet.every((e) => !e.length),
    projected: validation.projected,
    pending: diffTopology(latest.topology, validation.projected),
    basedOn: { snapshotId: latest.snapshotId, observedAt: latest.observedAt },
    revertOf,
  };
}

async function requireHost(db: Db, hostId: string) {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { id: true, name: true } });
  if (!host) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });
  return host;
}

/**
 * Adds operations at the end of the draft. An operation that fails validation is still kept
 * (with its error shown on it) so the operator can see and fix the sequence; review refuses
 * while any error remains. `revertOf`: the change these operations undo (Revert drafts them).
 */
export async function addOperations(db: Db, actor: Actor, hostId: string, drafted: Operation[], revertOf: string | null = null): Promise<DraftView> {
  await requireHost(db, hostId);
  const operations = await withMacs(db, drafted);
  await db.$transaction(async (tx) => {
    const count = await tx.draftOperation.count({ where: { hostId } });
    if (count + operations.length > DRAFT_LIMIT) {
      throw new AppError('BAD_INPUT', { userMessage: `A draft holds at most ${DRAFT_LIMIT} operations; apply or discard some first.` });
    }
    const last = await tx.draftOperation.findFirst({ where: { hostId }, orderBy: { position: 'desc' }, select: { position: true } });
    let position = (last?.position ?? -1) + 1;
    for (const operation of operations) {
      await tx.draftOperation.create({
        data: { hostId, position: position++, operation: JSON.stringify(operation), authorId: actor.id, authorName: actor.username, revertOfId: revertOf },
      });
    }
  });
  publish({ kind: 'draft', hostId });
  return getDraft(db, hostId);
}

/** Undoes one drafted operation (any operator may, not only its author: the draft is shared). */
export async function removeOperation(db: Db, hostId: string, operationId: string): Promise<DraftView> {
  const r = await db.draftOperation.deleteMany({ where: { id: operationId, hostId } });
  if (!r.count) throw new AppError('NOT_FOUND', { userMessage: 'That operation is no longer in the draft (someone removed or applied it).' });
  publish({ kind: 'draft', hostId });
  return getDraft(db, hostId);
}

export async function discardDraft(db: Db, hostId: string): Promise<DraftView> {
  await db.draftOperation.deleteMany({ where: { hostId } });
  publish({ kind: 'draft', hostId });
  return getDraft(db, hostId);
}
