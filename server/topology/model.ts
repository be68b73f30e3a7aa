// The typed model of one host's virtual network, as read by the probe. Pure data: the
// parsers build it, the graph maps it, the planner (issue 5) plans against it. Positions and
// other view state never live here.

/**
 * Bumped when the parser reads more of the same host (a new field, a finer key), or less, so the
 * first read after an upgrade is not mistaken for a change made on the host. 11: the libvirt
 * version is read only where libvirt runs.
 */
export const MODEL_VERSION = 11;

export const INTERFACE_KINDS = [
  'loopback',
  'ethernet',
  'bridge',
  'bond',
  'vlan',
  'veth',
  'tun',
  'tap',
  'dummy',
  'vxlan',
  'macvlan',
  'macvtap',
  'other',
] as const;
export type InterfaceKind = (typeof INTERFACE_KINDS)[number];

export interface IpAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number;
  scope: string;
  /** Assigned by DHCP/SLAAC rather than configured. */
  dynamic: boolean;
}

export interface BridgeVlan {
  vid: number;
  pvid: boolean;
  untagged: boolean;
}

export interface NetInterface {
  name: string;
  index: number;
  kind: InterfaceKind;
  /** The kernel's own kind string (info_kind), kept when it maps to `other`. */
  rawKind: string | null;
  mac: string | null;
  /**
   * The address a bond member gets back when it leaves (it carries the bond's MAC while in it):
   * what the bonding driver saved when it took the device, else the hardware address when the
   * current one differs (iproute2's `permaddr`). Null otherwise.
   */
  permanentMac: string | null;
  mtu: number;
  /** Kernel operstate: UP, DOWN, LOWERLAYERDOWN, UNKNOWN, DORMANT, ... */
  operstate: string;
  /** Administratively up (IFF_UP). */
  adminUp: boolean;
  /** Carrier present (LOWER_UP). */
  carrier: boolean;
  /** Bridge or bond this interface is a port of. */
  master: string | null;
  /** Lower device: VLAN parent, macvlan/macvtap lower, VXLAN underlay device. */
  parent: string | null;
  /** veth peer inside this host; null when the peer is in another namespace. */
  peer: string | null;
  /** ifindex of a veth peer in another namespace (a container, or the lab's switch). */
  peerIfindexElsewhere: number | null;
  vlan: { id: number; protocol: string } | null;
  /** Endpoints are IPv4 or IPv6 (iproute2 prints the latter as local6/group6/remote6). */
  vxlan: { vni: number; local: string | null; group: string | null; remote: string | null; port: number | null } | null;
  /** IP tunnels (gre, ipip, sit, ip6gre, ip6tnl, vti, ...): their endpoints; their link address is an IP, not a MAC. */
  tunnel: { local: string | null; remote: string | null } | null;
  macvlanMode: string | null;
  /** `vlans`: the bridge's own membership (`bridge vlan ... self`), what its host side sends and receives. */
  bridge: { stp: boolean; vlanFiltering: boolean; forwardDelayCs: number | null; vlans: BridgeVlan[] } | null;
  bond: { mode: string; miimon: number | null } | null;
  /** When a port of a bridge: its STP state and VLAN membership. */
  bridgePort: { state: string | null; vlans: BridgeVlan[] } | null;
  addresses: IpAddress[];
  /** Set for taps and macvtaps that belong to a VM's NIC. */
  owner: { vm: string; mac: string } | null;
}

/**
 * An interface with every optional part empty and the link down, as the kernel creates one;
 * the planner's projection, fixtures and synthetic topologies override what they know.
 */
export function interfaceWith(name: string, kind: InterfaceKind, extra: Partial<NetInterface> = {}): NetInterface {
  return {
    name,
    index: 0,
    kind,
    rawKind: null,
    mac: null,
    permanentMac: null,
    mtu: 1500,
    operstate: 'DOWN',
    adminUp: false,
    carrier: false,
    master: null,
    parent: null,
    peer: null,
    peerIfindexElsewhere: null,
    vlan: null,
    vxlan: null,
    tunnel: null,
    macvlanMode: null,
    bridge: null,
    bond: null,
    bridgePort: null,
    addresses: [],
    owner: null,
    ...extra,
  };
}

