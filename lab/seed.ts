// The seeded topology of a lab host, as data and as the exact command input that creates it.
// Pure: every function returns text or argv, so the seed is identical on every run and can be
// checked without a lab. The kernel here lacks 802.1Q, bonding, dummy and netem
// (FINDINGS.md), so the seed uses only kinds that work: bridge, veth, vxlan, macvlan, macvtap.
import {
  DATA_SWITCHES,
  LAB_BRIDGE,
  LAB_BRIDGE_ADDRESS,
  LAB_PREFIX_LENGTH,
  WIDE_BRIDGE_ADDRESS,
  WIDE_PREFIX_LENGTH,
  type HostNames,
} from './config';

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Locally administered MAC, stable per lab slot and interface slot, so every run sees the same addresses. */
export function hostMac(labSlot: number, slot: number): string {
  return `02:5b:${hex2(labSlot >> 8)}:${hex2(labSlot & 255)}:00:${hex2(slot)}`;
}

/** VM NIC MACs in libvirt's 52:54:00 range; unique per host because db1's NIC shares the data switch. */
export function vmMac(hostNumber: number, vm: number, nic: number): string {
  return `52:54:00:${hex2(hostNumber)}:${hex2(vm)}:${hex2(nic)}`;
}

/**
 * What the interface seed needs of a host: its lab slot (MACs, addresses) and management
 * address. Namespace host hvN is slot N; real-kernel guest kvN is slot 200 + N, so both
 * kinds share one numbering of MACs and addresses and never collide on the shared switches.
 */
export interface SeedIdentity {
  slot: number;
  address: string;
  /** The management subnet, when it is not the lab bridge's /24 (hosts above hv200). */
  prefixLength?: number;
  gateway?: string;
}

/**
 * The last octet of the host's data addresses: slot + 10 for every host on the data switches
 * (slots up to 240); above, only unswitched hosts, whose repeats meet no one.
 */
const octet = (h: SeedIdentity) => ((h.slot - 1) % 240) + 11;

/** Commands for `ip -batch -` in the root namespace: the netns and the veths that join it. */
export function rootBatch(h: HostNames): string {
  const [p1, p2, p3] = h.dataPeers;
  const [s1, s2, s3] = DATA_SWITCHES;
  // Hosts above hv200 keep eth1..eth3, plugged into nothing (see MAX_SWITCHED_HOSTS).
  const plug = (switchName: string) => (h.switched ? ` master ${switchName}` : '');
  return [
    `netns add ${h.netns}`,
    `link add ${h.mgmtPeer} type veth peer name eth0 netns ${h.netns}`,
    `link set ${h.mgmtPeer} master ${LAB_BRIDGE} up`,
    `link add ${p1} type veth peer name eth1 netns ${h.netns}`,
    `link set ${p1}${plug(s1)} up`,
    // eth2 carries VXLAN, so it and its switch port get room for the 50-byte encapsulation.
    `link add ${p2} mtu 1550 type veth peer name eth2 netns ${h.netns}`,
    `link set ${p2}${plug(s2)} up`,
    `link add ${p3} type veth peer name eth3 netns ${h.netns}`,
    `link set ${p3}${plug(s3)} up`,
  ].join('\n') + '\n';
}

/** Shared root-namespace pieces: the management bridge and the data switches. */
export function labBridgeBatch(): string {
  return [
    `link add ${LAB_BRIDGE} type bridge`,
    `address add ${LAB_BRIDGE_ADDRESS}/${LAB_PREFIX_LENGTH} dev ${LAB_BRIDGE}`,
    `address add ${WIDE_BRIDGE_ADDRESS}/${WIDE_PREFIX_LENGTH} dev ${LAB_BRIDGE}`,
    `link set ${LAB_BRIDGE} up`,
    ...DATA_SWITCHES.flatMap((s) => [`link add ${s} type bridge`, `link set ${s} up`]),
    // The VXLAN switch must carry 1550-byte frames too.
    `link set ${DATA_SWITCHES[1]} mtu 1550`,
  ].join('\n') + '\n';
}

