import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs the Prisma CLI against a given DATABASE_URL. prisma.config.ts picks the schema variant
 * and driver adapter from that URL, so the same call serves SQLite and PostgreSQL.
 */
export async function runPrismaCli(
  args: string[],
  databaseUrl: string,
  cwd: string = process.cwd(),
): Promise<{ stdout: string; stderr: string }> {
  const bin = path.join(cwd, 'node_modules', '.bin', 'prisma');
  try {
    return await run(bin, args, {
      cwd,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`prisma ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

export function migrateDeploy(databaseUrl: string, cwd?: string) {
  return runPrismaCli(['migrate', 'deploy'], databaseUrl, cwd);
}
