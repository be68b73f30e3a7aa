import type { Db } from '@/server/db/client';
import type { Role } from '@/server/auth/roles';
import { hashPassword } from '@/server/auth/password';

export const TEST_PASSWORD = 'correct horse battery staple';

let cachedHash: Promise<string> | undefined;

/** A user with TEST_PASSWORD (hashed once per process: argon2id is deliberately slow). */
export async function makeUser(db: Db, username: string, role: Role, opts: { disabled?: boolean } = {}) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  return db.user.create({
    data: { username, role, passwordHash: await cachedHash, disabled: opts.disabled ?? false },
  });
}
