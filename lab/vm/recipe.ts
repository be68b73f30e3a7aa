// The real-kernel lab host's image recipe and QEMU command line. Pure: the image is rebuilt
// exactly when `imageKey()` (a hash of everything here that shapes the image) changes.
//
// How the guest boots fast (FINDINGS.md, "Real-kernel lab hosts"): sshd has its own unit that
// does not wait for network.target; Open vSwitch and libvirtd start after it; ifupdown-pre's
// `udevadm settle` (21 s), the debug mounts and the kvm modules (-cpu max advertises SVM, and
// udev spent 11 s loading kvm_amd) are kept out.
import { createHash } from 'node:crypto';
import { LAB_OPERATOR, LAB_OPERATOR_SUDOERS, MAX_VM_HOSTS, VM_NIC_SWITCHES, type VmHostNames } from '../config';
import { hostMac } from '../seed';

/** Debian release and the packages inside the guest (debootstrap --include). */
export const DEBIAN_SUITE = 'bookworm';
export const GUEST_PACKAGES = [
  // systemd as init; dbus and libpam-systemd must be named (debootstrap cannot resolve the
  // virtual default-dbus-system-bus/default-logind, and libvirt stays unconfigured without).
  'systemd-sysv', 'dbus', 'libpam-systemd', 'udev', 'kmod', 'initramfs-tools', 'procps',
  'openssh-server', 'sudo', 'qemu-guest-agent',
  'iproute2', 'iputils-ping', 'ethtool', 'iperf3',
  // Boot-configuration backends the panel writes (issue "Safe and durable changes"), with the
  // hooks classic ifupdown creates bridges, bonds and VLANs through.
  'ifupdown', 'bridge-utils', 'ifenslave', 'vlan', 'systemd',
  'openvswitch-switch', 'nftables', 'iptables', 'dnsmasq-base',
  // libvirt with QEMU, to define VMs and run NAT/isolated/routed networks.
  'libvirt-daemon-system', 'libvirt-clients', 'libvirt-daemon-driver-qemu', 'qemu-system-x86',
] as const;

/** Kernel module trees the guest never loads (GPU, wireless, sound, USB, ...): about 200 MB. */
export const DROPPED_MODULE_DIRS = [
  'kernel/drivers/gpu', 'kernel/drivers/net/wireless', 'kernel/drivers/net/ethernet', 'kernel/sound',
  'kernel/drivers/usb', 'kernel/drivers/media', 'kernel/drivers/infiniband', 'kernel/drivers/staging',
  'kernel/drivers/bluetooth', 'kernel/net/wireless', 'kernel/net/mac80211', 'kernel/net/bluetooth',
  'kernel/drivers/scsi', 'kernel/drivers/hid', 'kernel/drivers/input', 'kernel/drivers/iio',
] as const;

/** Size of the root filesystem image (sparse: about 0.7 GB of it is used). */
export const IMAGE_SIZE = '3G';

export interface GuestFile {
  path: string;
  content: string;
  mode: number;
}

const unit = (sections: Record<string, string[]>) =>
  Object.entries(sections)
    .map(([name, lines]) => `[${name}]\n${lines.join('\n')}\n`)
    .join('\n');

/**
 * The guest's generic seed. Everything host-specific comes from the config disk (/dev/vdb,
 * read-only; see vm/seed.ts), so one image serves every kv host.
 */
