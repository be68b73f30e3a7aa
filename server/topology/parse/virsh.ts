// libvirt: the domain and network XML (`virsh dumpxml`, `net-dumpxml`) plus `domstate` and
// `net-info`, read in one virsh invocation by the probe.
import { XMLParser } from 'fast-xml-parser';
import type { Bandwidth, BandwidthDirection, DhcpLease, GuestAddress, LibvirtNetwork, NetworkMode, Portgroup, VirtualPort, VlanTags, Vm, VmNic } from '../model';
import { NETWORK_MODES, vmWith } from '../model';
import { ProbeParseError } from './errors';

const DOM_END = '@@sb-dom-end@@';
const NET_END = '@@sb-net-end@@';
/** Ends a persistent network's kept definition (`net-dumpxml --inactive`). */
const NETDEF_END = '@@sb-netdef-end@@';
/** Ends a persistent domain's kept definition (`dumpxml --inactive`). */
const DOMDEF_END = '@@sb-domdef-end@@';
/** Ends an active network's leases (`net-dhcp-leases`), after a `@@sb-leases:UUID@@` line. */
const LEASES_END = '@@sb-leases-end@@';
/** Ends a running VM's guest agent addresses (`domifaddr --source agent`), after a `@@sb-agent:UUID@@` line. */
const AGENT_END = '@@sb-agent-end@@';

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Elements that may repeat are always arrays, so one NIC and three NICs read the same way.
  isArray: (name, _jpath, _isLeaf, isAttribute) => !isAttribute && ['interface', 'ip', 'range', 'host', 'portgroup', 'tag', 'address'].includes(name),
  parseAttributeValue: false,
  parseTagValue: false,
});

type Node = Record<string, unknown>;
const node = (v: unknown): Node => (v && typeof v === 'object' ? (v as Node) : {});
const text = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(node) : v ? [node(v)] : []);

function parseXml(section: string, source: string, root: string): Node {
  let doc: Node;
  try {
    doc = xml.parse(source) as Node;
  } catch (err) {
    throw new ProbeParseError(section, `invalid XML: ${(err as Error).message}`);
  }
  if (!(root in doc)) throw new ProbeParseError(section, `expected a <${root}> document, got ${JSON.stringify(source.trim().slice(0, 60))}`);
  return node(doc[root]);
}

const numberOrNull = (v: unknown): number | null => {
  const n = v === undefined || v === null || v === '' ? NaN : Number(v);
  return Number.isFinite(n) ? n : null;
};

/** `<bandwidth>`: average, peak, burst and (inbound only) floor; a direction with none of them is absent. */
export function bandwidthOf(owner: Node): Bandwidth | null {
  const bw = node(owner.bandwidth);
  const dir = (d: unknown): BandwidthDirection | null => {
    const n = node(d);
    const out = { average: numberOrNull(n.average), peak: numberOrNull(n.peak), burst: numberOrNull(n.burst), floor: numberOrNull(n.floor) };
    return Object.values(out).some((v) => v !== null) ? out : null;
  };
  const inbound = dir(bw.inbound);
  const outbound = dir(bw.outbound);
  return inbound || outbound ? { inbound, outbound } : null;
}

function vlanOf(owner: Node): VlanTags | null {
  if (!('vlan' in owner)) return null;
  const vlan = node(owner.vlan);
  const tags = list(vlan.tag)
    .map((t) => {
      const mode = text(t.nativeMode);
      const nativeMode: VlanTags['tags'][number]['nativeMode'] = mode === 'tagged' || mode === 'untagged' ? mode : null;
      return { id: Number(text(t.id)), nativeMode };
    })
    .filter((t) => Number.isInteger(t.id));
  // libvirt: more than one tag is a trunk whatever the attribute says.
  return tags.length ? { trunk: text(vlan.trunk) === 'yes' || tags.length > 1, tags } : null;
}

function virtualportOf(owner: Node): VirtualPort | null {
  if (!('virtualport' in owner)) return null;
  const vp = node(owner.virtualport);
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(node(vp.parameters))) if (text(v) !== null) parameters[k] = text(v)!;
  return { type: text(vp.type), parameters };
}

