// One real-kernel lab host (kvN): a QEMU guest booting Debian's kernel from the lab image, its
// NICs on the lab's bridges, reached over SSH like a namespace host.
//
// Starting: a cold boot to a seeded host costs 30-60 s of emulated CPU, so the first start of
// each guest (per image and seed) is saved as a snapshot (RAM state + disk overlay) and every
// later start restores it in seconds. `reboot` is a real guest reboot.
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LAB_OPERATOR, type VmHostNames } from '../config';
import { run, startDaemon, sleep, waitFor } from '../exec';
import { fileExists } from '../fs';
import { authorizedKeys, ensurePersistentHostKey, isAlive, readPid, sshAnswers } from '../host';
import { agentAnswers, guestExec, guestSetTime, Qmp } from './agent';
import { builtImage, ensureImage, type GuestImage } from './image';
import { qemuArgv, tapBatch, type GuestPaths } from './recipe';
import { configDiskFiles, type ConfigDiskFile } from './seed';

export type Log = (m: string) => void;

/** A cold boot with the seed (OVS, libvirt networks, the first QEMU capability probe) took 2-3 minutes alone here. */
const COLD_BOOT_TIMEOUT_MS = 600_000;
/** A restore takes ~3 s alone, 6-10 s for three at once; SSH answers right after. */
const RESTORE_TIMEOUT_MS = 120_000;

export function guestPaths(g: VmHostNames, img: GuestImage): GuestPaths {
  return {
    kernel: img.kernel,
    initrd: img.initrd,
    disk: path.join(g.dir, 'disk.qcow2'),
    configDisk: path.join(g.dir, 'config.img'),
    serialLog: path.join(g.dir, 'serial.log'),
    qmpSocket: path.join(g.dir, 'qmp.sock'),
    agentSocket: path.join(g.dir, 'qga.sock'),
    pidFile: path.join(g.dir, 'qemu.pid'),
  };
}

/** Where a guest's snapshot lives: beside its image, so a new image drops old snapshots. */
function snapshotDir(g: VmHostNames, img: GuestImage) {
  const dir = path.join(img.dir, 'snapshots', g.name);
  return { dir, state: path.join(dir, 'state.zst'), disk: path.join(dir, 'disk.qcow2'), key: path.join(dir, 'key') };
}

/** QEMU's PID for this guest, if it runs; a stale pid file of a reused PID does not count. */
export async function qemuPid(g: VmHostNames): Promise<number | null> {
  const pid = await readPid(path.join(g.dir, 'qemu.pid'));
  if (!isAlive(pid)) return null;
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  return argv[0]?.endsWith('qemu-system-x86_64') && argv[argv.indexOf('-name') + 1] === g.name ? pid : null;
}

/** A path inside a POSIX sh command line (QEMU runs `exec:` migration URIs with /bin/sh). */
const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** rename, or copy and remove when the two paths are on different filesystems (/run is tmpfs on most hosts). */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

async function configFiles(g: VmHostNames) {
  const key = await ensurePersistentHostKey(g);
  return configDiskFiles(g, {
    hostPrivateKey: await readFile(key, 'utf8'),
    hostPublicKey: await readFile(`${key}.pub`, 'utf8'),
    authorizedKeys: await authorizedKeys(),
  });
}

/**
 * The hash of what shapes the seeded host: its snapshot is reused only while this is the same.
 * The authorized keys are left out: they are pushed into a running guest and may change freely.
 */
function seedKeyOf(g: VmHostNames, files: ConfigDiskFile[], qemuVersion: string): string {
  // A snapshot loads only into the same devices and QEMU build: the command line (with
  // placeholder paths) and QEMU's version are part of the key.
  const argv = qemuArgv(g, { kernel: 'K', initrd: 'I', disk: 'D', configDisk: 'C', serialLog: 'S', qmpSocket: 'Q', agentSocket: 'A', pidFile: 'P' });
  return createHash('sha256')
    .update(JSON.stringify([files.filter((f) => f.path !== 'authorized_keys'), argv, qemuVersion]))
    .digest('hex');
}

