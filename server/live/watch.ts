// Subscriptions as the browser sees them (routers/live.ts): the hub's events for one host or
// the whole fleet, opened with "ready" (re-read once: whatever happened while the view was not
// subscribed, also across a reconnect), and ended when the session that opened them no longer
// holds (signed out, expired, user disabled): checked before every event.
import type { Db } from '@/server/db/client';
import { findSessionUser } from '@/server/auth/sessions';
import { AppError } from '@/server/errors';
import type { SshPool } from '@/server/ssh/pool';
import { FLEET_TOPIC, hostTopic, subscribe, type LiveEvent } from './hub';
import { holdWatch } from './host-watch';
import { holdSampling } from './sampling';

export type LiveMessage = LiveEvent | { kind: 'ready' };

async function* watch(db: Db, sessionToken: string | undefined, topic: string, signal: AbortSignal): AsyncGenerator<LiveMessage> {
  yield { kind: 'ready' };
  for await (const event of subscribe(topic, signal)) {
    if (!(await findSessionUser(db, sessionToken))) return;
    yield event;
  }
}

/** A host's events; while any subscription is open the host itself is watched (host-watch.ts). */
export async function watchHost(db: Db, pool: SshPool, sessionToken: string | undefined, hostId: string, signal: AbortSignal): Promise<AsyncGenerator<LiveMessage>> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { id: true } });
  if (!host) throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });
  return (async function* () {
    const release = holdWatch(db, pool, hostId);
    try {
      yield* watch(db, sessionToken, hostTopic(hostId), signal);
    } finally {
      release();
    }
  })();
}

export function watchFleet(db: Db, sessionToken: string | undefined, signal: AbortSignal): AsyncGenerator<LiveMessage> {
  return watch(db, sessionToken, FLEET_TOPIC, signal);
}

/**
 * A dashboard's events (one host's, or the fleet's); while any is open its hosts are read every
 * `everyMs` (sampling.ts), and each round's end says the rates moved on.
 */
export async function watchDashboard(
  db: Db,
  pool: SshPool,
  sessionToken: string | undefined,
  opts: { hostId?: string; everyMs: number },
  signal: AbortSignal,
): Promise<AsyncGenerator<LiveMessage>> {
  if (opts.hostId && !(await db.host.findUnique({ where: { id: opts.hostId }, select: { id: true } }))) {
    throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more).' });
  }
  return (async function* () {
    const release = holdSampling(db, pool, opts);
    try {
      yield* watch(db, sessionToken, opts.hostId ? hostTopic(opts.hostId) : FLEET_TOPIC, signal);
    } finally {
      release();
    }
  })();
}
