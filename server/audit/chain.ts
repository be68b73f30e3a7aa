// The audit trail's hash chain, pure: a record's hash covers its position, its fields and the
// previous record's hash. Changing, removing or reordering any stored record changes the hash
// that every later record was computed over, so verification names the first record that no
// longer matches.
import { createHash } from 'node:crypto';
import { canonicalJson } from '@/server/topology/diff';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  seq: number;
  changeId: string | null;
  hostId: string | null;
  kind: string;
  actorId: string | null;
  actorName: string | null;
  /** Canonical JSON text, exactly as stored. */
  content: string;
  at: Date;
}

export function recordHash(prevHash: string, r: ChainedFields): string {
  const body = canonicalJson({
    seq: r.seq,
    changeId: r.changeId,
    hostId: r.hostId,
    kind: r.kind,
    actorId: r.actorId,
    actorName: r.actorName,
    content: r.content,
    at: r.at.toISOString(),
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export interface StoredRecord extends ChainedFields {
  prevHash: string;
  hash: string;
}

export type ChainProblem = { seq: number; problem: string };

/** Checks records in seq order; returns every record that breaks the chain, with why. */
export function verifyRecords(records: readonly StoredRecord[], startPrevHash = GENESIS_HASH, startSeq = 1): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = startPrevHash;
  let expectedSeq = startSeq;
  for (const r of records) {
    if (r.seq !== expectedSeq) problems.push({ seq: r.seq, problem: `record ${expectedSeq}${r.seq > expectedSeq ? `-${r.seq - 1}` : ''} is missing` });
    if (r.prevHash !== prev) problems.push({ seq: r.seq, problem: 'its link to the record before it does not match (that record was altered or removed)' });
    if (recordHash(r.prevHash, r) !== r.hash) problems.push({ seq: r.seq, problem: 'its content does not match its hash (the record was altered)' });
    prev = r.hash;
    expectedSeq = r.seq + 1;
  }
  return problems;
}