export interface Route {
  dst: string;
  gateway: string | null;
  dev: string | null;
  protocol: string | null;
  scope: string | null;
  prefsrc: string | null;
  metric: number | null;
}

export interface QdiscStats {
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  requeues: number;
}

/** Where a qdisc's options are kept when tc printed them as text (iproute2 before 5.5), as printed. */
export const LEGACY_OPTIONS_KEY = 'text';

export interface Qdisc {
  dev: string;
  kind: string;
  handle: string;
  parent: string | null;
  root: boolean;
  /** The qdisc's parameters as tc reports them (rate, burst, default class, ...). */
  options: Record<string, unknown>;
}

/**
 * Names one qdisc on a host. The handle alone is not enough: qdiscs the kernel creates (the
 * children of mq, one per TX queue) all have handle `0:` and differ by parent.
 */
export const qdiscKey = (q: Pick<Qdisc, 'dev' | 'handle' | 'parent'>): string => `${q.dev} ${q.parent ?? 'root'} ${q.handle}`;

/** Rates and sizes as tc prints them ("10Mbit", "16Kb", "1600b"); words.ts says them in people's units. */
export interface TcClass {
  dev: string;
  kind: string;
  classid: string;
  parent: string | null;
  rate: string | null;
  ceil: string | null;
  /** Bytes the class may send at full speed above its rate (HTB). Absent in older reads. */
  burst?: string | null;
  /** Bytes it may send above its ceil (HTB). Absent in older reads. */
  cburst?: string | null;
  /** Lower goes first when classes borrow spare bandwidth (HTB). Absent in older reads. */
  prio?: number | null;
  /** Handle of the qdisc under a leaf class ("10:"), null when the kernel's default. Absent in older reads. */
  leaf?: string | null;
  /**
   * What the class has sent since it was made (`tc -s class show`: "Sent 1210 bytes 5 pkt"):
   * runtime state, which topology/diff.ts leaves out of the configuration. Absent in reads
   * before the probe asked for statistics, and for classes tc prints none for (tbf's).
   */
  sentBytes?: number;
  sentPackets?: number;
}

/** A class as configured: without what it has sent (runtime state, which moves with traffic). */
export function classConfiguration(c: TcClass): TcClass {
  const out = { ...c };
  delete out.sentBytes;
  delete out.sentPackets;
  return out;
}

/**
 * One tc filter: what it matches, where it sends a match (a class), what it does with it.
 * `match` and `actions` are in people's words (u32's raw keys decoded); tc's own numbers stay
 * out, since some are picked by the kernel (u32 handles, action indexes) and would make every
 * re-created filter look changed.
 */
export interface TcFilter {
  dev: string;
  /** The qdisc (or clsact side) it is attached to: "1:", "ffff:" (ingress), "ffff:fff2"/"ffff:fff3" (clsact in/out). */
  parent: string;
  /** The packets it looks at: "ip", "ipv6", "all", "802.1Q", ... */
  protocol: string;
  /** Its priority among the parent's filters (lower runs first). */
  pref: number;
  /** Classifier: u32, flower, fw, matchall, basic, bpf, ... */
  kind: string;
  /** u32's "800::800", flower's "0x1", fw's mark; null when tc did not print one. */
  handle: string | null;
  /** Where a match goes (tc's flowid/classid); null when the actions decide. */
  classid: string | null;
  /** What it matches: "IPv4 dst 10.0.0.0/24, TCP dst port 80"; "all traffic" when everything. */
  match: string;
  /** What it does to a match, in order: "police 1 Mbit/s burst 10 KiB, excess drop", "redirect to eth3". */
  actions: string[];
  /** Its one action when that is a police action whose rate and burst tc printed: tc's own text ("10Mbit", "16Kb"), which it takes back. */
  police?: { rate: string; burst: string; mtu?: string };
}

