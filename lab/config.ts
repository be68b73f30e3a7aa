// Names, addresses and paths of the lab. Pure: no I/O, so the seed and the tests can share it.
//
// Everything the lab creates in the machine's own (root) namespaces starts with `sbl`
// (Switchboard lab): that prefix is how `down` and the leftover sweep in `up` find what is
// theirs, and why they never touch an interface, route or mount that is not.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const LAB_PREFIX = 'sbl';
/** Bridge in the root namespace joining every host's eth0 (the management network). */
export const LAB_BRIDGE = 'sbl-br0';
/** 198.18.0.0/15 is reserved for benchmarking (RFC 2544), so lab traffic never leaves the lab. */
export const LAB_BRIDGE_ADDRESS = '198.18.0.1';
export const LAB_PREFIX_LENGTH = 24;
/** "Switches" in the root namespace: the data networks the hosts' eth1..eth3 plug into. */
export const DATA_SWITCHES = ['sbl-sw1', 'sbl-sw2', 'sbl-sw3'] as const;
/** A host number N up to MAX_SWITCHED_HOSTS gets management address 198.18.0.(N + HOST_OFFSET). */
export const HOST_OFFSET = 10;
/**
 * hv1..hv200 share the management /24 and the data switches, and may be full or light. Above
 * that, up to MAX_HOSTS, hosts are light only (the fleet benchmark's 500): their management
 * addresses come from a second subnet on the lab bridge (WIDE_BRIDGE_ADDRESS), and their eth1..eth3
 * are plugged into nothing, because the data networks' addresses carry the host number in one octet.
 */
export const MAX_SWITCHED_HOSTS = 200;
export const MAX_HOSTS = 500;
/** The lab bridge's address on the management subnet of hosts above MAX_SWITCHED_HOSTS. */
export const WIDE_BRIDGE_ADDRESS = '198.18.8.1';
export const WIDE_PREFIX_LENGTH = 22;
export const SSH_PORT = 22;

/** Runtime state: lives as long as the namespaces do (until `down` or a reboot). */
export const RUN_DIR = '/run/sblab';
/** Bind-mounted over /var/cache/libvirt in every full host: one QEMU capability probe serves all. */
export const LIBVIRT_CACHE_DIR = `${RUN_DIR}/cache-libvirt`;
/** Private mount point holding the persistent mount and UTS namespace handles (like /run/netns). */
export const NS_DIR = `${RUN_DIR}/ns`;
export const STATE_FILE = `${RUN_DIR}/state.json`;

/** Persistent, git-ignored: the test suite's SSH key and each host's SSH host key. */
export const PERSIST_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '.state');
export const CLIENT_KEY = path.join(PERSIST_DIR, 'id_ed25519');
/** Extra public keys given with `--authorize-key`, kept so re-created hosts get them too. */
export const EXTRA_KEYS_FILE = path.join(PERSIST_DIR, 'authorized_keys.extra');

export type HostMode = 'full' | 'light';

export interface HostNames {
  number: number;
  /** Lab slot: the number the seed uses for MACs and addresses (the host number, or past the kv slots above MAX_SWITCHED_HOSTS). */
  slot: number;
  name: string;
  /** Network namespace (as listed by `ip netns`). */
  netns: string;
  address: string;
  /** The management subnet's prefix length and the lab bridge's address on it (the default route). */
  prefixLength: number;
  gateway: string;
  /** Whether eth1..eth3 are plugged into DATA_SWITCHES (hosts up to MAX_SWITCHED_HOSTS). */
  switched: boolean;
  /** Root-namespace end of the host's eth0 veth; `cutLink` sets it down. */
  mgmtPeer: string;
  /** Root-namespace ends of eth1..eth3, plugged into DATA_SWITCHES. */
  dataPeers: [string, string, string];
  dir: string;
  mntNs: string;
  utsNs: string;
  hostKeyDir: string;
}

export function hostNumberFromName(name: string): number {
  const m = /^hv([1-9][0-9]{0,2})$/.exec(name);
  if (!m) throw new Error(`not a lab host name: ${JSON.stringify(name)} (expected hv1..hv${MAX_HOSTS})`);
  const n = Number(m[1]);
  if (n > MAX_HOSTS) throw new Error(`lab host number ${n} is above the maximum of ${MAX_HOSTS}`);
  return n;
}

export function hostNames(number: number): HostNames {
  if (!Number.isInteger(number) || number < 1 || number > MAX_HOSTS) {
    throw new Error(`lab host number must be an integer from 1 to ${MAX_HOSTS}, got ${number}`);
  }
  const name = `hv${number}`;
  const dir = `${RUN_DIR}/hosts/${name}`;
  const switched = number <= MAX_SWITCHED_HOSTS;
  // Above the switched hosts: 198.18.8.2 onwards in the wide /22 (.1 is the lab bridge).
  const wide = number - MAX_SWITCHED_HOSTS + 1;
  return {
    number,
    slot: switched ? number : number + MAX_VM_HOSTS,
    name,
    netns: `${LAB_PREFIX}-${name}`,
    address: switched ? `198.18.0.${number + HOST_OFFSET}` : `198.18.${8 + (wide >> 8)}.${wide & 255}`,
    prefixLength: switched ? LAB_PREFIX_LENGTH : WIDE_PREFIX_LENGTH,
    gateway: switched ? LAB_BRIDGE_ADDRESS : WIDE_BRIDGE_ADDRESS,
    switched,
    mgmtPeer: `${LAB_PREFIX}-${name}`,
    dataPeers: [1, 2, 3].map((i) => `${LAB_PREFIX}-${name}-${i}`) as [string, string, string],
    dir,
    mntNs: `${NS_DIR}/${name}.mnt`,
    utsNs: `${NS_DIR}/${name}.uts`,
    hostKeyDir: path.join(PERSIST_DIR, 'hostkeys', name),
  };
}

