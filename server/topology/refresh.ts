// Refreshing a host: one SSH exec of the probe, parse, store the state if it changed, record
// changes Switchboard did not make, keep a short window of counters for rates.
import { createHash } from 'node:crypto';
import type { Db } from '@/server/db/client';
import { AppError, isAppError } from '@/server/errors';
import { processGlobal } from '@/server/process-global';
import { sshTargetOf, statusForError } from '@/server/hosts/hosts';
import type { SshPool } from '@/server/ssh/pool';
import { describeChange, diffTopology, topologyHash, type TopologyChange } from './diff';
import type { Counters, DhcpLease, GuestAddress, Neighbour, PanelSession, Topology } from './model';
import { parseProbeOutput, ProbeParseError } from './parse';
import { overlaySections } from './parse/sections';
import { KERNEL_PROBE_SCRIPT, PROBE_COMMAND } from './probe';
import { helperRefusal, probeInvocation } from '@/server/hosts/helpers';
import { publish } from '@/server/live/hub';

/** Sparklines show 15 minutes; a little more is kept so the first point has a predecessor. */
export const COUNTER_WINDOW_MS = 16 * 60_000;

export interface RefreshResult {
  hostId: string;
  topology: Topology;
  hash: string;
  snapshotId: string;
  /** A new distinct state was stored (the first one, or a change). */
  stored: boolean;
  observedChange: { id: string; changes: TopologyChange[] } | null;
  observedAt: Date;
  probeMs: number;
  /** The panel's SSH session as the host saw it during this read (null when it did not say). */
  session: PanelSession | null;
  /** The probe output the topology was parsed from (a kernel read: laid over the full one it was given). */
  probeOutput: string;
  /** Only the kernel's sections were read (RefreshOptions.kernelOver). */
  kernelOnly: boolean;
  /** Tells open views of the read, once (RefreshOptions.holdAnnouncement); otherwise it was told already. */
  announce: () => void;
}

/**
 * Runs the probe on a host and returns the parsed sample and the output it was parsed from;
 * errors are AppErrors. With `kernelOver` (a full read's output), only the kernel's sections are
 * read and laid over it; a host that runs Switchboard's installed helpers has only the full probe.
 */
export async function probeHost(pool: SshPool, host: Parameters<typeof sshTargetOf>[0], { kernelOver }: { kernelOver?: string } = {}) {
  const started = Date.now();
  const target = sshTargetOf(host);
  const partial = kernelOver !== undefined && !target.helpers;
  const { argv, stdin } = partial ? { argv: PROBE_COMMAND, stdin: KERNEL_PROBE_SCRIPT } : probeInvocation(target);
  // The probe's own sections carry their exit codes; a non-zero exit of the whole is the gate's refusal.
  const r = await pool.exec(target, argv, { stdin, timeoutMs: 30_000, allowFailure: target.helpers });
  const refused = helperRefusal(target, r);
  if (refused) throw refused;
  try {
    const output = partial ? overlaySections(kernelOver, r.stdout) : r.stdout;
    return { sample: parseProbeOutput(output), probeMs: Date.now() - started, output, kernelOnly: partial };
  } catch (err) {
    if (err instanceof ProbeParseError) {
      throw new AppError('REMOTE_COMMAND_FAILED', {
        userMessage: `${host.name} answered the probe with output Switchboard cannot read (${err.message}). Check that iproute2 and libvirt on the host are standard.`,
        cause: err,
      });
    }
    throw err;
  }
}

export interface RefreshOptions {
  /**
   * The read follows a change Switchboard applied (or rolled back): what differs is that
   * change, already in the audit trail, so it is not recorded as made outside Switchboard.
   */
  afterOwnChange?: boolean;
  /**
   * The read an apply makes under its own host lock before it sends anything: stored, and a
   * change it finds was made outside Switchboard. (Other reads while an apply holds the lock see
   * its change under way: they are not stored.)
   */
  beforeOwnChange?: boolean;
  /** A full read's output (probeOutput of an earlier result): read only the kernel's sections over it. */
  kernelOver?: string;
  /**
   * The read is not announced to open views until the caller calls the result's `announce`: an
   * apply's read while the host waits for its confirmation is announced after the change's final
   * record, so that a page shows "applied" before it redraws its graph (which holds its thread).
   */
  holdAnnouncement?: boolean;
}

