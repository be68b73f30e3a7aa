import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { RequestOrigin } from '@/server/auth/sessions';
import { createSession, revokeSession } from '@/server/auth/sessions';
import { assertLoginAllowed, recordLoginAttempt } from '@/server/auth/rate-limit';
import { verifyAgainstDecoy, verifyPassword } from '@/server/auth/password';
import type { SessionUser } from '@/server/auth/users.types';
import { isRole } from '@/server/auth/roles';
import { recordSecurityEvent } from '@/server/audit/security';

const INVALID = () =>
  new AppError('INVALID_CREDENTIALS', {
    userMessage: 'Wrong username or password.',
  });

export async function signIn(
  db: Db,
  input: { username: string; password: string },
  origin: RequestOrigin,
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  // Throttle before touching the password, so a locked-out guesser learns nothing more. A
  // refused attempt is not recorded again: the lockout was recorded when it began.
  await assertLoginAllowed(db, input.username, origin.address);

  const user = await db.user.findUnique({ where: { username: input.username } });
  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDecoy(input.password);

  const succeeded = ok && !!user && !user.disabled && isRole(user.role);
  const { lockedNow } = await recordLoginAttempt(db, { username: input.username, address: origin.address, succeeded });
  const who = { username: input.username, address: origin.address };
  if (!succeeded) {
    const reason = !user ? 'no such user' : !ok ? 'wrong password' : user.disabled ? 'account disabled' : 'no valid role';
    await recordSecurityEvent(db, { kind: 'auth.sign_in_failed', actor: null, content: { ...who, reason } });
    if (lockedNow) await recordSecurityEvent(db, { kind: 'auth.locked_out', actor: null, content: who });
  }
  if (!user || !ok || !isRole(user.role)) throw INVALID();
  if (user.disabled) {
    throw new AppError('FORBIDDEN', {
      userMessage: 'This account is disabled. Ask an admin to enable it.',
    });
  }
  const session = await createSession(db, user.id, origin);
  await recordSecurityEvent(db, { kind: 'auth.signed_in', actor: { id: user.id, username: user.username }, content: who });
  return { ...session, user: { id: user.id, username: user.username, role: user.role } };
}


/** Ends this browser's session; recorded when someone was signed in (an expired cookie is just cleared). */
export async function signOut(db: Db, user: SessionUser | null, token: string | undefined, origin: RequestOrigin): Promise<void> {
  await revokeSession(db, token);
  if (user) await recordSecurityEvent(db, { kind: 'auth.signed_out', actor: user, content: { username: user.username, address: origin.address } });
}
