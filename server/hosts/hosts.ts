// Host inventory: the hypervisors the panel manages, each with a pinned SSH host key.
// Every change and every refused key is recorded as a HostEvent in the same transaction.
import { recordSecurityEvent } from '@/server/audit/security';
import { ipv6Groups } from '@/server/plan/address';
import type { ConfirmScope } from '@/server/plan/confirmation';
import type { Db } from '@/server/db/client';
import { isUniqueViolation } from '@/server/db/errors';
import { AppError, isAppError } from '@/server/errors';
import type { SshHost, SshPool } from '@/server/ssh/pool';
import { scanHostKey, type ScannedHostKey } from '@/server/ssh/scan';
import { publish } from '@/server/live/hub';
import type {
  CreateHostInput,
  HostEventKind,
  HostStatus,
  UpdateHostInput,
} from '@/server/hosts/hosts.types';

export interface Actor {
  id: string;
  username: string;
}

/** What the browser sees of a host. (Nothing secret lives on a host row.) */
export interface HostView {
  id: string;
  name: string;
  address: string;
  port: number;
  username: string;
  useSudo: boolean;
  /** Least-privilege mode: only the installed helpers run as root. */
  useHelpers: boolean;
  /** Confirmed apply: how long the host waits for the panel's confirmation, and for which changes. */
  confirmWindowSeconds: number;
  confirmScope: ConfirmScope;
  /** Each change also writes the boot configuration (where Switchboard can). */
  writeBootConfig: boolean;
  labels: string[];
  hostKeyFingerprint: string;
  hostKeyType: string;
  pinnedAt: Date;
  status: HostStatus;
  statusMessage: string | null;
  lastContactAt: Date | null;
  lastCheckedAt: Date | null;
}

type HostRow = Awaited<ReturnType<Db['host']['findUniqueOrThrow']>>;

function toView(row: HostRow): HostView {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    port: row.port,
    username: row.username,
    useSudo: row.useSudo,
    useHelpers: row.useHelpers,
    confirmWindowSeconds: row.confirmWindowSeconds,
    confirmScope: row.confirmScope as ConfirmScope,
    writeBootConfig: row.writeBootConfig,
    labels: JSON.parse(row.labels) as string[],
    hostKeyFingerprint: row.hostKeyFingerprint,
    hostKeyType: row.hostKeyType,
    pinnedAt: row.pinnedAt,
    status: row.status as HostStatus,
    statusMessage: row.statusMessage,
    lastContactAt: row.lastContactAt,
    lastCheckedAt: row.lastCheckedAt,
  };
}

export function sshTargetOf(row: Pick<HostRow, 'id' | 'name' | 'address' | 'port' | 'username' | 'hostKeyFingerprint' | 'useSudo'> & { useHelpers?: boolean }): SshHost {
  const helpers = row.useHelpers === true;
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    port: row.port,
    username: row.username,
    hostKeyFingerprint: row.hostKeyFingerprint,
    // In least-privilege mode the gate calls sudo for the one helper it checked.
    sudo: row.useSudo && !helpers,
    helpers,
  };
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

async function recordEvent(
  tx: Tx | Db,
  host: { id: string | null; name: string },
  kind: HostEventKind,
  actor: Actor | null,
  detail: Record<string, unknown>,
): Promise<void> {
  await tx.hostEvent.create({
    data: {
      hostId: host.id,
      hostName: host.name,
      kind,
      actorId: actor?.id ?? null,
      actorName: actor?.username ?? null,
      detail: JSON.stringify(detail),
    },
  });
}

async function findHost(db: Db, id: string): Promise<HostRow> {
  const row = await db.host.findUnique({ where: { id } });
  if (!row) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more). Reload the list.' });
  return row;
}

function nameTaken(name: string): AppError {
  return new AppError('CONFLICT', { userMessage: `A host named ${name} already exists. Choose another name.` });
}

/** One spelling per address: DNS names are case-insensitive, IPv6 has many spellings. */
function addressKey(address: string): string {
  const lower = address.toLowerCase().replace(/\.$/, '');
  const groups = lower.includes(':') ? ipv6Groups(lower) : null;
  return groups ? groups.map((g) => g.toString(16)).join(':') : lower;
}

/** Refuses a second inventory entry for the same SSH target (address, port and user), naming the first. */
async function assertNewTarget(db: Db, target: { address: string; port: number; username: string }, except?: string): Promise<void> {
  const candidates = await db.host.findMany({ where: { port: target.port, username: target.username, ...(except ? { id: { not: except } } : {}) }, select: { name: true, address: true } });
  const same = candidates.find((h) => addressKey(h.address) === addressKey(target.address));
  if (same) {
    throw new AppError('CONFLICT', {
      userMessage: `${target.username}@${target.address}:${target.port} is already in the inventory as ${same.name}. Edit that entry instead of adding it twice.`,
    });
  }
}


