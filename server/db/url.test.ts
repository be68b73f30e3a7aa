import { describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '@/server/db/url';

describe('resolveDatabaseTarget', () => {
  it('defaults to ./data/switchboard.db', () => {
    expect(resolveDatabaseTarget({}, '/srv/sb')).toEqual({
      provider: 'sqlite',
      url: 'file:/srv/sb/data/switchboard.db',
      filePath: '/srv/sb/data/switchboard.db',
    });
  });
  it('uses PostgreSQL for postgresql:// and postgres:// URLs', () => {
    expect(resolveDatabaseTarget({ DATABASE_URL: 'postgresql://u@h/db' }).provider).toBe('postgresql');
    expect(resolveDatabaseTarget({ DATABASE_URL: 'postgres://u@h/db' }).provider).toBe('postgresql');
  });
  it('resolves file: URLs against the working directory', () => {
    expect(resolveDatabaseTarget({ DATABASE_URL: 'file:./x.db' }, '/a')).toMatchObject({ filePath: '/a/x.db' });
  });
  it('refuses anything else with a message that says what to set', () => {
    expect(() => resolveDatabaseTarget({ DATABASE_URL: 'mysql://x' })).toThrow(/postgresql:\/\//);
  });
});