/** libvirt's forward modes (no <forward> is `isolated`); macvtap pools are private, vepa, passthrough and bridge with devices. */
export const NETWORK_MODES = ['nat', 'isolated', 'route', 'open', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev', 'other'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export interface LibvirtNetwork {
  name: string;
  uuid: string;
  mode: NetworkMode;
  /** The Linux bridge it uses (its own virbrN, or an existing one for forward mode bridge). */
  bridge: string | null;
  active: boolean;
  autostart: boolean;
  persistent: boolean;
  /** The definition libvirt keeps (`net-dumpxml --inactive`), for an exact redefinition; null when transient or not read. */
  definition: string | null;
  /** MTU of the network's bridge, when set (libvirt's default is the kernel's, 1500). */
  mtu: number | null;
  /** The physical devices a macvtap, passthrough or hostdev pool (or a forward `dev`) uses: names or PCI addresses. */
  forwardDevices: string[];
  /** DHCP leases dnsmasq has handed out (runtime state, not configuration). */
  leases: DhcpLease[];
  /** Port settings every NIC on the network gets unless its portgroup or the NIC says otherwise. */
  vlan: VlanTags | null;
  virtualport: VirtualPort | null;
  portgroups: Portgroup[];
  /**
   * The network-wide `<bandwidth>`: all its VMs' traffic together, shaped by tc on its own bridge
   * when it starts (NAT, routed, open, isolated). Absent in older reads.
   */
  bandwidth?: Bandwidth | null;
  ips: {
    family: 'ipv4' | 'ipv6';
    address: string;
    prefixLength: number;
    dhcpRanges: { start: string; end: string }[];
    /** DHCPv4 hosts are known by MAC, DHCPv6 hosts by MAC or by DUID (`id`). */
    staticHosts: { mac: string | null; id: string | null; name: string | null; ip: string }[];
  }[];
}

/** One lease of a network's dnsmasq (`virsh net-dhcp-leases`). */
export interface DhcpLease {
  mac: string;
  ip: string;
  prefixLength: number;
  hostname: string | null;
  /** When it runs out, as libvirt prints it (host local time, "2026-12-01 22:30:00"). */
  expires: string;
}

/** A named set of port settings in a network that VM NICs pick with `portgroup=`. */
export interface Portgroup {
  name: string;
  isDefault: boolean;
  vlan: VlanTags | null;
  virtualport: VirtualPort | null;
  bandwidth: Bandwidth | null;
}

/** libvirt's rates: average, peak and floor in kB/s (1000 bytes), burst in KiB; floor only inbound. */
export interface BandwidthDirection {
  average: number | null;
  peak: number | null;
  burst: number | null;
  floor: number | null;
}

export interface Bandwidth {
  inbound: BandwidthDirection | null;
  outbound: BandwidthDirection | null;
}

/** VLAN tags libvirt puts on a port: one tag (access), several with trunk, or a native VLAN. */
export interface VlanTags {
  trunk: boolean;
  tags: { id: number; nativeMode: 'tagged' | 'untagged' | null }[];
}

/** A NIC's virtual port profile: openvswitch (interfaceid, profileid), 802.1Qbh (profileid), 802.1Qbg (managerid, typeid, ...). */
export interface VirtualPort {
  type: string | null;
  parameters: Record<string, string>;
}

export interface VmNic {
  mac: string | null;
  model: string | null;
  /** libvirt interface type: network, bridge, direct (macvtap), ethernet, user, ... */
  type: string;
  /** Network name (type network), bridge name (bridge) or lower device (direct). */
  source: string | null;
  /** The bridge the NIC is attached to, as libvirt resolved it (type network/bridge). */
  bridge: string | null;
  /** macvtap mode for type direct (vepa, bridge, private, passthrough). */
  directMode: string | null;
  /** The host-side device (vnetN, macvtapN) while the VM runs. */
  target: string | null;
  bandwidth: Bandwidth | null;
  mtu: number | null;
  vlan: VlanTags | null;
  virtualport: VirtualPort | null;
  /** The network's portgroup the NIC takes its settings from. */
  portgroup: string | null;
  /** virtio multiqueue: queue pairs, when more than one is asked for. */
  queues: number | null;
  /** The guest sees a link (libvirt's `<link state>`; up unless set down). */
  linkUp: boolean;
  /** The `<interface>` element as libvirt wrote it: what an exact detach or re-attach sends back. */
  xml: string | null;
}

/** A NIC of `type` with every optional part empty; fixtures and synthetic hosts override what they know. */
export function vmNicWith(type: string, extra: Partial<VmNic> = {}): VmNic {
  return { mac: null, model: null, type, source: null, bridge: null, directMode: null, target: null, bandwidth: null, mtu: null, vlan: null, virtualport: null, portgroup: null, queues: null, linkUp: true, xml: null, ...extra };
}

