import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import { hashPassword, verifyPassword } from '@/server/auth/password';
import { assertLoginAllowed, recordLoginAttempt } from '@/server/auth/rate-limit';
import type { RequestOrigin } from '@/server/auth/sessions';
import type { SessionUser } from '@/server/auth/users.types';

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
    await recordLoginAttempt(db, { username: user.username, address: origin.address, succeeded: false });
    throw new AppError('INVALID_CREDENTIALS', {
      userMessage: 'Your current password is not correct, so the password was not changed.',
    });
  }
  if (input.newPassword === input.currentPassword) {
    throw new AppError('BAD_INPUT', { userMessage: 'The new password must differ from the current one.' });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.user.update({ where: { id: user.id }, data: { passwordHash } });
  await db.session.deleteMany({ where: { userId: user.id, id: { not: currentSessionId } } });
}
