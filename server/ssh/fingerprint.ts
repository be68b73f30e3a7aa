import { createHash } from 'node:crypto';

/**
 * OpenSSH's SHA256 fingerprint of a public key blob: "SHA256:" and the unpadded base64 of the
 * SHA-256 of the blob, exactly as `ssh-keygen -lf` and ssh's own prompts print it, so admins
 * can compare it with what they see on the host.
 */
export function fingerprintOfKeyBlob(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The fingerprint of a public key line ("ssh-ed25519 AAAA... comment"). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+=*$/.test(blob)) throw new Error('not an OpenSSH public key line');
  return fingerprintOfKeyBlob(Buffer.from(blob, 'base64'));
}
