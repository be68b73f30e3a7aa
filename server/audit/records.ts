// Writing and checking the audit trail. Records are only ever appended (nothing here updates
// or deletes one); each append takes the chain's head inside a transaction and a unique `seq`
// makes two appenders (two panel instances on PostgreSQL) collide instead of forking the chain.
import type { Db } from '@/server/db/client';
import { isUniqueViolation, isWriteConflict } from '@/server/db/errors';
import { canonicalText } from '@/server/canonical';
import { CHAIN_FORMAT, GENESIS_HASH, recordHash, verifyRecords, type ChainProblem } from './chain';
import type { SecurityEventKind } from './event-kinds';

export type ChangeRecordKind = 'change.started' | 'change.step' | 'change.rollback' | 'change.confirmation' | 'change.finished' | 'change.interrupted';
export type AuditKind = ChangeRecordKind | SecurityEventKind;

export interface AuditEntry {
  kind: AuditKind;
  changeId: string | null;
  hostId: string | null;
  actor: { id: string; name: string } | null;
  content: unknown;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Appends inside the caller's transaction, so the record commits or vanishes with what it records. */
export async function appendAuditIn(tx: Tx, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  return (await appendAuditBatchIn(tx, [entry])).at(-1)!;
}

/** Appends several records in order, chained to each other, with one read of the head and one write. */
export async function appendAuditBatchIn(tx: Tx, entries: readonly AuditEntry[]): Promise<{ seq: number; hash: string }[]> {
  const head = await tx.auditRecord.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const rows = entries.map((entry) => {
    const fields = {
      format: CHAIN_FORMAT,
      seq: ++seq,
      changeId: entry.changeId,
      hostId: entry.hostId,
      kind: entry.kind,
      actorId: entry.actor?.id ?? null,
      actorName: entry.actor?.name ?? null,
      content: canonicalText(entry.content),
      // Both databases keep milliseconds, as a JS Date has, so the hash survives a round trip.
      at: new Date(),
    };
    const row = { ...fields, prevHash, hash: recordHash(prevHash, fields) };
    prevHash = row.hash;
    return row;
  });
  await tx.auditRecord.createMany({ data: rows });
  return rows.map((r) => ({ seq: r.seq, hash: r.hash }));
}

/**
 * Runs `work` in a transaction, again from the start when another appender took the chain's
 * next seq first (or, on PostgreSQL, wrote since we read).
 */
export async function inAuditTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work);
    } catch (err) {
      if ((isUniqueViolation(err) || isWriteConflict(err)) && attempt < 20) {
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
        continue;
      }
      throw err;
    }
  }
}

export async function appendAudit(db: Db, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  return inAuditTransaction(db, (tx) => appendAuditIn(tx, entry));
}

/**
 * Appends records as they come, in their order, each waiting batch in one transaction: while
 * one batch is written the next gathers (an apply's 200 step records are a handful of writes,
 * not 200). `afterBatch` runs once each batch is committed. `flushed()` resolves when all
 * appended so far are written, or rejects with the first failure.
 */
export function auditAppender(db: Db, afterBatch: () => void = () => undefined) {
  const waiting: AuditEntry[] = [];
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let busy = false;
  const drain = async () => {
    busy = true;
    try {
      while (waiting.length && failure === null) {
        const batch = waiting.splice(0);
        try {
          await inAuditTransaction(db, (tx) => appendAuditBatchIn(tx, batch));
          afterBatch();
        } catch (err) {
          failure = err;
        }
      }
    } finally {
      busy = false;
    }
  };
  return {
    append(entry: AuditEntry) {
      waiting.push(entry);
      if (!busy) writing = drain();
    },
    async flushed(): Promise<void> {
      await writing;
      if (failure !== null) throw failure;
    },
  };
}

export interface ChainReport {
  intact: boolean;
  records: number;
  problems: ChainProblem[];
  /** Change rows whose status disagrees with what their audit records say. */
  mismatchedChanges: { changeId: string; problem: string }[];
  checkedAt: Date;
}

const BATCH = 500;

/** Reads the whole chain in batches and checks every link. */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  let prevHash = GENESIS_HASH;
  let nextSeq = 1;
  let records = 0;
  const lastResult = new Map<string, string>();
  for (;;) {
    const batch = await db.auditRecord.findMany({ where: { seq: { gte: nextSeq } }, orderBy: { seq: 'asc' }, take: BATCH });
    if (!batch.length) break;
    problems.push(...verifyRecords(batch, prevHash, nextSeq));
    for (const r of batch) {
      if (r.changeId && (r.kind === 'change.finished' || r.kind === 'change.interrupted')) {
        const result = (JSON.parse(r.content) as { result?: string }).result;
        if (result) lastResult.set(r.changeId, result);
      }
    }
    records += batch.length;
    prevHash = batch.at(-1)!.hash;
    nextSeq = batch.at(-1)!.seq + 1;
  }
  const mismatchedChanges: ChainReport['mismatchedChanges'] = [];
  const finished = await db.changeSet.findMany({ where: { finishedAt: { not: null } }, select: { id: true, status: true } });
  for (const c of finished) {
    const recorded = lastResult.get(c.id);
    if (recorded !== c.status) mismatchedChanges.push({ changeId: c.id, problem: `listed as ${c.status}, but its audit records say ${recorded ?? 'nothing about its result'}` });
  }
  return { intact: problems.length === 0 && mismatchedChanges.length === 0, records, problems, mismatchedChanges, checkedAt: new Date() };
}

export async function auditRecordsOf(db: Db, changeId: string) {
  const rows = await db.auditRecord.findMany({ where: { changeId }, orderBy: { seq: 'asc' } });
  return rows.map((r) => ({ seq: r.seq, kind: r.kind as AuditKind, at: r.at, actorName: r.actorName, content: JSON.parse(r.content) as unknown, hash: r.hash }));
}
