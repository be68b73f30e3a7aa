// One lab host: a network namespace, private mount and UTS namespaces, sshd, and (for full
// hosts) virtlogd, libvirtd and the seeded libvirt networks and VMs.
import { mkdir, readFile, rm, writeFile, copyFile, chmod } from 'node:fs/promises';
import { fileExists, isMountPoint } from './fs';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  CLIENT_KEY,
  EXTRA_KEYS_FILE,
  LAB_OPERATOR,
  LAB_OPERATOR_SUDOERS,
  LIBVIRT_CACHE_DIR,
  PRIVATE_LIBVIRT_DIRS,
  SSH_PORT,
  type HostMode,
  type HostNames,
} from './config';
import { run, startDaemon, waitFor, sleep, type RunOptions } from './exec';
import {
  LIBVIRTD_CONF,
  QEMU_CONF,
  SEED_NETWORKS,
  SEED_VMS,
  domainFile,
  domainXml,
  hostInterfaceBatch,
  hostTcBatch,
  ifindexSpacingBatch,
  networkFile,
  networkXml,
  parseDomIfList,
  rootBatch,
  sshdConfig,
  tapTbfBatch,
  virshSeedScript,
} from './seed';

/** argv that runs a command inside the host's namespaces, without SSH. */
export function inHostArgv(h: HostNames, argv: readonly string[]): string[] {
  return ['nsenter', `--net=/run/netns/${h.netns}`, `--mount=${h.mntNs}`, `--uts=${h.utsNs}`, '--', ...argv];
}

export function runInHost(h: HostNames, argv: readonly string[], opts?: RunOptions) {
  return run(inHostArgv(h, argv), opts);
}

/** The accounts lab hosts let in with the lab's (and any authorized) keys. */
const LOGIN_USERS = ['root', LAB_OPERATOR] as const;

const pidFile = (h: HostNames, daemon: 'sshd' | 'libvirtd' | 'virtlogd') =>
  daemon === 'sshd' ? `${h.dir}/ssh/sshd.pid` : `${h.dir}/pids/${daemon}.pid`;

export async function readPid(file: string): Promise<number | null> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether the process exists and is not a zombie. PID 1 on these machines does not always reap
 * orphans promptly, so a killed daemon can linger as a zombie that kill(pid, 0) still reports.
 */
export function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function daemonPid(h: HostNames, daemon: 'sshd' | 'libvirtd' | 'virtlogd'): Promise<number | null> {
  const pid = await readPid(pidFile(h, daemon));
  return isAlive(pid) ? pid : null;
}

/** Connects to the host's sshd and reads its banner: "answers" means it speaks SSH. */
export function sshAnswers(address: string, port = SSH_PORT, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\n')) done(data.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(data.startsWith('SSH-2.0-')));
  });
}

// ---------------------------------------------------------------------------------------------
// creation

/**
 * Runs once inside fresh mount and UTS namespaces. Arguments: host name, host dir, cache dir.
 * sysfs is remounted so /sys/class/net shows this host's interfaces (libvirt reads it), and
 * the libvirt directories become the host's own. The host's own /etc/hosts names it: libvirt
 * resolves the hostname on every VM start, and an unresolvable one costs a 10 s DNS timeout.
 * Its own /etc/sudoers.d lets the lab operator account use sudo inside lab hosts only.
 * Its own /run/switchboard (a tmpfs) holds the apply runner's journals and lock.
 * Its own /usr/local/lib/switchboard holds the least-privilege helpers the panel installs.
 * Its own /etc/sysctl.d holds the boot settings the panel keeps (IP forwarding), and its own
 * (empty) /etc/network keeps the panel from ever writing this machine's ifupdown files, should
 * the machine run ifupdown. This machine's /root/.bashrc is not the host's: bash reads it for every
 * command sshd runs, and a developer's (pyenv, cargo) made each SSH exec ~0.4 s slower.
 */
