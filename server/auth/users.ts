import type { Db } from '@/server/db/client';
import type { Prisma } from '@/server/db/generated/sqlite/client';
import { AppError } from '@/server/errors';
import type { Role } from '@/server/auth/roles';
import { isRole } from '@/server/auth/roles';
import { hashPassword } from '@/server/auth/password';
import { revokeUserSessions } from '@/server/auth/sessions';
import { clearLoginFailures, lockedAddresses, lockedAddressesByUser } from '@/server/auth/rate-limit';
import type { PublicUser, SessionUser } from '@/server/auth/users.types';
import { recordSecurityEvent } from '@/server/audit/security';

const PUBLIC_FIELDS = { id: true, username: true, role: true, disabled: true, createdAt: true } as const;

function toPublic(row: { id: string; username: string; role: string; disabled: boolean; createdAt: Date }, lockedFrom: string[] = []): PublicUser {
  // Rows are only written through this module with a validated role; anything else is a bug.
  if (!isRole(row.role)) throw new Error(`user ${row.id} has unknown role ${row.role}`);
  return { ...row, role: row.role, lockedFrom };
}

export async function listUsers(db: Db): Promise<PublicUser[]> {
  const rows = await db.user.findMany({ select: PUBLIC_FIELDS, orderBy: { username: 'asc' } });
  const locked = await lockedAddressesByUser(db);
  return rows.map((r) => toPublic(r, locked.get(r.username) ?? []));
}

export async function createUser(
  db: Db,
  actor: SessionUser,
  input: { username: string; password: string; role: Role },
): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  const existing = await db.user.findUnique({ where: { username: input.username }, select: { id: true } });
  if (existing) {
    throw new AppError('CONFLICT', {
      userMessage: `A user named "${input.username}" already exists. Pick another name.`,
    });
  }
  const row = await db.user.create({
    data: { username: input.username, passwordHash, role: input.role },
    select: PUBLIC_FIELDS,
  });
  await recordSecurityEvent(db, { kind: 'user.created', actor, content: { username: row.username, role: row.role } });
  return toPublic(row);
}

async function findOrThrow(db: Db | Prisma.TransactionClient, userId: string) {
  const row = await db.user.findUnique({ where: { id: userId }, select: PUBLIC_FIELDS });
  if (!row) {
    throw new AppError('NOT_FOUND', { userMessage: 'That user no longer exists. Reload the page.' });
  }
  return toPublic(row);
}

/**
 * The panel must always keep one enabled admin, or nobody could manage users again
 * (there is no default password to fall back on). Check and change run in one serializable
 * transaction: under PostgreSQL's default isolation two admins demoting each other at once
 * would both see "2 admins" and both succeed.
 */
async function changeKeepingAnAdmin<T>(
  db: Db,
  userId: string,
  verb: string,
  change: (tx: Prisma.TransactionClient, target: PublicUser) => Promise<T>,
): Promise<T> {
  try {
    return await db.$transaction(
      async (tx) => {
        const target = await findOrThrow(tx, userId);
        const result = await change(tx, target);
        const admins = await tx.user.count({ where: { role: 'admin', disabled: false } });
        if (admins === 0) {
          throw new AppError('LAST_ADMIN', {
            userMessage: `Cannot ${verb} ${target.username}: it is the only enabled admin. Make another user admin first.`,
          });
        }
        return result;
      },
      { isolationLevel: 'Serializable' },
    );
  } catch (error) {
    if (isSerializationFailure(error)) {
      throw new AppError('CONFLICT', {
        userMessage: 'Another change to users happened at the same moment. Reload the page and try again.',
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * PostgreSQL's 40001 (could not serialize). Through a driver adapter, Prisma 6.19 surfaces it
 * from an interactive transaction as a raw DriverAdapterError of kind TransactionWriteConflict
 * rather than as the documented P2034; accept both.
 */
function isSerializationFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; name?: unknown; cause?: { kind?: unknown } };
  return e.code === 'P2034' || (e.name === 'DriverAdapterError' && e.cause?.kind === 'TransactionWriteConflict');
}

export async function setUserRole(db: Db, actor: SessionUser, userId: string, role: Role) {
  let from: Role | null = null;
  const user = await changeKeepingAnAdmin(db, userId, 'change the role of', async (tx, target) => {
    from = target.role;
    return toPublic(await tx.user.update({ where: { id: userId }, data: { role }, select: PUBLIC_FIELDS }));
  });
  if (from !== role) await recordSecurityEvent(db, { kind: 'user.role_changed', actor, content: { username: user.username, from, to: role } });
  return user;
}

export async function setUserDisabled(db: Db, actor: SessionUser, userId: string, disabled: boolean) {
  if (disabled && actor.id === userId) {
    throw new AppError('CONFLICT', { userMessage: 'You cannot disable your own account.' });
  }
  const user = await changeKeepingAnAdmin(db, userId, 'disable', async (tx) =>
    toPublic(await tx.user.update({ where: { id: userId }, data: { disabled }, select: PUBLIC_FIELDS })),
  );
  if (disabled) await revokeUserSessions(db, userId);
  await recordSecurityEvent(db, { kind: disabled ? 'user.disabled' : 'user.enabled', actor, content: { username: user.username } });
  return user;
}

/** A new password set by an admin; it also lifts any sign-in lockout (the lockout message sends people here). */
export async function resetUserPassword(db: Db, actor: SessionUser, userId: string, password: string) {
  const user = await findOrThrow(db, userId);
  const passwordHash = await hashPassword(password);
  await db.user.update({ where: { id: userId }, data: { passwordHash } });
  // Whoever knew the old password must not stay signed in.
  await revokeUserSessions(db, userId);
  const forgiven = await clearLoginFailures(db, user.username);
  await recordSecurityEvent(db, { kind: 'user.password_reset', actor, content: { username: user.username, failedSignInsForgiven: forgiven } });
}

/** Lifts the account's sign-in lockout and back-off without touching its password. */
export async function unlockUser(db: Db, actor: SessionUser, userId: string): Promise<PublicUser> {
  const user = await findOrThrow(db, userId);
  const lockedFrom = await lockedAddresses(db, user.username);
  const forgiven = await clearLoginFailures(db, user.username);
  await recordSecurityEvent(db, { kind: 'user.unlocked', actor, content: { username: user.username, lockedFrom, failedSignInsForgiven: forgiven } });
  return user;
}

export async function deleteUser(db: Db, actor: SessionUser, userId: string) {
  if (actor.id === userId) {
    throw new AppError('CONFLICT', { userMessage: 'You cannot delete your own account.' });
  }
  const user = await changeKeepingAnAdmin(db, userId, 'delete', async (tx, target) => {
    await tx.user.delete({ where: { id: userId } });
    return target;
  });
  await recordSecurityEvent(db, { kind: 'user.deleted', actor, content: { username: user.username, role: user.role } });
}
