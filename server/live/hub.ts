// What the browser watches live (issue 15): a host's topology, its draft, a change's steps and
// the fleet. Services publish an event after they store something; subscriptions (routers/live.ts)
// pass it on to the browser, which re-reads what changed through the usual queries. An event
// says only what changed and where, never the data: each view's query checks its own role.
//
// The panel is one Node process, so an EventEmitter is the bus. It lives on globalThis because
// Next.js may bundle this module more than once (route handlers and pages), and every copy must
// share the one bus.
import { EventEmitter } from 'node:events';
import { processGlobal } from '@/server/process-global';

export type LiveEvent =
  /**
   * A read of the host was stored, or failed. `drawn`: what the host page draws changed (a new
   * snapshot, or the leases and neighbours laid over it); otherwise only counters and the host's
   * status moved on, and the graph need not be read again.
   */
  | { kind: 'topology'; hostId: string; drawn: boolean }
  /** The host's shared draft changed (an operation added or removed, discarded, applied). */
  | { kind: 'draft'; hostId: string }
  /** A change's status or steps moved on. */
  | { kind: 'change'; hostId: string; changeId: string }
  /** The host list itself changed (a host added, renamed, removed). */
  | { kind: 'hosts' }
  /** A live dashboard's sampling read its host (or, with null, every host): rates moved on. */
  | { kind: 'sampled'; hostId: string | null };

/** Every event is also published on this topic: the fleet page and the dashboard watch all hosts. */
export const FLEET_TOPIC = 'fleet';
export const hostTopic = (hostId: string) => `host:${hostId}`;

function bus(): EventEmitter {
  return processGlobal('live-bus', () => {
    const emitter = new EventEmitter();
    // Each open browser view is one listener; their number is reported (listenerCount), not capped.
    emitter.setMaxListeners(0);
    return emitter;
  });
}

export function publish(event: LiveEvent): void {
  if (event.kind !== 'hosts' && event.hostId !== null) bus().emit(hostTopic(event.hostId), event);
  bus().emit(FLEET_TOPIC, event);
}

/** Open subscriptions on a topic (the soak benchmark checks this does not grow). */
export function listenerCount(topic?: string): number {
  if (topic) return bus().listenerCount(topic);
  return bus()
    .eventNames()
    .reduce((n, name) => n + bus().listenerCount(name), 0);
}

const keyOf = (e: LiveEvent) => JSON.stringify(e);

/**
 * The events of one topic from now on, until `signal` aborts. A subscriber that reads slower
 * than events come keeps one of each distinct event, not a queue: events only say "read this
 * again", so two of the same say no more than one, and memory stays bounded however fast a
 * host changes.
 */
export async function* subscribe(topic: string, signal: AbortSignal): AsyncGenerator<LiveEvent> {
  const pending = new Map<string, LiveEvent>();
  let wake: (() => void) | null = null;
  const listener = (event: LiveEvent) => {
    pending.set(keyOf(event), event);
    wake?.();
  };
  const onAbort = () => wake?.();
  bus().on(topic, listener);
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      if (pending.size === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const ready = [...pending.values()];
      pending.clear();
      for (const event of ready) {
        if (signal.aborted) return;
        yield event;
      }
    }
  } finally {
    bus().off(topic, listener);
    signal.removeEventListener('abort', onAbort);
  }
}
