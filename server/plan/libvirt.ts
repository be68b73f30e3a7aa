// What the libvirt kinds (plan/kinds/*-network*, *-dhcp-host, *-nic) share: their field
// schemas, `<bandwidth>` (a VM NIC's and a network's), the checks of a network's addressing,
// the network document, and how a network's bridge and the VMs on it are found. Pure.
import { z } from 'zod';
import { interfaceWith, type Bandwidth, type BandwidthDirection, type LibvirtNetwork, type Topology, type VmNic } from '@/server/topology/model';
import { bandwidthInWords, libvirtRateInWords } from '@/server/topology/words';
import { cmd, link, virsh, type PlannedCommand } from './commands';
import { xmlDocument } from './documents';
import { ZBareIp, ZMac, ZMtu } from './fields';
import type { Checks } from './kind';
import { broadcastAddress, compareIps, familyOf, inSubnet, networkAddress, subnetsOverlap, type Family } from './subnets';

/**
 * libvirt network names: stricter than libvirt (which takes almost anything but '/'), so a name
 * is always one safe argument and never reads as an option (no leading dash).
 */
export const ZNetworkName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,49}$/, 'A network name is 1-50 characters: letters, digits, dot, dash or underscore, not starting with a dot or dash.');

/** A VM name as libvirt knows it (any name libvirt reports may be named; it travels as one safe argument). */
export const ZVmName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$/, 'A VM name is letters, digits, dot, colon, dash or underscore.');

/** A DHCP host name: a DNS label. */
export const ZHostName = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'A host name is a DNS label: letters, digits and inner dashes, up to 63 characters.');

export const ZDomainName = z
  .string()
  .max(253, 'A domain name is at most 253 characters.')
  .regex(/^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, 'A domain name is labels separated by dots, like lab.example.');

export const ZDhcpRange = z.object({ start: ZBareIp, end: ZBareIp });
/** A DHCPv6 client's DUID as libvirt writes it: hex bytes separated by colons. */
export const ZDuid = z
  .string()
  .max(390)
  .regex(/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){3,129}$/, 'A DUID is 4 to 130 hex bytes separated by colons, like 00:03:00:01:52:54:00:01:02:03.')
  .transform((d) => d.toLowerCase());
/** A static host: IPv4 knows it by MAC, IPv6 by DUID (`id`) or name. */
export const ZDhcpHost = z.object({ mac: ZMac.optional(), id: ZDuid.optional(), name: ZHostName.optional(), ip: ZBareIp });

export const ZNetworkAddressing = z.object({
  /** The host's own address on the network (the gateway VMs use). */
  address: ZBareIp,
  prefixLength: z.number().int('A prefix length is a whole number.'),
  dhcpRanges: z.array(ZDhcpRange).max(16, 'At most 16 DHCP ranges.').default([]),
  hosts: z.array(ZDhcpHost).max(1024, 'At most 1024 static hosts.').default([]),
});
export type NetworkAddressing = z.output<typeof ZNetworkAddressing>;

/** libvirt's rates in kB/s (1000 bytes) and bursts in KiB, as `<bandwidth>` takes them (words.ts). */
export const ZRate = z.object({
  average: z.number().int().min(1, 'An average rate is at least 1 kB/s (8 kbit/s).').max(2 ** 32 - 1),
  peak: z.number().int().min(1).max(2 ** 32 - 1).optional(),
  burst: z.number().int().min(1).max(2 ** 32 - 1).optional(),
});

/** One direction of a `<bandwidth>` as operations carry it; floor is a VM NIC's, inbound only. */
export type RateFields = { average: number; peak?: number | undefined; burst?: number | undefined; floor?: number | undefined };
/** A `<bandwidth>` as operations carry it: a direction left out is not shaped. */
export type BandwidthFields = { inbound?: RateFields | undefined; outbound?: RateFields | undefined };

// libvirt refuses it too ("floor attribute is not supported for this config").
const NO_NETWORK_FLOOR = 'A network takes no guaranteed rate (floor): libvirt guarantees a floor to a VM NIC on the network, out of the network’s inbound average. Set the floor on the NIC.';
const ZNetworkRate = ZRate.extend({ floor: z.never({ error: NO_NETWORK_FLOOR }).optional() });
/**
 * A network's `<bandwidth>`: all its VMs' traffic together, shaped by libvirt with tc on the
 * network's own bridge when the network starts. Inbound is traffic to the VMs.
 */
