// The lab as a whole: `up`, `down` and `status`.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { fileExists, isMountPoint } from './fs';
import path from 'node:path';
import {
  CLIENT_KEY,
  EXTRA_KEYS_FILE,
  LAB_BRIDGE,
  LAB_BRIDGE_ADDRESS,
  LAB_PREFIX,
  MAX_HOSTS,
  MAX_SWITCHED_HOSTS,
  NS_DIR,
  PERSIST_DIR,
  RUN_DIR,
  SSH_PORT,
  STATE_FILE,
  WIDE_BRIDGE_ADDRESS,
  WIDE_PREFIX_LENGTH,
  hostNames,
  hostNumberFromName,
  type HostMode,
} from './config';
import { mapLimit, run, waitFor } from './exec';
import { labBridgeBatch } from './seed';
import {
  createHost,
  daemonPid,
  destroyHost,
  isHealthy,
    libvirtAnswers,
  runInHost,
  sshAnswers,
  writeAuthorizedKeys,
} from './host';
import { ensurePrerequisites } from './prerequisites';
import { withLabLock } from './lock';
import { createGuest, destroyGuest, isGuestHealthy, pushAuthorizedKeys, qemuPid, rebootGuest } from './vm/guest';
import { guestCapabilities, guestKernel, guestLinkCount, guestHostKeyFingerprint } from './vm/status';
import { MAX_VM_HOSTS, isVmHostName, vmHostNames, vmHostNumberFromName } from './config';
import { kernelCapabilities, type KernelCapabilities } from './capabilities';
import { hostKeyFingerprint } from './fingerprint';

const MAX_EXTRA_KEYS = 200;

export interface LabState {
  hosts: Record<string, { number: number; mode: HostMode }>;
  /** Real-kernel guests (kvN). */
  vmHosts: Record<string, { number: number }>;
}

export async function readState(): Promise<LabState> {
  try {
    const state = JSON.parse(await readFile(STATE_FILE, 'utf8')) as Partial<LabState>;
    return { hosts: state.hosts ?? {}, vmHosts: state.vmHosts ?? {} };
  } catch {
    return { hosts: {}, vmHosts: {} };
  }
}

async function writeState(state: LabState): Promise<void> {
  await mkdir(RUN_DIR, { recursive: true });
  await writeFile(STATE_FILE, JSON.stringify(state, null, 2));
}

export type Log = (msg: string) => void;

/** The key pair the test suite uses to reach lab hosts (git-ignored under lab/.state). */
async function ensureClientKey(): Promise<void> {
  if (await fileExists(CLIENT_KEY)) return;
  await mkdir(PERSIST_DIR, { recursive: true, mode: 0o700 });
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'switchboard-lab-tests', '-f', CLIENT_KEY]);
}

/** Adds public keys (e.g. the panel's own) to every host, now and on every later `up`. */
export function authorizeKeys(files: readonly string[], log: Log): Promise<void> {
  return withLabLock(() => authorizeKeysLocked(files, log));
}

async function authorizeKeysLocked(files: readonly string[], log: Log): Promise<void> {
  if (!files.length) return;
  let extra = '';
  try {
    extra = await readFile(EXTRA_KEYS_FILE, 'utf8');
  } catch {
    // first one
  }
  const lines = new Set(extra.split('\n').filter(Boolean));
  for (const f of files) {
    for (const line of (await readFile(f, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean)) {
      if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/.test(line)) {
        throw new Error(`${f}: not an OpenSSH public key line: ${JSON.stringify(line.slice(0, 60))}`);
      }
      lines.add(line);
    }
  }
  await mkdir(PERSIST_DIR, { recursive: true, mode: 0o700 });
  // Tests authorize a fresh panel key per test database; keep the newest ones only, or sshd
  // would try thousands of keys per login after a few runs.
  const kept = [...lines].slice(-MAX_EXTRA_KEYS);
  await writeFile(EXTRA_KEYS_FILE, kept.join('\n') + '\n', { mode: 0o600 });
  const state = await readState();
  for (const name of Object.keys(state.hosts)) {
    const h = hostNames(hostNumberFromName(name));
    if (await fileExists(`${h.dir}/ssh`)) await writeAuthorizedKeys(h);
  }
  for (const name of Object.keys(state.vmHosts)) {
    const g = vmHostNames(vmHostNumberFromName(name));
    // A guest that does not answer is rebuilt by the next `up`, which gives it the keys then.
    if (await qemuPid(g)) await pushAuthorizedKeys(g).catch((err: unknown) => log(`${name}: keys not pushed now (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`));
  }
  log(`authorized ${files.length} key file(s) on ${Object.keys(state.hosts).length + Object.keys(state.vmHosts).length} host(s)`);
}

