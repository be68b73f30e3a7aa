import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from '@/server/crypto/secret-box';

const key = randomBytes(32);
const SECRET = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n';

describe('secret box (AES-256-GCM)', () => {
  it('round-trips and never contains the plaintext', () => {
    const sealed = seal(key, SECRET, 'ssh-identity');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('OPENSSH');
    expect(open(key, sealed, 'ssh-identity')).toBe(SECRET);
  });

  it('uses a fresh IV each time', () => {
    expect(seal(key, SECRET, 'p')).not.toBe(seal(key, SECRET, 'p'));
  });

  it('refuses a wrong key, another purpose, or any altered byte', () => {
    const sealed = seal(key, SECRET, 'ssh-identity');
    expect(() => open(randomBytes(32), sealed, 'ssh-identity')).toThrow();
    expect(() => open(key, sealed, 'something-else')).toThrow();
    const parts = sealed.split('.');
    for (const i of [1, 2, 3]) {
      const bytes = Buffer.from(parts[i]!, 'base64url');
      bytes[0]! ^= 1;
      const altered = [...parts];
      altered[i] = bytes.toString('base64url');
      expect(() => open(key, altered.join('.'), 'ssh-identity')).toThrow();
    }
  });
});
