// Lab-only helpers for tests: bring the lab up, run commands inside a host directly (to check
// or disturb its state without going through SSH), reach it over SSH with the lab key and a
// pinned host key, and break it on purpose (stop it, replace its host key, cut its link).
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ssh2';
import {
  CLIENT_KEY,
  SSH_PORT,
  hostNames,
  hostNumberFromName,
  isVmHostName,
  vmHostNames,
  vmHostNumberFromName,
  type HostMode,
  type HostNames,
  type VmHostNames,
} from './config';
import { run, waitFor, type RunOptions, type RunResult } from './exec';
import {
  createHost,
  daemonPid,
  destroyHost,
  installHostKey,
  restartSshd,
  runInHost,
  sshAnswers,
  stopHostProcesses,
} from './host';
import { createGuest, destroyGuest, rebootGuest, stopGuest } from './vm/guest';
import { guestCapabilities, guestHostKeyFingerprint, guestRunner } from './vm/status';
import { authorizeKeys, down, readState, up, upGuests, type UpOptions } from './lab';
import { hostKeyFingerprint } from './fingerprint';
import { hasCapability, kernelCapabilities, type CapabilityRef, type KernelCapabilities } from './capabilities';

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

export interface SshOptions {
  expectedFingerprint?: string;
  timeoutMs?: number;
  input?: string;
}

/** One SSH exec as root with the lab's client key, the host key pinned to `expectedFingerprint`. */
function sshToLabHost(host: { name: string; address: string; port: number }, command: string, opts: SshOptions & { expectedFingerprint: string }): Promise<SshResult> {
  const expected = opts.expectedFingerprint;
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
        reject(seen && seen !== expected ? new Error(`host key mismatch for ${host.name}: expected ${expected}, got ${seen}`) : err),
      )
      .connect({
        host: host.address,
        port: host.port,
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

/** Runs `install` with a brand-new ed25519 key pair (as if the host were reinstalled or impersonated). */
async function withImpostorKey(hostName: string, install: (keyPath: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sbl-hostkey-'));
  try {
    const key = path.join(dir, 'key');
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `impostor@${hostName}`, '-f', key]);
    await install(key);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A namespace lab host (hvN): this machine's kernel, its own namespaces, sshd and libvirtd. */
export class LabHost {
  readonly kind = 'namespace' as const;
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
  async ssh(command: string, opts: SshOptions = {}): Promise<SshResult> {
    return sshToLabHost(this, command, { ...opts, expectedFingerprint: opts.expectedFingerprint ?? (await this.hostKeyFingerprint()) });
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
    await withImpostorKey(this.name, (key) => installHostKey(this.names, key));
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

/**
 * A real-kernel lab host (kvN): a QEMU guest booting Debian's kernel. The same handle as a
 * namespace host, with `exec` through the guest's own agent (works with its network cut) and
 * `reboot` a real reboot.
 */
export class VmLabHost {
  readonly kind = 'vm' as const;
  readonly names: VmHostNames;

  constructor(readonly name: string) {
    this.names = vmHostNames(vmHostNumberFromName(name));
  }

  get address(): string {
    return this.names.address;
  }

  get port(): number {
    return SSH_PORT;
  }

  /** Runs argv inside the guest through its agent (no SSH, no network). Throws on a non-zero exit. */
  exec(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return guestRunner(this.names)(argv, opts);
  }

  hostKeyFingerprint(): Promise<string> {
    return guestHostKeyFingerprint(this.names);
  }

  async ssh(command: string, opts: SshOptions = {}): Promise<SshResult> {
    return sshToLabHost(this, command, { ...opts, expectedFingerprint: opts.expectedFingerprint ?? (await this.hostKeyFingerprint()) });
  }

  /** What this guest's kernel can create. */
  capabilities(): Promise<KernelCapabilities> {
    return guestCapabilities(this.names);
  }

  /** Power off (QEMU stops). */
  async stop(): Promise<void> {
    await stopGuest(this.names);
  }

  /** Starts the guest again from its seeded snapshot (like hv's start: runtime changes are gone). */
  async start(): Promise<void> {
    await destroyGuest(this.names);
    await createGuest(this.names, (m) => console.log(`lab: ${m}`));
  }

  /** A real guest reboot; resolves once SSH answers and the seed has run. Returns the seconds taken. */
  reboot(): Promise<number> {
    return rebootGuest(this.names, (m) => console.log(`lab: ${m}`));
  }

  /** A new host key for the guest's sshd (as if reinstalled); returns its fingerprint. */
  async replaceHostKey(): Promise<string> {
    await withImpostorKey(this.name, async (key) => this.installHostKey(await readFile(key, 'utf8'), await readFile(`${key}.pub`, 'utf8')));
    return this.hostKeyFingerprint();
  }

  /** Puts the lab's persistent key back (the one the guest boots with). */
  async restoreHostKey(): Promise<string> {
    const key = path.join(this.names.hostKeyDir, 'ssh_host_ed25519_key');
    await this.installHostKey(await readFile(key, 'utf8'), await readFile(`${key}.pub`, 'utf8'));
    return this.hostKeyFingerprint();
  }

  private async installHostKey(privateKey: string, publicKey: string): Promise<void> {
    const write = 'umask 077 && cat > "$1.tmp" && mv "$1.tmp" "$1"';
    await this.exec(['sh', '-c', write, 'sh', '/run/sbl/ssh_host_ed25519_key'], { input: privateKey });
    await this.exec(['sh', '-c', write, 'sh', '/run/sbl/ssh_host_ed25519_key.pub'], { input: publicKey });
    await this.exec(['systemctl', 'restart', 'sbl-sshd.service']);
    await waitFor(`sshd of ${this.name} to answer`, () => sshAnswers(this.address, SSH_PORT, 1000), 30_000);
  }

  /** Cuts the management link (the guest's eth0 tap goes down): unreachable over the network. */
  async cutLink(): Promise<void> {
    await run(['ip', 'link', 'set', 'dev', this.names.taps[0]!, 'down']);
  }

  async restoreLink(): Promise<void> {
    await run(['ip', 'link', 'set', 'dev', this.names.taps[0]!, 'up']);
  }
}

export type AnyLabHost = LabHost | VmLabHost;

export function labHost(name: `kv${string}`): VmLabHost;
export function labHost(name: string): LabHost;
export function labHost(name: string): AnyLabHost {
  return isVmHostName(name) ? new VmLabHost(name) : new LabHost(name);
}

/**
 * Brings up the real-kernel guests kv1..kvM and leaves the namespace hosts alone: the
 * real-kernel tests run beside the namespace-host tests (scripts/test-int.sh).
 */
export async function ensureVmLab(opts: { vmHosts: number }): Promise<VmLabHost[]> {
  await upGuests(opts.vmHosts, (m) => console.log(`lab: ${m}`));
  return Array.from({ length: opts.vmHosts }, (_, i) => new VmLabHost(`kv${i + 1}`));
}

/**
 * For tests of a kernel feature: resolves to whether the kernel of `host` (default: this
 * machine's, which namespace hosts share) has it, and prints the skip and its
 * reason when not, so a missing feature is reported, never passed silently. Use with
 * `it.skipIf(!(await kernelHas(...)))` or `ctx.skip()`.
 */
export async function kernelHas(ref: CapabilityRef, testName: string, host?: AnyLabHost): Promise<boolean> {
  const caps = host?.kind === 'vm' ? await host.capabilities() : await kernelCapabilities();
  const r = hasCapability(caps, ref);
  if (!r.ok) console.warn(`SKIPPED ${testName}: ${r.reason}`);
  return r.ok;
}

