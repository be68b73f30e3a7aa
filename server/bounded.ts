/**
 * Calls `fn` for every item, at most `concurrency` at a time, and returns the results in the
 * items' order. Reads across a fleet go through this: hundreds of hosts are never read at once.
 */
export async function mapBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/** Hosts read at once by a fleet-wide read (Refresh all, a dashboard's sampling round). */
export const FLEET_READS_AT_ONCE = 16;
