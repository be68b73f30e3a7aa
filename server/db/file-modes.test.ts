import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { secureSqliteFiles } from './file-modes';

const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe('SQLite files are private to the panel', () => {
  it('creates the directory 0700 and the database 0600', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-modes-')), 'data');
    const db = path.join(dir, 'switchboard.db');
    secureSqliteFiles(db);
    expect([mode(dir), mode(db)]).toEqual([0o700, 0o600]);
  });

  it('fixes the modes an earlier version left (0755 directory, 0644 database, WAL and SHM)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-modes-'));
    fs.chmodSync(dir, 0o755);
    const db = path.join(dir, 'switchboard.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.writeFileSync(f, '', { mode: 0o644 });
    const fixed = secureSqliteFiles(db);
    expect([mode(dir), mode(db), mode(`${db}-wal`), mode(`${db}-shm`)]).toEqual([0o700, 0o600, 0o600, 0o600]);
    expect(fixed).toHaveLength(4);
    expect(secureSqliteFiles(db)).toEqual([]); // nothing left to fix
  });
});
