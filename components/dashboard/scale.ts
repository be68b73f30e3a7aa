// One scale for every sparkline of a host, so an idle link looks idle next to a busy one, rounded
// up to a number people read at a glance (1, 2 or 5 times a power of ten). Pure.

/** The smallest 1, 2 or 5 × 10^n at or above `n` (at least 1). */
export function niceCeiling(n: number): number {
  if (!(n > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

/** The top of the scale shared by all these series. */
export function sharedScale(series: readonly (readonly number[])[]): number {
  let max = 0;
  for (const s of series) for (const v of s) if (v > max) max = v;
  return niceCeiling(max);
}