/** Commands for `ip -n NETNS -batch -`: the host's own interfaces and addresses. */
export function hostInterfaceBatch(h: SeedIdentity): string {
  const x = octet(h);
  const mac = (slot: number) => hostMac(h.slot, slot);
  return [
    'link set lo up',
    `link set eth0 address ${mac(0)}`,
    'link set eth0 up',
    `address add ${h.address}/${h.prefixLength ?? LAB_PREFIX_LENGTH} dev eth0`,
    `route add default via ${h.gateway ?? LAB_BRIDGE_ADDRESS}`,
    // br0 with the "physical" eth1 as its port, an address and STP on.
    `link set eth1 address ${mac(1)}`,
    `link add br0 address ${mac(10)} type bridge stp_state 1`,
    'link set eth1 master br0',
    'link set eth1 up',
    'link set br0 up',
    `address add 198.18.1.${x}/24 dev br0`,
    // VXLAN 100 over eth2 (multicast group for flooding, as on a plain L2 underlay).
    `link set eth2 address ${mac(2)} mtu 1550`,
    'link set eth2 up',
    `address add 198.18.2.${x}/24 dev eth2`,
    `link add vxlan100 address ${mac(11)} type vxlan id 100 dev eth2 local 198.18.2.${x} group 239.1.1.100 dstport 4789`,
    'link set vxlan100 up',
    `address add 198.18.100.${x}/24 dev vxlan100`,
    // A macvlan on eth3. Not named macvlanN/macvtapN: libvirt reserves those prefixes.
    `link set eth3 address ${mac(3)}`,
    'link set eth3 up',
    `link add mvlan0 link eth3 address ${mac(12)} type macvlan mode bridge`,
    'link set mvlan0 up',
    `address add 198.18.3.${x}/24 dev mvlan0`,
    // A veth pair inside the host.
    `link add veth-a address ${mac(13)} type veth peer name veth-b address ${mac(14)}`,
    'link set veth-a up',
    'link set veth-b up',
    'address add 198.18.250.1/30 dev veth-a',
    'address add 198.18.250.2/30 dev veth-b',
  ].join('\n') + '\n';
}

/** Commands for `tc -n NETNS -batch -`: HTB with two classes and a u32 filter, an ingress qdisc. */
export function hostTcBatch(): string {
  return [
    'qdisc add dev eth2 root handle 1: htb default 20',
    'class add dev eth2 parent 1: classid 1:10 htb rate 600mbit ceil 1gbit',
    'class add dev eth2 parent 1: classid 1:20 htb rate 400mbit ceil 1gbit',
    // VXLAN (UDP 4789) gets the larger share.
    'filter add dev eth2 parent 1: protocol ip prio 1 u32 match ip dport 4789 0xffff flowid 1:10',
    'qdisc add dev eth1 handle ffff: ingress',
  ].join('\n') + '\n';
}

/** tbf on web1's tap, applied once the VM exists. */
export function tapTbfBatch(tap: string): string {
  return `qdisc replace dev ${tap} root handle 1: tbf rate 100mbit burst 256kb latency 50ms\n`;
}

/**
 * A macvtap's character device is /dev/tap<ifindex>, devtmpfs is shared by all hosts and
 * ifindex numbering is per namespace (FINDINGS.md): two hosts whose macvtaps got the same
 * ifindex would share one /dev node. Before libvirt creates any macvtap, host N advances its
 * namespace's ifindex counter by (N - 1) * IFINDEX_STRIDE (creating then deleting veth pairs:
 * the kernel never reuses an index below its counter until it wraps), so the hosts' macvtaps
 * fall in disjoint ranges. An explicit `index` on a link does not move the counter (tried).
 */
export const IFINDEX_STRIDE = 16;

export function ifindexSpacingBatch(hostNumber: number): string {
  const pairs = ((hostNumber - 1) * IFINDEX_STRIDE) / 2;
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++) lines.push(`link add sblpad${i}a type veth peer name sblpad${i}b`);
  for (let i = 0; i < pairs; i++) lines.push(`link del sblpad${i}a`);
  return lines.length ? lines.join('\n') + '\n' : '';
}

// ---------------------------------------------------------------------------------------------
// libvirt

export interface SeedNetwork {
  name: string;
  mode: 'nat' | 'isolated' | 'route' | 'bridge';
  bridge: string;
}

export const SEED_NETWORKS: readonly SeedNetwork[] = [
  { name: 'default', mode: 'nat', bridge: 'virbr0' },
  { name: 'isolated', mode: 'isolated', bridge: 'virbr1' },
  { name: 'routed', mode: 'route', bridge: 'virbr2' },
  { name: 'bridged', mode: 'bridge', bridge: 'br0' },
];

export interface SeedVmNic {
  type: 'network' | 'bridge' | 'direct';
  source: string;
}

export interface SeedVm {
  name: string;
  running: boolean;
  nics: SeedVmNic[];
  /** ACPI on: its machine can hot-plug NICs (the others cannot, as a machine without ACPI). */
  acpi?: boolean;
}

export const SEED_VMS: readonly SeedVm[] = [
  { name: 'web1', running: true, nics: [{ type: 'network', source: 'default' }] },
  {
    name: 'db1',
    running: true,
    acpi: true,
    nics: [
      { type: 'network', source: 'isolated' },
      { type: 'bridge', source: 'br0' },
    ],
  },
  { name: 'app1', running: true, nics: [{ type: 'direct', source: 'eth2' }] },
  { name: 'build1', running: false, nics: [{ type: 'network', source: 'default' }] },
];

/** Interfaces every host (full or light) has after seeding, besides what libvirt adds. */
export const SEED_INTERFACES = [
  'lo', 'eth0', 'eth1', 'eth2', 'eth3', 'br0', 'vxlan100', 'mvlan0', 'veth-a', 'veth-b',
] as const;

/** The static DHCP entry of the `default` network: web1's first NIC. */
export function defaultNetworkStaticHost(hostNumber: number) {
  return { mac: vmMac(hostNumber, 1, 1), name: 'web1', ip: '198.19.122.10' };
}

