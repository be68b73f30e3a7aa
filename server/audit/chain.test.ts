import { describe, expect, it } from 'vitest';
import { canonicalText } from '@/server/canonical';
import { CHAIN_FORMAT, GENESIS_HASH, recordHash, verifyRecords, type ChainedFields, type StoredRecord } from './chain';

const fields = (seq: number, overrides: Partial<ChainedFields> = {}): ChainedFields => ({
  format: CHAIN_FORMAT,
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
    ['format', { format: 3 }],
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

describe('format 1 (records written by the first release)', () => {
  it('still verifies, with the hashes that release computed', () => {
    // Hashes computed by the first release's recordHash for these two records (commit 768948c).
    const one = { ...fields(1), format: 1 };
    const two = { ...fields(2), format: 1 };
    const h1 = '4eb08a8c10afb17542fd5ac3a3f6178e7224e701aab08f7092ad563bff76996a';
    const h2 = 'c749edeb74d2e305c620613ff303e1758458cfa8c3eecaff8ca278a0de9d9bf8';
    expect(recordHash(GENESIS_HASH, one)).toBe(h1);
    expect(recordHash(h1, two)).toBe(h2);
    // A chain that goes on in format 2 after them verifies as one chain.
    const three = { ...fields(3) };
    const h3 = recordHash(h2, three);
    expect(verifyRecords([{ ...one, prevHash: GENESIS_HASH, hash: h1 }, { ...two, prevHash: h1, hash: h2 }, { ...three, prevHash: h2, hash: h3 }])).toEqual([]);
    // Relabelling a format-2 record as format 1 is caught.
    expect(verifyRecords([{ ...three, format: 1, prevHash: h2, hash: h3 }], h2, 3)).toEqual([{ seq: 3, problem: 'its content does not match its hash (the record was altered)' }]);
  });
});

describe('canonicalText (RFC 8785)', () => {
  it('gives the RFC\'s own example its canonical form (numbers, escapes, literals)', () => {
    // RFC 8785, section 3.2.2 input and 3.2.3 output.
    const input = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalText(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
    // Read the order from the text: JS objects list integer-like keys ("1") first whatever the text says.
    const text = canonicalText(Object.fromEntries(keys.map((k) => [k, 0])));
    const sorted = [...keys].sort((a, b) => text.indexOf(JSON.stringify(a)) - text.indexOf(JSON.stringify(b)));
    expect(sorted).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('writes Dates as ISO text, undefined array entries as null, large numbers in ES form', () => {
    expect(canonicalText({ at: new Date(Date.UTC(2026, 11, 1, 19, 0, 0, 5)) })).toBe('{"at":"2026-12-01T19:00:00.005Z"}');
    expect(canonicalText([1, undefined, 3])).toBe('[1,null,3]');
    expect(canonicalText({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalText({ big: 2 ** 53 + 2, huge: 1e21, tiny: 5e-7 })).toBe('{"big":9007199254740994,"huge":1e+21,"tiny":5e-7}');
    expect(() => canonicalText({ n: NaN })).toThrow(/NaN/);
    // The first release's form got both wrong: a Date became {} and [1,undefined] was not JSON.
    expect(() => JSON.parse(canonicalText([1, undefined]))).not.toThrow();
  });

  it('makes content with a Date verifiable: the hash changes when the Date does', () => {
    const a = fields(1, { content: canonicalText({ when: new Date(0) }) });
    const b = fields(1, { content: canonicalText({ when: new Date(1000) }) });
    expect(recordHash(GENESIS_HASH, a)).not.toBe(recordHash(GENESIS_HASH, b));
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
