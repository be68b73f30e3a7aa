/**
 * The session cookie: httpOnly (no script access), SameSite=Lax (not sent on cross-site
 * sub-requests or cross-site POSTs), Secure when the panel is served over HTTPS.
 */
export const SESSION_COOKIE = 'switchboard_session';

export function sessionCookie(token: string, opts: { secure: boolean; maxAgeSeconds: number }) {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${opts.maxAgeSeconds}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(opts: { secure: boolean }) {
  return sessionCookie('', { ...opts, maxAgeSeconds: 0 });
}

export function readCookie(cookieHeader: string | null, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * HTTPS as seen by the browser. Behind a TLS-terminating proxy the request arrives as http,
 * so the proxy's X-Forwarded-Proto counts too (it only ever adds the Secure flag).
 */
export function isHttps(url: string, headers: Headers): boolean {
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  return forwarded === 'https' || new URL(url).protocol === 'https:';
}