export const ZNetworkBandwidth = z.object({ inbound: ZNetworkRate.optional(), outbound: ZNetworkRate.optional() });
export type NetworkBandwidth = z.output<typeof ZNetworkBandwidth>;

export const hasRates = <B extends BandwidthFields>(b: B | undefined): b is B => Boolean(b && (b.inbound || b.outbound));

const rate = (r: RateFields | undefined) =>
  r ? { '@average': r.average, ...(r.peak ? { '@peak': r.peak } : {}), ...(r.burst ? { '@burst': r.burst } : {}), ...(r.floor ? { '@floor': r.floor } : {}) } : undefined;
/** The `<bandwidth>` element's content, for xmlDocument (a NIC's `<interface>`, a `<network>`). */
export const bandwidthElement = (b: BandwidthFields) => ({ inbound: rate(b.inbound), outbound: rate(b.outbound) });

/** The model's view of what `b` sets (null: no shaping). */
export function modelBandwidth(b: BandwidthFields | undefined): Bandwidth | null {
  if (!hasRates(b)) return null;
  const dir = (r: RateFields | undefined) => (r ? { average: r.average, peak: r.peak ?? null, burst: r.burst ?? null, floor: r.floor ?? null } : null);
  return { inbound: dir(b.inbound), outbound: dir(b.outbound) };
}

/** One direction's average, peak and burst as they stand; none without an average (libvirt shapes nothing then). */
const rateFieldsOf = (d: BandwidthDirection | null | undefined) =>
  d && d.average !== null ? { average: d.average, ...(d.peak !== null ? { peak: d.peak } : {}), ...(d.burst !== null ? { burst: d.burst } : {}) } : undefined;

/** A network's shaping as it stands, in the fields its operations take (a network has no floor). */
export function networkBandwidthFields(b: Bandwidth | null | undefined): { inbound?: z.output<typeof ZRate>; outbound?: z.output<typeof ZRate> } {
  const inbound = rateFieldsOf(b?.inbound);
  const outbound = rateFieldsOf(b?.outbound);
  return { ...(inbound ? { inbound } : {}), ...(outbound ? { outbound } : {}) };
}

/** A VM NIC's shaping as it stands, in the fields its operations take: the network's, plus its inbound floor (the inverse of a bandwidth change). */
export function bandwidthFields(b: Bandwidth | null): BandwidthFields {
  const { inbound, outbound } = networkBandwidthFields(b);
  const floor = b?.inbound?.floor ?? null;
  return { ...(inbound ? { inbound: { ...inbound, ...(floor !== null ? { floor } : {}) } } : {}), ...(outbound ? { outbound } : {}) };
}

/** "inbound 8.0 Mbit/s (peak 40.0 Mbit/s, burst 1024 KiB), outbound 1.0 Mbit/s": a network's limits, for describe. */
export function networkBandwidthInWords(b: BandwidthFields): string {
  const dir = (label: string, r: RateFields | undefined) => {
    if (!r) return [];
    const more = [r.peak ? `peak ${libvirtRateInWords(r.peak)}` : '', r.burst ? `burst ${r.burst} KiB` : ''].filter(Boolean);
    return [`${label} ${libvirtRateInWords(r.average)}${more.length ? ` (${more.join(', ')})` : ''}`];
  };
  return [...dir('inbound', b.inbound), ...dir('outbound', b.outbound)].join(', ');
}

/** What a network of libvirt's own bridge is given, when created and when edited. */
export const networkSettingsFields = {
  ipv4: ZNetworkAddressing.optional(),
  ipv6: ZNetworkAddressing.optional(),
  domain: ZDomainName.optional(),
  mtu: ZMtu.optional(),
  /** NAT source ports (libvirt's default is 1024-65535). */
  natPorts: z.object({ start: z.number().int().min(1).max(65535), end: z.number().int().min(1).max(65535) }).optional(),
  /** Limits on all the network's VM traffic together; left out: none. */
  bandwidth: ZNetworkBandwidth.optional(),
};

