import type { Db } from '@/server/db/client';
import type { SessionUser } from '@/server/auth/users.types';
import { isRole } from '@/server/auth/roles';
import { newToken, tokenDigest } from '@/server/auth/tokens';

/** A session ends after 12 idle hours, and after 7 days whatever the activity. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** Extending the idle deadline costs a write; do it at most every 5 minutes per session. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export interface RequestOrigin {
  address: string;
  userAgent: string | null;
}

export async function createSession(
  db: Db,
  userId: string,
  origin: RequestOrigin,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  // Expired sessions are refused anyway; dropping them at each sign-in keeps the table small.
  await db.session.deleteMany({ where: { expiresAt: { lt: now } } });
  const token = newToken();
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
  await db.session.create({
    data: {
      id: tokenDigest(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      address: origin.address.slice(0, 64),
      userAgent: origin.userAgent?.slice(0, 256) ?? null,
    },
  });
  return { token, expiresAt };
}

/**
 * The user behind a session cookie, or null when the token is unknown, expired, or its user
 * is disabled. The role is read from the user row on every request, so a role change or a
 * disable takes effect at once.
 */
export async function findSessionUser(
  db: Db,
  token: string | undefined,
  now = new Date(),
): Promise<{ user: SessionUser; sessionId: string } | null> {
  if (!token || token.length > 128) return null;
  const id = tokenDigest(token);
  const session = await db.session.findUnique({ where: { id }, include: { user: true } });
  if (!session) return null;
  const tooOld = now.getTime() - session.createdAt.getTime() > SESSION_MAX_AGE_MS;
  if (session.expiresAt <= now || tooOld || session.user.disabled || !isRole(session.user.role)) {
    if (session.expiresAt <= now || tooOld) await db.session.deleteMany({ where: { id } });
    return null;
  }
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db.session.updateMany({
      where: { id },
      data: { lastSeenAt: now, expiresAt: new Date(now.getTime() + SESSION_IDLE_MS) },
    });
  }
  const { id: userId, username, role } = session.user;
  return { user: { id: userId, username, role }, sessionId: id };
}

export async function revokeSession(db: Db, token: string | undefined): Promise<void> {
  if (!token) return;
  await db.session.deleteMany({ where: { id: tokenDigest(token) } });
}

export async function revokeUserSessions(db: Db, userId: string): Promise<void> {
  await db.session.deleteMany({ where: { userId } });
}
