import { describe, expect, it } from 'vitest';
import { niceCeiling, sharedScale } from './scale';

describe('sharedScale', () => {
  it('rounds the busiest value of all series up to 1, 2 or 5 times a power of ten', () => {
    expect(sharedScale([[0, 10], [3_400_000, 1]])).toBe(5_000_000);
    expect(sharedScale([[0], [0]])).toBe(1);
    expect([1.5, 2, 2.1, 9, 10, 11, 999].map(niceCeiling)).toEqual([2, 2, 5, 10, 10, 20, 1000]);
  });
});
