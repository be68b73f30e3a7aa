// The audit trail's hash chain, pure: a record's hash covers its position, its fields and the
// previous record's hash. Changing, removing or reordering any stored record changes the hash
// that every later record was computed over, so verification names the first record that no
// longer matches.
//
// Format 2 (current) hashes the RFC 8785 (JCS) form of the record, through the `canonicalize`
// library. Format 1 was the first release's hand-written canonical JSON, which turned a Date
// into {} and an undefined array entry into invalid JSON; it is kept, unchanged, only so that
// records written before still verify. A record's format is part of what its hash covers.
import { createHash } from 'node:crypto';
import { canonicalText } from '@/server/canonical';

export const GENESIS_HASH = '0'.repeat(64);

/** The format new records are written in. */
export const CHAIN_FORMAT = 2;

/** Format 1's canonical form, exactly as the first release wrote it. Never use it for new data. */
function formatOneCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatOneCanonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${formatOneCanonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface ChainedFields {
  /** CHAIN_FORMAT when written; 1 for records of the first release. */
  format: number;
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
  const fields = {
    seq: r.seq,
    changeId: r.changeId,
    hostId: r.hostId,
    kind: r.kind,
    actorId: r.actorId,
    actorName: r.actorName,
    content: r.content,
    at: r.at.toISOString(),
  };
  const body = r.format === 1 ? formatOneCanonical(fields) : canonicalText({ format: r.format, ...fields });
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
    // One missing record is "record 3", several "records 3-5"; a seq at or below one already
    // seen is a reordered or repeated record, not a gap (it used to read "record 3-3" and
    // "record 4 is missing" for a swap).
    if (r.seq > expectedSeq) problems.push({ seq: r.seq, problem: r.seq - 1 > expectedSeq ? `records ${expectedSeq}-${r.seq - 1} are missing` : `record ${expectedSeq} is missing` });
    if (r.seq < expectedSeq) problems.push({ seq: r.seq, problem: `it is out of order (record ${expectedSeq} was expected here)` });
    if (r.prevHash !== prev) problems.push({ seq: r.seq, problem: 'its link to the record before it does not match (that record was altered or removed)' });
    if (recordHash(r.prevHash, r) !== r.hash) problems.push({ seq: r.seq, problem: 'its content does not match its hash (the record was altered)' });
    prev = r.hash;
    expectedSeq = Math.max(expectedSeq, r.seq + 1);
  }
  return problems;
}