async function linkNames(): Promise<string[]> {
  const r = await run(['ip', '-j', 'link', 'show']);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

async function ensureLabBridges(): Promise<void> {
  const names = new Set(await linkNames());
  if (!names.has(LAB_BRIDGE)) return void (await run(['ip', '-batch', '-'], { input: labBridgeBatch() }));
  // A bridge made before hosts above hv200 existed lacks their subnet.
  await run(['ip', 'address', 'replace', `${WIDE_BRIDGE_ADDRESS}/${WIDE_PREFIX_LENGTH}`, 'dev', LAB_BRIDGE]);
}

async function labNetnsNames(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], { allowFailure: true });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${LAB_PREFIX}-hv`));
}

/** Host names the lab knows of: the state file plus any leftover namespace or handle. */
async function knownHostNames(): Promise<string[]> {
  const names = new Set(Object.keys((await readState()).hosts));
  for (const ns of await labNetnsNames()) names.add(ns.slice(LAB_PREFIX.length + 1));
  try {
    for (const f of await readdir(NS_DIR)) names.add(f.replace(/\.(mnt|uts)$/, ''));
  } catch {
    // no namespace directory yet
  }
  try {
    for (const d of await readdir(`${RUN_DIR}/hosts`)) names.add(d);
  } catch {
    // no hosts directory yet
  }
  return [...names].filter((n) => /^hv[1-9][0-9]*$/.test(n)).sort((a, b) => hostNumberFromName(a) - hostNumberFromName(b));
}

export interface UpOptions {
  hosts: number;
  /**
   * Real-kernel guests kv1..kvM to have as well. Undefined leaves the guests as they are (test
   * files that need only namespace hosts do not tear down a guest another file booted).
   */
  vmHosts?: number;
  light?: boolean;
  authorizeKeys?: string[];
  concurrency?: number;
  log?: Log;
}

export interface UpResult {
  created: string[];
  kept: string[];
  removed: string[];
  seconds: number;
  /** How each created guest started: from its snapshot, or a cold boot (which saved one). */
  vmStarts?: Record<string, { how: 'snapshot' | 'cold'; seconds: number }>;
}

/**
 * Makes the lab exactly hv1..hvN of the given mode. Healthy hosts of the right mode are kept
 * (so `up` twice duplicates nothing); broken ones, leftovers of a killed lab and hosts beyond N
 * are torn down first.
 */
function checkVmHostCount(vmHosts: number): void {
  if (!Number.isInteger(vmHosts) || vmHosts < 0 || vmHosts > MAX_VM_HOSTS) {
    throw new Error(`--vm-hosts must be an integer from 0 to ${MAX_VM_HOSTS}, got ${vmHosts}`);
  }
}

export function up(opts: UpOptions): Promise<UpResult> {
  return withLabLock(() => upLocked(opts));
}

async function upLocked(opts: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const mode: HostMode = opts.light ? 'light' : 'full';
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > MAX_HOSTS) {
    throw new Error(`--hosts must be an integer from 1 to ${MAX_HOSTS}, got ${opts.hosts}`);
  }
  if (mode === 'full' && opts.hosts > MAX_SWITCHED_HOSTS) {
    throw new Error(`hosts above hv${MAX_SWITCHED_HOSTS} are light only (no libvirt): add --light for ${opts.hosts} hosts`);
  }
  if (opts.vmHosts !== undefined) checkVmHostCount(opts.vmHosts);
  await ensurePrerequisites(new Set([mode]), log, { vm: (opts.vmHosts ?? 0) > 0 });
  await ensureClientKey();
  if (opts.authorizeKeys?.length) await authorizeKeys(opts.authorizeKeys, log);

  const state = await readState();
  const wanted = Array.from({ length: opts.hosts }, (_, i) => hostNames(i + 1));
  const wantedNames = new Set(wanted.map((h) => h.name));

  const removed: string[] = [];
  for (const name of await knownHostNames()) {
    if (!wantedNames.has(name)) {
      await destroyHost(hostNames(hostNumberFromName(name)));
      delete state.hosts[name];
      removed.push(name);
    }
  }
  await ensureLabBridges();

  const kept: string[] = [];
  const toCreate: typeof wanted = [];
  for (const h of wanted) {
    if (state.hosts[h.name]?.mode === mode && (await isHealthy(h, mode))) {
      kept.push(h.name);
    } else {
      await destroyHost(h);
      delete state.hosts[h.name];
      toCreate.push(h);
    }
  }
  await writeState(state);
  await waitForRootLinksGone(toCreate.flatMap((h) => [h.mgmtPeer, ...h.dataPeers]));
  if (toCreate.length) log(`creating ${toCreate.length} ${mode} host(s), keeping ${kept.length}`);

  const record = async (h: (typeof wanted)[number]) => {
    await createHost(h, mode);
    state.hosts[h.name] = { number: h.number, mode };
    await writeState(state);
    log(`${h.name} up at ${h.address}`);
  };
  // The first full host probes QEMU's capabilities into the shared cache; the others reuse it
  // instead of each spending seconds probing at once.
  let rest = toCreate;
  if (mode === 'full' && toCreate.length > 1 && !(await cacheIsWarm())) {
    await record(toCreate[0]!);
    rest = toCreate.slice(1);
  }
  await mapLimit(rest, opts.concurrency ?? (mode === 'full' ? 4 : 8), record);
  const created = toCreate.map((h) => h.name);
  const vmStarts = opts.vmHosts === undefined ? undefined : await upVmHosts(opts.vmHosts, state, { created, kept, removed }, log);
  return {
    created,
    kept,
    removed,
    seconds: (Date.now() - started) / 1000,
    ...(vmStarts ? { vmStarts } : {}),
  };
}

/**
 * Makes the real-kernel guests exactly kv1..kvM and leaves the namespace hosts as they are: the
 * real-kernel tests run beside the namespace-host tests, whose hosts they must not rebuild.
 */
export function upGuests(vmHosts: number, log: Log = () => {}): Promise<UpResult> {
  return withLabLock(async () => {
    const started = Date.now();
    checkVmHostCount(vmHosts);
    await ensurePrerequisites(new Set(), log, { vm: vmHosts > 0 });
    await ensureClientKey();
    await ensureLabBridges();
    const result = { created: [] as string[], kept: [] as string[], removed: [] as string[] };
    const vmStarts = await upVmHosts(vmHosts, await readState(), result, log);
    return { ...result, seconds: (Date.now() - started) / 1000, vmStarts };
  });
}

/** Guest names the lab knows of: the state file plus leftover runtime directories. */
async function knownVmHostNames(): Promise<string[]> {
  const names = new Set(Object.keys((await readState()).vmHosts));
  for (const d of await readdir(`${RUN_DIR}/hosts`).catch(() => [] as string[])) if (isVmHostName(d)) names.add(d);
  return [...names].filter((n) => /^kv[1-9]$/.test(n)).sort();
}

/**
 * Makes the guests exactly kv1..kvM. They start one at a time: a cold boot is CPU-bound
 * software emulation, and two at once on two cores take longer than one after the other.
 */
async function upVmHosts(
  count: number,
  state: LabState,
  result: { created: string[]; kept: string[]; removed: string[] },
  log: Log,
): Promise<Record<string, { how: 'snapshot' | 'cold'; seconds: number }>> {
  const wanted = Array.from({ length: count }, (_, i) => vmHostNames(i + 1));
  const wantedNames = new Set(wanted.map((g) => g.name));
  for (const name of await knownVmHostNames()) {
    if (!wantedNames.has(name)) {
      await destroyGuest(vmHostNames(vmHostNumberFromName(name)));
      delete state.vmHosts[name];
      result.removed.push(name);
    }
  }
  await writeState(state);
  const starts: Record<string, { how: 'snapshot' | 'cold'; seconds: number }> = {};
  for (const g of wanted) {
    if (state.vmHosts[g.name] && (await isGuestHealthy(g))) {
      result.kept.push(g.name);
      continue;
    }
    await destroyGuest(g);
    starts[g.name] = await createGuest(g, log);
    state.vmHosts[g.name] = { number: g.number };
    await writeState(state);
    result.created.push(g.name);
    log(`${g.name} up at ${g.address} (${starts[g.name]!.how === 'cold' ? 'cold boot' : 'from its snapshot'}, ${starts[g.name]!.seconds.toFixed(1)} s)`);
  }
  return starts;
}

/** A real reboot of a lab host; returns once it answers SSH again (seconds taken). */
export async function reboot(name: string, log: Log = () => {}): Promise<number> {
  if (!isVmHostName(name)) {
    throw new Error(`${name} is a namespace host and has no kernel of its own to reboot; use kvN (see --vm-hosts)`);
  }
  const g = vmHostNames(vmHostNumberFromName(name));
  if (!(await qemuPid(g))) throw new Error(`${name} is not running (npm run lab -- up --vm-hosts ...)`);
  return rebootGuest(g, log);
}

/** A deleted namespace's veth peers linger until the kernel frees it; wait, then force. */
async function waitForRootLinksGone(names: string[]): Promise<void> {
  const wanted = new Set(names);
  const lingering = async () => (await linkNames()).filter((n) => wanted.has(n));
  await waitFor('old lab veths to disappear', async () => (await lingering()).length === 0, 10_000).catch(() => {});
  for (const n of await lingering()) await run(['ip', 'link', 'del', n], { allowFailure: true });
}

async function cacheIsWarm(): Promise<boolean> {
  try {
    return (await readdir(`${RUN_DIR}/cache-libvirt/qemu/capabilities`)).length > 0;
  } catch {
    return false;
  }
}

export interface DownResult {
  removedHosts: string[];
  removedLinks: string[];
  seconds: number;
}

/** Removes everything the lab created: processes, namespaces, veths, bridges, mounts. */
export function down(log: Log = () => {}): Promise<DownResult> {
  return withLabLock(() => downLocked(log));
}

async function downLocked(log: Log): Promise<DownResult> {
  const started = Date.now();
  const hosts = await knownHostNames();
  const guests = await knownVmHostNames();
  // Hosts are independent; stopping them in parallel keeps `down` of 100 hosts short.
  await mapLimit(hosts, 8, (name) => destroyHost(hostNames(hostNumberFromName(name))));
  await mapLimit(guests, 8, (name) => destroyGuest(vmHostNames(vmHostNumberFromName(name))));
  // The kernel frees a deleted namespace (and the root-side veth peers) asynchronously.
  const isLabLink = (n: string) => n.startsWith(`${LAB_PREFIX}-hv`);
  await waitFor('lab veths to disappear', async () => !(await linkNames()).some(isLabLink), 15_000).catch(() => {});
  const removedLinks: string[] = [];
  for (const name of (await linkNames()).filter((n) => n.startsWith(`${LAB_PREFIX}-`))) {
    await run(['ip', 'link', 'del', name], { allowFailure: true });
    removedLinks.push(name);
  }
  if (await isMountPoint(NS_DIR)) await run(['umount', NS_DIR]);
  // Keep the kernel capability report and QEMU capability cache: both are valid until reboot
  // and make the next `up` faster. Everything else under /run/sblab goes.
  await rm(`${RUN_DIR}/hosts`, { recursive: true, force: true });
  await rm(NS_DIR, { recursive: true, force: true });
  await rm(STATE_FILE, { force: true });
  if (hosts.length + guests.length) log(`removed ${hosts.length + guests.length} host(s)`);
  return { removedHosts: [...hosts, ...guests], removedLinks, seconds: (Date.now() - started) / 1000 };
}

export interface HostStatus {
  name: string;
  kind: 'namespace';
  mode: HostMode;
  address: string;
  sshPort: number;
  sshd: boolean;
  libvirtd: boolean | null;
  hostKeyFingerprint: string | null;
  interfaces: number | null;
  vms: number | null;
  networks: number | null;
}

export interface VmHostStatus {
  name: string;
  kind: 'vm';
  address: string;
  sshPort: number;
  sshd: boolean;
  /** QEMU's PID (the guest is "powered on"). */
  pid: number | null;
  hostKeyFingerprint: string | null;
  /** The guest's own kernel (`uname -r` inside) and what it can create. */
  kernel: string | null;
  interfaces: number | null;
  capabilities: KernelCapabilities | null;
}

export interface LabStatus {
  bridge: { name: string; address: string; present: boolean };
  clientKey: string;
  hosts: (HostStatus | VmHostStatus)[];
  /** This machine's kernel (the namespace hosts'). */
  capabilities: KernelCapabilities;
}

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

async function hostStatus(name: string, mode: HostMode): Promise<HostStatus> {
  const h = hostNames(hostNumberFromName(name));
  const sshd = (await daemonPid(h, 'sshd')) !== null && (await sshAnswers(h.address));
  let interfaces: number | null = null;
  const links = await run(['ip', '-n', h.netns, '-j', 'link', 'show'], { allowFailure: true });
  if (links.code === 0) interfaces = (JSON.parse(links.stdout) as unknown[]).length;
  let libvirtd: boolean | null = null;
  let vms: number | null = null;
  let networks: number | null = null;
  if (mode === 'full') {
    libvirtd = await libvirtAnswers(h);
    if (libvirtd) {
      const r = await runInHost(h, ['virsh', '-q', '-c', 'qemu:///system', 'list --all --name ; echo --- ; net-list --all --name']);
      const [doms = '', nets = ''] = r.stdout.split('---');
      vms = lines(doms).length;
      networks = lines(nets).length;
    }
  }
  let fp: string | null = null;
  try {
    fp = hostKeyFingerprint(await readFile(`${h.dir}/ssh/ssh_host_ed25519_key.pub`, 'utf8'));
  } catch {
    // host not (fully) created
  }
  return { name, kind: 'namespace', mode, address: h.address, sshPort: SSH_PORT, sshd, libvirtd, hostKeyFingerprint: fp, interfaces, vms, networks };
}

async function vmHostStatus(name: string): Promise<VmHostStatus> {
  const g = vmHostNames(vmHostNumberFromName(name));
  const pid = await qemuPid(g);
  const sshd = pid !== null && (await sshAnswers(g.address));
  const ask = async <T>(fn: () => Promise<T>): Promise<T | null> => (pid ? fn().catch(() => null) : null);
  return {
    name,
    kind: 'vm',
    address: g.address,
    sshPort: SSH_PORT,
    sshd,
    pid,
    hostKeyFingerprint: await ask(() => guestHostKeyFingerprint(g)),
    kernel: await ask(() => guestKernel(g)),
    interfaces: await ask(() => guestLinkCount(g)),
    capabilities: await ask(() => guestCapabilities(g)),
  };
}

export async function status(): Promise<LabStatus> {
  const state = await readState();
  const hosts: (HostStatus | VmHostStatus)[] = await mapLimit(
    Object.entries(state.hosts).sort(([, a], [, b]) => a.number - b.number),
    8,
    ([name, s]) => hostStatus(name, s.mode),
  );
  for (const name of Object.keys(state.vmHosts).sort()) hosts.push(await vmHostStatus(name));
  return {
    bridge: { name: LAB_BRIDGE, address: LAB_BRIDGE_ADDRESS, present: (await linkNames()).includes(LAB_BRIDGE) },
    clientKey: path.resolve(CLIENT_KEY),
    hosts,
    capabilities: await kernelCapabilities(),
  };
}