/**
 * A network's settings as they stand, in the fields editNetwork takes: an edit of one part
 * (say the IPv4 range) starts from these, so it keeps the rest (IPv6, domain, NAT ports, bandwidth).
 */
export function networkSettingsOf(n: LibvirtNetwork): {
  ipv4?: NetworkAddressing;
  ipv6?: NetworkAddressing;
  domain?: string;
  mtu?: number;
  natPorts?: { start: number; end: number };
  bandwidth?: NetworkBandwidth;
} {
  const family = (f: Family): NetworkAddressing | undefined => {
    const ip = n.ips.find((x) => x.family === f);
    return ip
      ? {
          address: ip.address,
          prefixLength: ip.prefixLength,
          dhcpRanges: ip.dhcpRanges,
          hosts: ip.staticHosts.map((h) => ({ ...(h.mac ? { mac: h.mac } : {}), ...(h.id ? { id: h.id } : {}), ...(h.name ? { name: h.name } : {}), ip: h.ip })),
        }
      : undefined;
  };
  const definition = n.definition ?? '';
  const domain = /<domain\b[^>]*\bname=['"]([^'"]+)['"]/.exec(definition)?.[1];
  const ports = /<nat\b[^>]*>[\s\S]*?<port\b[^>]*\bstart=['"](\d+)['"][^>]*\bend=['"](\d+)['"]/.exec(definition);
  const ipv4 = family('ipv4');
  const ipv6 = family('ipv6');
  const bandwidth = networkBandwidthFields(n.bandwidth);
  return {
    ...(ipv4 ? { ipv4 } : {}),
    ...(ipv6 ? { ipv6 } : {}),
    ...(domain ? { domain } : {}),
    ...(n.mtu ? { mtu: n.mtu } : {}),
    ...(ports ? { natPorts: { start: Number(ports[1]), end: Number(ports[2]) } } : {}),
    ...(hasRates(bandwidth) ? { bandwidth } : {}),
  };
}

/** Forward modes Switchboard creates (libvirt's names); macvtap pools take `devices`. */
export const CREATABLE_MODES = ['nat', 'route', 'open', 'isolated', 'bridge', 'private', 'vepa', 'passthrough'] as const;
export type CreatableMode = (typeof CREATABLE_MODES)[number];

/** Modes whose bridge libvirt creates and addresses itself. */
export const OWN_BRIDGE_MODES: readonly string[] = ['nat', 'route', 'open', 'isolated'];
export const MACVTAP_MODES: readonly string[] = ['private', 'vepa', 'passthrough'];

export const MODE_WORDS: Record<string, string> = {
  nat: 'NAT',
  route: 'routed',
  open: 'open',
  isolated: 'isolated',
  bridge: 'bridged',
  private: 'macvtap (private)',
  vepa: 'macvtap (VEPA)',
  passthrough: 'macvtap (passthrough)',
};

export const networkNamed = (t: Topology, name: string): LibvirtNetwork | undefined => t.networks.find((n) => n.name === name);

/** libvirt answers on the host; every libvirt kind needs it. */
export function needLibvirt(c: Checks): boolean {
  if (c.t.host.libvirtAvailable) return true;
  c.errors.push(`libvirt does not answer on ${c.t.host.hostname}; start libvirtd there (or install it) before changing its networks or VMs.`);
  return false;
}

export function needNetwork(c: Checks, name: string): LibvirtNetwork | undefined {
  if (!needLibvirt(c)) return undefined;
  const n = networkNamed(c.t, name);
  if (!n) c.errors.push(`There is no libvirt network ${name} on this host (or an earlier operation removes it).`);
  return n;
}

/** A VM NIC is on a network: by name (type network) or on its bridge (type bridge). */
export function nicOnNetwork(nic: VmNic, n: LibvirtNetwork): boolean {
  // A NIC plugged straight into a network's bridge depends on it only when libvirt owns that
  // bridge (it goes with the network); a bridged network's bridge stays whatever the network does.
  const own = ownBridge(n);
  return (nic.type === 'network' && nic.source === n.name) || (own !== null && nic.type === 'bridge' && nic.source === own);
}

/** "db1, web1" for the VMs with a NIC on the network; running ones are the ones a stop cuts off. */
export function vmsOnNetwork(t: Topology, n: LibvirtNetwork): { all: string[]; running: string[] } {
  const on = t.vms.filter((vm) => vm.nics.some((nic) => nicOnNetwork(nic, n)));
  return { all: on.map((v) => v.name), running: on.filter((v) => v.state === 'running' || v.state === 'paused').map((v) => v.name) };
}

/** The smallest virbrN neither an interface nor another network uses. */
export function freeBridgeName(t: Topology): string {
  const taken = new Set([...t.interfaces.map((i) => i.name), ...t.networks.flatMap((n) => (n.bridge ? [n.bridge] : []))]);
  for (let i = 0; ; i++) if (!taken.has(`virbr${i}`)) return `virbr${i}`;
}

/** The bridge a created network will have: the one asked for, or a free virbrN. */
export const bridgeFor = (op: { mode: string; bridge?: string | undefined }, t: Topology): string | null =>
  OWN_BRIDGE_MODES.includes(op.mode) || op.mode === 'bridge' ? (op.bridge ?? (op.mode === 'bridge' ? null : freeBridgeName(t))) : null;

/** Checks one family's addressing of a network: the address, its prefix, ranges and hosts, in words. */
export function checkAddressing(c: Checks, network: string, family: Family, a: NetworkAddressing): void {
  const label = `${network}'s ${family === 'ipv4' ? 'IPv4' : 'IPv6'}`;
  if (familyOf(a.address) !== family) {
    c.errors.push(`${label} address ${a.address} is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address.`);
    return;
  }
  const [min, max] = family === 'ipv4' ? [8, 30] : [64, 64];
  if (a.prefixLength < min || a.prefixLength > max) {
    c.errors.push(family === 'ipv4' ? `${label} prefix /${a.prefixLength} is outside /8-/30, what a network with DHCP can use.` : `${label} prefix must be /64 (DHCPv6 and router advertisements need it); /${a.prefixLength} was given.`);
    return;
  }
  const net = networkAddress(a.address, a.prefixLength);
  const cidr = `${net}/${a.prefixLength}`;
  const special = new Set([net, broadcastAddress(a.address, a.prefixLength)].filter((x): x is string => x !== null));
  if (special.has(a.address)) c.errors.push(`${label} address ${a.address} is the network or broadcast address of ${cidr}; the host needs a host address, like ${family === 'ipv4' ? net.replace(/\d+$/, (d) => String(Number(d) + 1)) : `${net}1`}.`);
  const inside = (ip: string) => inSubnet(ip, a.address, a.prefixLength);
  for (const r of a.dhcpRanges) {
    const where = `DHCP range ${r.start}-${r.end}`;
    if (!inside(r.start) || !inside(r.end)) c.errors.push(`${where} of ${network} is not inside its subnet ${cidr}.`);
    else if (compareIps(r.start, r.end) > 0) c.errors.push(`${where} of ${network} ends before it starts.`);
    else {
      if (compareIps(r.start, a.address) <= 0 && compareIps(a.address, r.end) <= 0) c.errors.push(`${where} of ${network} holds the host's own address ${a.address}; start the range after it.`);
      for (const s of special) if (s !== a.address && compareIps(r.start, s) <= 0 && compareIps(s, r.end) <= 0) c.errors.push(`${where} of ${network} holds ${s}, the network or broadcast address of ${cidr}.`);
    }
  }
  a.dhcpRanges.forEach((r, i) =>
    a.dhcpRanges.slice(i + 1).forEach((o) => {
      if (compareIps(r.start, o.end) <= 0 && compareIps(o.start, r.end) <= 0) c.errors.push(`DHCP ranges ${r.start}-${r.end} and ${o.start}-${o.end} of ${network} overlap.`);
    }),
  );
  const seenMac = new Map<string, string>();
  const seenIp = new Map<string, string>();
  for (const h of a.hosts) checkDhcpHost(c, network, a, h, seenMac, seenIp);
}

/** One static DHCP host against its network's addressing (and the hosts checked before it). */
export function checkDhcpHost(
  c: Checks,
  network: string,
  a: { address: string; prefixLength: number },
  h: DhcpHostLike,
  seenMac: Map<string, string>,
  seenIp: Map<string, string>,
): void {
  const who = `static host ${h.name ?? h.mac ?? (h.id ? `DUID ${h.id}` : h.ip)}`;
  if (!inSubnet(h.ip, a.address, a.prefixLength)) c.errors.push(`The ${who} of ${network} has ${h.ip}, outside the network's subnet ${networkAddress(a.address, a.prefixLength)}/${a.prefixLength}.`);
  if (compareIps(h.ip, a.address) === 0) c.errors.push(`The ${who} of ${network} has ${h.ip}, the host's own address on the network.`);
  if (familyOf(a.address) === 'ipv4') {
    if (!h.mac) c.errors.push(`The ${who} of ${network} needs a MAC address (DHCPv4 knows hosts by MAC).`);
    if (h.id) c.errors.push(`The ${who} of ${network} has a DUID; DHCPv4 knows hosts by MAC, so give its MAC instead.`);
  } else {
    if (h.mac) c.errors.push(`The ${who} of ${network} has a MAC; DHCPv6 knows hosts by DUID or name, and libvirt refuses a MAC in an IPv6 reservation.`);
    if (!h.id && !h.name) c.errors.push(`The ${who} of ${network} needs a DUID or a name (DHCPv6 knows hosts by them).`);
  }
  for (const key of [h.mac, h.id]) {
    if (!key) continue;
    const other = seenMac.get(key);
    if (other) c.errors.push(`${key === h.mac ? 'MAC' : 'DUID'} ${key} is reserved twice on ${network}: for ${other} and for ${h.ip}.`);
    seenMac.set(key, h.ip);
  }
  const otherIp = seenIp.get(h.ip);
  if (otherIp) c.errors.push(`${h.ip} is reserved twice on ${network}: for ${otherIp} and for ${h.mac ?? h.id ?? h.name ?? 'another host'}.`);
  seenIp.set(h.ip, h.mac ?? h.id ?? h.name ?? h.ip);
}

/** A network's settings (networkSettingsFields): NAT ports, bandwidth, and each family's addressing, free on the host. */
export function checkNetworkSettings(
  c: Checks,
  network: string,
  s: { mode: string; natPorts?: { start: number; end: number } | undefined; ipv4?: NetworkAddressing | undefined; ipv6?: NetworkAddressing | undefined; bandwidth?: BandwidthFields | undefined },
): void {
  if (s.natPorts && s.natPorts.start > s.natPorts.end) c.errors.push(`NAT ports ${s.natPorts.start}-${s.natPorts.end} end before they start.`);
  checkNetworkBandwidth(c, network, s.mode, s.bandwidth);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const a = s[family];
    if (!a) continue;
    checkAddressing(c, network, family, a);
    if (!c.errors.length) checkSubnetFree(c, network, a);
  }
}

