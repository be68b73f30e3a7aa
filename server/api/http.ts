import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/api/root';
import { createContext } from '@/server/api/context';
import { checkCsrf } from '@/server/api/csrf';
import { checkHost, hostPolicyFromEnv, withLimitedBody, type HostPolicy } from '@/server/api/edge';
import type { Db } from '@/server/db/client';
import type { AppError } from '@/server/errors';

export const TRPC_ENDPOINT = '/api/trpc';

const HTTP_STATUS: Partial<Record<AppError['code'], number>> = { BODY_TOO_LARGE: 413 };

function refusal(req: Request, refused: AppError): Response {
  const httpStatus = HTTP_STATUS[refused.code] ?? 403;
  console.warn(`[api] refused ${req.method} ${new URL(req.url).pathname}: ${refused.message}`);
  return Response.json({ error: { message: refused.userMessage, data: { appCode: refused.code, httpStatus } } }, { status: httpStatus });
}

const envHostPolicy = hostPolicyFromEnv();

/**
 * The whole HTTP edge of the API: Host check, CSRF check, body size limit, then tRPC. Kept
 * apart from the Next route file so tests drive it with real Request objects.
 */
export async function handleTrpcRequest(req: Request, deps: { db: Db | (() => Promise<Db>); hosts?: HostPolicy }) {
  const refused = checkHost(req, deps.hosts ?? envHostPolicy) ?? checkCsrf(req);
  if (refused) return refusal(req, refused);
  const limited = await withLimitedBody(req);
  if (!(limited instanceof Request)) return refusal(req, limited);
  const db = typeof deps.db === 'function' ? await deps.db() : deps.db;
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req: limited,
    router: appRouter,
    createContext: ({ resHeaders }) => createContext({ db, req: limited, resHeaders }),
    // tRPC 11 answers mutations over GET with 405 already; this keeps method override off.
    allowMethodOverride: false,
  });
}
