// Sampling for live dashboards (issue 15): rates need a read of each host every few seconds. A
// dashboard used to cause those reads by polling; a live one holds a sampling instead, and the
// end of each round is published, which brings its new figures. Many dashboards on the same
// hosts still cost one read per host per interval (readStaleHosts: recently read hosts are
// skipped, a read under way is shared), a few hosts at a time.
import type { Db } from '@/server/db/client';
import type { SshPool } from '@/server/ssh/pool';
import { readStaleHosts } from '@/server/topology/sampler';
import { publish } from './hub';

const OPEN = Symbol.for('switchboard.samplings-open');
const open = globalThis as { [OPEN]?: number };

/** Open samplings (benchmarks and tests check they end with their views). */
export const samplingCount = () => open[OPEN] ?? 0;

/**
 * Reads one host (or all) every `everyMs` until the returned release is called; the first round
 * starts at once, and each next one an interval after the last ended (rounds never overlap).
 */
export function holdSampling(db: Db, pool: SshPool, opts: { hostId?: string; everyMs: number }): () => void {
  open[OPEN] = samplingCount() + 1;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let released = false;
  const round = async () => {
    try {
      await readStaleHosts(db, pool, opts);
    } catch {
      // A failed read is recorded on its host (refreshIfStale); the database being gone ends nothing here.
    }
    if (released) return;
    publish({ kind: 'sampled', hostId: opts.hostId ?? null });
    // The next round an interval after this one ended, not after it began: a host counts as read
    // when its read ended (lastCheckedAt), so with rounds an interval apart from their starts, a
    // read longer than a fifth of the interval left the next round's host "fresh" and unread,
    // and a loaded panel sampled at half the rate (host-watch.int caught it on CI).
    timer = setTimeout(round, opts.everyMs);
  };
  void round();
  return () => {
    if (released) return;
    released = true;
    if (timer) clearTimeout(timer);
    open[OPEN] = samplingCount() - 1;
  };
}
