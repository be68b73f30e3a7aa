import path from 'node:path';

/**
 * Where the panel stores its data. No configuration means an embedded SQLite file; a
 * postgresql:// DATABASE_URL means a shared PostgreSQL (several panel instances).
 * Kept free of Prisma imports so prisma.config.ts, scripts and the server all share it.
 */
export type DatabaseTarget =
  | { provider: 'sqlite'; url: string; filePath: string }
  | { provider: 'postgresql'; url: string };

export const DEFAULT_SQLITE_FILE = 'data/switchboard.db';

export function resolveDatabaseTarget(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): DatabaseTarget {
  const url = env.DATABASE_URL?.trim();
  if (!url) {
    const filePath = path.resolve(cwd, DEFAULT_SQLITE_FILE);
    return { provider: 'sqlite', url: `file:${filePath}`, filePath };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgresql', url };
  if (url.startsWith('file:')) {
    const filePath = path.resolve(cwd, url.slice('file:'.length));
    return { provider: 'sqlite', url: `file:${filePath}`, filePath };
  }
  throw new Error(
    'DATABASE_URL must start with postgresql:// (shared PostgreSQL) or file: (SQLite); leave it unset for the default ./data/switchboard.db',
  );
}

/** The generated schema variant (and its migrations folder) for a provider. */
export function schemaPathFor(provider: DatabaseTarget['provider']): string {
  return path.join('prisma', provider, 'schema.prisma');
}
