import { initTRPC, TRPCError } from '@trpc/server';
import { formatError } from '@/server/api/error-formatter';
import type { Access, ProcedureMeta } from '@/server/api/policy';
import { ADMIN_ONLY, AUDITORS, EVERY_ROLE, HISTORY_READERS, OPERATORS, allows } from '@/server/api/policy';
import type { TrpcContext } from '@/server/api/context';
import type { Role } from '@/server/auth/roles';
import { assertAnonymousAllowed } from '@/server/api/anonymous-limit';

const t = initTRPC.context<TrpcContext>().meta<ProcedureMeta>().create({
  errorFormatter: formatError,
  // Live subscriptions (routers/live.ts) are server-sent events: a ping every 15 s keeps proxies
  // from closing a quiet stream, and a browser that hears nothing for 40 s reconnects (its
  // subscription opens with "ready", so the view re-reads what it missed).
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Deny by default: a procedure must declare its access in meta. Runs before input parsing,
 * so a caller without the right learns nothing about the input schema.
 */
const enforcePolicy = t.middleware(({ ctx, meta, next }) => {
  const access = meta?.access;
  if (access === undefined) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This action has no access policy.' });
  }
  if (access === 'public') return next();
  if (!ctx.user) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Please sign in.' });
  }
  if (!allows(access, ctx.user.role)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `Your role (${ctx.user.role}) may not do this.`,
    });
  }
  return next();
});

/** Tells the type system what enforcePolicy already guaranteed for role procedures. */
const withSignedInUser = t.middleware(({ ctx, next }) => {
  if (!ctx.user || !ctx.sessionId) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Please sign in.' });
  return next({ ctx: { ...ctx, user: ctx.user, sessionId: ctx.sessionId } });
});

const guarded = t.procedure.use(enforcePolicy);

function procedureFor(access: readonly Role[]) {
  return guarded.meta({ access }).use(withSignedInUser);
}

/** Callers who are not signed in are limited per address (anonymous-limit.ts). */
const limitAnonymous = t.middleware(({ ctx, type, next }) => {
  if (!ctx.user) assertAnonymousAllowed(ctx.origin.address, type);
  return next();
});

/** Anyone, signed in or not (sign-in, first-admin setup). */
export const publicProcedure = guarded.meta({ access: 'public' satisfies Access }).use(limitAnonymous);
/** Any signed-in user, whatever the role. */
export const signedInProcedure = procedureFor(EVERY_ROLE);
export const adminProcedure = procedureFor(ADMIN_ONLY);
export const operatorProcedure = procedureFor(OPERATORS);
export const auditorProcedure = procedureFor(AUDITORS);
export const historyProcedure = procedureFor(HISTORY_READERS);