/** A running, persistent, autostarted network with nothing else set. */
export function networkWith(name: string, uuid: string, mode: NetworkMode, extra: Partial<LibvirtNetwork> = {}): LibvirtNetwork {
  return { name, uuid, mode, bridge: null, active: true, autostart: true, persistent: true, definition: null, leases: [], mtu: null, forwardDevices: [], vlan: null, virtualport: null, portgroups: [], bandwidth: null, ips: [], ...extra };
}

export interface Vm {
  name: string;
  uuid: string;
  /** As virsh domstate says: running, paused, shut off, crashed, ... */
  state: string;
  /** The NICs it has now (its live definition while it runs). */
  nics: VmNic[];
  /** libvirt keeps a definition of it (null: not read). */
  persistent: boolean | null;
  /** The NICs of the kept definition (`dumpxml --inactive`): what it gets at its next start; null when transient or not read. */
  configNics: VmNic[] | null;
  /** Its machine can plug NICs in and out while it runs (x86: ACPI on); null when unknown. */
  hotplug: boolean | null;
}

/** A VM with nothing beyond its NICs known; fixtures and synthetic hosts override the rest. */
export function vmWith(name: string, uuid: string, state: string, nics: VmNic[], extra: Partial<Vm> = {}): Vm {
  return { name, uuid, state, nics, persistent: null, configNics: null, hotplug: null, ...extra };
}

export interface Counters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

/** Where Switchboard keeps IP forwarding across reboots (sysctl.d; the runner may write only files named so). */
export const FORWARDING_FILE = '/etc/sysctl.d/99-switchboard-forwarding.conf';

/** A part of the host the probe could not read, and why (shown as "not available", not as an error). */
export interface MissingSection {
  section: string;
  reason: string;
  /** The command ran but its output could not be understood (an unknown format), rather than it being absent. */
  unreadable?: boolean;
}

export interface Topology {
  /** MODEL_VERSION of the parser that read it (absent: version 1). */
  modelVersion: number;
  host: {
    hostname: string;
    kernel: string | null;
    iproute2: string | null;
    libvirtVersion: string | null;
    /** libvirt answered (a daemon runs and virsh could connect). */
    libvirtAvailable: boolean;
    ipForward: boolean | null;
    /** IPv6 forwarding (net.ipv6.conf.all.forwarding); null when not read or IPv6 is off. */
    ip6Forward: boolean | null;
    /** What Switchboard keeps for boot in FORWARDING_FILE: its content, null when there is none. */
    forwardingFile: string | null;
    /** What configures the network at boot, and its files. Absent in older reads. */
    bootConfig?: BootConfig;
  };
  interfaces: NetInterface[];
  routes: Route[];
  qdiscs: Qdisc[];
  classes: TcClass[];
  /** tc filters of the qdiscs that classify (classful ones, ingress, clsact). Absent in older reads. */
  filters?: TcFilter[];
  networks: LibvirtNetwork[];
  vms: Vm[];
  /** The host's neighbour (ARP/NDP) table: runtime state, where a guest's own addresses show. Absent in older reads. */
  neighbours?: Neighbour[];
  /** Addresses running VMs' guest agents report: runtime state. Absent in older reads. */
  guestAddresses?: GuestAddress[];
  /** Open vSwitch's bridges, from its database. Absent when the host has no Open vSwitch (or in older reads). */
  ovs?: OvsState;
  /** NAT and port forwarding as nftables and iptables hold them. Absent when neither could be read (or in older reads). */
  firewall?: FirewallState;
  /**
   * Ports the host itself listens on (what a port forward would take over): read for the review of
   * a port forward (listening-read.ts), absent from other reads.
   */
  listening?: ListeningSocket[];
  missing: MissingSection[];
}

/** A socket the host listens on (`ss -l`): runtime state. */
export interface ListeningSocket {
  protocol: 'tcp' | 'udp';
  /** The local address, '*' for every address. */
  address: string;
  port: number;
}

/** Switchboard's own nftables table: every NAT rule it writes lives here, each commented with its change. */
export const SWITCHBOARD_TABLE = { family: 'inet', name: 'switchboard' } as const;

