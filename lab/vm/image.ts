// Builds the real-kernel lab host's image from Debian packages only: debootstrap, Debian's own
// kernel package, the recipe's files. Cached in lab/.state/images/<recipe key>/, so a changed
// recipe builds a new image and an unchanged one is reused (deleting the folder forces a build).
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_DIR } from '../config';
import { run } from '../exec';
import { fileExists } from '../fs';
import {
  DEBIAN_SUITE,
  DROPPED_MODULE_DIRS,
  GUEST_CHROOT_COMMANDS,
  GUEST_FILES,
  GUEST_PACKAGES,
  IMAGE_SIZE,
  imageKey,
} from './recipe';

export interface GuestImage {
  key: string;
  dir: string;
  base: string;
  kernel: string;
  initrd: string;
  kernelVersion: string;
}

interface BuildRecord {
  kernelVersion: string;
  seconds: number;
  builtAt: string;
  steps: Record<string, number>;
}

const KERNEL_DEB_DIR = path.join(IMAGE_DIR, 'kernel');
const COMPLETE = 'complete.json';

function imageOf(key: string, kernelVersion: string): GuestImage {
  const dir = path.join(IMAGE_DIR, key);
  return { key, dir, base: path.join(dir, 'base.img'), kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img'), kernelVersion };
}

/** The built image of the current recipe, or null if it has not been built. */
export async function builtImage(): Promise<GuestImage | null> {
  const key = imageKey();
  try {
    const rec = JSON.parse(await readFile(path.join(IMAGE_DIR, key, COMPLETE), 'utf8')) as BuildRecord;
    return imageOf(key, rec.kernelVersion);
  } catch {
    return null;
  }
}

/** The Debian mirror this machine uses (the same packages the guest gets). */
async function debianMirror(): Promise<string> {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    const text = await readFile(f, 'utf8').catch(() => '');
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822?.[1] && !deb822[1].includes('security')) return deb822[1];
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (line?.[1]) return line[1];
  }
  return 'http://deb.debian.org/debian';
}

/**
 * Debian's kernel package, downloaded once and kept: its name moves with security updates
 * (`linux-image-amd64` depends on the current one), and the cached .deb keeps the image stable.
 */
async function kernelDeb(log: (m: string) => void): Promise<string> {
  await mkdir(KERNEL_DEB_DIR, { recursive: true });
  const cached = (await readdir(KERNEL_DEB_DIR)).filter((f) => /^linux-image-.*-amd64_.*\.deb$/.test(f)).sort();
  if (cached.length) return path.join(KERNEL_DEB_DIR, cached[cached.length - 1]!);
  let deps = await run(['apt-cache', 'depends', 'linux-image-amd64'], { allowFailure: true });
  if (!/Depends: linux-image-/.test(deps.stdout)) {
    await run(['apt-get', 'update', '-qq'], { timeoutMs: 600_000 });
    deps = await run(['apt-cache', 'depends', 'linux-image-amd64']);
  }
  const name = /Depends: (linux-image-[0-9][^\s]*-amd64)/.exec(deps.stdout)?.[1];
  if (!name) throw new Error(`cannot tell Debian's current kernel package from: ${deps.stdout.trim()}`);
  log(`downloading ${name}`);
  await run(['apt-get', 'download', name], { cwd: KERNEL_DEB_DIR, timeoutMs: 600_000 });
  return kernelDeb(log);
}

/**
 * Runs one command inside the root filesystem, in a private mount namespace, so the /proc it
 * needs vanishes with it even if the command fails (nothing stays mounted on this machine).
 */
async function inChroot(root: string, argv: readonly string[]): Promise<void> {
  const script = 'mount -t proc proc "$1/proc" && root=$1 && shift && exec chroot "$root" "$@"';
  await run(['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', root, ...argv], { timeoutMs: 900_000 });
}