/**
 * A network's limits: libvirt shapes only the bridge it makes itself, a peak is at least the
 * average, and a VM NIC's guaranteed rate (floor) on the network needs an inbound average to
 * be shared out of (libvirt refuses to start such a NIC otherwise).
 */
function checkNetworkBandwidth(c: Checks, network: string, mode: string, b: BandwidthFields | undefined): void {
  if (hasRates(b)) {
    if (!OWN_BRIDGE_MODES.includes(mode)) c.errors.push(`A ${MODE_WORDS[mode] ?? mode} network takes no bandwidth limit: libvirt shapes only NAT, routed, open and isolated networks, on the bridge it makes for them. Limit the VMs' NICs instead.`);
    for (const [dir, r] of [['inbound', b.inbound], ['outbound', b.outbound]] as const) {
      if (r?.peak !== undefined && r.peak < r.average) c.errors.push(`The ${dir} peak of network ${network} (${libvirtRateInWords(r.peak)}) is below its average (${libvirtRateInWords(r.average)}); a peak is the most it may send in a burst.`);
    }
  }
  if (b?.inbound) return;
  const floored = new Set<string>();
  for (const vm of c.t.vms) {
    for (const nic of [...vm.nics, ...(vm.configNics ?? [])]) {
      if (nic.type === 'network' && nic.source === network && nic.bandwidth?.inbound?.floor != null) floored.add(`${vm.name}'s NIC ${nic.mac ?? '(no MAC)'}`);
    }
  }
  for (const who of floored) c.errors.push(`${who} has a guaranteed rate (floor) on network ${network}, which libvirt shares out of the network's inbound average; keep an inbound limit on ${network}, or take the floor off the NIC first.`);
}