// The newest full read of each watched host: its output, and when it began. A watch's kernel-only
// read is laid over it, so it must be the newest full read by anyone: an apply's own read after a
// change to libvirt (which no event reports, for example a NIC moved to another network) would
// otherwise be undone by the next kernel read laid over the watch's older full read.
// (One map per process: the watch and an apply's read may run in different copies of this module.)
const fullReads = processGlobal('full-reads', () => new Map<string, { output: string; startedAt: number } | null>());

/** Keeps the newest full read of a host while it is watched (live/host-watch.ts); the returned function stops it. */
export function keepFullReads(hostId: string): () => void {
  fullReads.set(hostId, fullReads.get(hostId) ?? null);
  return () => void fullReads.delete(hostId);
}

/** The newest full read of a watched host (see keepFullReads), if any. */
export function newestFullRead(hostId: string): { output: string; startedAt: number } | undefined {
  return fullReads.get(hostId) ?? undefined;
}

function recordFullRead(hostId: string, output: string, startedAt: number) {
  if (!fullReads.has(hostId)) return;
  const known = fullReads.get(hostId);
  if (!known || known.startedAt <= startedAt) fullReads.set(hostId, { output, startedAt });
}

export async function refreshHost(db: Db, pool: SshPool, hostId: string, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const host = await db.host.findUnique({ where: { id: hostId } });
  if (!host) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });
  const probeStartedAt = new Date();
  let probed;
  try {
    probed = await probeHost(pool, host, { kernelOver: opts.kernelOver });
  } catch (err) {
    if (isAppError(err)) {
      await db.host.update({ where: { id: hostId }, data: { status: statusForError(err.code), statusMessage: err.userMessage, lastCheckedAt: new Date() } });
      publish({ kind: 'topology', hostId, drawn: false });
    }
    throw err;
  }
  return recordRead(db, hostId, { ...probed, startedAt: probeStartedAt }, opts);
}

/** What probeHost returned, and when the probe began. */
export type ProbedRead = Awaited<ReturnType<typeof probeHost>> & { startedAt: Date };

/**
 * Stores a read as refreshHost does once its probe is in (an apply probes the host while it
 * waits for the confirmation, and stores what it read only if the host keeps the change).
 */