let qemuVersionCache: Promise<string> | null = null;
const qemuVersion = () => (qemuVersionCache ??= run(['qemu-system-x86_64', '--version']).then((r) => r.stdout.split('\n')[0] ?? ''));

/** Writes the guest's config disk (ext4 made with `mkfs.ext4 -d`, no loop mount); returns its seed key. */
async function writeConfigDisk(g: VmHostNames, file: string): Promise<string> {
  const files = await configFiles(g);
  const staging = path.join(g.dir, 'config');
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const f of files) {
    await writeFile(path.join(staging, f.path), f.content);
    await chmod(path.join(staging, f.path), f.mode);
  }
  await run(['mkfs.ext4', '-q', '-F', '-L', 'sblconfig', '-d', staging, file, '8M']);
  await rm(staging, { recursive: true, force: true });
  return seedKeyOf(g, files, await qemuVersion());
}

async function createTaps(g: VmHostNames): Promise<void> {
  for (const tap of g.taps) await run(['ip', 'link', 'del', tap], { allowFailure: true });
  await run(['ip', '-batch', '-'], { input: tapBatch(g) });
}

async function launch(g: VmHostNames, p: GuestPaths, incoming?: string): Promise<void> {
  await rm(p.pidFile, { force: true });
  await startDaemon(qemuArgv(g, p, { incoming }));
}

/** Waits until the guest agent answers and the late seed has run (Open vSwitch, libvirt). */
async function waitSeeded(g: VmHostNames, timeoutMs: number): Promise<void> {
  const p = { agentSocket: guestAgentPath(g), serialLog: path.join(g.dir, 'serial.log') };
  const deadline = Date.now() + timeoutMs;
  await waitFor(`${g.name}'s guest agent`, async () => {
    if (!(await qemuPid(g))) throw new Error(`${g.name}: QEMU exited during boot; see ${p.serialLog}`);
    return agentAnswers(p.agentSocket, 5000);
  }, timeoutMs);
  await waitFor(`${g.name} to finish its seed (sbl-seed-late)`, async () => {
    const r = await guestExec(p.agentSocket, ['test', '-e', '/run/sbl/seeded'], { allowFailure: true, timeoutMs: 30_000 });
    if (r.code !== 0) {
      const failed = await guestExec(p.agentSocket, ['systemctl', 'is-failed', 'sbl-seed.service', 'sbl-seed-late.service'], { allowFailure: true });
      if (/^failed$/m.test(failed.stdout)) {
        const status = await guestExec(p.agentSocket, ['journalctl', '-b', '--no-pager', '-n', '40', '-u', 'sbl-seed.service', '-u', 'sbl-seed-late.service'], { allowFailure: true });
        throw new Error(`${g.name}: its seed failed:\n${status.stdout}`);
      }
    }
    return r.code === 0;
  }, Math.max(deadline - Date.now(), 1000));
}

/** Cold boot from the image, seed, then save RAM and disk as the guest's snapshot. */
async function coldBootAndSnapshot(g: VmHostNames, img: GuestImage, p: GuestPaths, seedKey: string, log: Log): Promise<void> {
  const snap = snapshotDir(g, img);
  const started = Date.now();
  log(`${g.name}: cold boot of kernel ${img.kernelVersion} (software emulation; 2-3 minutes, once per image)`);
  await rm(p.disk, { force: true });
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', img.base, p.disk]);
  await launch(g, p);
  await waitSeeded(g, COLD_BOOT_TIMEOUT_MS);
  const booted = (Date.now() - started) / 1000;
  await rm(snap.dir, { recursive: true, force: true });
  await mkdir(snap.dir, { recursive: true });
  const qmp = await Qmp.connect(p.qmpSocket);
  try {
    await qmp.command('stop');
    // The path is the lab's own; QEMU runs the exec: URI with /bin/sh.
    await qmp.command('migrate', { uri: `exec:zstd -q -3 > ${shQuote(`${snap.state}.tmp`)}` });
    await waitFor(`${g.name}'s snapshot to be written`, async () => {
      const st = (await qmp.command('query-migrate')) as { status?: string; 'error-desc'?: string };
      if (st.status === 'failed') throw new Error(`${g.name}: saving the snapshot failed: ${st['error-desc'] ?? ''}`);
      return st.status === 'completed';
    }, 300_000);
    await qmp.command('quit').catch(() => {}); // the socket closes as QEMU exits
  } finally {
    qmp.close();
  }
  await waitFor(`${g.name}'s QEMU to exit`, async () => !(await qemuPid(g)), 30_000);
  await rename(`${snap.state}.tmp`, snap.state);
  await moveFile(p.disk, snap.disk);
  await writeFile(snap.key, seedKey);
  await writeFile(path.join(snap.dir, 'boot.json'), JSON.stringify({ coldBootSeconds: booted, savedAt: new Date().toISOString() }));
  log(`${g.name}: seeded in ${booted.toFixed(0)} s, snapshot saved`);
}