const NAMESPACE_SETUP = `set -e
hostname "$1"
mount --bind "$2/hosts" /etc/hosts
mount -t sysfs sysfs /sys
for pair in ${PRIVATE_LIBVIRT_DIRS.map((d) => `${d.source}:${d.target}`).join(' ')}; do
  mount --bind "$2/\${pair%%:*}" "\${pair#*:}"
done
mount --bind "$3" /var/cache/libvirt
mount --bind "$2/sudoers.d" /etc/sudoers.d
mkdir -p /run/switchboard
mount -t tmpfs -o mode=0700,size=16m tmpfs /run/switchboard
mkdir -p "$2/helpers" /usr/local/lib/switchboard
mount --bind "$2/helpers" /usr/local/lib/switchboard
mkdir -p "$2/sysctl.d" /etc/sysctl.d
mount --bind "$2/sysctl.d" /etc/sysctl.d
mkdir -p "$2/network" /etc/network
mount --bind "$2/network" /etc/network
if [ -f /root/.bashrc ]; then : > "$2/root-bashrc"; mount --bind "$2/root-bashrc" /root/.bashrc; fi
`;

/**
 * Bumped whenever NAMESPACE_SETUP changes, so `up` rebuilds hosts set up the old way.
 * 2: each host has its own /run/switchboard (the apply runner's journals and lock), as each
 * real hypervisor has its own /run.
 * 3: and its own /usr/local/lib/switchboard (least-privilege helpers).
 * 4: and its own /etc/sysctl.d (IP forwarding kept for boot).
 * 5: and its own /etc/network (boot files, issue "Safe and durable changes").
 * 6: and an empty /root/.bashrc.
 */
const SETUP_VERSION = '6';