export async function recordRead(db: Db, hostId: string, probed: ProbedRead, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const { sample, probeMs, output: probeOutput, kernelOnly, startedAt: probeStartedAt } = probed;
  if (!kernelOnly) recordFullRead(hostId, probeOutput, probeStartedAt.getTime());
  const observedAt = new Date();
  const hash = topologyHash(sample.topology);

  const result = await db.$transaction(async (tx) => {
    const latest = await tx.topologySnapshot.findFirst({ where: { hostId }, orderBy: { observedAt: 'desc' } });
    // Reads overlap (a tab's Refresh, the host's watch, an apply's own read): one that began
    // before the latest stored read ended is older than it, and must not replace it.
    if (latest && latest.observedAt > probeStartedAt) return { snapshotId: latest.id, stored: false, observedChange: null, superseded: latest };
    // While an apply holds the host (a live lock), what another read sees is Switchboard's own change under
    // way, neither the host before it nor one made outside it: the apply's own reads (before it
    // sends anything, and once the host has kept or undone it) are the ones stored.
    const ownRead = opts.beforeOwnChange || opts.afterOwnChange;
    if (latest && !ownRead && (await tx.hostLock.findFirst({ where: { hostId, expiresAt: { gt: new Date() } }, select: { hostId: true } }))) {
      return { snapshotId: latest.id, stored: false, observedChange: null, superseded: latest };
    }
    if (latest?.hash === hash) return { snapshotId: latest.id, stored: false, observedChange: null };
    const snapshot = await tx.topologySnapshot.create({
      data: { hostId, hash, topology: JSON.stringify(sample.topology), observedAt },
    });
    let observedChange: RefreshResult['observedChange'] = null;
    if (latest && !opts.afterOwnChange) {
      const changes = diffTopology(JSON.parse(latest.topology) as Topology, sample.topology);
      if (changes.length) {
        const row = await tx.observedChange.create({
          data: {
            hostId,
            fromSnapshotId: latest.id,
            toSnapshotId: snapshot.id,
            changes: JSON.stringify(changes),
            summary: changes.map(describeChange).join('\n'),
            observedAt,
          },
        });
        observedChange = { id: row.id, changes };
      }
    }
    return { snapshotId: snapshot.id, stored: true, observedChange };
  });
  if ('superseded' in result && result.superseded) {
    // What the caller shows is the newer stored read, not this older one.
    const newer = result.superseded;
    return { hostId, topology: JSON.parse(newer.topology) as Topology, hash: newer.hash, observedAt: newer.observedAt, probeMs, session: sample.session, snapshotId: newer.id, stored: false, observedChange: null, probeOutput, kernelOnly, announce: () => undefined };
  }

  const stored: StoredSample = {
    counters: sample.counters,
    up: sample.linkUp,
    addressing: {
      leases: Object.fromEntries(sample.topology.networks.map((n) => [n.name, n.leases ?? []])),
      neighbours: sample.topology.neighbours ?? [],
      guests: sample.topology.guestAddresses ?? [],
    },
  };
  await db.counterSample.create({ data: { hostId, at: observedAt, data: JSON.stringify(stored) } });
  await db.counterSample.deleteMany({ where: { hostId, at: { lt: new Date(observedAt.getTime() - COUNTER_WINDOW_MS) } } });
  await db.host.update({
    where: { id: hostId },
    data: { status: 'reachable', statusMessage: null, lastContactAt: observedAt, lastCheckedAt: observedAt },
  });
  const event = { kind: 'topology', hostId, drawn: result.stored || addressingMoved(hostId, stored.addressing) } as const;
  let announced = false;
  const announce = () => {
    if (!announced) publish(event);
    announced = true;
  };
  if (!opts.holdAnnouncement) announce();
  return { hostId, topology: sample.topology, hash, observedAt, probeMs, session: sample.session, probeOutput, kernelOnly, announce, ...result };
}

// The leases and neighbours each host's last read published, as a digest: currentTopology lays
// the latest ones over the snapshot, so when they move the graph is redrawn even without a new
// snapshot. (A digest, not the text: an entry stays for every host the panel ever read.)
const publishedAddressing = new Map<string, string>();

function addressingMoved(hostId: string, addressing: StoredSample['addressing']): boolean {
  const now = createHash('sha256').update(JSON.stringify(addressing)).digest('base64');
  if (publishedAddressing.get(hostId) === now) return false;
  publishedAddressing.set(hostId, now);
  return true;
}

export interface LatestTopology {
  topology: Topology;
  observedAt: Date;
  snapshotId: string;
}

// Snapshots never change once written, so a parsed one can be kept by id. Dashboards and the
// fleet ask for the latest state every few seconds; without this each ask re-read and
// re-parsed the whole topology JSON of every host.
const parsedSnapshots = new Map<string, Topology>();
const PARSED_SNAPSHOTS_KEPT = 512;