/** Subnets on the host a new network's subnet must not overlap: other networks, interface addresses, routes. */
export function checkSubnetFree(c: Checks, network: string, a: { address: string; prefixLength: number }): void {
  c.errors.push(...subnetClashes(c.t, network, a));
}

/**
 * Where `network`'s subnet `a` overlaps the rest of host `t`: another network's subnet, an
 * interface address outside the network's own bridge, or a route not through it; in words.
 */
export function subnetClashes(t: Topology, network: string, a: { address: string; prefixLength: number }, skipNetworks: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const cidr = `${networkAddress(a.address, a.prefixLength)}/${a.prefixLength}`;
  for (const n of t.networks) {
    if (n.name === network || skipNetworks.has(n.name)) continue;
    for (const ip of n.ips) if (subnetsOverlap(a, ip)) out.push(`${network}'s subnet ${cidr} overlaps network ${n.name}'s ${networkAddress(ip.address, ip.prefixLength)}/${ip.prefixLength}.`);
  }
  const ownBridges = new Set(t.networks.flatMap((n) => ownBridge(n) ?? []));
  for (const i of t.interfaces) {
    if (ownBridges.has(i.name) || i.kind === 'loopback') continue;
    for (const x of i.addresses) {
      if (x.scope === 'link' || x.scope === 'host') continue;
      if (subnetsOverlap(a, x)) out.push(`${network}'s subnet ${cidr} overlaps ${i.name}'s address ${x.address}/${x.prefixLength}; VMs could not reach that part of the host's network.`);
    }
  }
  for (const r of t.routes) {
    if (r.dst === 'default' || (r.dev && ownBridges.has(r.dev)) || r.protocol === 'kernel') continue;
    const [address, prefix] = r.dst.split('/');
    const route = { address: address!, prefixLength: prefix ? Number(prefix) : address!.includes(':') ? 128 : 32 };
    if (subnetsOverlap(a, route)) out.push(`${network}'s subnet ${cidr} overlaps the host's route to ${r.dst}${r.dev ? ` via ${r.dev}` : ''}.`);
  }
  return out;
}

