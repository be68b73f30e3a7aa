import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword, ZPassword } from '@/server/auth/password';

describe('password hashing', () => {
  it('uses argon2id with a per-hash salt', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password only', async () => {
    const h = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(h, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(h, 'correct horse battery stapler')).toBe(false);
  });

  it('treats a corrupt stored hash as a wrong password', async () => {
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
  });

  it('requires at least 12 characters', () => {
    expect(ZPassword.safeParse('short').success).toBe(false);
    expect(ZPassword.safeParse('twelve chars').success).toBe(true);
  });
});
