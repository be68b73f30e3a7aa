import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMasterKey } from '@/server/crypto/master-key';

describe('master key', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-key-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a 0600 secret file on first use and reuses it', () => {
    const first = loadMasterKey({}, dir);
    const file = path.join(dir, 'data', 'secret.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.origin).toBe('file');
    expect(first.key).toHaveLength(32);
    expect(loadMasterKey({}, dir).key.equals(first.key)).toBe(true);
  });

  it('refuses a secret file that others can read', () => {
    loadMasterKey({}, dir);
    fs.chmodSync(path.join(dir, 'data', 'secret.key'), 0o644);
    expect(() => loadMasterKey({}, dir)).toThrow(/chmod 600/);
  });

  it('prefers SWITCHBOARD_SECRET and creates no file', () => {
    const secret = 'x'.repeat(40);
    const a = loadMasterKey({ SWITCHBOARD_SECRET: secret }, dir);
    expect(a.origin).toBe('environment');
    expect(fs.existsSync(path.join(dir, 'data', 'secret.key'))).toBe(false);
    expect(loadMasterKey({ SWITCHBOARD_SECRET: secret }, dir).key.equals(a.key)).toBe(true);
    expect(loadMasterKey({ SWITCHBOARD_SECRET: 'y'.repeat(40) }, dir).key.equals(a.key)).toBe(false);
  });

  it('refuses a short SWITCHBOARD_SECRET', () => {
    expect(() => loadMasterKey({ SWITCHBOARD_SECRET: 'short' }, dir)).toThrow(/at least 32/);
  });
});
