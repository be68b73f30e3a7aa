// The SSH pool against a real lab host (OpenSSH in a network namespace, lab/).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, labClientKeyPath, type LabHost } from '@/lab/testing';
import { LAB_OPERATOR } from '@/lab/config';
import { appErrorOf } from '@/server/testing/errors';
import { SshPool, type SshHost } from './pool';
import { scanHostKey } from './scan';

let lab: LabHost;
let target: SshHost;
const pools: SshPool[] = [];

function newPool(opts: Partial<ConstructorParameters<typeof SshPool>[0]> = {}): SshPool {
  const pool = new SshPool({ privateKey: async () => readFileSync(labClientKeyPath), ...opts });
  pools.push(pool);
  return pool;
}


beforeAll(async () => {
  [lab] = (await ensureLab({ hosts: 1 })) as [LabHost];
  target = {
    id: 'hv1',
    name: 'hv1',
    address: lab.address,
    port: 22,
    username: 'root',
    hostKeyFingerprint: await lab.hostKeyFingerprint(),
    sudo: false,
  };
});

afterEach(() => {
  for (const p of pools.splice(0)) p.closeAll();
});

afterAll(async () => {
  await lab.restoreLink();
});

/** Established SSH connections the host's sshd has from the panel side. */
async function establishedSshSessions(): Promise<number> {
  const r = await lab.exec(['ss', '-Htn', 'state', 'established', '( sport = :22 )']);
  return r.stdout.trim() ? r.stdout.trim().split('\n').length : 0;
}