/**
 * libvirt's nftables backend (libvirt 10+): its own table, and the chain where it rejects new
 * connections into its networks' bridges (`oif virbr0 reject`), as network_nftables.c writes it.
 */
export const LIBVIRT_NFT_INPUT = { family: 'ip', table: 'libvirt_network', chain: 'guest_input' } as const;

/** Who wrote a firewall rule: Switchboard (its table, its comments), libvirt (its LIBVIRT_* chains, its libvirt_network table), or anyone else. */
export type RuleOwner = 'switchboard' | 'libvirt' | 'other';

/** Where a rule was read, for people ("nftables inet switchboard, chain postrouting", "iptables nat, chain LIBVIRT_PRT"). */
export interface RuleSource {
  owner: RuleOwner;
  /** The change that wrote it (a Switchboard rule's comment `switchboard:<change id>`); null otherwise. */
  changeId: string | null;
  tool: 'nft' | 'iptables';
  table: string;
  chain: string;
}

/** NAT and port forwarding on the host (parse/firewall.ts). */
export interface FirewallState {
  /** Which tools answered: nft, and iptables with its backend (libvirt 9 writes through it). */
  tools: { nft: boolean; iptables: 'nft' | 'legacy' | null };
  masquerades: MasqueradeRule[];
  portForwards: PortForwardRule[];
  /**
   * Switchboard's accept rules where libvirt rejects new connections to its bridges: a port
   * forward into a libvirt network needs one, since an accept in another nftables table does not
   * override that reject. In iptables' FORWARD chain (libvirt up to 9, or its iptables backend),
   * or in libvirt's own chain `ip libvirt_network guest_input` (its nftables backend, libvirt 10+).
   */
  forwardAccepts: ForwardAccept[];
  /**
   * Where libvirt's rules refuse new connections into its networks' bridges: iptables when
   * FORWARD jumps to LIBVIRT_FWI, nft when libvirt's own table has its guest_input chain (both
   * on a host that changed backends without a reboot). Empty when neither was seen.
   */
  libvirtRejects: ForwardAccept['tool'][];
  /** Rules in Switchboard's own table that are not ones it writes (hand edits): NAT edits are refused until they are gone. */
  unknownOwnRules: string[];
  /** Every table read, with its rule count, for the summary. */
  tables: { tool: 'nft' | 'iptables'; family: string; name: string; rules: number }[];
}

export interface MasqueradeRule extends RuleSource {
  /** Source subnet (CIDR); null: any source. */
  source: string | null;
  /** Outgoing interface; null: whichever the route picks. */
  outInterface: string | null;
  /** A destination left alone (libvirt's `! -d` its own subnet); null: none. */
  exceptDestination: string | null;
}

export interface PortForwardRule extends RuleSource {
  protocol: 'tcp' | 'udp';
  hostPort: number;
  toAddress: string;
  /** The port on the target; the host port when the rule keeps it. */
  toPort: number;
  /** Only connections arriving on this interface; null: any. */
  inInterface: string | null;
  /** Only connections from this subnet (CIDR); null: any. */
  source: string | null;
}

export interface ForwardAccept {
  /** iptables: in FORWARD; nft: in libvirt's chain ip libvirt_network guest_input. */
  tool: 'iptables' | 'nft';
  protocol: 'tcp' | 'udp';
  toAddress: string;
  toPort: number;
  /** The bridge the connection leaves by (the libvirt network's). */
  outInterface: string;
  changeId: string | null;
  /**
   * What comes before it in its chain and refuses the connections it lets through, when something
   * does: the chain or verdict (`LIBVIRT_FWI`, `REJECT`, `REJECT -o virbr1`; in libvirt's nft chain
   * `reject -o virbr1`). A firewall reload (iptables) or a restart of the network (nft) puts
   * libvirt's rules back on top; absent while the accept is above them.
   */
  shadowedBy?: string;
}

/**
 * Open vSwitch as its database describes it. The kernel lists an OVS bridge and each internal
 * port as an interface of kind `openvswitch` (rawKind), plus the datapath itself (`ovs-system`)
 * that every other port's device has as its master; which bridge a port is on, its VLANs and
 * its tunnels are only known here.
 */