export async function latestTopology(db: Db, hostId: string): Promise<LatestTopology | null> {
  const head = await db.topologySnapshot.findFirst({
    where: { hostId },
    orderBy: { observedAt: 'desc' },
    select: { id: true, observedAt: true },
  });
  if (!head) return null;
  let topology = parsedSnapshots.get(head.id);
  if (!topology) {
    const row = await db.topologySnapshot.findUnique({ where: { id: head.id }, select: { topology: true } });
    if (!row) return null;
    topology = JSON.parse(row.topology) as Topology;
    if (parsedSnapshots.size >= PARSED_SNAPSHOTS_KEPT) parsedSnapshots.delete(parsedSnapshots.keys().next().value!);
    parsedSnapshots.set(head.id, topology);
  }
  return { topology, observedAt: head.observedAt, snapshotId: head.id };
}

export async function listObservedChanges(db: Db, hostId?: string, take = 50) {
  const rows = await db.observedChange.findMany({ where: hostId ? { hostId } : {}, orderBy: { observedAt: 'desc' }, take });
  return rows.map((r) => ({
    id: r.id,
    hostId: r.hostId,
    observedAt: r.observedAt,
    acknowledgedAt: r.acknowledgedAt,
    // The reads before and after it: the host page draws what it touched on the graph.
    fromSnapshotId: r.fromSnapshotId,
    toSnapshotId: r.toSnapshotId,
    summary: r.summary.split('\n'),
    changes: JSON.parse(r.changes) as TopologyChange[],
  }));
}

/** What a CounterSample row holds: the read's runtime state, kept every refresh (snapshots only when configuration changes). */
interface StoredSample {
  counters: Record<string, Counters>;
  up: Record<string, boolean>;
  /** DHCP leases per network and the neighbour table: where VMs' addresses come from (absent in older rows). */
  addressing?: { leases: Record<string, DhcpLease[]>; neighbours: Neighbour[]; guests?: GuestAddress[] };
}

/**
 * The latest snapshot with the runtime state of the latest read laid over it (DHCP leases, the
 * neighbour table): a snapshot is stored only when configuration changes, so on its own it
 * would show the leases of that moment.
 */
export async function currentTopology(db: Db, hostId: string): Promise<LatestTopology | null> {
  const [latest, sample] = await Promise.all([latestTopology(db, hostId), db.counterSample.findFirst({ where: { hostId }, orderBy: { at: 'desc' }, select: { data: true } })]);
  const addressing = sample ? (JSON.parse(sample.data) as StoredSample).addressing : undefined;
  if (!latest || !addressing) return latest;
  const topology: Topology = {
    ...latest.topology,
    networks: latest.topology.networks.map((n) => ({ ...n, leases: addressing.leases[n.name] ?? [] })),
    neighbours: addressing.neighbours,
    guestAddresses: addressing.guests ?? [],
  };
  return { ...latest, topology };
}

/**
 * Every host (but `except`) as it was last read, by name: the fleet-wide checks' input.
 * `current` overlays the runtime state (leases, neighbours, agent addresses) as currentTopology does.
 */
export async function hostTopologies(db: Db, opts: { except?: string; current?: boolean } = {}): Promise<{ id: string; name: string; topology: Topology }[]> {
  const hosts = await db.host.findMany({ where: opts.except ? { id: { not: opts.except } } : {}, select: { id: true, name: true }, orderBy: { name: 'asc' } });
  const read = await Promise.all(hosts.map(async (h) => ({ ...h, latest: await (opts.current ? currentTopology : latestTopology)(db, h.id) })));
  return read.flatMap((h) => (h.latest ? [{ id: h.id, name: h.name, topology: h.latest.topology }] : []));
}

export interface CounterPoint {
  at: Date;
  counters: Record<string, Counters>;
  up: Record<string, boolean>;
}

export async function counterHistory(db: Db, hostId: string, sinceMs = COUNTER_WINDOW_MS): Promise<CounterPoint[]> {
  const rows = await db.counterSample.findMany({
    where: { hostId, at: { gte: new Date(Date.now() - sinceMs) } },
    orderBy: { at: 'asc' },
  });
  return rows.map((r) => {
    const stored = JSON.parse(r.data) as StoredSample;
    return { at: r.at, counters: stored.counters, up: stored.up };
  });
}
