import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELPER_MISMATCH_EXIT, helperCommand, helperRefusal, HELPERS, installBundle, sudoersRule } from './helpers';

describe('least-privilege helpers', () => {
  it('ship the probe, the runner and the journal reader at fixed paths, with their sha256', () => {
    expect(HELPERS.map((h) => h.path)).toEqual(['/usr/local/lib/switchboard/probe', '/usr/local/lib/switchboard/apply', '/usr/local/lib/switchboard/journal']);
    for (const h of HELPERS) {
      expect(h.content.startsWith('#!/bin/sh\n')).toBe(true);
      expect(h.sha256).toBe(createHash('sha256').update(h.content).digest('hex'));
    }
  });

  it('travel to the installer as data, and arrive byte for byte', () => {
    const bundle = installBundle();
    const files = [...bundle.matchAll(/^SBFILE (\S+) ([0-9a-f]{64})\n([\s\S]*?)\nSBEND$/gm)];
    expect(files.map((m) => m[1])).toEqual(['probe', 'apply', 'journal']);
    for (const [, name, hash, b64] of files) {
      const content = Buffer.from(b64!.replace(/\n/g, ''), 'base64');
      expect(createHash('sha256').update(content).digest('hex')).toBe(hash);
      expect(HELPERS.find((h) => h.name === name)!.sha256).toBe(hash);
    }
  });

  it('are run through a fixed gate: path, hash and arguments are parameters, never script text', () => {
    const argv = helperCommand('journal', ['abc123']);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.slice(3)).toEqual(['switchboard-gate', '/usr/local/lib/switchboard/journal', HELPERS[2]!.sha256, 'abc123']);
    expect(argv[2]).not.toContain('abc123');
    expect(sudoersRule('switchboard')).toBe('switchboard ALL=(root) NOPASSWD: /usr/local/lib/switchboard/probe, /usr/local/lib/switchboard/apply, /usr/local/lib/switchboard/journal\n');
  });

  it('the gate refuses a modified or missing copy without running it, and says which', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-gate-'));
    const file = path.join(dir, 'probe');
    writeFileSync(file, `#!/bin/sh\ntouch ${dir}/ran\n`);
    chmodSync(file, 0o755);
    const [, , gate] = helperCommand('probe');
    const run = (p: string) => spawnSync('sh', ['-c', gate!, 'switchboard-gate', p, HELPERS[0]!.sha256], { encoding: 'utf8' });
    const modified = run(file);
    expect(modified.status).toBe(HELPER_MISMATCH_EXIT);
    expect(modified.stderr).toMatch(new RegExp(`^SB helper-mismatch ${file} [0-9a-f]{64}`));
    expect(spawnSync('test', ['-e', `${dir}/ran`]).status).not.toBe(0);
    const missing = run(path.join(dir, 'nothing'));
    expect(missing.stderr).toMatch(/ missing$/m);
    const host = { id: 'h', name: 'hv9', address: 'x', port: 22, username: 'u', hostKeyFingerprint: 'f', sudo: false, helpers: true };
    expect(helperRefusal(host, { exitCode: modified.status!, stderr: modified.stderr })?.userMessage).toMatch(new RegExp(`^hv9: ${file} has sha256 [0-9a-f]{64}, not the copy this panel installs, so nothing was run\\.`));
    expect(helperRefusal(host, { exitCode: missing.status!, stderr: missing.stderr })?.userMessage).toMatch(/ is missing, not the copy/);
    expect(helperRefusal({ ...host, helpers: false }, { exitCode: 97, stderr: '' })).toBeNull();
  });
});
