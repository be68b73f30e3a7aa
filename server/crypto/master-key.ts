import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '@/server/errors';

/**
 * The key that seals the panel's secrets at rest. From SWITCHBOARD_SECRET when set (required
 * when several instances share one PostgreSQL: they must all open the same sealed values);
 * otherwise from a 0600 file created on first start next to the SQLite database.
 * The raw secret is stretched with HKDF so any long random string works.
 */
export const DEFAULT_SECRET_FILE = 'data/secret.key';
const MIN_SECRET_LENGTH = 32;

function derive(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'switchboard', 'switchboard master key v1', 32));
}

export interface MasterKeySource {
  key: Buffer;
  origin: 'environment' | 'file';
}

export function loadMasterKey(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): MasterKeySource {
  const fromEnv = env.SWITCHBOARD_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_SECRET_LENGTH) {
      throw new AppError('SECRET_UNAVAILABLE', {
        userMessage: `SWITCHBOARD_SECRET is too short: use at least ${MIN_SECRET_LENGTH} random characters (for example: openssl rand -base64 48).`,
      });
    }
    return { key: derive(Buffer.from(fromEnv, 'utf8')), origin: 'environment' };
  }

  const file = path.resolve(cwd, env.SWITCHBOARD_SECRET_FILE || DEFAULT_SECRET_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // `wx`: never overwrite; two instances starting together both end up reading one file.
    fs.writeFileSync(file, randomBytes(48).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // turbopackIgnore: the path is a run-time setting, not a file to bundle or trace.
  const mode = fs.statSync(/*turbopackIgnore: true*/ file).mode & 0o777;
  if (mode & 0o077) {
    throw new AppError('SECRET_UNAVAILABLE', {
      userMessage: `The secret file ${file} is readable by other users (mode ${mode.toString(8)}). Run: chmod 600 ${file}`,
    });
  }
  const secret = fs.readFileSync(/*turbopackIgnore: true*/ file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new AppError('SECRET_UNAVAILABLE', {
      userMessage: `The secret file ${file} is too short or empty. Restore it from backup; deleting it makes existing sealed secrets unreadable.`,
    });
  }
  return { key: derive(Buffer.from(secret, 'utf8')), origin: 'file' };
}