export function networkXml(net: SeedNetwork, hostNumber: number): string {
  switch (net.mode) {
    case 'nat': {
      const host = defaultNetworkStaticHost(hostNumber);
      return `<network>
  <name>${net.name}</name>
  <forward mode='nat'/>
  <bridge name='${net.bridge}' stp='on' delay='0'/>
  <ip address='198.19.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='198.19.122.100' end='198.19.122.200'/>
      <host mac='${host.mac}' name='${host.name}' ip='${host.ip}'/>
    </dhcp>
  </ip>
</network>
`;
    }
    case 'isolated':
      return `<network>
  <name>${net.name}</name>
  <bridge name='${net.bridge}' stp='on' delay='0'/>
  <ip address='198.19.123.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='198.19.123.100' end='198.19.123.200'/>
    </dhcp>
  </ip>
</network>
`;
    case 'route':
      return `<network>
  <name>${net.name}</name>
  <forward mode='route'/>
  <bridge name='${net.bridge}' stp='on' delay='0'/>
  <ip address='198.19.124.1' netmask='255.255.255.0'/>
</network>
`;
    case 'bridge':
      return `<network>
  <name>${net.name}</name>
  <forward mode='bridge'/>
  <bridge name='${net.bridge}'/>
</network>
`;
  }
}

function nicXml(nic: SeedVmNic, mac: string): string {
  const source =
    nic.type === 'network'
      ? `<source network='${nic.source}'/>`
      : nic.type === 'bridge'
        ? `<source bridge='${nic.source}'/>`
        : `<source dev='${nic.source}' mode='bridge'/>`;
  return `    <interface type='${nic.type}'>
      <mac address='${mac}'/>
      ${source}
      <model type='virtio'/>
    </interface>`;
}

/** A diskless 64 MiB QEMU (TCG) guest: enough for libvirt to create its taps and macvtaps. */
export function domainXml(vm: SeedVm, vmIndex: number, hostNumber: number): string {
  const nics = vm.nics.map((nic, i) => nicXml(nic, vmMac(hostNumber, vmIndex + 1, i + 1)));
  return `<domain type='qemu'>
  <name>${vm.name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
${vm.acpi ? '  <features>\n    <acpi/>\n  </features>\n' : ''}  <devices>
${nics.join('\n')}
  </devices>
</domain>
`;
}

/** File name of each seed XML, relative to the host's seed directory. */
export const networkFile = (n: SeedNetwork) => `net-${n.name}.xml`;
export const domainFile = (vm: SeedVm) => `vm-${vm.name}.xml`;

/**
 * One virsh invocation that defines and starts everything (virsh runs `;`-separated commands in
 * order). Paths are the lab's own constants, never user input. Running VMs start paused: a
 * diskless guest otherwise spins in its BIOS boot loop at ~80% of a core.
 */
export function virshSeedScript(seedDir: string): string {
  const parts: string[] = [];
  for (const n of SEED_NETWORKS) parts.push(`net-define ${seedDir}/${networkFile(n)}`);
  for (const n of SEED_NETWORKS) parts.push(`net-start ${n.name}`, `net-autostart ${n.name}`);
  for (const vm of SEED_VMS) parts.push(`define ${seedDir}/${domainFile(vm)}`);
  for (const vm of SEED_VMS) if (vm.running) parts.push(`start ${vm.name} --paused`);
  return parts.join(' ; ');
}

/** qemu.conf for a lab host. See README "Lab internals" for why each line is here. */
export const QEMU_CONF = `# Written by the Switchboard lab.
# QEMU runs as root: /dev/kvm exists here but only root may open it, and libvirt, probing as
# root but checking access as another user, would otherwise re-probe QEMU on every API call.
user = "root"
group = "root"
# The lab does not give hosts their own cgroup tree; VMs would collide in the shared one.
cgroup_controllers = [ ]
security_driver = "none"
`;

export const LIBVIRTD_CONF = `# Written by the Switchboard lab.
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
`;

export function sshdConfig(h: HostNames, port: number): string {
  return `# Written by the Switchboard lab for ${h.name}.
ListenAddress ${h.address}
Port ${port}
HostKey ${h.dir}/ssh/ssh_host_ed25519_key
PidFile ${h.dir}/ssh/sshd.pid
AuthorizedKeysFile ${h.dir}/ssh/authorized_keys.%u
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The panel multiplexes many channels over one connection, and fleet tests open many at once.
MaxSessions 64
MaxStartups 200:30:400
ClientAliveInterval 30
Subsystem sftp internal-sftp
`;
}

/** Parses `virsh -q domiflist DOMAIN` into its rows (interface, type, source, model, MAC). */
export function parseDomIfList(text: string): { target: string; type: string; source: string; mac: string }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Interface') && !/^-+$/.test(l))
    .map((l) => {
      const [target = '', type = '', source = '', , mac = ''] = l.split(/\s+/);
      return { target, type, source, mac };
    });
}
