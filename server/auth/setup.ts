import { recordSecurityEvent } from '@/server/audit/security';
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import { hashPassword } from '@/server/auth/password';
import { newToken, tokenDigest } from '@/server/auth/tokens';
import type { RequestOrigin } from '@/server/auth/sessions';
import { createSession } from '@/server/auth/sessions';
import type { SessionUser } from '@/server/auth/users.types';

/**
 * First start: there is no default password. While no user exists, each server start issues
 * a fresh one-time setup token (replacing any earlier one) and prints a link to it; the link
 * creates the first admin and is dead from then on.
 */
const SETUP_ROW = 'first-admin';
export const SETUP_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export async function needsFirstAdmin(db: Db): Promise<boolean> {
  return (await db.user.count()) === 0;
}

/** Returns the new token, or null when users exist (setup is over). */
export async function issueSetupToken(db: Db, now = new Date()): Promise<string | null> {
  if (!(await needsFirstAdmin(db))) return null;
  const token = newToken();
  const data = {
    tokenHash: tokenDigest(token),
    createdAt: now,
    expiresAt: new Date(now.getTime() + SETUP_TOKEN_TTL_MS),
    usedAt: null,
  };
  await db.setupToken.upsert({ where: { id: SETUP_ROW }, create: { id: SETUP_ROW, ...data }, update: data });
  return token;
}

export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/setup?token=${encodeURIComponent(token)}`;
}

const LINK_INVALID = () =>
  new AppError('SETUP_LINK_INVALID', {
    userMessage:
      'This setup link is not valid: it was already used, has expired, or was replaced by a newer one. If no admin exists yet, restart the panel to get a new link; otherwise sign in.',
  });

export async function isSetupTokenValid(db: Db, token: string, now = new Date()): Promise<boolean> {
  const row = await db.setupToken.findUnique({ where: { id: SETUP_ROW } });
  return (
    !!row && row.usedAt === null && row.expiresAt > now && row.tokenHash === tokenDigest(token) &&
    (await needsFirstAdmin(db))
  );
}

export async function completeSetup(
  db: Db,
  input: { token: string; username: string; password: string },
  origin: RequestOrigin,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  // Cheap checks first: a wrong link costs one indexed read, not an argon2 hash. The claim
  // below checks again, atomically.
  if (!(await isSetupTokenValid(db, input.token, now)) || !(await needsFirstAdmin(db))) throw LINK_INVALID();
  const passwordHash = await hashPassword(input.password);
  const user = await db.$transaction(async (tx) => {
    // Claiming the single row is one conditional update: of two concurrent requests with the
    // same link, exactly one sees count 1.
    const claimed = await tx.setupToken.updateMany({
      where: { id: SETUP_ROW, tokenHash: tokenDigest(input.token), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (claimed.count !== 1) throw LINK_INVALID();
    if ((await tx.user.count()) > 0) throw LINK_INVALID();
    return tx.user.create({
      data: { username: input.username, passwordHash, role: 'admin' },
    });
  });
  const session = await createSession(db, user.id, origin);
  await recordSecurityEvent(db, { kind: 'user.created', actor: user, content: { username: user.username, role: 'admin', via: 'first-admin setup link', address: origin.address } });
  return { ...session, user: { id: user.id, username: user.username, role: 'admin' } };
}
