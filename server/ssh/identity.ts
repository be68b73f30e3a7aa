import os from 'node:os';
// ssh2 is CommonJS and Node's ESM loader cannot see its `utils` export by name (tsx fails).
import ssh2 from 'ssh2';
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import { loadMasterKey } from '@/server/crypto/master-key';
import { open, seal } from '@/server/crypto/secret-box';
import { fingerprintOfPublicKeyLine } from '@/server/ssh/fingerprint';

/**
 * The panel's own SSH identity: an ed25519 key pair generated on first start. The private
 * key is stored sealed (AES-256-GCM under the master key) and only `loadPanelPrivateKey`,
 * for the SSH pool, ever opens it. Nothing here logs or returns private material otherwise.
 */
const IDENTITY_ROW = 'panel';
const PURPOSE = 'ssh-identity';

export interface PanelIdentity {
  /** OpenSSH public key line, e.g. `ssh-ed25519 AAAA... switchboard@panel-host`. */
  publicKey: string;
  /** As `ssh-keygen -lf` prints it: SHA256:base64. */
  fingerprint: string;
  /** The exact line an admin appends to ~/.ssh/authorized_keys on a hypervisor. */
  authorizedKeysLine: string;
  createdAt: Date;
}

function toPublic(row: { publicKey: string; fingerprint: string; createdAt: Date }): PanelIdentity {
  return {
    publicKey: row.publicKey,
    fingerprint: row.fingerprint,
    authorizedKeysLine: row.publicKey,
    createdAt: row.createdAt,
  };
}

/**
 * ssh2's ed25519 generator strips leading zero bytes from the public key, so about 1 key in
 * 256 cannot be parsed back, by ssh2 itself or by OpenSSH ("Malformed OpenSSH private key";
 * mscdex/ssh2#1513, seen here in a test run). Draw again until both halves parse; drop this
 * once ssh2 fixes keygen.js.
 */
export function generateUsableKeyPair(comment: string): { public: string; private: string } {
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (!(ssh2.utils.parseKey(pair.public) instanceof Error) && !(ssh2.utils.parseKey(pair.private) instanceof Error)) {
      return pair;
    }
  }
  throw new Error('could not generate a parseable ed25519 key pair in 32 attempts');
}

/** Returns the identity, generating and storing it on first call. Safe to race. */
export async function ensurePanelIdentity(db: Db, masterKey: Buffer = loadMasterKey().key): Promise<PanelIdentity> {
  const existing = await db.panelIdentity.findUnique({ where: { id: IDENTITY_ROW } });
  if (existing) return toPublic(existing);

  const comment = `switchboard@${os.hostname()}`.replace(/[^\w@.-]/g, '');
  const pair = generateUsableKeyPair(comment);
  const publicKey = pair.public.trim();
  try {
    const row = await db.panelIdentity.create({
      data: {
        id: IDENTITY_ROW,
        publicKey,
        fingerprint: fingerprintOfPublicKeyLine(publicKey),
        sealedPrivateKey: seal(masterKey, pair.private, PURPOSE),
      },
    });
    return toPublic(row);
  } catch (error) {
    // Another instance (or request) created it first: use theirs, so there is only one key.
    const winner = await db.panelIdentity.findUnique({ where: { id: IDENTITY_ROW } });
    if (winner) return toPublic(winner);
    throw error;
  }
}

/** The private key in OpenSSH format, for ssh2's `privateKey` option. Server side only. */
export async function loadPanelPrivateKey(db: Db, masterKey: Buffer = loadMasterKey().key): Promise<string> {
  await ensurePanelIdentity(db, masterKey);
  const row = await db.panelIdentity.findUniqueOrThrow({ where: { id: IDENTITY_ROW } });
  try {
    return open(masterKey, row.sealedPrivateKey, PURPOSE);
  } catch (cause) {
    throw new AppError('SECRET_UNAVAILABLE', {
      userMessage:
        "The panel's SSH key cannot be decrypted: the secret (SWITCHBOARD_SECRET, or data/secret.key when unset) is not the one it was sealed with. Restore the original secret; every panel instance sharing this database needs the same SWITCHBOARD_SECRET.",
      logMessage: 'panel identity: AES-GCM open failed (wrong master key or altered row)',
      cause,
    });
  }
}
