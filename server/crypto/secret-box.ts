import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM sealing for secrets stored in the database (the panel's SSH private key).
 * Format: `v1.<iv>.<tag>.<ciphertext>` (base64url). A fresh 96-bit IV per seal; the
 * `purpose` is bound as additional data so a sealed value cannot be moved to another use.
 */
const VERSION = 'v1';

export function seal(key: Buffer, plaintext: string, purpose: string): string {
  assertKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Throws when the key is wrong or the value was altered (GCM authentication). */
export function open(key: Buffer, sealed: string, purpose: string): string {
  assertKey(key);
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined || rest.length > 0) {
    throw new Error('not a sealed value');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(purpose, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

function assertKey(key: Buffer) {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
}
