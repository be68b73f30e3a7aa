/**
 * Authors a migration for both schema variants: `npm run db:migration -- <name>`.
 *
 * `prisma migrate dev` and `migrate diff --from-migrations` fail on SQLite through the driver
 * adapter (shadow database error in the wasm schema engine), and `--from-schema-datasource`
 * is refused when prisma.config.ts defines an adapter. So, per provider: apply the committed
 * migrations to a scratch database with `migrate deploy`, introspect it with
 * `db pull --print`, and `migrate diff` that datamodel against the schema; the SQL becomes the
 * next migration. Needs PostgreSQL (PG_ADMIN_URL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDeploy, runPrismaCli } from '../server/db/prisma-cli';
import { createScratchDatabase } from '../server/db/scratch';
import { PROVIDERS } from './prisma-schemas';

async function authorFor(provider: (typeof PROVIDERS)[number], name: string, stamp: string) {
  const schema = path.join('prisma', provider, 'schema.prisma');
  const migrationsDir = path.join('prisma', provider, 'migrations');
  const scratch = await createScratchDatabase(provider, 'switchboard_author');
  try {
    const hasMigrations =
      fs.existsSync(migrationsDir) &&
      fs.readdirSync(migrationsDir).some((d) => fs.statSync(path.join(migrationsDir, d)).isDirectory());
    let from = ['--from-empty'];
    if (hasMigrations) {
      await migrateDeploy(scratch.url);
      const pulled = await runPrismaCli(['db', 'pull', '--print', '--schema', schema], scratch.url);
      const datamodel = pulled.stdout.slice(pulled.stdout.indexOf('generator '));
      const pulledFile = path.join(os.tmpdir(), `switchboard-pulled-${provider}-${process.pid}.prisma`);
      fs.writeFileSync(pulledFile, datamodel);
      from = ['--from-schema-datamodel', pulledFile];
    }
    const { stdout } = await runPrismaCli(
      ['migrate', 'diff', ...from, '--to-schema-datamodel', schema, '--script'],
      scratch.url,
    );
    if (!/\b(CREATE|ALTER|DROP)\b/.test(stdout)) {
      console.log(`${provider}: schema matches the migrations; nothing to write`);
      return;
    }
    const dir = path.join(migrationsDir, `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'migration.sql'), stdout);
    const lock = path.join(migrationsDir, 'migration_lock.toml');
    if (!fs.existsSync(lock)) {
      fs.writeFileSync(lock, `# Written by scripts/db-migration.ts\nprovider = "${provider}"\n`);
    }
    console.log(`${provider}: wrote ${dir}/migration.sql`);
  } finally {
    await scratch.drop();
  }
}

async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration -- <name in snake_case>');
    process.exit(2);
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  for (const provider of PROVIDERS) await authorFor(provider, name, stamp);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
