// A cheap per-address limit on what anyone may call without signing in (sign-in, setup, "who
// am I"), kept in memory per panel instance: it bounds the CPU a stranger can spend (an argon2
// verification per sign-in) before the database-backed sign-in limits even look.
import { AppError } from '@/server/errors';

export const ANONYMOUS_WINDOW_MS = 10_000;
export const ANONYMOUS_LIMITS = { mutation: 20, query: 120 } as const;
/** Addresses tracked at once; the oldest are forgotten first, so the map cannot grow without end. */
const MAX_TRACKED = 10_000;

const seen = new Map<string, number[]>();

export function assertAnonymousAllowed(address: string, type: 'query' | 'mutation' | 'subscription', now = Date.now()): void {
  const kind = type === 'mutation' ? 'mutation' : 'query';
  const key = `${kind} ${address}`;
  const recent = (seen.get(key) ?? []).filter((t) => now - t < ANONYMOUS_WINDOW_MS);
  if (recent.length >= ANONYMOUS_LIMITS[kind]) {
    throw new AppError('RATE_LIMITED', {
      userMessage: `Too many requests from this address without signing in. Wait ${ANONYMOUS_WINDOW_MS / 1000} seconds and try again.`,
      logMessage: `anonymous ${kind} limit: ${address}`,
    });
  }
  recent.push(now);
  seen.delete(key); // re-insert so the map's order is least recently used first
  seen.set(key, recent);
  if (seen.size > MAX_TRACKED) seen.delete(seen.keys().next().value!);
}

/** For tests: forget every address. */
export function resetAnonymousLimits(): void {
  seen.clear();
}
