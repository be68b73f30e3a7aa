// Sampling for live dashboards (issue 15): rates need a read of each host every few seconds. A
// dashboard used to cause those reads by polling; a live one holds a sampling instead, and the
// end of each round of reads is published, and brings its new figures. Many dashboards on the same hosts still cost one read per
// host per interval (refreshIfStale: recently read hosts are skipped, a read under way is shared),
// and the reads of one round go a few hosts at a time.
import type { Db } from '@/server/db/client';
import type { SshPool } from '@/server/ssh/pool';
import { FLEET_READS_AT_ONCE, mapBounded } from '@/server/bounded';
import { refreshIfStale } from '@/server/topology/sampler';
import { publish } from './hub';

interface Sampling {
  /** One host, or every host. */
  hostId?: string;
  everyMs: number;
}

const SAMPLINGS = Symbol.for('switchboard.samplings');

function samplings(): Set<Sampling> {
  const holder = globalThis as { [SAMPLINGS]?: Set<Sampling> };
  return (holder[SAMPLINGS] ??= new Set());
}

/** Open samplings (benchmarks and tests check they end with their views). */
export const samplingCount = () => samplings().size;

/**
 * Reads one host (or all) every `everyMs` until the returned release is called; the first round
 * starts at once. A round that outlasts the interval delays the next instead of overlapping it.
 */
export function holdSampling(db: Db, pool: SshPool, opts: { hostId?: string; everyMs: number }): () => void {
  const sampling: Sampling = { ...opts };
  samplings().add(sampling);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let released = false;
  const round = async () => {
    const started = Date.now();
    try {
      const ids = opts.hostId ? [opts.hostId] : (await db.host.findMany({ select: { id: true }, orderBy: { name: 'asc' } })).map((h) => h.id);
      // Slightly under the interval, so a round that starts a little early still reads.
      await mapBounded(ids, FLEET_READS_AT_ONCE, (id) => refreshIfStale(db, pool, id, opts.everyMs * 0.8));
    } catch {
      // A failed read is recorded on its host (refreshIfStale); the database being gone ends nothing here.
    }
    if (released) return;
    publish({ kind: 'sampled', hostId: opts.hostId ?? null });
    if (!released) timer = setTimeout(round, Math.max(0, opts.everyMs - (Date.now() - started)));
  };
  void round();
  return () => {
    released = true;
    if (timer) clearTimeout(timer);
    samplings().delete(sampling);
  };
}