export interface OvsState {
  /** ovs_version of the Open_vSwitch table ("3.1.0"); null when not set. */
  version: string | null;
  bridges: OvsBridge[];
}

export interface OvsBridge {
  name: string;
  /** Ordered by name; includes the bridge's own internal port (named as the bridge). */
  ports: OvsPort[];
}

export interface OvsPort {
  /** Unique across the host's bridges (OVSDB indexes it). */
  name: string;
  /** Access VLAN (or the native VLAN of a native-tagged/-untagged trunk); null: untagged, every VLAN. */
  tag: number | null;
  /** VLANs a trunk carries, ascending; empty with no tag means every VLAN. */
  trunks: number[];
  /** access, trunk, native-tagged, native-untagged, dot1q-tunnel; null: OVS decides from tag and trunks. */
  vlanMode: string | null;
  /** Set when the port has more than one interface (OVS's only kind of bond). */
  bond: { mode: string | null; lacp: string | null } | null;
  interfaces: OvsInterface[];
}

export interface OvsInterface {
  name: string;
  /** 'system' (a kernel device; OVS's empty type), 'internal', 'tap', 'vxlan', 'gre', 'geneve', 'patch', ... as OVS names it. */
  type: 'system' | 'internal' | 'tap' | 'vxlan' | 'gre' | 'geneve' | 'patch' | (string & {});
  /** Tunnel endpoints (options:remote_ip, local_ip), as written: an address or "flow". */
  remote: string | null;
  local: string | null;
  /** Tunnel key (VNI for VXLAN/Geneve): a number as written, or "flow". */
  key: string | null;
  /** Tunnel UDP port when not the protocol's default (options:dst_port). */
  dstPort: number | null;
  /** A patch port's other end (options:peer). */
  peer: string | null;
  /** The VM NIC's MAC that libvirt recorded on its tap (external_ids:attached-mac). */
  attachedMac: string | null;
  /** Why OVS could not set it up ("could not open network device x (No such device)"): runtime state. */
  error: string | null;
}

export const BOOT_BACKENDS = ['ifupdown', 'ifupdown2', 'networkd', 'netplan', 'networkmanager', 'none'] as const;
export type BootBackend = (typeof BOOT_BACKENDS)[number];

/** What configures a host's network at boot (parse/boot-config.ts). */
export interface BootConfig {
  backend: BootBackend;
  /** Why this backend, in words ("systemd-networkd is enabled"). */
  reason: string;
  /** The backend's files as read, secrets left out; a file too large to read has empty content. */
  files: { path: string; content: string }[];
  /** What the host has of the tools the backends need (ifupdown, bridge-utils, ifenslave, vlan, nmcli, netplan). Absent in older reads. */
  installed?: string[];
  /** Devices NetworkManager manages (it may undo a change made beside it); absent when it does not run. */
  nmManaged?: string[];
}

/** One address a VM's guest agent reports (`virsh domifaddr --source agent`), on the NIC with `mac`. */
export interface GuestAddress {
  vm: string;
  mac: string;
  ip: string;
  prefixLength: number;
  /** The guest's own name for the interface ("enp1s0"). */
  guestInterface: string;
}

/** One entry of `ip neigh`: an address seen on a link, and the MAC that answered for it. */
export interface Neighbour {
  ip: string;
  dev: string;
  mac: string;
}

/**
 * The panel's SSH session as the host sees it: the panel's address (after any NAT), the host
 * address it arrived on, and the device, source and gateway of the host's route back. What a
 * change must not cut; it differs per connection, so it is not part of the Topology.
 */
export interface PanelSession {
  panelAddress: string;
  hostAddress: string;
  hostPort: number;
  device: string | null;
  source: string | null;
  gateway: string | null;
}

/** The volatile part of a probe, kept out of Topology so its content hash only changes with the network. */
export interface ProbeSample {
  topology: Topology;
  /** Per interface name. */
  counters: Record<string, Counters>;
  /** Per qdisc, keyed by qdiscKey (device, parent and handle). */
  qdiscStats: Record<string, QdiscStats>;
  /** Per interface name: up with carrier at the time of the read (for flapping). */
  linkUp: Record<string, boolean>;
  /** Null when the host did not tell (then the inventory address is all the planner has). */
  session: PanelSession | null;
}
