import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedSchemas, PROVIDERS } from '@/scripts/prisma-schemas';

describe('prisma schema variants', () => {
  it('are regenerated from prisma/models.prisma (run npm run db:schemas)', () => {
    for (const [file, text] of Object.entries(expectedSchemas())) {
      expect(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file)).toBe(text);
    }
  });

  it('each has a committed migration folder with a lock for its provider', () => {
    for (const provider of PROVIDERS) {
      const dir = path.join('prisma', provider, 'migrations');
      expect(fs.readFileSync(path.join(dir, 'migration_lock.toml'), 'utf8')).toContain(`provider = "${provider}"`);
      const migrations = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory());
      expect(migrations.length).toBeGreaterThan(0);
    }
  });

  it('both variants have the same migration names, so neither provider misses a change', () => {
    const names = PROVIDERS.map((p) =>
      fs.readdirSync(path.join('prisma', p, 'migrations')).filter((d) => !d.endsWith('.toml')).sort(),
    );
    expect(names[0]).toEqual(names[1]);
  });
});
