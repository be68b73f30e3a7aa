import { describe, expect, it } from 'vitest';
import { originOf } from './timeline';

const t = (s: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, s));

describe('originOf', () => {
  const changes = [{ id: 'abcdefgh1234', authorName: 'olivia', finishedAt: t(30) }];

  it('names the first read, an outside change, and the Switchboard change that finished in between', () => {
    expect(originOf(null, t(0), undefined, changes)).toEqual({ kind: 'first-read' });
    expect(originOf(t(0), t(20), { acknowledged: false }, changes)).toEqual({ kind: 'outside', acknowledged: false });
    expect(originOf(t(20), t(31), undefined, changes)).toEqual({ kind: 'switchboard', changeId: 'abcdefgh1234', label: 'CHG-abcdefgh', authorName: 'olivia' });
    // The re-read stored a moment before the change was marked finished still counts.
    expect(originOf(t(20), t(29), undefined, changes)).toMatchObject({ kind: 'switchboard' });
  });

  it('does not credit a change that finished before the previous read', () => {
    expect(originOf(t(40), t(50), undefined, changes)).toEqual({ kind: 'unknown' });
  });
});
