import fs from 'node:fs';
import path from 'node:path';

/**
 * The SQLite database holds password hashes, sessions and the audit trail: only the panel's
 * own user may read it. Creates its directory 0700 and sets the database, WAL and shared-memory
 * files 0600, also when an earlier version (or a umask) left them readable to everyone.
 * Returns what it changed, for the start log.
 */
export function secureSqliteFiles(filePath: string): string[] {
  const fixed: string[] = [];
  const dir = path.dirname(filePath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tighten = (file: string, mode: number) => {
    let current: number;
    try {
      current = fs.statSync(file).mode & 0o777;
    } catch {
      return; // not there (yet): SQLite creates WAL and SHM with the database file's mode
    }
    if (current !== mode) {
      fs.chmodSync(file, mode);
      fixed.push(`${file} ${current.toString(8)} → ${mode.toString(8)}`);
    }
  };
  tighten(dir, 0o700);
  if (!fs.existsSync(filePath)) fs.closeSync(fs.openSync(filePath, 'a', 0o600));
  for (const suffix of ['', '-wal', '-shm', '-journal']) tighten(`${filePath}${suffix}`, 0o600);
  return fixed;
}