describe('SshPool on a lab host', () => {
  it('runs argv with every argument delivered intact, and reports output and exit code', async () => {
    const pool = newPool();
    const hostile = `a b;c$(touch /tmp/sbl-pool-${randomUUID()})'"\n#`;
    const r = await pool.exec(target, ['printf', '%s|', hostile, 'hv1']);
    expect(r).toMatchObject({ stdout: `${hostile}|hv1|`, stderr: '', exitCode: 0 });
    expect((await pool.exec(target, ['hostname'])).stdout).toBe('hv1\n');
    expect((await pool.exec(target, ['cat'], { stdin: 'from stdin\n' })).stdout).toBe('from stdin\n');
  });

  it('keeps characters whole that SSH packets split, in the output and while streaming', async () => {
    // 100,000 three-byte characters, written 1,000 bytes at a time: the writes, and the packets
    // sshd makes of them, end inside characters, which per-packet decoding turned into U+FFFD.
    const script = "yes € | tr -d '\\n' | head -c 300000 | dd bs=1000 2>/dev/null";
    const expected = '€'.repeat(100_000);
    const pool = newPool();
    const r = await pool.exec(target, ['sh', '-c', script], { timeoutMs: 60_000 });
    expect(r.stdout.length).toBe(expected.length);
    expect(r.stdout).toBe(expected);
    let streamed = '';
    const done = new AbortController();
    const exit = await pool.stream(target, ['sh', '-c', script], { onStdout: (chunk) => (streamed += chunk), signal: done.signal });
    expect(exit).toBe(0);
    expect(streamed).toBe(expected);
    // A stream that ends inside a character still delivers what it had: the cut character as
    // U+FFFD, as exec gives it.
    let cut = '';
    expect(await pool.stream(target, ['printf', 'ab\\342\\202'], { onStdout: (chunk) => (cut += chunk), signal: done.signal })).toBe(0);
    expect(cut).toBe((await pool.exec(target, ['printf', 'ab\\342\\202'])).stdout);
    expect(cut).toBe('ab\uFFFD');
  }, 90_000);

  it('uses one connection for many concurrent commands', async () => {
    const pool = newPool();
    // Other test files' pools may still hold idle connections to this host: count the delta.
    const before = await establishedSshSessions();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.exec(target, ['echo', String(i)])));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(pool.size).toBe(1);
    expect(await establishedSshSessions()).toBe(before + 1);
  });

  it('bounds concurrent channels per host', async () => {
    const pool = newPool({ maxChannelsPerHost: 2 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => pool.exec(target, ['sleep', '0.3'])));
    // 6 commands, 2 at a time: at least 3 rounds of 0.3 s. Unbounded they would take ~0.3 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
  });

  it('refuses a host whose key differs from the pinned one, before running anything', async () => {
    const seen: string[] = [];
    const pool = newPool({ onHostKeyMismatch: (_h, presented) => seen.push(presented) });
    const marker = `/tmp/sbl-pool-marker-${randomUUID()}`;
    const wrongPin = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const err = await appErrorOf(pool.exec({ ...target, hostKeyFingerprint: wrongPin }, ['touch', marker]));
    expect(err.code).toBe('HOST_KEY_MISMATCH');
    expect(err.userMessage).toContain(`expected ${wrongPin}, got ${target.hostKeyFingerprint}`);
    expect(seen).toEqual([target.hostKeyFingerprint]);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a host whose key was replaced after pinning', async () => {
    const pool = newPool();
    try {
      const impostor = await lab.replaceHostKey();
      const err = await appErrorOf(pool.exec(target, ['true']));
      expect(err.code).toBe('HOST_KEY_MISMATCH');
      expect(err.userMessage).toContain(`got ${impostor}`);
    } finally {
      await lab.restoreHostKey();
    }
    expect((await pool.exec(target, ['true'])).exitCode).toBe(0);
  });

  it('reports a key the host does not accept as an authentication failure', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sbl-key-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', `${dir}/k`]);
      const pool = newPool({ privateKey: () => readFile(`${dir}/k`) });
      const err = await appErrorOf(pool.exec(target, ['true']));
      expect(err.code).toBe('SSH_AUTH_FAILED');
      expect(err.userMessage).toMatch(/refused the panel's SSH key for user root/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a closed port and a cut link as unreachable', async () => {
    const pool = newPool({ connectTimeoutMs: 1500 });
    const refused = await appErrorOf(pool.exec({ ...target, id: 'closed', port: 2222 }, ['true']));
    expect(refused.code).toBe('HOST_UNREACHABLE');
    expect(refused.userMessage).toContain('ECONNREFUSED');
    await lab.cutLink();
    try {
      const cut = await appErrorOf(pool.exec(target, ['true']));
      expect(cut.code).toBe('HOST_UNREACHABLE');
      expect(cut.userMessage).toMatch(/did not answer SSH within 2 s/);
    } finally {
      await lab.restoreLink();
    }
    // Back again, through a pool with the default handshake time: the lab's emulated guest may
    // keep both cores busy, and a 1.5 s handshake is only the bar for the cut link above.
    expect((await newPool().exec(target, ['true'])).exitCode).toBe(0);
  });

  it('turns a failing command into REMOTE_COMMAND_FAILED with exit code and stderr', async () => {
    const pool = newPool();
    const err = await appErrorOf(pool.exec(target, ['sh', '-c', 'echo out; echo "no such device" >&2; exit 3']));
    expect(err.code).toBe('REMOTE_COMMAND_FAILED');
    expect(err.userMessage).toBe('sh on hv1 (198.18.0.11:22) failed with exit code 3: no such device');
    const r = await pool.exec(target, ['sh', '-c', 'exit 4'], { allowFailure: true });
    expect(r.exitCode).toBe(4);
  });

  it('times out a slow command and keeps the connection usable', async () => {
    const pool = newPool();
    const err = await appErrorOf(pool.exec(target, ['sleep', '5'], { timeoutMs: 500 }));
    expect(err.code).toBe('SSH_TIMEOUT');
    expect(err.userMessage).toMatch(/sleep on hv1 .* did not finish within 1 s/);
    expect((await pool.exec(target, ['echo', 'still here'])).stdout).toBe('still here\n');
    expect(pool.size).toBe(1);
  });

  it('reconnects after the host drops the connection', async () => {
    const pool = newPool();
    await pool.exec(target, ['true']);
    // Kill the per-connection sshd processes on the host (not the listener).
    await lab.exec(['pkill', '-f', '^sshd: root']);
    await new Promise((r) => setTimeout(r, 200));
    expect((await pool.exec(target, ['hostname'])).stdout).toBe('hv1\n');
  });

  it('runs commands as root through sudo -n for a non-root user, and says so when sudo refuses', async () => {
    const pool = newPool();
    const operator = { ...target, id: 'hv1-operator', username: LAB_OPERATOR };
    expect((await pool.exec(operator, ['sh', '-c', 'id -un'])).stdout).toBe(`${LAB_OPERATOR}\n`);
    const viaSudo = { ...operator, id: 'hv1-sudo', sudo: true };
    expect((await pool.exec(viaSudo, ['sh', '-c', 'id -u'])).stdout).toBe('0\n');
    expect((await pool.exec(viaSudo, ['ip', '-br', 'link', 'show', 'br0'])).stdout).toMatch(/^br0\s/);
    // `id` is not among the commands the host's sudoers allows: -n fails at once, no prompt.
    const refused = await appErrorOf(pool.exec(viaSudo, ['id', '-u'], { timeoutMs: 5000 }));
    expect(refused.code).toBe('REMOTE_COMMAND_FAILED');
    expect(refused.userMessage).toMatch(/^id on hv1 .* failed with exit code 1: sudo: a password is required/);
  });

  it('streams stdout while a command runs', async () => {
    const pool = newPool();
    const chunks: string[] = [];
    await pool.exec(target, ['sh', '-c', 'echo one; sleep 0.2; echo two'], { onStdout: (c) => chunks.push(c) });
    expect(chunks.join('')).toBe('one\ntwo\n');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
  });
});

describe('scanHostKey', () => {
  it('returns the fingerprint sshd presents, without authenticating', async () => {
    expect(await scanHostKey(lab.address, 22)).toEqual({ fingerprint: await lab.hostKeyFingerprint(), keyType: 'ssh-ed25519' });
    // Nothing authenticated: the host's log shows no accepted key for the scan.
    const log = await readFile(`${lab.names.dir}/ssh/sshd.log`, 'utf8');
    expect(log).not.toMatch(/Accepted publickey for switchboard-key-scan/);
  });

  it('reports a closed port clearly', async () => {
    const err = await appErrorOf(scanHostKey(lab.address, 2222, 2000));
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err.userMessage).toBe(`Could not reach SSH on ${lab.address}:2222 (ECONNREFUSED): check the address, the port and that sshd runs.`);
  });
});
