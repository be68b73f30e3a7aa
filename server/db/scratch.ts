import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Throwaway databases for tests and migration authoring: each call makes a new, empty one
 * and `drop()` removes it. PostgreSQL comes from PG_ADMIN_URL (default: the trust-auth
 * server on 127.0.0.1:5432 that this workplace runs).
 */
export interface ScratchDatabase {
  provider: 'sqlite' | 'postgresql';
  url: string;
  drop(): Promise<void>;
}

export const PG_ADMIN_URL =
  process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function uniqueName(prefix: string) {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export async function createScratchSqlite(prefix = 'switchboard_test'): Promise<ScratchDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const file = path.join(dir, 'db.sqlite');
  // Private from the start, as the panel keeps its own database (db/file-modes.ts).
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  return {
    provider: 'sqlite',
    url: `file:${file}`,
    async drop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createScratchPostgres(prefix = 'switchboard_test'): Promise<ScratchDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    // The name is generated above from [a-z0-9_] only, so quoting it is enough.
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    provider: 'postgresql',
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export function createScratchDatabase(provider: 'sqlite' | 'postgresql', prefix?: string) {
  return provider === 'sqlite' ? createScratchSqlite(prefix) : createScratchPostgres(prefix);
}