export async function listHosts(db: Db): Promise<HostView[]> {
  const rows = await db.host.findMany({ orderBy: { name: 'asc' } });
  return rows.map(toView);
}

export async function getHost(db: Db, id: string): Promise<HostView> {
  return toView(await findHost(db, id));
}

/** First contact: the key the host presents now, for the admin to compare and confirm. */
export function scanHost(input: { address: string; port: number }): Promise<ScannedHostKey> {
  return scanHostKey(input.address, input.port);
}

/**
 * Scans again right before pinning: what gets pinned is what the host presents now, and only
 * if it is the key the admin confirmed (a key that changed in between is refused).
 */
async function scanAndMatch(address: string, port: number, confirmed: string): Promise<ScannedHostKey> {
  const scanned = await scanHostKey(address, port);
  if (scanned.fingerprint !== confirmed) {
    throw new AppError('HOST_KEY_MISMATCH', {
      userMessage: `${address}:${port} now presents ${scanned.fingerprint}, not the ${confirmed} you confirmed. Nothing was saved; check the host and scan again.`,
    });
  }
  return scanned;
}

export async function createHost(db: Db, pool: SshPool, actor: Actor, input: CreateHostInput): Promise<HostView> {
  await assertNewTarget(db, input);
  const scanned = await scanAndMatch(input.address, input.port, input.confirmedFingerprint);
  let row: HostRow;
  try {
    row = await db.$transaction(async (tx) => {
      const created = await tx.host.create({
        data: {
          name: input.name,
          address: input.address,
          port: input.port,
          username: input.username,
          useSudo: input.useSudo,
          confirmWindowSeconds: input.confirmWindowSeconds,
          confirmScope: input.confirmScope,
          writeBootConfig: input.writeBootConfig,
          labels: JSON.stringify(input.labels),
          hostKeyFingerprint: scanned.fingerprint,
          hostKeyType: scanned.keyType,
          pinnedAt: new Date(),
          pinnedById: actor.id,
        },
      });
      await recordEvent(tx, created, 'created', actor, {
        address: input.address,
        port: input.port,
        username: input.username,
        useSudo: input.useSudo,
        labels: input.labels,
        fingerprint: scanned.fingerprint,
      });
      return created;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name);
    throw err;
  }
  await recordSecurityEvent(db, {
    kind: 'host.added',
    actor,
    hostId: row.id,
    content: { name: row.name, address: row.address, port: row.port, username: row.username, useSudo: row.useSudo, fingerprint: row.hostKeyFingerprint },
  });
  return testConnection(db, pool, row.id);
}

export async function updateHost(db: Db, pool: SshPool, actor: Actor, input: UpdateHostInput): Promise<HostView> {
  const before = await findHost(db, input.id);
  const { id, labels, ...fields } = input;
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, value] of Object.entries(fields)) {
    const old = before[key as keyof typeof fields];
    if (value !== undefined && value !== old) changes[key] = { from: old, to: value };
  }
  const oldLabels = JSON.parse(before.labels) as string[];
  if (labels && JSON.stringify(labels) !== JSON.stringify(oldLabels)) changes.labels = { from: oldLabels, to: labels };
  if (Object.keys(changes).length === 0) return toView(before);
  if (changes.address || changes.port || changes.username) {
    await assertNewTarget(db, { address: input.address ?? before.address, port: input.port ?? before.port, username: input.username ?? before.username }, id);
  }
  try {
    const row = await db.$transaction(async (tx) => {
      const updated = await tx.host.update({
        where: { id },
        data: { ...fields, ...(labels ? { labels: JSON.stringify(labels) } : {}) },
      });
      await recordEvent(tx, updated, 'updated', actor, { changes });
      return updated;
    });
    await recordSecurityEvent(db, { kind: 'host.edited', actor, hostId: id, content: { name: row.name, changes } });
    pool.close(id); // address, port, user or sudo may have changed
    publish({ kind: 'hosts' });
    return toView(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(input.name ?? before.name);
    throw err;
  }
}

