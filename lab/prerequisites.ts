// Makes a fresh machine able to run the lab: Debian packages, the users libvirt expects, and
// the lab's own directories. Idempotent; does nothing when all is in place.
import { mkdir } from 'node:fs/promises';
import { fileExists, isMountPoint } from './fs';
import { DEBIAN_PACKAGES, LAB_OPERATOR, LIBVIRT_CACHE_DIR, NS_DIR, RUN_DIR, VM_DEBIAN_PACKAGES, type HostMode } from './config';
import { run } from './exec';

async function missingPackages(names: readonly string[]): Promise<string[]> {
  const r = await run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\n', ...names], { allowFailure: true });
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((l) => / ii\s*$/.test(l))
      .map((l) => l.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

export async function ensurePackages(log: (msg: string) => void, opts: { vm?: boolean } = {}): Promise<void> {
  const missing = await missingPackages([...DEBIAN_PACKAGES, ...(opts.vm ? VM_DEBIAN_PACKAGES : [])]);
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  await run(['apt-get', 'update', '-qq'], { timeoutMs: 600_000 });
  await run(
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', ...missing],
    { timeoutMs: 1_200_000 },
  );
}

async function hasGroup(name: string): Promise<boolean> {
  return (await run(['getent', 'group', name], { allowFailure: true })).code === 0;
}

async function hasUser(name: string): Promise<boolean> {
  return (await run(['getent', 'passwd', name], { allowFailure: true })).code === 0;
}

/**
 * libvirtd refuses to start until the user libvirt-qemu (group libvirt-qemu, in kvm) exists;
 * the package that normally creates it (libvirt-daemon-system) also brings systemd units the
 * lab does not want. libvirt runs dnsmasq as the `dnsmasq` user (from dnsmasq-base).
 */
async function ensureLibvirtAccounts(): Promise<void> {
  for (const g of ['kvm', 'libvirt-qemu', 'libvirt']) {
    if (!(await hasGroup(g))) await run(['groupadd', '--system', g]);
  }
  if (!(await hasUser('libvirt-qemu'))) {
    await run(['useradd', '--system', '--gid', 'libvirt-qemu', '--groups', 'kvm', '--home-dir', '/var/lib/libvirt', '--no-create-home', '--shell', '/usr/sbin/nologin', 'libvirt-qemu']);
  }
  if (!(await hasUser('dnsmasq'))) {
    await run(['useradd', '--system', '--gid', 'nogroup', '--home-dir', '/var/lib/misc', '--no-create-home', '--shell', '/usr/sbin/nologin', 'dnsmasq']);
  }
}

export async function ensurePrerequisites(modes: Set<HostMode>, log: (msg: string) => void, opts: { vm?: boolean } = {}): Promise<void> {
  await ensurePackages(log, opts);
  if (!(await hasUser(LAB_OPERATOR))) {
    await run(['useradd', '--system', '--user-group', '--home-dir', RUN_DIR, '--no-create-home', '--shell', '/bin/sh', LAB_OPERATOR]);
  }
  // useradd leaves the account locked ("!"), and sshd (without PAM) refuses locked accounts
  // even for key logins. "*" means: no password login, but not locked.
  await run(['usermod', '--password', '*', LAB_OPERATOR]);
  if (modes.has('full')) await ensureLibvirtAccounts();
  // sshd's privilege separation directory; created by its init script, which never runs here.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  // Mount points for the per-host private libvirt directories.
  for (const d of ['/run/libvirt', '/var/lib/libvirt', '/etc/libvirt', '/var/log/libvirt', '/var/cache/libvirt']) {
    await mkdir(d, { recursive: true });
  }
  await mkdir(LIBVIRT_CACHE_DIR, { recursive: true });
  await mkdir(`${RUN_DIR}/hosts`, { recursive: true });
  // Namespace handles must sit on a private mount, or binding them would propagate (and pin
  // the namespaces) elsewhere: the same trick `ip netns` uses for /run/netns.
  await mkdir(NS_DIR, { recursive: true });
  if (!(await isMountPoint(NS_DIR))) {
    await run(['mount', '--bind', NS_DIR, NS_DIR]);
    await run(['mount', '--make-private', NS_DIR]);
  }
  if (!(await fileExists('/usr/bin/nsenter'))) throw new Error('nsenter (util-linux) is missing');
}