export interface NetworkSpec {
  name: string;
  mode: CreatableMode;
  bridge: string | null;
  devices: string[];
  ipv4?: NetworkAddressing | undefined;
  ipv6?: NetworkAddressing | undefined;
  domain?: string | undefined;
  mtu?: number | undefined;
  natPorts?: { start: number; end: number } | undefined;
  bandwidth?: BandwidthFields | undefined;
}

const ipElement = (family: Family, a: NetworkAddressing) => ({
  ...(family === 'ipv6' ? { '@family': 'ipv6' } : {}),
  '@address': a.address,
  '@prefix': a.prefixLength,
  ...(a.dhcpRanges.length || a.hosts.length
    ? {
        dhcp: {
          range: a.dhcpRanges.map((r) => ({ '@start': r.start, '@end': r.end })),
          host: a.hosts.map(dhcpHostElement),
        },
      }
    : {}),
});

/** A static host as the network's documents carry it. */
export type DhcpHostLike = { mac?: string | null | undefined; id?: string | null | undefined; name?: string | null | undefined; ip: string };

const dhcpHostElement = (h: DhcpHostLike) => ({
  ...(h.mac ? { '@mac': h.mac } : {}),
  ...(h.id ? { '@id': h.id } : {}),
  ...(h.name ? { '@name': h.name } : {}),
  '@ip': h.ip,
});

/** One static host as `net-update ... ip-dhcp-host` takes it. */
export const dhcpHostDocument = (h: DhcpHostLike): string => xmlDocument('host', dhcpHostElement(h));