/** Builds the image of the current recipe unless it exists; returns it. */
export async function ensureImage(log: (m: string) => void): Promise<GuestImage> {
  const existing = await builtImage();
  if (existing) return existing;
  const key = imageKey();
  const started = Date.now();
  const steps: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const r = await fn();
    steps[name] = (Date.now() - t) / 1000;
    return r;
  };
  const dir = path.join(IMAGE_DIR, key);
  const rootfs = path.join(dir, 'rootfs');
  log(`building the real-kernel host image ${key} (debootstrap ${DEBIAN_SUITE}; a few minutes)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const deb = await timed('kernel package', () => kernelDeb(log));
  const mirror = await debianMirror();
  await timed('debootstrap', () =>
    // In a private mount namespace: the /proc and /sys debootstrap mounts in the target go with
    // it, even if debootstrap is killed, so a later build can remove the folder.
    run(['unshare', '--mount', '--propagation', 'private', '--', 'debootstrap', '--variant=minbase', `--include=${GUEST_PACKAGES.join(',')}`, DEBIAN_SUITE, rootfs, mirror], { timeoutMs: 3_600_000 }),
  );
  const kernelVersion = await timed('kernel', async () => {
    // Through tar with --keep-directory-symlink: `dpkg-deb -x` would replace the merged-/usr
    // symlink /lib with a directory holding only the modules, and nothing would run any more.
    await run(['sh', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x --keep-directory-symlink -C "$2"', 'sh', deb, rootfs]);
    const versions = await readdir(path.join(rootfs, 'lib/modules'));
    const version = versions.find((v) => v.endsWith('-amd64'));
    if (!version) throw new Error(`no kernel modules in ${deb}`);
    for (const d of DROPPED_MODULE_DIRS) await rm(path.join(rootfs, 'lib/modules', version, d), { recursive: true, force: true });
    return version;
  });
  await timed('configure', async () => {
    for (const f of GUEST_FILES) {
      const target = path.join(rootfs, f.path);
      await mkdir(path.dirname(target), { recursive: true });
      await rm(target, { force: true }); // e.g. a symlink the package left
      await writeFile(target, f.content);
      await chmod(target, f.mode);
    }
    for (const argv of [['depmod', '-a', kernelVersion], ['update-initramfs', '-c', '-k', kernelVersion], ...GUEST_CHROOT_COMMANDS]) {
      await inChroot(rootfs, argv);
    }
  });
  const img = imageOf(key, kernelVersion);
  await timed('filesystem image', async () => {
    await run(['cp', path.join(rootfs, 'boot', `vmlinuz-${kernelVersion}`), img.kernel]);
    await run(['cp', path.join(rootfs, 'boot', `initrd.img-${kernelVersion}`), img.initrd]);
    // debootstrap's package cache is not needed inside.
    await rm(path.join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    await run(['mkfs.ext4', '-q', '-F', '-L', 'sblroot', '-d', rootfs, `${img.base}.tmp`, IMAGE_SIZE], { timeoutMs: 600_000 });
    await rename(`${img.base}.tmp`, img.base);
    await rm(rootfs, { recursive: true, force: true });
  });
  const record: BuildRecord = { kernelVersion, seconds: (Date.now() - started) / 1000, builtAt: new Date().toISOString(), steps };
  await writeFile(path.join(dir, COMPLETE), JSON.stringify(record, null, 2));
  // Images of earlier recipes (and their snapshots) are of no further use.
  for (const other of await readdir(IMAGE_DIR)) {
    if (other !== key && other !== 'kernel' && /^[0-9a-f]{16}$/.test(other)) await rm(path.join(IMAGE_DIR, other), { recursive: true, force: true });
  }
  log(`built image ${key} (kernel ${kernelVersion}) in ${record.seconds.toFixed(0)} s`);
  return img;
}

/** How long the last build took, per step (for `status` and the benchmark). */
export async function imageBuildRecord(img: GuestImage): Promise<BuildRecord | null> {
  if (!(await fileExists(path.join(img.dir, COMPLETE)))) return null;
  return JSON.parse(await readFile(path.join(img.dir, COMPLETE), 'utf8')) as BuildRecord;
}
