import type { TrpcContext } from '@/server/api/context';
import { clearedSessionCookie, sessionCookie } from '@/server/auth/cookies';

export function setSessionCookie(ctx: TrpcContext, token: string, expiresAt: Date) {
  const maxAgeSeconds = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  ctx.resHeaders.append('set-cookie', sessionCookie(token, { secure: ctx.secureCookies, maxAgeSeconds }));
}

export function clearSessionCookie(ctx: TrpcContext) {
  ctx.resHeaders.append('set-cookie', clearedSessionCookie({ secure: ctx.secureCookies }));
}
