// Keeps dashboards fed without stampeding hosts: many viewers asking every few seconds cause at
// most one probe per host per interval. "Recently read" comes from the database (shared by all
// panel instances); in-flight probes are shared within this process.
import { z } from 'zod';
import type { Db } from '@/server/db/client';
import { getHost, type HostView } from '@/server/hosts/hosts';
import type { SshPool } from '@/server/ssh/pool';
import { FLEET_READS_AT_ONCE, mapBounded } from '@/server/bounded';
import { summarizeInterfaces, type DashboardInterface } from './dashboard';
import { counterHistory, latestTopology, refreshHost } from './refresh';

/**
 * What a dashboard asks for: one host or all, read every `everySeconds`. The bounds keep a wall
 * screen from making the panel read hosts faster than every 2 s.
 */
export const ZDashboardRequest = z.object({ hostId: z.string().min(1).max(64).optional(), everySeconds: z.number().int().min(2).max(300).default(5) });

const inFlight = new Map<string, Promise<unknown>>();

export async function refreshIfStale(db: Db, pool: SshPool, hostId: string, maxAgeMs: number): Promise<void> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { lastCheckedAt: true } });
  if (!host) return;
  if (host.lastCheckedAt && Date.now() - host.lastCheckedAt.getTime() < maxAgeMs) return;
  let running = inFlight.get(hostId);
  if (!running) {
    // Failures are recorded on the host (status, message); the dashboard shows them.
    running = refreshHost(db, pool, hostId)
      .catch(() => undefined)
      .finally(() => inFlight.delete(hostId));
    inFlight.set(hostId, running);
  }
  await running;
}

export interface DashboardHost {
  host: HostView;
  sampledAt: Date | null;
  interfaces: DashboardInterface[];
}

/**
 * Reads the hosts (one, or every one) not read within most of `everyMs`, a few at a time, and
 * returns their ids. Slightly under the interval, so an ask that arrives a little early still reads.
 */
export async function readStaleHosts(db: Db, pool: SshPool, opts: { hostId?: string; everyMs: number }): Promise<string[]> {
  const ids = opts.hostId ? [opts.hostId] : (await db.host.findMany({ select: { id: true }, orderBy: { name: 'asc' } })).map((h) => h.id);
  await mapBounded(ids, FLEET_READS_AT_ONCE, (id) => refreshIfStale(db, pool, id, opts.everyMs * 0.8));
  return ids;
}

export async function dashboardData(db: Db, pool: SshPool, opts: { hostId?: string; everyMs: number }): Promise<DashboardHost[]> {
  // (Under a live dashboard's sampling, live/sampling.ts, nothing is stale: no read here.)
  const ids = await readStaleHosts(db, pool, opts);
  return Promise.all(
    ids.map(async (id) => {
      const [host, points, latest] = await Promise.all([getHost(db, id), counterHistory(db, id), latestTopology(db, id)]);
      return { host, sampledAt: points.at(-1)?.at ?? null, interfaces: summarizeInterfaces(points, latest?.topology ?? null) };
    }),
  );
}