/** The network document `virsh net-define` takes. */
export function networkDocument(s: NetworkSpec): string {
  const forward =
    s.mode === 'isolated'
      ? undefined
      : {
          '@mode': s.mode,
          ...(s.mode === 'nat' && s.natPorts ? { nat: { port: { '@start': s.natPorts.start, '@end': s.natPorts.end } } } : {}),
          ...(s.devices.length ? { interface: s.devices.map((d) => ({ '@dev': d })) } : {}),
        };
  return xmlDocument('network', {
    name: s.name,
    forward,
    bridge: s.bridge ? { '@name': s.bridge, ...(OWN_BRIDGE_MODES.includes(s.mode) ? { '@stp': 'on', '@delay': '0' } : {}) } : undefined,
    mtu: s.mtu ? { '@size': s.mtu } : undefined,
    domain: s.domain ? { '@name': s.domain } : undefined,
    // Where libvirt writes it (after domain and DNS, before the addresses).
    bandwidth: hasRates(s.bandwidth) ? bandwidthElement(s.bandwidth) : undefined,
    ip: [...(s.ipv4 ? [ipElement('ipv4', s.ipv4)] : []), ...(s.ipv6 ? [ipElement('ipv6', s.ipv6)] : [])],
  });
}

/** The model's view of a network's addressing. */
export const modelIps = (s: Pick<NetworkSpec, 'ipv4' | 'ipv6'>): LibvirtNetwork['ips'] =>
  (['ipv4', 'ipv6'] as const).flatMap((family) => {
    const a = s[family];
    return a ? [{ family, address: a.address, prefixLength: a.prefixLength, dhcpRanges: a.dhcpRanges, staticHosts: a.hosts.map((h) => ({ mac: h.mac ?? null, id: h.id ?? null, name: h.name ?? null, ip: h.ip })) }] : [];
  });


const ipsText = (n: LibvirtNetwork): string =>
  n.ips
    .map((ip) => `${ip.address}/${ip.prefixLength} ranges ${ip.dhcpRanges.map((r) => `${r.start}-${r.end}`).join(',')} hosts ${ip.staticHosts.map((h) => `${h.mac ?? h.id ?? h.name ?? ''}=${h.ip}`).join(',')}`)
    .join('; ');

/** After apply: how the network `name` differs from what the plan intended, in sentences. */
export function networkDifferences(name: string, intended: Topology, after: Topology): string[] {
  const want = networkNamed(intended, name);
  const have = networkNamed(after, name);
  if (!want && have) return [`Network ${name} should be gone but libvirt still has it.`];
  if (want && !have) return [`Network ${name} should exist but libvirt has no such network.`];
  if (!want || !have) return [];
  const fields: [string, (n: LibvirtNetwork) => unknown][] = [
    ['mode', (n) => n.mode],
    ['bridge', (n) => n.bridge],
    ['state', (n) => (n.active ? 'active' : 'inactive')],
    ['autostart', (n) => (n.autostart ? 'on' : 'off')],
    ['addressing', ipsText],
    // An older read has no bandwidth at all (undefined): nothing to compare it with.
    ...(want.bandwidth !== undefined && have.bandwidth !== undefined ? [['bandwidth', (n: LibvirtNetwork) => (n.bandwidth ? bandwidthInWords(n.bandwidth) : 'no limit')] as [string, (n: LibvirtNetwork) => unknown]] : []),
  ];
  return fields.flatMap(([label, of]) => (of(want) === of(have) ? [] : [`Network ${name}: ${label} is ${JSON.stringify(of(have))}, the plan intended ${JSON.stringify(of(want))}.`]));
}

/** Replaces the network `name` (or removes it with `null`). */
export const updateNetwork = (t: Topology, name: string, change: (n: LibvirtNetwork) => LibvirtNetwork | null): Topology => ({
  ...t,
  networks: t.networks.flatMap((n) => (n.name === name ? [change(n)].filter((x): x is LibvirtNetwork => x !== null) : [n])),
});

