import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';

/**
 * Sign-in throttling, stored in the database so every panel instance sees the same counts.
 * Per account it stops password guessing against one user; per address it stops one client
 * from spraying many accounts. Counts are failures inside a sliding window.
 */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

export async function assertLoginAllowed(
  db: Db,
  username: string,
  address: string,
  now = new Date(),
): Promise<void> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const [byAccount, byAddress] = await Promise.all([
    db.loginAttempt.count({ where: { username, succeeded: false, at: { gt: since } } }),
    db.loginAttempt.count({ where: { address, succeeded: false, at: { gt: since } } }),
  ]);
  if (byAccount >= MAX_FAILURES_PER_ACCOUNT || byAddress >= MAX_FAILURES_PER_ADDRESS) {
    throw new AppError('RATE_LIMITED', {
      userMessage: `Too many failed sign-in attempts. Wait ${LOGIN_WINDOW_MS / 60_000} minutes and try again, or ask an admin to reset your password.`,
      logMessage: `sign-in throttled: username=${username} address=${address} failures account=${byAccount} address=${byAddress}`,
    });
  }
}

export async function recordLoginAttempt(
  db: Db,
  attempt: { username: string; address: string; succeeded: boolean },
  now = new Date(),
): Promise<void> {
  await db.loginAttempt.create({ data: { ...attempt, at: now } });
  if (attempt.succeeded) {
    // A successful sign-in forgives the account's earlier failures (not the address's).
    await db.loginAttempt.deleteMany({ where: { username: attempt.username, succeeded: false } });
  }
  // Old rows only matter inside the window; prune opportunistically.
  await db.loginAttempt.deleteMany({
    where: { at: { lt: new Date(now.getTime() - 2 * LOGIN_WINDOW_MS) } },
  });
}
