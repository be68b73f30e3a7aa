import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, recordHash, verifyRecords, type ChainedFields, type StoredRecord } from './chain';

const fields = (seq: number, overrides: Partial<ChainedFields> = {}): ChainedFields => ({
  seq,
  changeId: `chg${seq}`,
  hostId: 'host1',
  kind: seq === 1 ? 'change.planned' : 'change.step',
  actorId: 'user1',
  actorName: 'alice',
  content: JSON.stringify({ step: seq }),
  at: new Date(Date.UTC(2025, 0, 1, 12, 0, seq)),
  ...overrides,
});

/** A correctly chained list of records, as the audit writer stores them. */
function chain(n: number, startSeq = 1, startPrev = GENESIS_HASH): StoredRecord[] {
  const out: StoredRecord[] = [];
  let prev = startPrev;
  for (let seq = startSeq; seq < startSeq + n; seq++) {
    const f = fields(seq);
    const hash = recordHash(prev, f);
    out.push({ ...f, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('recordHash', () => {
  it('is a SHA-256 hex digest, the same for the same input', () => {
    const h = recordHash(GENESIS_HASH, fields(1));
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(recordHash(GENESIS_HASH, fields(1))).toBe(h);
    expect(recordHash(GENESIS_HASH, { ...fields(1), at: new Date(fields(1).at.getTime()) })).toBe(h);
  });

  it.each<[string, Partial<ChainedFields>]>([
    ['seq', { seq: 2 }],
    ['changeId', { changeId: null }],
    ['hostId', { hostId: 'host2' }],
    ['kind', { kind: 'change.applied' }],
    ['actorId', { actorId: 'user2' }],
    ['actorName', { actorName: 'mallory' }],
    ['content', { content: JSON.stringify({ step: 1, extra: true }) }],
    ['at', { at: new Date(Date.UTC(2025, 0, 1, 12, 0, 1, 1)) }],
  ])('covers %s', (_, change) => {
    expect(recordHash(GENESIS_HASH, { ...fields(1), ...change })).not.toBe(recordHash(GENESIS_HASH, fields(1)));
  });

  it('covers the previous hash', () => {
    expect(recordHash('f'.repeat(64), fields(1))).not.toBe(recordHash(GENESIS_HASH, fields(1)));
  });
});

describe('verifyRecords', () => {
  it('finds nothing wrong in an intact chain, or an empty one', () => {
    expect(verifyRecords(chain(5))).toEqual([]);
    expect(verifyRecords([])).toEqual([]);
  });

  it('verifies a window of the chain from its predecessor', () => {
    const all = chain(6);
    expect(verifyRecords(all.slice(3), all[2]!.hash, 4)).toEqual([]);
    expect(verifyRecords(all.slice(3))).not.toEqual([]);
  });

  it('names a record whose content was altered', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, content: JSON.stringify({ step: 3, exitCode: 0 }) };
    expect(verifyRecords(records)).toEqual([{ seq: 3, problem: 'its content does not match its hash (the record was altered)' }]);
  });

  it.each<[string, Partial<StoredRecord>]>([
    ['actor', { actorName: 'mallory' }],
    ['time', { at: new Date(Date.UTC(2024, 0, 1)) }],
    ['kind', { kind: 'change.applied' }],
  ])('names a record whose %s was altered', (_, change) => {
    const records = chain(4);
    records[1] = { ...records[1]!, ...change };
    expect(verifyRecords(records).map((p) => p.seq)).toEqual([2]);
  });

  it('names the next record when an altered one was re-hashed to hide it', () => {
    const records = chain(5);
    const forged = { ...fields(3), content: '{"step":"forged"}' };
    records[2] = { ...forged, prevHash: records[1]!.hash, hash: recordHash(records[1]!.hash, forged) };
    expect(verifyRecords(records)).toEqual([{ seq: 4, problem: 'its link to the record before it does not match (that record was altered or removed)' }]);
  });

  it('names the gap and the broken link when a record was removed', () => {
    const records = chain(5);
    records.splice(2, 1);
    expect(verifyRecords(records)).toEqual([
      { seq: 4, problem: 'record 3 is missing' },
      { seq: 4, problem: 'its link to the record before it does not match (that record was altered or removed)' },
    ]);
  });

  it('names several missing records as a range', () => {
    const records = chain(6);
    records.splice(1, 3);
    expect(verifyRecords(records)[0]).toEqual({ seq: 5, problem: 'records 2-4 are missing' });
  });

  it('names the first record when it was removed', () => {
    const problems = verifyRecords(chain(3).slice(1));
    expect(problems[0]).toEqual({ seq: 2, problem: 'record 1 is missing' });
  });

  it('names both records of a swapped pair', () => {
    const records = chain(5);
    [records[1], records[2]] = [records[2]!, records[1]!];
    expect(verifyRecords(records)).toEqual([
      { seq: 3, problem: 'record 2 is missing' },
      { seq: 3, problem: 'its link to the record before it does not match (that record was altered or removed)' },
      { seq: 2, problem: 'it is out of order (record 4 was expected here)' },
      { seq: 2, problem: 'its link to the record before it does not match (that record was altered or removed)' },
      { seq: 4, problem: 'its link to the record before it does not match (that record was altered or removed)' },
    ]);
  });

  it('names a repeated record', () => {
    const records = chain(3);
    records.splice(2, 0, records[1]!);
    expect(verifyRecords(records)[0]).toEqual({ seq: 2, problem: 'it is out of order (record 3 was expected here)' });
  });

  it('detects records renumbered after a removal (the link still breaks)', () => {
    const records = chain(5);
    records.splice(2, 1);
    // Renumber 4 -> 3, 5 -> 4 and recompute their own hashes: their links still break.
    const renumbered = records.map((r, i) => {
      if (i < 2) return r;
      const f = { ...r, seq: i + 1 };
      return { ...f, hash: recordHash(r.prevHash, f) };
    });
    const link = 'its link to the record before it does not match (that record was altered or removed)';
    expect(verifyRecords(renumbered)).toEqual([
      { seq: 3, problem: link },
      { seq: 4, problem: link },
    ]);
  });
});
