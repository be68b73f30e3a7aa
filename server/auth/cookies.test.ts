import { describe, expect, it } from 'vitest';
import { isHttps, readCookie, sessionCookie } from '@/server/auth/cookies';

describe('session cookie', () => {
  it('is httpOnly and SameSite=Lax, and not Secure over plain HTTP', () => {
    const c = sessionCookie('tok', { secure: false, maxAgeSeconds: 60 });
    expect(c).toContain('HttpOnly');
    expect(c).toContain('SameSite=Lax');
    expect(c).not.toContain('Secure');
  });
  it('is Secure over HTTPS, including behind a TLS-terminating proxy', () => {
    expect(sessionCookie('tok', { secure: true, maxAgeSeconds: 60 })).toMatch(/; Secure$/);
    expect(isHttps('https://panel/x', new Headers())).toBe(true);
    expect(isHttps('http://panel/x', new Headers({ 'x-forwarded-proto': 'https' }))).toBe(true);
    expect(isHttps('http://panel/x', new Headers())).toBe(false);
  });
  it('reads one cookie out of a header', () => {
    expect(readCookie('a=1; switchboard_session=xyz; b=2', 'switchboard_session')).toBe('xyz');
    expect(readCookie('a=1', 'switchboard_session')).toBeUndefined();
    expect(readCookie(null, 'x')).toBeUndefined();
  });
});