/** Restores the snapshot: the guest continues from its seeded state, clock set to now. */
async function restore(g: VmHostNames, img: GuestImage, p: GuestPaths): Promise<void> {
  const snap = snapshotDir(g, img);
  await rm(p.disk, { force: true });
  await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', snap.disk, p.disk]);
  await launch(g, p, `exec:zstd -dc ${shQuote(snap.state)}`);
  const qmp = await waitForQmp(g, p);
  try {
    await waitFor(`${g.name}'s snapshot to load`, async () => {
      const st = (await qmp.command('query-status')) as { status: string };
      if (st.status === 'running') return true;
      if (st.status === 'paused' || st.status === 'postmigrate') await qmp.command('cont');
      return false;
    }, RESTORE_TIMEOUT_MS);
  } finally {
    qmp.close();
  }
  await waitFor(`${g.name}'s guest agent`, () => agentAnswers(p.agentSocket, 5000), RESTORE_TIMEOUT_MS);
  await guestSetTime(p.agentSocket);
}

async function waitForQmp(g: VmHostNames, p: GuestPaths): Promise<Qmp> {
  let qmp: Qmp | null = null;
  await waitFor(`${g.name}'s QEMU monitor`, async () => {
    qmp = await Qmp.connect(p.qmpSocket, 5000).catch(() => null);
    return qmp !== null;
  }, 30_000);
  return qmp!;
}

/** Puts the current authorized keys (the lab's and `--authorize-key`'s) into a running guest. */
export async function pushAuthorizedKeys(g: VmHostNames): Promise<void> {
  const keys = await authorizedKeys();
  const agent = guestAgentPath(g);
  for (const user of ['root', LAB_OPERATOR]) {
    await guestExec(agent, ['sh', '-c', 'cat > "$1.tmp" && chmod 0644 "$1.tmp" && mv "$1.tmp" "$1"', 'sh', `/run/sbl/authorized_keys.${user}`], { input: keys });
  }
}

export interface GuestStart {
  /** 'snapshot' when restored, 'cold' when booted from the image (and saved). */
  how: 'snapshot' | 'cold';
  seconds: number;
}