async function createNamespaces(h: HostNames): Promise<void> {
  await run(['ip', '-batch', '-'], { input: rootBatch(h) });
  for (const d of PRIVATE_LIBVIRT_DIRS) await mkdir(path.join(h.dir, d.source), { recursive: true });
  await mkdir(`${h.dir}/pids`, { recursive: true });
  await writeFile(`${h.dir}/hosts`, `127.0.0.1\tlocalhost\n127.0.1.1\t${h.name}\n${h.address}\t${h.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  await mkdir(`${h.dir}/sudoers.d`, { recursive: true, mode: 0o755 });
  await writeFile(`${h.dir}/sudoers.d/${LAB_OPERATOR}`, LAB_OPERATOR_SUDOERS, { mode: 0o440 });
  await writeFile(h.mntNs, '');
  await writeFile(h.utsNs, '');
  await run([
    'nsenter', `--net=/run/netns/${h.netns}`,
    'unshare', `--mount=${h.mntNs}`, `--uts=${h.utsNs}`, '--propagation', 'private',
    '--', 'sh', '-c', NAMESPACE_SETUP, 'sh', h.name, h.dir, LIBVIRT_CACHE_DIR,
  ]);
  await writeFile(`${h.dir}/setup-version`, SETUP_VERSION);
}

async function seedInterfaces(h: HostNames): Promise<void> {
  await run(['ip', '-n', h.netns, '-batch', '-'], { input: hostInterfaceBatch(h) });
  await run(['tc', '-n', h.netns, '-batch', '-'], { input: hostTcBatch() });
}

/** The host's SSH host key is kept across runs (lab/.state), so a pinned key stays valid. */
export async function ensurePersistentHostKey(h: { name: string; hostKeyDir: string }): Promise<string> {
  const key = path.join(h.hostKeyDir, 'ssh_host_ed25519_key');
  if (await fileExists(key)) return key;
  await mkdir(h.hostKeyDir, { recursive: true, mode: 0o700 });
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', key]);
  return key;
}

export async function installHostKey(h: HostNames, from: string): Promise<void> {
  const sshDir = `${h.dir}/ssh`;
  await copyFile(from, `${sshDir}/ssh_host_ed25519_key`);
  await chmod(`${sshDir}/ssh_host_ed25519_key`, 0o600);
  await copyFile(`${from}.pub`, `${sshDir}/ssh_host_ed25519_key.pub`);
}

export async function authorizedKeys(): Promise<string> {
  const own = await readFile(`${CLIENT_KEY}.pub`, 'utf8');
  let extra = '';
  try {
    extra = await readFile(EXTRA_KEYS_FILE, 'utf8');
  } catch {
    // none given
  }
  return `${own.trim()}\n${extra.trim()}\n`.replace(/\n+$/, '\n');
}

export async function writeAuthorizedKeys(h: HostNames): Promise<void> {
  // One file per account that may log in (sshd_config: authorized_keys.%u), so any other user
  // is refused as on a real host. Readable by all: sshd reads it as the logging-in user; public
  // keys are not secret, and sshd only insists that nobody else can write it.
  const keys = await authorizedKeys();
  for (const user of LOGIN_USERS) {
    const file = `${h.dir}/ssh/authorized_keys.${user}`;
    await writeFile(file, keys, { mode: 0o644 });
    await chmod(file, 0o644);
  }
}

export async function startSshd(h: HostNames): Promise<void> {
  const sshDir = `${h.dir}/ssh`;
  await mkdir(sshDir, { recursive: true, mode: 0o755 });
  await ensurePersistentHostKey(h);
  if (!(await fileExists(`${sshDir}/ssh_host_ed25519_key`))) {
    await installHostKey(h, path.join(h.hostKeyDir, 'ssh_host_ed25519_key'));
  }
  await writeAuthorizedKeys(h);
  await writeFile(`${sshDir}/sshd_config`, sshdConfig(h, SSH_PORT));
  await startDaemon(inHostArgv(h, ['/usr/sbin/sshd', '-f', `${sshDir}/sshd_config`, '-E', `${sshDir}/sshd.log`]));
  // sshd forks into the background before it binds its socket: wait until it speaks SSH.
  await waitFor(`sshd of ${h.name} to answer`, () => sshAnswers(h.address, SSH_PORT, 1000), 15_000);
}

/**
 * Restarts the listening sshd (sessions already open stay, as with a real restart). Not
 * SIGHUP: sshd re-executes itself asynchronously, so "it answers" could still be the old one.
 */
export async function restartSshd(h: HostNames): Promise<void> {
  const pid = await daemonPid(h, 'sshd');
  if (pid) await killAll([pid]);
  await startSshd(h);
}

async function startLibvirt(h: HostNames): Promise<void> {
  const etc = path.join(h.dir, 'etc-libvirt');
  await writeFile(path.join(etc, 'qemu.conf'), QEMU_CONF);
  await writeFile(path.join(etc, 'libvirtd.conf'), LIBVIRTD_CONF);
  await startDaemon(inHostArgv(h, ['virtlogd', '-d', '-p', pidFile(h, 'virtlogd')]));
  await startDaemon(inHostArgv(h, ['libvirtd', '-d', '-p', pidFile(h, 'libvirtd')]));
  const sock = path.join(h.dir, 'run-libvirt', 'libvirt-sock');
  await waitFor(`libvirtd of ${h.name} to listen`, () => fileExists(sock), 30_000);
}

export async function libvirtAnswers(h: HostNames): Promise<boolean> {
  if (!(await daemonPid(h, 'libvirtd'))) return false;
  const r = await runInHost(h, ['virsh', '-q', '-c', 'qemu:///system', 'uri'], { allowFailure: true, timeoutMs: 10_000 });
  return r.code === 0;
}

async function seedLibvirt(h: HostNames): Promise<void> {
  const seedDir = path.join(h.dir, 'seed');
  await mkdir(seedDir, { recursive: true });
  for (const n of SEED_NETWORKS) await writeFile(path.join(seedDir, networkFile(n)), networkXml(n, h.number));
  for (const [i, vm] of SEED_VMS.entries()) await writeFile(path.join(seedDir, domainFile(vm)), domainXml(vm, i, h.number));
  const spacing = ifindexSpacingBatch(h.number);
  if (spacing) await run(['ip', '-n', h.netns, '-batch', '-'], { input: spacing });
  await runInHost(h, ['virsh', '-q', '-c', 'qemu:///system', virshSeedScript(seedDir)], { timeoutMs: 120_000 });
  const ifaces = parseDomIfList((await runInHost(h, ['virsh', '-q', '-c', 'qemu:///system', 'domiflist', 'web1'])).stdout);
  const tap = ifaces[0]?.target;
  if (!tap) throw new Error(`${h.name}: web1 has no tap device after start`);
  await run(['tc', '-n', h.netns, '-batch', '-'], { input: tapTbfBatch(tap) });
}

export async function createHost(h: HostNames, mode: HostMode): Promise<void> {
  await mkdir(h.dir, { recursive: true });
  await createNamespaces(h);
  await seedInterfaces(h);
  await startSshd(h);
  if (mode === 'full') {
    await startLibvirt(h);
    await seedLibvirt(h);
  }
}

// ---------------------------------------------------------------------------------------------
// health and teardown

export async function netnsExists(h: HostNames): Promise<boolean> {
  return fileExists(`/run/netns/${h.netns}`);
}

/**
 * The host was made from this checkout's lab/.state: it presents our persistent host key and
 * authorizes our client key. Another checkout on the same machine (a CI clone, say) builds
 * hosts with its own keys; keeping those would pin keys this checkout cannot restore.
 */
async function madeByThisCheckout(h: HostNames): Promise<boolean> {
  try {
    const [running, persistent, authorized, own] = await Promise.all([
      readFile(`${h.dir}/ssh/ssh_host_ed25519_key.pub`, 'utf8'),
      readFile(path.join(h.hostKeyDir, 'ssh_host_ed25519_key.pub'), 'utf8'),
      readFile(`${h.dir}/ssh/authorized_keys.root`, 'utf8'),
      readFile(`${CLIENT_KEY}.pub`, 'utf8'),
    ]);
    return running.trim() === persistent.trim() && authorized.includes(own.trim());
  } catch {
    return false;
  }
}

/** Everything a healthy host of this mode runs; used by `up` to keep what already works. */
export async function isHealthy(h: HostNames, mode: HostMode): Promise<boolean> {
  if (!(await netnsExists(h)) || !(await isMountPoint(h.mntNs))) return false;
  if (!(await madeByThisCheckout(h))) return false;
  if ((await readFile(`${h.dir}/setup-version`, 'utf8').catch(() => '')) !== SETUP_VERSION) return false;
  if (!(await daemonPid(h, 'sshd')) || !(await sshAnswers(h.address))) return false;
  if (mode === 'full') {
    if (!(await daemonPid(h, 'virtlogd')) || !(await libvirtAnswers(h))) return false;
  }
  return true;
}

/** PIDs of every process whose network namespace is the host's (sshd, sessions, libvirt, VMs). */
export async function processesInNetns(netns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', netns], { allowFailure: true });
  return r.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0);
}

export async function killAll(pids: number[], graceMs = 2000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitFor('killed lab processes to exit', () => !pids.some(isAlive), 10_000);
}

/** Stops every process of the host: its sshd, libvirt daemons, dnsmasq and VMs. */
export async function stopHostProcesses(h: HostNames): Promise<void> {
  const recorded = await Promise.all((['sshd', 'libvirtd', 'virtlogd'] as const).map((d) => daemonPid(h, d)));
  const inNetns = (await netnsExists(h)) ? await processesInNetns(h.netns) : [];
  const pids = [...new Set([...recorded.filter((p): p is number => p !== null), ...inNetns])];
  if (pids.length) await killAll(pids);
}

/**
 * Removes the host completely. Order matters: the sysfs mounted inside the host's mount
 * namespace holds a reference to its network namespace, so the mount namespace goes first;
 * the namespace's interfaces (and their root-side veth peers) vanish with the namespace.
 */
export async function destroyHost(h: HostNames): Promise<void> {
  await stopHostProcesses(h);
  for (const f of [h.mntNs, h.utsNs]) {
    if (await isMountPoint(f)) await run(['umount', f]);
    await rm(f, { force: true });
  }
  if (await netnsExists(h)) await run(['ip', 'netns', 'del', h.netns]);
  await rm(h.dir, { recursive: true, force: true });
}