/** The directories each full host gets privately, bind-mounted from its own `dir`. */
export const PRIVATE_LIBVIRT_DIRS = [
  { source: 'run-libvirt', target: '/run/libvirt' },
  { source: 'lib-libvirt', target: '/var/lib/libvirt' },
  { source: 'etc-libvirt', target: '/etc/libvirt' },
  { source: 'log-libvirt', target: '/var/log/libvirt' },
] as const;

/** Debian packages a full lab needs (FINDINGS.md, "Test hypervisors"). */
export const DEBIAN_PACKAGES = [
  'openssh-server',
  'openssh-client',
  'libvirt-daemon',
  'libvirt-daemon-driver-qemu',
  'libvirt-clients',
  'qemu-system-x86',
  'dnsmasq-base',
  'iptables',
  // NAT and port forwards live in an nftables table of Switchboard's own.
  'nftables',
  'iproute2',
  'util-linux',
  // Tests generate traffic inside hosts with ping (dashboards, rates).
  'iputils-ping',
  // Hosts let a non-root user run the panel's commands through `sudo -n`.
  'sudo',
] as const;

/**
 * A non-root account on every host that may run exactly the panel's commands through
 * `sudo -n`, as README "Preparing a real hypervisor" suggests for production. The account is
 * the machine's (users are not namespaced); the sudoers rule exists only inside lab hosts.
 */
export const LAB_OPERATOR = 'sbl-operator';
export const LAB_OPERATOR_SUDOERS = `# Written by the Switchboard lab.
${LAB_OPERATOR} ALL=(root) NOPASSWD: /usr/sbin/ip, /sbin/ip, /usr/sbin/bridge, /sbin/bridge, /usr/sbin/tc, /sbin/tc, /usr/bin/virsh, /bin/sh, /usr/bin/sh
`;

// ---------------------------------------------------------------------------------------------
// Real-kernel hosts (kv1..kvM): QEMU guests booting Debian's own kernel, for what this
// machine's kernel lacks (bonds, 802.1Q, dummy, VLAN filtering, netem, OVS) and for reboots.

export const MAX_VM_HOSTS = 8;
/**
 * kvN takes lab slot MAX_SWITCHED_HOSTS + N: management address 198.18.0.(200 + N + HOST_OFFSET),
 * MACs and data addresses from the same scheme as hvN, so no kv collides with any hv (hosts
 * above MAX_SWITCHED_HOSTS take the slots after the kv ones).
 */
export const VM_SLOT_BASE = MAX_SWITCHED_HOSTS;
/** Guest NICs: eth0 on the lab bridge, eth1..eth5 on the data switches (eth4+eth5 carry bond0). */
export const VM_NIC_SWITCHES = [LAB_BRIDGE, 'sbl-sw1', 'sbl-sw2', 'sbl-sw3', 'sbl-sw1', 'sbl-sw3'] as const;
/** Persistent, git-ignored: the built image (keyed by its recipe) and each guest's snapshot. */
export const IMAGE_DIR = path.join(PERSIST_DIR, 'images');

export interface VmHostNames {
  number: number;
  name: string;
  /** Lab slot: the number the seed uses for MACs and addresses. */
  slot: number;
  address: string;
  /** Root-namespace taps, one per guest NIC (eth0..eth5), on VM_NIC_SWITCHES. */
  taps: string[];
  /** Runtime files: the running overlay, QEMU's pid file, serial log, QMP and agent sockets. */
  dir: string;
  hostKeyDir: string;
}

export function vmHostNumberFromName(name: string): number {
  const m = /^kv([1-9])$/.exec(name);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 1 && n <= MAX_VM_HOSTS)) {
    throw new Error(`not a real-kernel lab host name: ${JSON.stringify(name)} (expected kv1..kv${MAX_VM_HOSTS})`);
  }
  return n;
}

export function vmHostNames(number: number): VmHostNames {
  if (!Number.isInteger(number) || number < 1 || number > MAX_VM_HOSTS) {
    throw new Error(`real-kernel lab host number must be an integer from 1 to ${MAX_VM_HOSTS}, got ${number}`);
  }
  const name = `kv${number}`;
  const slot = VM_SLOT_BASE + number;
  return {
    number,
    name,
    slot,
    address: `198.18.0.${slot + HOST_OFFSET}`,
    taps: VM_NIC_SWITCHES.map((_, i) => `${LAB_PREFIX}-${name}-${i}`),
    dir: `${RUN_DIR}/hosts/${name}`,
    hostKeyDir: path.join(PERSIST_DIR, 'hostkeys', name),
  };
}

/** Whether a lab host name is a real-kernel guest (kvN) rather than a namespace host (hvN). */
export const isVmHostName = (name: string) => /^kv[0-9]+$/.test(name);

/** Host tools the image build and the guests need, besides DEBIAN_PACKAGES. */
export const VM_DEBIAN_PACKAGES = ['debootstrap', 'qemu-system-x86', 'qemu-utils', 'zstd', 'e2fsprogs'] as const;
