import type { Db } from '@/server/db/client';
import type { SessionUser } from '@/server/auth/users.types';
import type { RequestOrigin } from '@/server/auth/sessions';
import { findSessionUser } from '@/server/auth/sessions';
import { SESSION_COOKIE, readCookie, isHttps } from '@/server/auth/cookies';

export interface TrpcContext {
  db: Db;
  user: SessionUser | null;
  /** The stored id (digest) of the caller's session, when signed in. */
  sessionId: string | null;
  /** The raw session token from the cookie (needed to sign out). */
  sessionToken: string | undefined;
  origin: RequestOrigin;
  secureCookies: boolean;
  /** Response headers, for Set-Cookie. */
  resHeaders: Headers;
}

/**
 * The client address for the per-address sign-in limit. scripts/serve.mjs (what `npm start`
 * runs) sets X-Forwarded-For to one trustworthy value (scripts/client-address.mjs). Under
 * plain `next start` / `next dev` a client could forge it; only the per-account limit holds.
 */
export function clientAddress(headers: Headers): string {
  return headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'unknown';
}

export async function createContext(opts: {
  db: Db;
  req: Request;
  resHeaders: Headers;
}): Promise<TrpcContext> {
  const { db, req, resHeaders } = opts;
  const sessionToken = readCookie(req.headers.get('cookie'), SESSION_COOKIE);
  const found = await findSessionUser(db, sessionToken);
  return {
    db,
    user: found?.user ?? null,
    sessionId: found?.sessionId ?? null,
    sessionToken,
    origin: {
      address: clientAddress(req.headers),
      userAgent: req.headers.get('user-agent'),
    },
    secureCookies: isHttps(req.url, req.headers),
    resHeaders,
  };
}
