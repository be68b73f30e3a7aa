import pLimit from 'p-limit';

/**
 * Calls `fn` for every item, at most `concurrency` at a time, and returns the results in the
 * items' order. Reads across a fleet go through this: hundreds of hosts are never read at once.
 */
export function mapBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return pLimit(Math.max(1, concurrency)).map(items, fn);
}

/** Hosts read at once by a fleet-wide read (Refresh all, a dashboard's sampling round). */
export const FLEET_READS_AT_ONCE = 16;

/**
 * Hosts read at once by their watches (live/host-watch.ts). Each watch reads one at a time, but
 * an event many hosts see together (a shared switch flapping, the panel's own link coming back
 * and every watch reconnecting) would otherwise read the whole fleet at once.
 */
export const WATCH_READS_AT_ONCE = 16;
