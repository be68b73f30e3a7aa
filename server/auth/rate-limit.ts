import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';

/**
 * Sign-in throttling, stored in the database so every panel instance sees the same counts.
 *
 * - One account from one address: locked after MAX_FAILURES_PER_ACCOUNT failures. Counting per
 *   account *and* address means an attacker who guesses from their own address locks only
 *   themselves out, not the account's owner at every other address.
 * - One address across accounts: blocked after MAX_FAILURES_PER_ADDRESS (password spraying).
 * - One account from everywhere: after ACCOUNT_BACKOFF_AFTER failures in the window (many
 *   addresses, a botnet), attempts on it are slowed to one per ACCOUNT_BACKOFF_MS rather than
 *   locked, so guessing stays slow and the owner can still get in.
 *
 * Counts are failures inside a sliding window. An admin's password reset or unlock clears the
 * account's failures.
 */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;
export const ACCOUNT_BACKOFF_AFTER = 25;
export const ACCOUNT_BACKOFF_MS = 2_000;

const windowStart = (now: Date) => new Date(now.getTime() - LOGIN_WINDOW_MS);

export async function assertLoginAllowed(db: Db, username: string, address: string, now = new Date()): Promise<void> {
  const since = windowStart(now);
  const [fromHere, byAddress, everywhere] = await Promise.all([
    db.loginAttempt.count({ where: { username, address, succeeded: false, at: { gt: since } } }),
    db.loginAttempt.count({ where: { address, succeeded: false, at: { gt: since } } }),
    db.loginAttempt.count({ where: { username, succeeded: false, at: { gt: since } } }),
  ]);
  const minutes = LOGIN_WINDOW_MS / 60_000;
  if (fromHere >= MAX_FAILURES_PER_ACCOUNT || byAddress >= MAX_FAILURES_PER_ADDRESS) {
    throw new AppError('RATE_LIMITED', {
      userMessage: `Too many failed sign-in attempts from this address. Wait ${minutes} minutes and try again, or ask an admin to unlock the account.`,
      logMessage: `sign-in throttled: username=${username} address=${address} failures here=${fromHere} address=${byAddress}`,
    });
  }
  if (everywhere >= ACCOUNT_BACKOFF_AFTER) {
    const last = await db.loginAttempt.findFirst({ where: { username }, orderBy: { at: 'desc' }, select: { at: true } });
    if (last && now.getTime() - last.at.getTime() < ACCOUNT_BACKOFF_MS) {
      throw new AppError('RATE_LIMITED', {
        userMessage: `This account has had many failed sign-ins from several places, so attempts are slowed down. Try again in ${ACCOUNT_BACKOFF_MS / 1000} seconds.`,
        logMessage: `sign-in slowed: username=${username} address=${address} failures everywhere=${everywhere}`,
      });
    }
  }
}

/** Records one attempt; says whether this failure is the one that locked the account at this address. */
export async function recordLoginAttempt(
  db: Db,
  attempt: { username: string; address: string; succeeded: boolean },
  now = new Date(),
): Promise<{ lockedNow: boolean }> {
  await db.loginAttempt.create({ data: { ...attempt, at: now } });
  let lockedNow = false;
  if (attempt.succeeded) {
    // A successful sign-in forgives the account's earlier failures (not the address's).
    await db.loginAttempt.deleteMany({ where: { username: attempt.username, succeeded: false } });
  } else {
    const fromHere = await db.loginAttempt.count({ where: { username: attempt.username, address: attempt.address, succeeded: false, at: { gt: windowStart(now) } } });
    lockedNow = fromHere === MAX_FAILURES_PER_ACCOUNT;
  }
  // Old rows only matter inside the window; prune opportunistically.
  await db.loginAttempt.deleteMany({ where: { at: { lt: new Date(now.getTime() - 2 * LOGIN_WINDOW_MS) } } });
  return { lockedNow };
}

/** Lifts every sign-in lock and back-off on an account; returns how many failures were forgiven. */
export async function clearLoginFailures(db: Db, username: string): Promise<number> {
  const { count } = await db.loginAttempt.deleteMany({ where: { username, succeeded: false } });
  return count;
}

/** The addresses each account is locked out from now, in one query (for the users page). */
export async function lockedAddressesByUser(db: Db, now = new Date()): Promise<Map<string, string[]>> {
  const rows = await db.loginAttempt.groupBy({ by: ['username', 'address'], where: { succeeded: false, at: { gt: windowStart(now) } }, _count: { _all: true } });
  const out = new Map<string, string[]>();
  for (const r of rows) if (r._count._all >= MAX_FAILURES_PER_ACCOUNT) out.set(r.username, [...(out.get(r.username) ?? []), r.address]);
  return out;
}

/** The addresses one account is locked out from now. */
export async function lockedAddresses(db: Db, username: string, now = new Date()): Promise<string[]> {
  const rows = await db.loginAttempt.groupBy({ by: ['address'], where: { username, succeeded: false, at: { gt: windowStart(now) } }, _count: { _all: true } });
  return rows.filter((r) => r._count._all >= MAX_FAILURES_PER_ACCOUNT).map((r) => r.address);
}