const SEED_SCRIPT = `#!/bin/sh
# Switchboard lab: seed this real-kernel host from its config disk. "early" runs before sshd,
# "late" once Open vSwitch and libvirtd are up.
set -eu
C=/run/sbl/config
case "$1" in
early)
  mkdir -p $C /run/switchboard
  chmod 0700 /run/switchboard
  for i in $(seq 1 400); do [ -b /dev/vdb ] && break; sleep 0.05; done
  mountpoint -q $C || mount -o ro /dev/vdb $C
  install -m 0600 $C/ssh_host_ed25519_key /run/sbl/ssh_host_ed25519_key
  install -m 0644 $C/ssh_host_ed25519_key.pub /run/sbl/ssh_host_ed25519_key.pub
  for u in root ${LAB_OPERATOR}; do install -m 0644 $C/authorized_keys /run/sbl/authorized_keys.$u; done
  # udev names the NICs (net.ifnames=0: eth0..); wait for the last one.
  for i in $(seq 1 400); do [ -e /sys/class/net/eth${VM_NIC_SWITCHES.length - 1} ] && break; sleep 0.05; done
  ip -batch $C/ip.batch
  bridge -batch $C/bridge.batch
  tc -batch $C/tc.batch
  ;;
late)
  sh $C/late.sh
  touch /run/sbl/seeded
  ;;
esac
`;

export const GUEST_SSHD_CONFIG = `# Written by the Switchboard lab.
Port 22
HostKey /run/sbl/ssh_host_ed25519_key
AuthorizedKeysFile /run/sbl/authorized_keys.%u
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
# No PAM: faster logins, and nothing here needs it.
UsePAM no
MaxSessions 64
MaxStartups 200:30:400
ClientAliveInterval 30
Subsystem sftp internal-sftp
`;

/** Units started after sshd, so the host answers SSH as early as it can. */
const AFTER_SSHD = ['ovsdb-server.service', 'ovs-vswitchd.service', 'libvirtd.service', 'virtlogd.service'];

