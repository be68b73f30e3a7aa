import { createHash } from 'node:crypto';

/**
 * OpenSSH's SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA... comment"): the
 * unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -lf` prints it.
 */
export function hostKeyFingerprint(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) throw new Error('not an OpenSSH public key line');
  return 'SHA256:' + createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '');
}