function nicOf(iface: Node): VmNic {
  const source = node(iface.source);
  // A running VM's NIC on a network shows the network's actual port: type "direct" on a macvtap
  // pool, "bridge" on a bridged network; its source still names the network, which is what it is on.
  const actual = text(iface.type) ?? 'unknown';
  const type = text(source.network) ? 'network' : actual;
  const src =
    type === 'network' ? text(source.network) : type === 'bridge' ? text(source.bridge) : type === 'direct' ? text(source.dev) : text(source.dev) ?? text(source.network) ?? text(source.bridge);
  return {
    mac: text(node(iface.mac).address),
    model: text(node(iface.model).type),
    type,
    source: src,
    bridge: type === 'network' || type === 'bridge' ? text(source.bridge) : null,
    directMode: actual === 'direct' ? text(source.mode) : null,
    target: text(node(iface.target).dev),
    bandwidth: bandwidthOf(iface),
    mtu: numberOrNull(node(iface.mtu).size),
    vlan: vlanOf(iface),
    virtualport: virtualportOf(iface),
    portgroup: text(source.portgroup),
    queues: ((q) => (q !== null && q > 1 ? q : null))(numberOrNull(node(iface.driver).queues)),
    linkUp: text(node(iface.link).state) !== 'down',
    xml: null,
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export interface VirshLists {
  /** Domain UUID -> running | paused | shut off | other. */
  domainStates: Map<string, string>;
  networks: Set<string>;
  active: Set<string>;
  autostart: Set<string>;
  persistent: Set<string>;
  /** Persistent domains; null when the probe did not list them (older captures). */
  domPersistent: Set<string> | null;
}

/**
 * The probe's filtered `virsh list` / `net-list` output, framed by `@@sb-list:NAME@@` markers
 * (virsh's echo ends without a newline, so markers and UUIDs may share a line).
 */
export function parseVirshLists(body: string): VirshLists {
  const parts = new Map<string, string[]>();
  const re = /@@sb-list:([a-z]+)@@/g;
  const marks = [...body.matchAll(re)];
  if (!marks.some((m) => m[1] === 'end')) throw new ProbeParseError('virsh_lists', 'the lists end marker is missing (truncated?)');
  marks.forEach((m, i) => {
    const from = m.index! + m[0].length;
    const to = marks[i + 1]?.index ?? body.length;
    parts.set(m[1]!, body.slice(from, to).match(UUID) ?? []);
  });
  const set = (name: string) => new Set(parts.get(name) ?? []);
  const running = set('running');
  const paused = set('paused');
  const shutoff = set('shutoff');
  const domainStates = new Map<string, string>();
  for (const u of parts.get('domains') ?? []) {
    domainStates.set(u, running.has(u) ? 'running' : paused.has(u) ? 'paused' : shutoff.has(u) ? 'shut off' : 'other');
  }
  return {
    domainStates,
    networks: set('networks'),
    active: set('active'),
    autostart: set('autostart'),
    persistent: set('persistent'),
    domPersistent: parts.has('dompersistent') ? set('dompersistent') : null,
  };
}

export function parseDomain(block: string, lists?: VirshLists): Vm {
  const xmlEnd = block.lastIndexOf('</domain>');
  if (xmlEnd < 0) throw new ProbeParseError('virsh_xml', `a domain block has no </domain>: ${JSON.stringify(block.slice(0, 60))}`);
  const dom = parseXml('virsh_xml', block.slice(block.indexOf('<domain'), xmlEnd + '</domain>'.length), 'domain');
  const name = text(dom.name);
  const uuid = text(dom.uuid);
  if (!name || !uuid) throw new ProbeParseError('virsh_xml', 'a domain without <name> or <uuid>');
  const source = block.slice(block.indexOf('<domain'), xmlEnd);
  // Each <interface> element as written, in document order (the parser's order too): what an
  // exact detach or re-attach sends back.
  const elements = [...source.matchAll(/<interface\b[^>]*?(?:\/>|>[\s\S]*?<\/interface>)/g)].map((m) => m[0]);
  const nics = list(node(dom.devices).interface).map((n, i) => ({ ...nicOf(n), xml: elements[i] ?? null }));
  const persistent = lists?.domPersistent ? lists.domPersistent.has(uuid) : null;
  // PCI hot-plug on x86 needs ACPI (without it QEMU says "Bus 'pci.0' does not support hotplugging").
  const arch = text(node(node(dom.os).type).arch);
  const hotplug = arch === 'x86_64' || arch === 'i686' ? 'acpi' in node(dom.features) : null;
  return vmWith(name, uuid, lists?.domainStates.get(uuid) ?? 'unknown', nics, { persistent, hotplug });
}

function modeOf(net: Node): NetworkMode {
  if (!('forward' in net)) return 'isolated';
  const mode = text(node(net.forward).mode) ?? 'nat'; // libvirt's default forward mode
  return (NETWORK_MODES as readonly string[]).includes(mode) ? (mode as NetworkMode) : 'other';
}

/** A forward device named by interface, or (hostdev pools) by PCI address as domain:bus:slot.function. */
function forwardDevicesOf(net: Node): string[] {
  const forward = node(net.forward);
  const hex = (v: unknown, width: number) => (text(v) ?? '0').replace(/^0x/i, '').padStart(width, '0');
  const devices = [
    ...list(forward.pf).map((pf) => text(pf.dev)),
    ...list(forward.interface).map((i) => text(i.dev)),
    ...list(forward.address)
      .filter((a) => text(a.type) === 'pci')
      .map((a) => `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${hex(a.function, 1)}`),
  ].filter((d): d is string => d !== null);
  const dev = text(forward.dev);
  return dev && !devices.includes(dev) ? [dev, ...devices] : devices;
}

function portgroupOf(pg: Node): Portgroup {
  return { name: text(pg.name) ?? '', isDefault: text(pg.default) === 'yes', vlan: vlanOf(pg), virtualport: virtualportOf(pg), bandwidth: bandwidthOf(pg) };
}

/**
 * The prefix libvirt gives an `<ip>` without netmask or prefix (virSocketAddrGetIPPrefix): the
 * natural classful one for IPv4 (class A /8, B /16, C /24), /64 for IPv6. Null where libvirt has
 * none (a class D or E address), which libvirt refuses.
 */
export function naturalPrefix(family: 'ipv4' | 'ipv6', address: string): number | null {
  if (family === 'ipv6' || address.includes(':')) return address === '::' ? 0 : 64;
  const first = Number(address.split('.')[0]);
  if (!Number.isInteger(first) || first < 0 || first > 255) return null;
  if ((first & 0x80) === 0) return 8;
  if ((first & 0xc0) === 0x80) return 16;
  if ((first & 0xe0) === 0xc0) return 24;
  return null;
}

export function parseNetwork(block: string, lists?: VirshLists): LibvirtNetwork {
  const xmlEnd = block.lastIndexOf('</network>');
  if (xmlEnd < 0) throw new ProbeParseError('virsh_xml', `a network block has no </network>: ${JSON.stringify(block.slice(0, 60))}`);
  const net = parseXml('virsh_xml', block.slice(block.indexOf('<network'), xmlEnd + '</network>'.length), 'network');
  const name = text(net.name);
  const uuid = text(net.uuid);
  if (!name || !uuid) throw new ProbeParseError('virsh_xml', 'a network without <name> or <uuid>');
  const ips = list(net.ip).flatMap((ip) => {
    const address = text(ip.address) ?? '';
    const family = text(ip.family) === 'ipv6' || address.includes(':') ? ('ipv6' as const) : ('ipv4' as const);
    // libvirt takes a prefix above 0, else a netmask, else the natural prefix.
    const prefix = numberOrNull(text(ip.prefix));
    const netmask = text(ip.netmask);
    const prefixLength = prefix !== null && prefix > 0 ? prefix : netmask ? prefixOfNetmask(netmask) : naturalPrefix(family, address);
    if (prefixLength === null) return [];
    const dhcp = node(ip.dhcp);
    return [
      {
        family,
        address,
        prefixLength,
        dhcpRanges: list(dhcp.range).map((r) => ({ start: text(r.start) ?? '', end: text(r.end) ?? '' })),
        staticHosts: list(dhcp.host).map((h) => ({ mac: text(h.mac), id: text(h.id), name: text(h.name), ip: text(h.ip) ?? '' })),
      },
    ];
  });
  return {
    name,
    uuid,
    mode: modeOf(net),
    bridge: text(node(net.bridge).name),
    active: lists?.active.has(uuid) ?? false,
    autostart: lists?.autostart.has(uuid) ?? false,
    persistent: lists?.persistent.has(uuid) ?? false,
    // Set from the probe's `net-dumpxml --inactive` blocks (parseVirshXml).
    definition: null,
    leases: [],
    mtu: numberOrNull(node(net.mtu).size),
    forwardDevices: forwardDevicesOf(net),
    vlan: vlanOf(net),
    virtualport: virtualportOf(net),
    portgroups: list(net.portgroup).map(portgroupOf),
    bandwidth: bandwidthOf(net),
    ips,
  };
}

export function prefixOfNetmask(mask: string): number {
  return mask.split('.').reduce((bits, octet) => bits + (Number(octet) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/**
 * Every domain and network document of the probe. A document that cannot be read is named in
 * `unreadable` and left out; the others are kept.
 */
export function parseVirshXml(body: string, lists?: VirshLists): { vms: Vm[]; networks: LibvirtNetwork[]; unreadable: string[]; guestAddresses?: GuestAddress[] } {
  const vms: Vm[] = [];
  const networks: LibvirtNetwork[] = [];
  const unreadable: string[] = [];
  // Blocks end with a marker; the kind of block is told by its marker.
  const definitions = new Map<string, string>();
  const domainDefinitions = new Map<string, VmNic[]>();
  const leases = new Map<string, DhcpLease[]>();
  const agents = new Map<string, Omit<GuestAddress, 'vm'>[]>();
  const re = new RegExp(`([\\s\\S]*?)(${DOM_END}|${NET_END}|${NETDEF_END}|${DOMDEF_END}|${LEASES_END}|${AGENT_END})`, 'g');
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    consumed = re.lastIndex;
    if (m[2] === NETDEF_END) {
      // Kept as text for an exact redefinition; only its UUID is read (a broken one is simply not kept).
      const uuid = /<uuid>([0-9a-f-]{36})<\/uuid>/.exec(m[1]!)?.[1];
      if (uuid) definitions.set(uuid, m[1]!.trim());
      continue;
    }
    if (m[2] === LEASES_END) {
      const parsed = parseLeases(m[1]!);
      if (parsed) leases.set(parsed.uuid, parsed.leases);
      continue;
    }
    if (m[2] === AGENT_END) {
      const parsed = parseAgentAddresses(m[1]!);
      if (parsed) agents.set(parsed.uuid, parsed.addresses);
      continue;
    }
    if (m[2] === DOMDEF_END) {
      // The NICs the VM gets at its next start; a definition that cannot be read is left out (configNics stays null).
      try {
        const def = parseDomain(m[1]!);
        domainDefinitions.set(def.uuid, def.nics);
      } catch {
        // the live document still names the VM
      }
      continue;
    }
    const isDomain = m[2] === DOM_END;
    try {
      if (isDomain) vms.push(parseDomain(m[1]!, lists));
      else networks.push(parseNetwork(m[1]!, lists));
    } catch (err) {
      const named = /<name>([^<]{1,100})<\/name>/.exec(m[1]!)?.[1];
      const detail = err instanceof ProbeParseError ? err.detail : (err as Error).message;
      unreadable.push(`the ${isDomain ? 'VM' : 'network'} ${named ?? `document ${vms.length + networks.length + unreadable.length + 1}`} could not be read (${detail})`);
    }
  }
  for (const n of networks) {
    n.definition = definitions.get(n.uuid) ?? null;
    n.leases = leases.get(n.uuid) ?? [];
  }
  for (const vm of vms) vm.configNics = domainDefinitions.get(vm.uuid) ?? null;
  if (body.slice(consumed).trim()) throw new ProbeParseError('virsh_xml', 'output after the last block (truncated?)');
  vms.sort((a, b) => a.name.localeCompare(b.name));
  networks.sort((a, b) => a.name.localeCompare(b.name));
  // Only the guest's addresses on the VM's own NICs (not its loopback), by the VM's name.
  const guestAddresses = body.includes('@@sb-agent:')
    ? vms.flatMap((vm) => (agents.get(vm.uuid) ?? []).filter((a) => vm.nics.some((n) => n.mac?.toLowerCase() === a.mac)).map((a) => ({ vm: vm.name, ...a })))
    : undefined;
  return { vms, networks, unreadable, ...(guestAddresses ? { guestAddresses } : {}) };
}

/**
 * One running VM's `virsh domifaddr --source agent --full` table after its `@@sb-agent:UUID@@`
 * line: guest interface, MAC, protocol, address/prefix. A VM without an agent has no table (the
 * probe drops virsh's refusal), so no addresses.
 */
export function parseAgentAddresses(block: string): { uuid: string; addresses: Omit<GuestAddress, 'vm'>[] } | null {
  const head = /@@sb-agent:([0-9a-f-]{36})@@/.exec(block);
  if (!head) return null;
  const addresses: Omit<GuestAddress, 'vm'>[] = [];
  for (const line of block.slice(head.index + head[0].length).split('\n')) {
    const m = /^\s*(\S+)\s+([0-9a-f]{2}(?::[0-9a-f]{2}){5})\s+(ipv4|ipv6)\s+([0-9a-f.:]+)\/(\d+)\s*$/i.exec(line);
    if (m) addresses.push({ guestInterface: m[1]!, mac: m[2]!.toLowerCase(), ip: m[4]!, prefixLength: Number(m[5]) });
  }
  return { uuid: head[1]!, addresses };
}

/**
 * One network's `virsh net-dhcp-leases` table after its `@@sb-leases:UUID@@` line: expiry
 * (date and time), MAC, protocol, address/prefix, hostname ("-" for none), client id.
 */
export function parseLeases(block: string): { uuid: string; leases: DhcpLease[] } | null {
  const head = /@@sb-leases:([0-9a-f-]{36})@@/.exec(block);
  if (!head) return null;
  const leases: DhcpLease[] = [];
  for (const line of block.slice(head.index + head[0].length).split('\n')) {
    const m = /^\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s+([0-9a-f:]{17})\s+(ipv4|ipv6)\s+([0-9a-f.:]+)\/(\d+)\s+(\S+)/i.exec(line);
    if (m) leases.push({ expires: m[1]!, mac: m[2]!.toLowerCase(), ip: m[4]!, prefixLength: Number(m[5]), hostname: m[6] === '-' ? null : m[6]! });
  }
  return { uuid: head[1]!, leases };
}
