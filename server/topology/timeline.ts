// A host's past as the panel stored it: every topology snapshot (one per read that found
// something different), where each came from (a Switchboard change, a change made outside
// Switchboard, the first read), and what changed between any two of them, in sentences.
import type { Db } from '@/server/db/client';
import { changeLabel } from '@/server/changes/change-label';
import { AppError } from '@/server/errors';
import { describeChange, diffTopology } from './diff';
import type { Topology } from './model';

export type SnapshotOrigin =
  | { kind: 'first-read' }
  | { kind: 'switchboard'; changeId: string; label: string; authorName: string }
  | { kind: 'outside'; acknowledged: boolean }
  /** Neither a recorded outside change nor a Switchboard change explains it (a read before history was kept). */
  | { kind: 'unknown' };

export interface TimelinePoint {
  snapshotId: string;
  observedAt: Date;
  origin: SnapshotOrigin;
}

/** The most snapshots the timeline offers (the newest ones). */
export const TIMELINE_LIMIT = 200;
/** A change's own snapshot is stored this soon after it finishes (the re-read after apply). */
const AFTER_APPLY_SLACK_MS = 60_000;

interface ChangeFinished {
  id: string;
  authorName: string;
  finishedAt: Date;
}

/**
 * Where the snapshot taken at `at` (after the one at `previousAt`) came from: an outside change
 * recorded for it, else the Switchboard change that finished in between. Pure.
 */
export function originOf(previousAt: Date | null, at: Date, outside: { acknowledged: boolean } | undefined, changes: readonly ChangeFinished[]): SnapshotOrigin {
  if (previousAt === null) return { kind: 'first-read' };
  if (outside) return { kind: 'outside', acknowledged: outside.acknowledged };
  // The re-read after an apply can be stored a moment before the change is marked finished.
  const ours = changes.find((c) => c.finishedAt > previousAt && c.finishedAt.getTime() <= at.getTime() + AFTER_APPLY_SLACK_MS);
  return ours ? { kind: 'switchboard', changeId: ours.id, label: changeLabel(ours.id), authorName: ours.authorName } : { kind: 'unknown' };
}

async function requireHost(db: Db, hostId: string) {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { id: true } });
  if (!host) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });
}

/** The host's snapshots, oldest first (the newest TIMELINE_LIMIT), each with its origin. */
export async function hostTimeline(db: Db, hostId: string): Promise<TimelinePoint[]> {
  await requireHost(db, hostId);
  const rows = (await db.topologySnapshot.findMany({ where: { hostId }, orderBy: { observedAt: 'desc' }, take: TIMELINE_LIMIT + 1, select: { id: true, observedAt: true } })).reverse();
  const [outside, changes] = await Promise.all([
    db.observedChange.findMany({ where: { hostId, toSnapshotId: { in: rows.map((r) => r.id) } }, select: { toSnapshotId: true, acknowledgedAt: true } }),
    db.changeSet.findMany({ where: { hostId, finishedAt: { not: null }, status: { in: ['applied', 'applied-with-differences', 'interrupted'] } }, select: { id: true, authorName: true, finishedAt: true }, orderBy: { finishedAt: 'asc' } }),
  ]);
  const outsideBySnapshot = new Map(outside.map((o) => [o.toSnapshotId, { acknowledged: o.acknowledgedAt !== null }]));
  const finished = changes.map((c) => ({ id: c.id, authorName: c.authorName, finishedAt: c.finishedAt! }));
  // The oldest row kept is only there to give the first shown snapshot its "before".
  const points = rows.map((r, i) => ({ snapshotId: r.id, observedAt: r.observedAt, origin: originOf(i === 0 ? null : rows[i - 1]!.observedAt, r.observedAt, outsideBySnapshot.get(r.id), finished) }));
  return rows.length > TIMELINE_LIMIT ? points.slice(1) : points;
}

/** One stored snapshot of this host. */
export async function snapshotTopology(db: Db, hostId: string, snapshotId: string): Promise<{ snapshotId: string; observedAt: Date; topology: Topology }> {
  const row = await db.topologySnapshot.findUnique({ where: { id: snapshotId } });
  if (!row || row.hostId !== hostId) throw new AppError('NOT_FOUND', { userMessage: 'That point of the host’s history is not stored (any more).' });
  return { snapshotId: row.id, observedAt: row.observedAt, topology: JSON.parse(row.topology) as Topology };
}

export interface SnapshotComparison {
  from: { snapshotId: string; observedAt: Date; topology: Topology };
  to: { snapshotId: string; observedAt: Date; topology: Topology };
  /** Each stored step from `from` to `to`, oldest first: when, where it came from, what changed. */
  steps: { snapshotId: string; observedAt: Date; origin: SnapshotOrigin; sentences: string[] }[];
}

/** What changed between two stored points of a host's history, step by step, with each step's origin. */
export async function compareSnapshots(db: Db, hostId: string, fromId: string, toId: string): Promise<SnapshotComparison> {
  let [from, to] = await Promise.all([snapshotTopology(db, hostId, fromId), snapshotTopology(db, hostId, toId)]);
  if (from.observedAt > to.observedAt) [from, to] = [to, from];
  const timeline = await hostTimeline(db, hostId);
  const between = timeline.filter((p) => p.observedAt > from.observedAt && p.observedAt <= to.observedAt);
  const steps: SnapshotComparison['steps'] = [];
  let before = from.topology;
  for (const point of between) {
    const after = point.snapshotId === to.snapshotId ? to.topology : (await snapshotTopology(db, hostId, point.snapshotId)).topology;
    steps.push({ snapshotId: point.snapshotId, observedAt: point.observedAt, origin: point.origin, sentences: diffTopology(before, after).map(describeChange) });
    before = after;
  }
  return { from, to, steps };
}