/** Deliberate re-pinning after a host was reinstalled: recorded with both fingerprints. */
export async function repinHost(db: Db, pool: SshPool, actor: Actor, input: { id: string; confirmedFingerprint: string }): Promise<HostView> {
  const before = await findHost(db, input.id);
  const scanned = await scanAndMatch(before.address, before.port, input.confirmedFingerprint);
  await db.$transaction(async (tx) => {
    await tx.host.update({
      where: { id: before.id },
      data: { hostKeyFingerprint: scanned.fingerprint, hostKeyType: scanned.keyType, pinnedAt: new Date(), pinnedById: actor.id },
    });
    await recordEvent(tx, before, 'repinned', actor, { from: before.hostKeyFingerprint, to: scanned.fingerprint });
  });
  await recordSecurityEvent(db, { kind: 'host.repinned', actor, hostId: before.id, content: { name: before.name, from: before.hostKeyFingerprint, to: scanned.fingerprint } });
  pool.close(before.id);
  return testConnection(db, pool, before.id);
}

export async function removeHost(db: Db, pool: SshPool, actor: Actor, id: string): Promise<void> {
  const before = await findHost(db, id);
  await db.$transaction(async (tx) => {
    await tx.host.delete({ where: { id } });
    await recordEvent(tx, { id: null, name: before.name }, 'removed', actor, {
      address: before.address,
      port: before.port,
      fingerprint: before.hostKeyFingerprint,
    });
  });
  await recordSecurityEvent(db, { kind: 'host.removed', actor, hostId: id, content: { name: before.name, address: before.address, port: before.port, fingerprint: before.hostKeyFingerprint } });
  pool.close(id);
  publish({ kind: 'hosts' });
}

const STATUS_BY_ERROR: Partial<Record<string, HostStatus>> = {
  HOST_KEY_MISMATCH: 'key_mismatch',
  SSH_AUTH_FAILED: 'auth_failed',
  HOST_UNREACHABLE: 'unreachable',
  SSH_TIMEOUT: 'unreachable',
};

/** The host status a failed SSH call shows as (any other failure counts as unreachable). */
export function statusForError(code: string): HostStatus {
  return STATUS_BY_ERROR[code] ?? 'unreachable';
}

/**
 * A refused host key, recorded once per presented key (a host polled every few seconds would
 * otherwise fill the table with the same event). Called by the panel's pool.
 */
export async function recordKeyMismatch(db: Db, host: SshHost, presented: string): Promise<void> {
  const last = await db.hostEvent.findFirst({
    where: { hostId: host.id, kind: { in: ['key_mismatch', 'repinned'] } },
    orderBy: { at: 'desc' },
  });
  const lastDetail = last ? (JSON.parse(last.detail) as { presented?: string }) : null;
  if (last?.kind === 'key_mismatch' && lastDetail?.presented === presented) return;
  const detail = { expected: host.hostKeyFingerprint, presented, address: host.address, port: host.port };
  await recordEvent(db, { id: host.id, name: host.name }, 'key_mismatch', null, detail);
  await recordSecurityEvent(db, { kind: 'host.key_refused', actor: null, hostId: host.id, content: { name: host.name, ...detail } });
}

/**
 * Connects and runs a harmless read-only command. The outcome is data (a status the list
 * shows), not an error: an unreachable host is a normal thing to report.
 */
export async function testConnection(db: Db, pool: SshPool, id: string): Promise<HostView> {
  const row = await findHost(db, id);
  const now = new Date();
  let status: HostStatus = 'reachable';
  let statusMessage: string | null = null;
  try {
    // A reachability check needs no root: without sudo, so a sudoers rule that lists only what
    // the panel runs as root (README; least-privilege mode) does not make the host look down.
    await pool.exec({ ...sshTargetOf(row), sudo: false }, ['uname', '-n'], { timeoutMs: 15_000 });
  } catch (err) {
    if (!isAppError(err)) throw err;
    status = statusForError(err.code);
    statusMessage = err.userMessage;
  }
  const updated = await db.host.update({
    where: { id },
    data: { status, statusMessage, lastCheckedAt: now, ...(status === 'reachable' ? { lastContactAt: now } : {}) },
  });
  publish({ kind: 'hosts' });
  return toView(updated);
}

export interface HostEventView {
  id: string;
  hostId: string | null;
  hostName: string;
  kind: HostEventKind;
  actorName: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

export async function listHostEvents(db: Db, hostId?: string): Promise<HostEventView[]> {
  const rows = await db.hostEvent.findMany({
    where: hostId ? { hostId } : {},
    orderBy: { at: 'desc' },
    take: 200,
  });
  return rows.map((r) => ({
    id: r.id,
    hostId: r.hostId,
    hostName: r.hostName,
    kind: r.kind as HostEventKind,
    actorName: r.actorName,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    at: r.at,
  }));
}

