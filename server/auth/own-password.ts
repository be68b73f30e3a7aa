import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import { hashPassword, verifyPassword } from '@/server/auth/password';
import { assertLoginAllowed, recordLoginAttempt } from '@/server/auth/rate-limit';
import type { RequestOrigin } from '@/server/auth/sessions';
import type { SessionUser } from '@/server/auth/users.types';
import { recordSecurityEvent } from '@/server/audit/security';

/**
 * A signed-in user replaces their own password. The current password is required and counts
 * against the sign-in limits, so a borrowed browser session cannot be used to guess it; all
 * other sessions of the user end, the one making the change stays.
 */
export async function changeOwnPassword(
  db: Db,
  user: SessionUser,
  currentSessionId: string,
  input: { currentPassword: string; newPassword: string },
  origin: RequestOrigin,
): Promise<void> {
  await assertLoginAllowed(db, user.username, origin.address);
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
  const ok = await verifyPassword(row.passwordHash, input.currentPassword);
  if (!ok) {
    const { lockedNow } = await recordLoginAttempt(db, { username: user.username, address: origin.address, succeeded: false });
    const who = { username: user.username, address: origin.address };
    await recordSecurityEvent(db, { kind: 'auth.sign_in_failed', actor: user, content: { ...who, reason: 'wrong current password when changing it' } });
    if (lockedNow) await recordSecurityEvent(db, { kind: 'auth.locked_out', actor: user, content: who });
    throw new AppError('INVALID_CREDENTIALS', {
      userMessage: 'Your current password is not correct, so the password was not changed.',
    });
  }
  if (input.newPassword === input.currentPassword) {
    throw new AppError('BAD_INPUT', { userMessage: 'The new password must differ from the current one.' });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.user.update({ where: { id: user.id }, data: { passwordHash } });
  const { count } = await db.session.deleteMany({ where: { userId: user.id, id: { not: currentSessionId } } });
  await recordSecurityEvent(db, { kind: 'auth.password_changed', actor: user, content: { username: user.username, address: origin.address, otherSessionsEnded: count } });
}
