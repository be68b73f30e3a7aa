import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '@/server/db/client';
import { SESSION_COOKIE } from '@/server/auth/cookies';
import { findSessionUser } from '@/server/auth/sessions';
import { REQUESTED_PATH_HEADER, signInPath } from '@/server/auth/return-path';
import type { SessionUser } from '@/server/auth/users.types';

/** For server components: the signed-in user, or a redirect to the sign-in page, which returns to the page asked for. */
export async function requirePageUser(): Promise<SessionUser> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const found = await findSessionUser(await getDb(), token);
  if (!found) redirect(signInPath((await headers()).get(REQUESTED_PATH_HEADER)));
  return found.user;
}

export async function currentPageUser(): Promise<SessionUser | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return (await findSessionUser(await getDb(), token))?.user ?? null;
}
