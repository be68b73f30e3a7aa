// Lab-only helpers for tests: bring the lab up, run commands inside a host directly (to check
// or disturb its state without going through SSH), reach it over SSH with the lab key and a
// pinned host key, and break it on purpose (stop it, replace its host key, cut its link).
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import { CLIENT_KEY, SSH_PORT, hostNames, hostNumberFromName, type HostMode, type HostNames } from './config';
import { run, waitFor, type RunOptions, type RunResult } from './exec';
import {
  createHost,
  daemonPid,
  destroyHost,
  installHostKey,
  restartSshd,
  runInHost,
  stopHostProcesses,
} from './host';
import { authorizeKeys, down, readState, up, type UpOptions } from './lab';
import { hostKeyFingerprint } from './fingerprint';
import { hasCapability, kernelCapabilities, type CapabilityRef } from './capabilities';

export { down as labDown, up as labUp, readState as labState };

/** Brings the lab to exactly hv1..hvN (keeps healthy hosts; see `up`). */
export async function ensureLab(opts: Omit<UpOptions, 'log'>) {
  await up({ ...opts, log: (m) => console.log(`lab: ${m}`) });
  return Array.from({ length: opts.hosts }, (_, i) => labHost(`hv${i + 1}`));
}

export const labClientKeyPath = CLIENT_KEY;

/** Authorizes a public key line (e.g. the panel's) for root on every lab host, now and later. */
export async function authorizeLabKey(publicKeyLine: string): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sbl-authorize-'));
  try {
    await writeFile(path.join(dir, 'key.pub'), `${publicKeyLine.trim()}\n`);
    await authorizeKeys([path.join(dir, 'key.pub')], () => {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SshResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export class LabHost {
  readonly names: HostNames;

  constructor(readonly name: string) {
    this.names = hostNames(hostNumberFromName(name));
  }

  get address(): string {
    return this.names.address;
  }

  get port(): number {
    return SSH_PORT;
  }

  async mode(): Promise<HostMode> {
    const s = (await readState()).hosts[this.name];
    if (!s) throw new Error(`${this.name} is not part of the lab (run \`npm run lab -- up\`)`);
    return s.mode;
  }

  /** Runs argv inside the host's namespaces, directly (no SSH). Throws on a non-zero exit. */
  exec(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return runInHost(this.names, argv, opts);
  }

  /** The SHA256 fingerprint of the host key sshd presents now. */
  async hostKeyFingerprint(): Promise<string> {
    return hostKeyFingerprint(await readFile(`${this.names.dir}/ssh/ssh_host_ed25519_key.pub`, 'utf8'));
  }

  /**
   * Runs a command over SSH as root with the lab key. The host key is pinned: the connection is
   * refused unless the server's key has `expectedFingerprint` (default: the host's current key).
   */
  async ssh(command: string, opts: { expectedFingerprint?: string; timeoutMs?: number; input?: string } = {}): Promise<SshResult> {
    const expected = opts.expectedFingerprint ?? (await this.hostKeyFingerprint());
    return new Promise((resolve, reject) => {
      const conn = new Client();
      let seen = '';
      conn
        .on('ready', () => {
          conn.exec(command, (err, stream) => {
            if (err) {
              conn.end();
              return reject(err);
            }
            let stdout = '';
            let stderr = '';
            stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
            stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
            stream.on('close', (code: number | null) => {
              conn.end();
              resolve({ stdout, stderr, code });
            });
            if (opts.input !== undefined) stream.end(opts.input);
          });
        })
        .on('error', (err) =>
          reject(seen && seen !== expected ? new Error(`host key mismatch for ${this.name}: expected ${expected}, got ${seen}`) : err),
        )
        .connect({
          host: this.address,
          port: this.port,
          username: 'root',
          privateKey: readFileSync(CLIENT_KEY),
          readyTimeout: opts.timeoutMs ?? 10_000,
          hostVerifier: (key: Buffer) => {
            seen = hostKeyFingerprint(`ssh-ed25519 ${key.toString('base64')}`);
            return seen === expected;
          },
        });
    });
  }

  /** Power off: stops every process of the host (sshd, libvirt, VMs). Interfaces stay. */
  async stop(): Promise<void> {
    await stopHostProcesses(this.names);
  }

  /** Boots the host again from its seed (like a reboot: runtime changes are gone). */
  async start(): Promise<void> {
    const mode = await this.mode();
    await destroyHost(this.names);
    await waitFor(`${this.name}'s old veths to go`, async () => {
      const r = await run(['ip', 'link', 'show', this.names.mgmtPeer], { allowFailure: true });
      return r.code !== 0;
    });
    await createHost(this.names, mode);
  }

  async sshdPid(): Promise<number | null> {
    return daemonPid(this.names, 'sshd');
  }

  async killSshd(): Promise<void> {
    const pid = await this.sshdPid();
    if (pid) process.kill(pid, 'SIGKILL');
  }

  /**
   * Gives sshd a brand-new host key (as if the host were reinstalled or impersonated) and
   * returns its fingerprint. `restoreHostKey` puts the lab's persistent key back.
   */
  async replaceHostKey(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sbl-hostkey-'));
    try {
      const key = path.join(dir, 'key');
      await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `impostor@${this.name}`, '-f', key]);
      await installHostKey(this.names, key);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await restartSshd(this.names);
    return this.hostKeyFingerprint();
  }

  async restoreHostKey(): Promise<string> {
    await installHostKey(this.names, path.join(this.names.hostKeyDir, 'ssh_host_ed25519_key'));
    await restartSshd(this.names);
    return this.hostKeyFingerprint();
  }

  /** Cuts the management link (the root side of eth0 goes down): the host becomes unreachable. */
  async cutLink(): Promise<void> {
    await run(['ip', 'link', 'set', 'dev', this.names.mgmtPeer, 'down']);
  }

  async restoreLink(): Promise<void> {
    await run(['ip', 'link', 'set', 'dev', this.names.mgmtPeer, 'up']);
  }
}

export function labHost(name: string): LabHost {
  return new LabHost(name);
}

/**
 * For tests of a kernel feature: resolves to whether it exists, and prints the skip and its
 * reason when not, so a missing feature is reported, never passed silently. Use with
 * `it.skipIf(!(await kernelHas(...)))` or `ctx.skip()`.
 */
export async function kernelHas(ref: CapabilityRef, testName: string): Promise<boolean> {
  const r = hasCapability(await kernelCapabilities(), ref);
  if (!r.ok) console.warn(`SKIPPED ${testName}: ${r.reason}`);
  return r.ok;
}