/** Creates and starts kvN from its snapshot (booting and saving one first if needed). */
export async function createGuest(g: VmHostNames, log: Log): Promise<GuestStart> {
  const started = Date.now();
  const img = await ensureImage(log);
  await mkdir(g.dir, { recursive: true });
  const p = guestPaths(g, img);
  const seedKey = await writeConfigDisk(g, p.configDisk);
  await createTaps(g);
  const snap = snapshotDir(g, img);
  const snapshotKey = await readFile(snap.key, 'utf8').catch(() => '');
  let how: GuestStart['how'] = 'snapshot';
  try {
    if (snapshotKey !== seedKey || !(await fileExists(snap.state)) || !(await fileExists(snap.disk))) {
      await coldBootAndSnapshot(g, img, p, seedKey, log);
      how = 'cold';
    }
    try {
      await restore(g, img, p);
    } catch (err) {
      if (how === 'cold') throw err;
      // A snapshot another QEMU build or device set cannot load: make a new one, once.
      log(`${g.name}: its snapshot did not restore (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); booting it cold`);
      await stopGuest(g);
      await coldBootAndSnapshot(g, img, p, seedKey, log);
      how = 'cold';
      await restore(g, img, p);
    }
    await pushAuthorizedKeys(g);
    await waitFor(`sshd of ${g.name} to answer`, () => sshAnswers(g.address, 22, 2000), RESTORE_TIMEOUT_MS);
  } catch (err) {
    // Nothing half-started stays behind: no QEMU spinning, no taps.
    await destroyGuest(g).catch(() => {});
    throw err;
  }
  await writeFile(path.join(g.dir, 'made-from'), `${img.key} ${seedKey}`);
  return { how, seconds: (Date.now() - started) / 1000 };
}

/** Stops QEMU (like pulling the power). The taps stay until `destroyGuest`. */
export async function stopGuest(g: VmHostNames): Promise<void> {
  const pid = await qemuPid(g);
  if (!pid) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // exited in between
    }
  };
  signal('SIGTERM');
  try {
    await waitFor(`${g.name}'s QEMU to exit`, async () => !(await qemuPid(g)), 10_000);
  } catch {
    signal('SIGKILL');
    await waitFor(`${g.name}'s QEMU to exit`, async () => !(await qemuPid(g)), 10_000);
  }
}

/** Removes the guest: QEMU, its taps and its runtime files (the snapshot and host key stay). */
export async function destroyGuest(g: VmHostNames): Promise<void> {
  await stopGuest(g);
  for (const tap of g.taps) await run(['ip', 'link', 'del', tap], { allowFailure: true });
  await rm(g.dir, { recursive: true, force: true });
}

/** Running, made from the current image and seed, answering SSH: `up` keeps such a guest. */
export async function isGuestHealthy(g: VmHostNames): Promise<boolean> {
  if (!(await qemuPid(g))) return false;
  const madeFrom = await readFile(path.join(g.dir, 'made-from'), 'utf8').catch(() => '');
  const current = await builtImage();
  if (!current || madeFrom !== `${current.key} ${seedKeyOf(g, await configFiles(g), await qemuVersion())}`) return false;
  return sshAnswers(g.address, 22, 3000);
}

/** A real reboot of the guest (systemd shuts down, QEMU resets, the kernel boots again). */
export async function rebootGuest(g: VmHostNames, log: Log = () => {}): Promise<number> {
  const started = Date.now();
  const agent = guestAgentPath(g);
  const bootId = (await guestExec(agent, ['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim();
  // The agent may stop before it reports the command's end: do not wait long for it.
  await guestExec(agent, ['systemctl', 'reboot'], { allowFailure: true, timeoutMs: 5000 }).catch(() => {});
  // Done when the agent answers from a new boot: the old one may answer for a while during
  // its shutdown, and its /run/sbl/seeded must not count.
  await waitFor(`${g.name} to come back from its reboot`, async () => {
    const r = await guestExec(agent, ['cat', '/proc/sys/kernel/random/boot_id'], { allowFailure: true, timeoutMs: 5000 }).catch(() => null);
    return r !== null && r.code === 0 && r.stdout.trim() !== bootId;
  }, COLD_BOOT_TIMEOUT_MS);
  log(`${g.name}: rebooting`);
  await waitSeeded(g, COLD_BOOT_TIMEOUT_MS);
  await pushAuthorizedKeys(g);
  await waitFor(`sshd of ${g.name} to answer`, () => sshAnswers(g.address, 22, 2000), 60_000);
  // Let the boot settle (link-local addresses, libvirt's dnsmasq) before anyone reads it.
  await sleep(1000);
  return (Date.now() - started) / 1000;
}

/** The guest agent's socket: the guest's own channel, independent of its network. */
export function guestAgentPath(g: VmHostNames): string {
  return path.join(g.dir, 'qga.sock');
}
