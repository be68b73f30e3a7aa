import { describe, expect, it } from 'vitest';
import { mapBounded } from './bounded';

describe('mapBounded', () => {
  it('keeps the order of the items and never runs more than the bound at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapBounded([50, 10, 30, 0, 20, 5, 40], 3, async (ms, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:50', '1:10', '2:30', '3:0', '4:20', '5:5', '6:40']);
    expect(most).toBe(3);
  });

  it('handles no items, and a bound larger than the list', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
    expect(await mapBounded([1, 2], 16, async (x) => x * 2)).toEqual([2, 4]);
  });
});
