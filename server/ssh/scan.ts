// First contact with a host: learn the host key it presents, without authenticating and
// without running anything, so an admin can compare the fingerprint and pin it.
import { Client } from 'ssh2';
import { AppError } from '@/server/errors';
import { fingerprintOfKeyBlob } from './fingerprint';

export interface ScannedHostKey {
  /** SHA256:... as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** e.g. ssh-ed25519 (the algorithm ssh2 negotiated; modern OpenSSH prefers ed25519). */
  keyType: string;
}

/** The key type is the first length-prefixed string of the SSH public key blob (RFC 4253). */
function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1') || 'unknown';
}

export function scanHostKey(address: string, port: number, timeoutMs = 10_000): Promise<ScannedHostKey> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let scanned: ScannedHostKey | null = null;
    const where = `${address}:${port}`;
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      client.end();
      // Refusing the key ourselves ends the handshake with an error: that is the success path.
      if (scanned) return resolve(scanned);
      if (err.level === 'client-timeout') {
        return reject(new AppError('HOST_UNREACHABLE', { userMessage: `${where} did not answer SSH within ${Math.round(timeoutMs / 1000)} s. Check the address, the port and that sshd runs.`, cause: err }));
      }
      reject(new AppError('HOST_UNREACHABLE', { userMessage: `Could not reach SSH on ${where}${err.code ? ` (${err.code})` : ''}: check the address, the port and that sshd runs.`, cause: err }));
    });
    client.on('ready', () => {
      // Cannot happen (the verifier refuses every key), but never leave a session open.
      client.end();
      reject(new Error('scanHostKey: unexpected authenticated session'));
    });
    client.connect({
      host: address,
      port,
      username: 'switchboard-key-scan',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        scanned = { fingerprint: fingerprintOfKeyBlob(key), keyType: keyTypeOfBlob(key) };
        return false;
      },
    });
  });
}
