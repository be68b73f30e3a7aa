import { z } from 'zod';
import { createTRPCRouter, publicProcedure, signedInProcedure } from '@/server/api/trpc';
import { clearSessionCookie, setSessionCookie } from '@/server/api/session-cookie';
import { ZChangeOwnPasswordInput, ZCompleteSetupInput, ZSignInInput } from '@/server/auth/users.types';
import { changeOwnPassword } from '@/server/auth/own-password';
import { signIn, signOut } from '@/server/auth/sign-in';
import { completeSetup, isSetupTokenValid, needsFirstAdmin } from '@/server/auth/setup';

export const authRouter = createTRPCRouter({
  /** Who is signed in (null when nobody); public so the sign-in page can ask. */
  me: publicProcedure.query(({ ctx }) => ctx.user),

  signIn: publicProcedure.input(ZSignInInput).mutation(async ({ ctx, input }) => {
    const session = await signIn(ctx.db, input, ctx.origin);
    setSessionCookie(ctx, session.token, session.expiresAt);
    return session.user;
  }),

  /** Public so that a browser with an expired session can still clear its cookie. */
  signOut: publicProcedure.mutation(async ({ ctx }) => {
    await signOut(ctx.db, ctx.user, ctx.sessionToken, ctx.origin);
    clearSessionCookie(ctx);
    return { ok: true as const };
  }),

  changePassword: signedInProcedure
    .input(ZChangeOwnPasswordInput)
    .mutation(async ({ ctx, input }) => {
      await changeOwnPassword(ctx.db, ctx.user, ctx.sessionId, input, ctx.origin);
      return { ok: true as const };
    }),

  setupStatus: publicProcedure
    .input(z.object({ token: z.string().max(128) }))
    .query(async ({ ctx, input }) => ({
      needsFirstAdmin: await needsFirstAdmin(ctx.db),
      linkValid: await isSetupTokenValid(ctx.db, input.token),
    })),

  completeSetup: publicProcedure.input(ZCompleteSetupInput).mutation(async ({ ctx, input }) => {
    const session = await completeSetup(ctx.db, input, ctx.origin);
    setSessionCookie(ctx, session.token, session.expiresAt);
    return session.user;
  }),
});