/** The taps of running VMs on the network, which must be put back on its bridge after it starts. */
export function tapsOnNetwork(t: Topology, n: LibvirtNetwork): string[] {
  const names = new Set(t.interfaces.map((i) => i.name));
  return t.vms.flatMap((vm) => vm.nics.filter((nic) => nicOnNetwork(nic, n) && nic.target !== null && names.has(nic.target)).map((nic) => nic.target!));
}

/** The network's own bridge, when libvirt makes it (and removes it on stop). */
export const ownBridge = (n: LibvirtNetwork): string | null => (OWN_BRIDGE_MODES.includes(n.mode) ? n.bridge : null);

/** The topology once the network stops: its own bridge is gone, the VM taps on it are left without a master. */
export function stopped(t: Topology, n: LibvirtNetwork): Topology {
  const bridge = ownBridge(n);
  const withState = updateNetwork(t, n.name, (x) => ({ ...x, active: false }));
  if (!bridge) return withState;
  return { ...withState, interfaces: withState.interfaces.filter((i) => i.name !== bridge).map((i) => (i.master === bridge ? { ...i, master: null, bridgePort: null } : i)) };
}

/** `net-destroy`, undone by starting it again and putting the running VMs' taps back on its bridge. */
export function stopCommand(t: Topology, n: LibvirtNetwork): PlannedCommand {
  const bridge = ownBridge(n);
  const reattach = bridge ? tapsOnNetwork(t, n).map((tap) => link(tap, 'master', bridge)) : [];
  return cmd(virsh('net-destroy', n.name), [virsh('net-start', n.name), ...reattach]);
}

/** Sentence for the confirmation a stop or delete needs when VMs are on the network. */
export function cutOff(t: Topology, n: LibvirtNetwork, verb: string): string | null {
  const { running, all } = vmsOnNetwork(t, n);
  if (running.length) return `${verb} network ${n.name}, which running VM${running.length > 1 ? 's' : ''} ${running.join(', ')} ${running.length > 1 ? 'are' : 'is'} on: they lose it`;
  if (all.length && verb === 'deletes') return `deletes network ${n.name}, which ${all.join(', ')} ${all.length > 1 ? 'use' : 'uses'}: ${all.length > 1 ? 'they' : 'it'} cannot start until it is back`;
  return null;
}

/** The topology once the network runs: libvirt makes its own bridge (up, STP on, its addresses) and the running VMs' taps are on it. */
export function started(t: Topology, n: LibvirtNetwork): Topology {
  const withState = updateNetwork(t, n.name, (x) => ({ ...x, active: true }));
  const bridge = ownBridge(n);
  if (!bridge || t.interfaces.some((i) => i.name === bridge)) return withState;
  const addresses = n.ips.map((ip) => ({ family: ip.family === 'ipv4' ? ('inet' as const) : ('inet6' as const), address: ip.address, prefixLength: ip.prefixLength, scope: 'global', dynamic: false }));
  const taps = new Set(tapsOnNetwork(t, n));
  const br = interfaceWith(bridge, 'bridge', { adminUp: true, mtu: n.mtu ?? 1500, bridge: { stp: true, vlanFiltering: false, forwardDelayCs: 0, vlans: [] }, addresses });
  return { ...withState, interfaces: [...withState.interfaces.map((i) => (taps.has(i.name) ? { ...i, master: bridge } : i)), br] };
}

/** `net-start`, then the running VMs' taps back on its bridge (libvirt does not always put them back itself). */
export function startCommands(t: Topology, n: LibvirtNetwork): PlannedCommand[] {
  const bridge = ownBridge(n);
  return [
    cmd(virsh('net-start', n.name), [virsh('net-destroy', n.name)]),
    ...(bridge ? tapsOnNetwork(t, n).map((tap) => cmd(link(tap, 'master', bridge), [])) : []),
  ];
}

/** The libvirt DHCP range on the host that holds `ip`, if any. */
export function dhcpRangeHolding(t: Topology, ip: string): { network: string; start: string; end: string } | null {
  for (const n of t.networks) {
    for (const x of n.ips) {
      for (const r of x.dhcpRanges) {
        if (familyOf(r.start) === familyOf(ip) && compareIps(r.start, ip) <= 0 && compareIps(ip, r.end) <= 0) return { network: n.name, ...r };
      }
    }
  }
  return null;
}
