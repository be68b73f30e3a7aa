import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { Role } from '@/server/auth/roles';
import { isRole } from '@/server/auth/roles';
import { hashPassword } from '@/server/auth/password';
import { revokeUserSessions } from '@/server/auth/sessions';
import type { PublicUser, SessionUser } from '@/server/auth/users.types';

const PUBLIC_FIELDS = { id: true, username: true, role: true, disabled: true, createdAt: true } as const;

function toPublic(row: { id: string; username: string; role: string; disabled: boolean; createdAt: Date }): PublicUser {
  // Rows are only written through this module with a validated role; anything else is a bug.
  if (!isRole(row.role)) throw new Error(`user ${row.id} has unknown role ${row.role}`);
  return { ...row, role: row.role };
}

export async function listUsers(db: Db): Promise<PublicUser[]> {
  const rows = await db.user.findMany({ select: PUBLIC_FIELDS, orderBy: { username: 'asc' } });
  return rows.map(toPublic);
}

export async function createUser(
  db: Db,
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
  return toPublic(row);
}

async function findOrThrow(db: Db, userId: string) {
  const row = await db.user.findUnique({ where: { id: userId }, select: PUBLIC_FIELDS });
  if (!row) {
    throw new AppError('NOT_FOUND', { userMessage: 'That user no longer exists. Reload the page.' });
  }
  return toPublic(row);
}

/**
 * The panel must always keep one enabled admin, or nobody could manage users again
 * (there is no default password to fall back on).
 */
async function assertKeepsAnAdmin(db: Db, target: PublicUser, change: string) {
  if (target.role !== 'admin' || target.disabled) return;
  const admins = await db.user.count({ where: { role: 'admin', disabled: false } });
  if (admins <= 1) {
    throw new AppError('LAST_ADMIN', {
      userMessage: `Cannot ${change} ${target.username}: it is the only enabled admin. Make another user admin first.`,
    });
  }
}

export async function setUserRole(db: Db, userId: string, role: Role) {
  const target = await findOrThrow(db, userId);
  if (target.role === role) return target;
  await assertKeepsAnAdmin(db, target, 'change the role of');
  const row = await db.user.update({ where: { id: userId }, data: { role }, select: PUBLIC_FIELDS });
  return toPublic(row);
}

export async function setUserDisabled(db: Db, actor: SessionUser, userId: string, disabled: boolean) {
  if (disabled && actor.id === userId) {
    throw new AppError('CONFLICT', { userMessage: 'You cannot disable your own account.' });
  }
  const target = await findOrThrow(db, userId);
  if (disabled) await assertKeepsAnAdmin(db, target, 'disable');
  const row = await db.user.update({ where: { id: userId }, data: { disabled }, select: PUBLIC_FIELDS });
  if (disabled) await revokeUserSessions(db, userId);
  return toPublic(row);
}

export async function resetUserPassword(db: Db, userId: string, password: string) {
  await findOrThrow(db, userId);
  const passwordHash = await hashPassword(password);
  await db.user.update({ where: { id: userId }, data: { passwordHash } });
  // Whoever knew the old password must not stay signed in.
  await revokeUserSessions(db, userId);
}

export async function deleteUser(db: Db, actor: SessionUser, userId: string) {
  if (actor.id === userId) {
    throw new AppError('CONFLICT', { userMessage: 'You cannot delete your own account.' });
  }
  const target = await findOrThrow(db, userId);
  await assertKeepsAnAdmin(db, target, 'delete');
  await db.user.delete({ where: { id: userId } });
}
