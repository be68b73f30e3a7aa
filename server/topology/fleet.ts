// The fleet at a glance: every host with its reachability, when it was last read, what it
// holds, and whether something changed on it that Switchboard did not do.
import { recordSecurityEvent } from '@/server/audit/security';
import type { Db } from '@/server/db/client';
import { listHosts, type HostView } from '@/server/hosts/hosts';
import type { SshPool } from '@/server/ssh/pool';
import { isAppError } from '@/server/errors';
import { FLEET_READS_AT_ONCE, mapBounded } from '@/server/bounded';
import { fleetConflicts } from '@/server/plan/conflicts';
import { hostTopologies, latestTopology, refreshHost } from './refresh';

export interface FleetRow {
  host: HostView;
  counts: { interfaces: number; vms: number; runningVms: number; networks: number } | null;
  stateSince: Date | null;
  unacknowledgedChanges: number;
  lastChangeAt: Date | null;
}

export async function fleetOverview(db: Db): Promise<FleetRow[]> {
  const hosts = await listHosts(db);
  return Promise.all(
    hosts.map(async (host) => {
      const [snapshot, unacknowledged, lastChange] = await Promise.all([
        latestTopology(db, host.id),
        db.observedChange.count({ where: { hostId: host.id, acknowledgedAt: null } }),
        db.observedChange.findFirst({ where: { hostId: host.id }, orderBy: { observedAt: 'desc' }, select: { observedAt: true } }),
      ]);
      let counts: FleetRow['counts'] = null;
      if (snapshot) {
        const t = snapshot.topology;
        counts = {
          interfaces: t.interfaces.filter((i) => i.kind !== 'loopback').length,
          vms: t.vms.length,
          runningVms: t.vms.filter((v) => v.state === 'running' || v.state === 'paused').length,
          networks: t.networks.length,
        };
      }
      return { host, counts, stateSince: snapshot?.observedAt ?? null, unacknowledgedChanges: unacknowledged, lastChangeAt: lastChange?.observedAt ?? null };
    }),
  );
}

export interface FleetConflict {
  key: string;
  sentence: string;
  places: { hostId: string; hostName: string; ref: string }[];
}

/** Conflicts across the fleet as each host was last read (leases included); `hostId` keeps those that touch one host. */
export async function fleetConflictList(db: Db, hostId?: string): Promise<FleetConflict[]> {
  const hosts = await hostTopologies(db, { current: true });
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  return fleetConflicts(hosts)
    .filter((c) => !hostId || c.places.some((p) => p.hostId === hostId))
    .map((c) => ({ ...c, places: c.places.map((p) => ({ ...p, hostName: names.get(p.hostId) ?? p.hostId })) }));
}

export interface RefreshAllResult {
  hostId: string;
  name: string;
  ok: boolean;
  message: string | null;
  probeMs: number | null;
}

/** Refreshes every host at once (bounded); one host failing does not stop the others. */
export async function refreshAll(db: Db, pool: SshPool, concurrency = FLEET_READS_AT_ONCE): Promise<RefreshAllResult[]> {
  const hosts = await db.host.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } });
  return mapBounded(hosts, concurrency, async (h): Promise<RefreshAllResult> => {
    try {
      const r = await refreshHost(db, pool, h.id);
      return { hostId: h.id, name: h.name, ok: true, message: null, probeMs: r.probeMs };
    } catch (err) {
      if (!isAppError(err)) throw err;
      return { hostId: h.id, name: h.name, ok: false, message: err.userMessage, probeMs: null };
    }
  });
}

/** Marks the host's outside changes seen: all of them, or the one `observedChangeId` names. */
export async function acknowledgeChanges(db: Db, actor: { id: string; username: string }, hostId: string, observedChangeId?: string): Promise<number> {
  const pending = await db.observedChange.findMany({ where: { hostId, acknowledgedAt: null, ...(observedChangeId ? { id: observedChangeId } : {}) }, select: { id: true, summary: true } });
  if (!pending.length) return 0;
  const r = await db.observedChange.updateMany({ where: { id: { in: pending.map((p) => p.id) }, acknowledgedAt: null }, data: { acknowledgedAt: new Date() } });
  await recordSecurityEvent(db, { kind: 'host.outside_change_acknowledged', actor, hostId, content: { changes: pending.map((p) => p.summary) } });
  return r.count;
}
