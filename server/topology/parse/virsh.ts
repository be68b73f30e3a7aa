// libvirt: the domain and network XML (`virsh dumpxml`, `net-dumpxml`) plus `domstate` and
// `net-info`, read in one virsh invocation by the probe.
import { XMLParser } from 'fast-xml-parser';
import type { Bandwidth, LibvirtNetwork, NetworkMode, Vm, VmNic } from '../model';
import { NETWORK_MODES } from '../model';
import { ProbeParseError } from './errors';

const DOM_END = '@@sb-dom-end@@';
const NET_END = '@@sb-net-end@@';

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Elements that may repeat are always arrays, so one NIC and three NICs read the same way.
  isArray: (name, _jpath, _isLeaf, isAttribute) => !isAttribute && ['interface', 'ip', 'range', 'host'].includes(name),
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

function bandwidthOf(iface: Node): Bandwidth | null {
  const bw = node(iface.bandwidth);
  const dir = (d: unknown) => {
    const n = node(d);
    const average = Number(n.average);
    if (!Number.isFinite(average)) return null;
    const opt = (v: unknown) => (v === undefined ? null : Number(v));
    return { average, peak: opt(n.peak), burst: opt(n.burst) };
  };
  const inbound = dir(bw.inbound);
  const outbound = dir(bw.outbound);
  return inbound || outbound ? { inbound, outbound } : null;
}

function nicOf(iface: Node): VmNic {
  const type = text(iface.type) ?? 'unknown';
  const source = node(iface.source);
  const src =
    type === 'network' ? text(source.network) : type === 'bridge' ? text(source.bridge) : type === 'direct' ? text(source.dev) : text(source.dev) ?? text(source.network) ?? text(source.bridge);
  return {
    mac: text(node(iface.mac).address),
    model: text(node(iface.model).type),
    type,
    source: src,
    bridge: type === 'network' || type === 'bridge' ? text(source.bridge) : null,
    directMode: type === 'direct' ? text(source.mode) : null,
    target: text(node(iface.target).dev),
    bandwidth: bandwidthOf(iface),
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
  return { domainStates, networks: set('networks'), active: set('active'), autostart: set('autostart'), persistent: set('persistent') };
}

export function parseDomain(block: string, lists?: VirshLists): Vm {
  const xmlEnd = block.lastIndexOf('</domain>');
  if (xmlEnd < 0) throw new ProbeParseError('virsh_xml', `a domain block has no </domain>: ${JSON.stringify(block.slice(0, 60))}`);
  const dom = parseXml('virsh_xml', block.slice(block.indexOf('<domain'), xmlEnd + '</domain>'.length), 'domain');
  const name = text(dom.name);
  const uuid = text(dom.uuid);
  if (!name || !uuid) throw new ProbeParseError('virsh_xml', 'a domain without <name> or <uuid>');
  return { name, uuid, state: lists?.domainStates.get(uuid) ?? 'unknown', nics: list(node(dom.devices).interface).map(nicOf) };
}

function modeOf(net: Node): NetworkMode {
  if (!('forward' in net)) return 'isolated';
  const mode = text(node(net.forward).mode) ?? 'nat'; // libvirt's default forward mode
  return (NETWORK_MODES as readonly string[]).includes(mode) ? (mode as NetworkMode) : 'other';
}

export function parseNetwork(block: string, lists?: VirshLists): LibvirtNetwork {
  const xmlEnd = block.lastIndexOf('</network>');
  if (xmlEnd < 0) throw new ProbeParseError('virsh_xml', `a network block has no </network>: ${JSON.stringify(block.slice(0, 60))}`);
  const net = parseXml('virsh_xml', block.slice(block.indexOf('<network'), xmlEnd + '</network>'.length), 'network');
  const name = text(net.name);
  const uuid = text(net.uuid);
  if (!name || !uuid) throw new ProbeParseError('virsh_xml', 'a network without <name> or <uuid>');
  const ips = list(net.ip).map((ip) => {
    const family = text(ip.family) === 'ipv6' ? ('ipv6' as const) : ('ipv4' as const);
    const prefix = text(ip.prefix);
    const netmask = text(ip.netmask);
    const dhcp = node(ip.dhcp);
    return {
      family,
      address: text(ip.address) ?? '',
      prefixLength: prefix ? Number(prefix) : netmask ? prefixOfNetmask(netmask) : family === 'ipv6' ? 64 : 24,
      dhcpRanges: list(dhcp.range).map((r) => ({ start: text(r.start) ?? '', end: text(r.end) ?? '' })),
      staticHosts: list(dhcp.host).map((h) => ({ mac: text(h.mac), name: text(h.name), ip: text(h.ip) ?? '' })),
    };
  });
  return {
    name,
    uuid,
    mode: modeOf(net),
    bridge: text(node(net.bridge).name),
    active: lists?.active.has(uuid) ?? false,
    autostart: lists?.autostart.has(uuid) ?? false,
    persistent: lists?.persistent.has(uuid) ?? false,
    ips,
  };
}

export function prefixOfNetmask(mask: string): number {
  return mask.split('.').reduce((bits, octet) => bits + (Number(octet) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

export function parseVirshXml(body: string, lists?: VirshLists): { vms: Vm[]; networks: LibvirtNetwork[] } {
  const vms: Vm[] = [];
  const networks: LibvirtNetwork[] = [];
  // Blocks end with a marker; the kind of block is told by its marker.
  const re = new RegExp(`([\\s\\S]*?)(${DOM_END}|${NET_END})`, 'g');
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    consumed = re.lastIndex;
    if (m[2] === DOM_END) vms.push(parseDomain(m[1]!, lists));
    else networks.push(parseNetwork(m[1]!, lists));
  }
  if (body.slice(consumed).trim()) throw new ProbeParseError('virsh_xml', 'output after the last block (truncated?)');
  vms.sort((a, b) => a.name.localeCompare(b.name));
  networks.sort((a, b) => a.name.localeCompare(b.name));
  return { vms, networks };
}