export const GUEST_FILES: readonly GuestFile[] = [
  { path: 'usr/local/sbin/sbl-seed', content: SEED_SCRIPT, mode: 0o755 },
  {
    path: 'etc/systemd/system/sbl-seed.service',
    content: unit({
      Unit: ['Description=Switchboard lab: interfaces from the config disk', 'DefaultDependencies=no',
        'After=local-fs.target systemd-udev-trigger.service systemd-modules-load.service', 'Wants=systemd-udev-trigger.service',
        'Before=sbl-sshd.service network-pre.target'],
      Service: ['Type=oneshot', 'RemainAfterExit=yes', 'ExecStart=/usr/local/sbin/sbl-seed early'],
      Install: ['WantedBy=multi-user.target'],
    }),
    mode: 0o644,
  },
  {
    path: 'etc/systemd/system/sbl-sshd.service',
    content: unit({
      Unit: ['Description=OpenSSH server (Switchboard lab: does not wait for the network)', 'After=sbl-seed.service', 'Requires=sbl-seed.service'],
      Service: ['ExecStartPre=/usr/bin/mkdir -p /run/sshd', 'ExecStart=/usr/sbin/sshd -D -f /etc/ssh/sbl_sshd_config',
        'ExecReload=/bin/kill -HUP $MAINPID', 'KillMode=process', 'Restart=on-failure', 'RestartSec=1'],
      Install: ['WantedBy=multi-user.target'],
    }),
    mode: 0o644,
  },
  {
    path: 'etc/systemd/system/sbl-seed-late.service',
    content: unit({
      Unit: ['Description=Switchboard lab: Open vSwitch and libvirt seed', 'After=sbl-sshd.service openvswitch-switch.service libvirtd.service',
        'Wants=openvswitch-switch.service libvirtd.service'],
      Service: ['Type=oneshot', 'RemainAfterExit=yes', 'ExecStart=/usr/local/sbin/sbl-seed late'],
      Install: ['WantedBy=multi-user.target'],
    }),
    mode: 0o644,
  },
  ...AFTER_SSHD.map((u) => ({ path: `etc/systemd/system/${u}.d/sbl-after-sshd.conf`, content: unit({ Unit: ['After=sbl-sshd.service'] }), mode: 0o644 })),
  { path: 'etc/ssh/sbl_sshd_config', content: GUEST_SSHD_CONFIG, mode: 0o644 },
  // libvirtd stays up (Debian's default exits after 120 s idle, and the probe reads it often).
  { path: 'etc/default/libvirtd', content: 'LIBVIRTD_ARGS=""\n', mode: 0o644 },
  { path: 'etc/modprobe.d/sbl-no-kvm.conf', content: 'blacklist kvm\nblacklist kvm_amd\nblacklist kvm_intel\ninstall kvm /bin/false\ninstall kvm_amd /bin/false\ninstall kvm_intel /bin/false\n', mode: 0o644 },
  // The NICs exist before udev starts, so the seed does not wait for udev to load virtio_net.
  { path: 'etc/initramfs-tools/modules', content: 'virtio_pci\nvirtio_blk\next4\nvirtio_net\nvirtio_console\nvirtio_rng\n', mode: 0o644 },
  { path: 'etc/initramfs-tools/conf.d/sbl-modules', content: 'MODULES=list\n', mode: 0o644 },
  // Loading ip_gre (the capability probe tries GRE in a scratch namespace) would otherwise add
  // fallback devices gre0, gretap0 and erspan0 to the host until its next boot.
  { path: 'etc/sysctl.d/sbl-lab.conf', content: 'net.core.fb_tunnels_only_for_init_net = 2\n', mode: 0o644 },
  { path: 'etc/systemd/journald.conf.d/sbl.conf', content: '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n', mode: 0o644 },
  // libvirt resolves the hostname on every VM start; an unresolvable one costs a DNS timeout.
  {
    path: 'etc/hosts',
    content: `127.0.0.1\tlocalhost\n127.0.1.1\t${Array.from({ length: MAX_VM_HOSTS }, (_, i) => `kv${i + 1}`).join(' ')}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    mode: 0o644,
  },
  { path: 'etc/resolv.conf', content: '# The lab has no DNS.\n', mode: 0o644 },
  { path: 'etc/network/interfaces', content: 'auto lo\niface lo inet loopback\n', mode: 0o644 },
  { path: `etc/sudoers.d/${LAB_OPERATOR}`, content: LAB_OPERATOR_SUDOERS, mode: 0o440 },
  // Each boot takes its machine id from the kernel command line (systemd.machine_id=): a shared
  // one gave every guest's bond the same MAC, and LACP refused the partner.
  { path: 'etc/machine-id', content: '', mode: 0o444 },
];

/** Commands run inside the finished root filesystem (chroot), in order. */
export const GUEST_CHROOT_COMMANDS: readonly (readonly string[])[] = [
  ['useradd', '--system', '--user-group', '--home-dir', '/run/sbl', '--no-create-home', '--shell', '/bin/sh', LAB_OPERATOR],
  ['usermod', '--password', '*', LAB_OPERATOR],
  ['systemctl', 'enable', 'sbl-seed.service', 'sbl-sshd.service', 'sbl-seed-late.service'],
  ['systemctl', 'mask', 'ssh.service', 'ssh.socket', 'ifupdown-pre.service', 'sys-kernel-debug.mount',
    'sys-kernel-tracing.mount', 'libvirt-guests.service', 'getty@tty1.service', 'apt-daily.timer',
    'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'fstrim.timer', 'systemd-udev-settle.service',
    // e2scrub_reap took a minute of emulated CPU on every boot.
    'e2scrub_reap.service'],
  // libvirt-daemon-config-network (a dependency of libvirt-daemon-system) installs a `default`
  // network on 192.168.122.0/24; the seed defines the lab's own `default` instead.
  ['rm', '-f', '/etc/libvirt/qemu/networks/default.xml', '/etc/libvirt/qemu/networks/autostart/default.xml'],
];

/** Bumped when the build steps (image.ts) change in a way the recipe above does not show. */
const BUILD_VERSION = 1;

/** Everything that shapes the image. */
export const IMAGE_RECIPE = { BUILD_VERSION, DEBIAN_SUITE, GUEST_PACKAGES, DROPPED_MODULE_DIRS, IMAGE_SIZE, GUEST_FILES, GUEST_CHROOT_COMMANDS };

/** Hash of the recipe: a changed recipe rebuilds the image, an unchanged one is reused. */
export function imageKey(recipe: object = IMAGE_RECIPE): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}

/** A stable machine id per guest (32 hex digits), distinct across guests. */
export function machineId(g: VmHostNames): string {
  return createHash('sha256').update(`switchboard-lab-${g.name}`).digest('hex').slice(0, 32);
}

export function kernelCommandLine(g: VmHostNames): string {
  return [
    'root=/dev/vda', 'rw', 'console=ttyS0', 'net.ifnames=0', 'quiet', 'panic=-1',
    `systemd.machine_id=${machineId(g)}`, `systemd.hostname=${g.name}`, 'systemd.show_status=false',
  ].join(' ');
}

export interface GuestPaths {
  kernel: string;
  initrd: string;
  disk: string;
  configDisk: string;
  serialLog: string;
  qmpSocket: string;
  agentSocket: string;
  pidFile: string;
}

/** Guest memory (MiB). With tb-size=256 a guest's RSS stays near 0.65 GB. */
export const GUEST_MEMORY_MIB = 1024;

/**
 * QEMU's argv for a guest. KVM does not work on these machines (a paravirtual /dev/kvm that
 * runs only special guest kernels), so TCG; tb-size=256 cuts the RSS from ~1.5 GB to ~0.65 GB.
 * A snapshot is bound to this argv (devices and NIC backends), so `incoming` is the only part
 * that may differ between the run that saved a snapshot and the one that restores it.
 */
export function qemuArgv(g: VmHostNames, p: GuestPaths, opts: { incoming?: string } = {}): string[] {
  const nics = g.taps.flatMap((tap, i) => [
    '-netdev', `tap,id=n${i},ifname=${tap},script=no,downscript=no,vnet_hdr=off`,
    '-device', `virtio-net-pci,netdev=n${i},mac=${hostMac(g.slot, i)}`,
  ]);
  return [
    'qemu-system-x86_64', '-name', g.name,
    '-machine', 'q35', '-accel', 'tcg,tb-size=256', '-cpu', 'max', '-m', String(GUEST_MEMORY_MIB), '-smp', '1',
    '-nodefaults', '-display', 'none',
    '-serial', `file:${p.serialLog}`,
    '-qmp', `unix:${p.qmpSocket},server=on,wait=off`,
    '-pidfile', p.pidFile, '-daemonize',
    '-kernel', p.kernel, '-initrd', p.initrd, '-append', kernelCommandLine(g),
    '-drive', `file=${p.disk},if=virtio,format=qcow2,cache=unsafe`,
    '-drive', `file=${p.configDisk},if=virtio,format=raw,readonly=on`,
    // The guest's own channel (qemu-guest-agent): exec and clock, independent of its network.
    '-chardev', `socket,path=${p.agentSocket},server=on,wait=off,id=qga0`,
    '-device', 'virtio-serial-pci', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    // Entropy, so sshd does not wait for the pool at boot.
    '-object', 'rng-random,filename=/dev/urandom,id=rng0', '-device', 'virtio-rng-pci,rng=rng0',
    ...nics,
    ...(opts.incoming ? ['-incoming', opts.incoming] : []),
  ];
}

/** Root-namespace commands (`ip -batch`) creating a guest's taps on their switches. */
export function tapBatch(g: VmHostNames): string {
  return g.taps
    .flatMap((tap, i) => [
      `tuntap add dev ${tap} mode tap`,
      // eth2 carries VXLAN (as on namespace hosts), so its tap takes 1550-byte frames.
      ...(i === 2 ? [`link set ${tap} mtu 1550`] : []),
      `link set ${tap} master ${VM_NIC_SWITCHES[i]} up`,
    ])
    .join('\n') + '\n';
}
