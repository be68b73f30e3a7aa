import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/context';
import { checkCsrf } from '@/server/api/csrf';
import type { Db } from '@/server/db/client';

export const TRPC_ENDPOINT = '/api/trpc';

/**
 * The whole HTTP edge of the API: CSRF check, then tRPC. Kept apart from the Next route
 * file so tests drive it with real Request objects.
 */
export async function handleTrpcRequest(req: Request, deps: { db: Db | (() => Promise<Db>) }) {
  const refused = checkCsrf(req);
  if (refused) {
    console.warn(`[api] refused ${req.method} ${new URL(req.url).pathname}: ${refused.message}`);
    return Response.json(
      { error: { message: refused.userMessage, data: { appCode: refused.code, httpStatus: 403 } } },
      { status: 403 },
    );
  }
  const db = typeof deps.db === 'function' ? await deps.db() : deps.db;
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => createContext({ db, req, resHeaders }),
    // tRPC 11 answers mutations over GET with 405 already; this keeps method override off.
    allowMethodOverride: false,
  });
}
