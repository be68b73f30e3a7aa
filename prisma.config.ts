import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { resolveDatabaseTarget, schemaPathFor } from './server/db/url';

// Prisma 6.19 in its Rust-free mode (FINDINGS.md): `engine: 'js'` runs the schema engine as
// WebAssembly through a driver adapter, so the CLI never downloads a native engine.
// The provider, schema variant and adapter all follow DATABASE_URL (server/db/url.ts).
const target = resolveDatabaseTarget();

// The schema's `url = env("DATABASE_URL")` line must resolve even for the default SQLite file.
process.env.DATABASE_URL ??= target.url;

export default defineConfig({
  experimental: { adapter: true },
  schema: schemaPathFor(target.provider),
  engine: 'js',
  async adapter() {
    if (target.provider === 'postgresql') {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: target.url });
    }
    fs.mkdirSync(path.dirname(target.filePath), { recursive: true });
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: target.url });
  },
});
