import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { RequestOrigin } from '@/server/auth/sessions';
import { createSession } from '@/server/auth/sessions';
import { assertLoginAllowed, recordLoginAttempt } from '@/server/auth/rate-limit';
import { verifyAgainstDecoy, verifyPassword } from '@/server/auth/password';
import type { SessionUser } from '@/server/auth/users.types';
import { isRole } from '@/server/auth/roles';

const INVALID = () =>
  new AppError('INVALID_CREDENTIALS', {
    userMessage: 'Wrong username or password.',
  });

export async function signIn(
  db: Db,
  input: { username: string; password: string },
  origin: RequestOrigin,
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  // Throttle before touching the password, so a locked-out guesser learns nothing more.
  await assertLoginAllowed(db, input.username, origin.address);

  const user = await db.user.findUnique({ where: { username: input.username } });
  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDecoy(input.password);

  await recordLoginAttempt(db, {
    username: input.username,
    address: origin.address,
    succeeded: ok && !!user && !user.disabled,
  });
  if (!user || !ok || !isRole(user.role)) throw INVALID();
  if (user.disabled) {
    throw new AppError('FORBIDDEN', {
      userMessage: 'This account is disabled. Ask an admin to enable it.',
    });
  }
  const session = await createSession(db, user.id, origin);
  return { ...session, user: { id: user.id, username: user.username, role: user.role } };
}
