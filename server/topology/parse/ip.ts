// `ip -j -s -d link`, `ip -j addr`, `ip -j route` (and `ip -j -s link` in reads before December
// 2026): JSON from iproute2, validated
// loosely (unknown fields are ignored, unknown kinds become `other`).
import { z } from 'zod';
import type { Counters, InterfaceKind, IpAddress, Neighbour, NetInterface, Route } from '../model';
import { parseJsonSection, parseJsonValue, validateSection } from './json';

const ZLinkInfo = z.object({
  info_kind: z.string().optional(),
  info_data: z.record(z.string(), z.unknown()).optional(),
  info_slave_kind: z.string().optional(),
  info_slave_data: z.record(z.string(), z.unknown()).optional(),
});

const ZLink = z.object({
  ifindex: z.number().int(),
  ifname: z.string().min(1),
  flags: z.array(z.string()).default([]),
  mtu: z.number().int(),
  operstate: z.string().default('UNKNOWN'),
  link_type: z.string().optional(),
  address: z.string().optional(),
  /** The hardware address, when the current one differs (a bond member carries the bond's). */
  permaddr: z.string().optional(),
  master: z.string().optional(),
  link: z.string().nullable().optional(),
  link_index: z.number().int().optional(),
  link_netnsid: z.number().int().optional(),
  linkinfo: ZLinkInfo.optional(),
});
export type IpLink = z.infer<typeof ZLink>;

export const ZLinks = z.array(ZLink);

const KNOWN_KINDS: Record<string, InterfaceKind> = {
  bridge: 'bridge',
  bond: 'bond',
  vlan: 'vlan',
  veth: 'veth',
  dummy: 'dummy',
  vxlan: 'vxlan',
  macvlan: 'macvlan',
  macvtap: 'macvtap',
};

function kindOf(link: IpLink): InterfaceKind {
  const raw = link.linkinfo?.info_kind;
  if (!raw) {
    if (link.link_type === 'loopback' || link.flags.includes('LOOPBACK')) return 'loopback';
    return link.link_type === 'ether' ? 'ethernet' : 'other';
  }
  if (raw === 'tun') return link.linkinfo?.info_data?.type === 'tap' ? 'tap' : 'tun';
  return KNOWN_KINDS[raw] ?? 'other';
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Point-to-point tunnels, shown with their endpoints. The IP ones (gre, ipip, sit, ip6gre, ...)
 * have the local IP where a MAC would be; gretap and ip6gretap carry Ethernet and have a MAC.
 */
const TUNNEL_KINDS = new Set(['gre', 'gretap', 'ipip', 'sit', 'ip6gre', 'ip6gretap', 'ip6tnl', 'vti', 'vti6', 'ip6_vti', 'erspan', 'ip6erspan']);
/** A 48-bit Ethernet address; link types such as gre, sit or ipip carry an IP in the same field. */
const ETHERNET_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

function macOf(link: IpLink): string | null {
  if (!link.address || link.link_type === 'loopback' || !ETHERNET_MAC.test(link.address)) return null;
  // A tunnel that reports an address-shaped value of another link type is still not Ethernet.
  return link.link_type === undefined || link.link_type === 'ether' || link.link_type === 'none' ? link.address : null;
}

/** One interface from its `ip -j -d link` entry; addresses, ports and owners are added later. */
export function interfaceFromLink(link: IpLink): NetInterface {
  const kind = kindOf(link);
  const data = link.linkinfo?.info_data ?? {};
  // `link` names the lower device (or the veth peer) when it is in this namespace; a peer in
  // another namespace shows as link_netnsid + link_index, or as "ifNNN".
  const lowerName = link.link && !/^if\d+$/.test(link.link) && link.link_netnsid === undefined ? link.link : null;
  const elsewhere = link.link_netnsid !== undefined || (link.link !== undefined && link.link !== null && /^if\d+$/.test(link.link));
  return {
    name: link.ifname,
    index: link.ifindex,
    kind,
    rawKind: link.linkinfo?.info_kind ?? null,
    mac: macOf(link),
    // A bond member's own address, which the bonding driver saved when it took the device and
    // gives back when it lets go (perm_hwaddr); iproute2's permaddr is the hardware's, which
    // virtual devices such as veths do not have.
    permanentMac: ((m) => (m && ETHERNET_MAC.test(m) ? m : null))(
      (link.linkinfo?.info_slave_kind === 'bond' ? str(link.linkinfo.info_slave_data?.perm_hwaddr) : null) ?? link.permaddr ?? null,
    ),
    mtu: link.mtu,
    operstate: link.operstate,
    adminUp: link.flags.includes('UP'),
    carrier: link.flags.includes('LOWER_UP'),
    master: link.master ?? null,
    parent: kind === 'veth' ? null : kind === 'vxlan' ? str(data.link) ?? lowerName : lowerName,
    peer: kind === 'veth' ? lowerName : null,
    peerIfindexElsewhere: kind === 'veth' && elsewhere ? (link.link_index ?? (Number(link.link?.slice(2)) || null)) : null,
    vlan: kind === 'vlan' ? { id: num(data.id) ?? 0, protocol: str(data.protocol) ?? '802.1Q' } : null,
    vxlan:
      kind === 'vxlan'
        ? {
            vni: num(data.id) ?? 0,
            local: str(data.local) ?? str(data.local6),
            group: str(data.group) ?? str(data.group6),
            remote: str(data.remote) ?? str(data.remote6),
            port: num(data.port),
          }
        : null,
    tunnel: TUNNEL_KINDS.has(link.linkinfo?.info_kind ?? '') ? { local: str(data.local), remote: str(data.remote) } : null,
    macvlanMode: kind === 'macvlan' || kind === 'macvtap' ? str(data.mode) : null,
    bridge:
      kind === 'bridge'
        ? { stp: data.stp_state === 1 || data.stp_state === 2, vlanFiltering: data.vlan_filtering === 1, forwardDelayCs: num(data.forward_delay), vlans: [] }
        : null,
    bond: kind === 'bond' ? { mode: str(data.mode) ?? 'unknown', miimon: num(data.miimon) } : null,
    bridgePort:
      link.linkinfo?.info_slave_kind === 'bridge'
        ? { state: str(link.linkinfo.info_slave_data?.state), vlans: [] }
        : null,
    addresses: [],
    owner: null,
  };
}

// iproute2 before 4.17 prints interfaces and addresses that a filter left out as empty objects
// (`{"addr_info":[{},{}]}` for lo under `ip -j addr show dev ens18`); they carry nothing and are skipped.
const ZAddrInfo = z.looseObject({
  family: z.string().optional(),
  local: z.string().optional(),
  prefixlen: z.number().int().optional(),
  scope: z.string().default('global'),
  dynamic: z.boolean().optional(),
});
export const ZAddrs = z.array(z.looseObject({ ifname: z.string().optional(), addr_info: z.array(ZAddrInfo).default([]) }));

export function parseAddresses(body: string): Map<string, IpAddress[]> {
  const out = new Map<string, IpAddress[]>();
  for (const entry of parseJsonSection('addr', body, ZAddrs)) {
    if (!entry.ifname) continue;
    const addresses: IpAddress[] = [];
    for (const a of entry.addr_info) {
      if ((a.family !== 'inet' && a.family !== 'inet6') || !a.local || a.prefixlen === undefined) continue;
      addresses.push({ family: a.family, address: a.local, prefixLength: a.prefixlen, scope: a.scope, dynamic: a.dynamic === true });
    }
    out.set(entry.ifname, addresses);
  }
  return out;
}

const ZRoute = z.looseObject({
  dst: z.string(),
  gateway: z.string().optional(),
  dev: z.string().optional(),
  protocol: z.string().optional(),
  scope: z.string().optional(),
  prefsrc: z.string().optional(),
  metric: z.number().optional(),
});

export function parseRoutes(body: string): Route[] {
  return parseJsonSection('route', body, z.array(ZRoute)).map((r) => ({
    dst: r.dst,
    gateway: r.gateway ?? null,
    dev: r.dev ?? null,
    protocol: r.protocol ?? null,
    scope: r.scope ?? null,
    prefsrc: r.prefsrc ?? null,
    metric: r.metric ?? null,
  }));
}

// Plain (stripping) objects, not loose ones: a loose object copies every field it does not know,
// and the link read's entries carry some forty besides these (a third of a large host's parse).
const ZDirection = z.object({
  bytes: z.number(),
  packets: z.number(),
  errors: z.number().default(0),
  dropped: z.number().default(0),
});
const ZStats = z.array(
  z.object({
    ifname: z.string(),
    flags: z.array(z.string()).default([]),
    stats64: z.object({ rx: ZDirection, tx: ZDirection }).optional(),
  }),
);

export interface LinkStats {
  counters: Record<string, Counters>;
  /** Whether each interface is up with carrier, from the same read as the counters. */
  linkUp: Record<string, boolean>;
}

/** The link_stats section of reads made before December 2026 (`ip -j -s link`). */
export function parseLinkStats(body: string): LinkStats {
  return linkStatsFromJson(parseJsonValue('link_stats', body));
}

/** Each interface's counters and link state from `ip -j -s link` (with or without -d). */
export function linkStatsFromJson(value: unknown): LinkStats {
  const counters: Record<string, Counters> = {};
  const linkUp: Record<string, boolean> = {};
  for (const l of validateSection('link_stats', value, ZStats)) {
    linkUp[l.ifname] = l.flags.includes('UP') && l.flags.includes('LOWER_UP');
    if (!l.stats64) continue;
    const { rx, tx } = l.stats64;
    counters[l.ifname] = {
      rxBytes: rx.bytes,
      txBytes: tx.bytes,
      rxPackets: rx.packets,
      txPackets: tx.packets,
      rxErrors: rx.errors,
      txErrors: tx.errors,
      rxDropped: rx.dropped,
      txDropped: tx.dropped,
    };
  }
  return { counters, linkUp };
}

export function parseLinks(body: string): NetInterface[] {
  return linksFromJson(parseJsonValue('link', body));
}

export function linksFromJson(value: unknown): NetInterface[] {
  return validateSection('link', value, ZLinks).map(interfaceFromLink);
}

/** `ip -j neigh show`: entries with a link-layer address (incomplete and failed ones have none). */
const ZNeighbours = z.array(z.looseObject({ dst: z.string(), dev: z.string().optional(), lladdr: z.string().optional() }));

export function parseNeighbours(body: string): Neighbour[] {
  // An empty table prints nothing at all on some iproute2 versions.
  if (!body.trim()) return [];
  return parseJsonSection('neigh', body, ZNeighbours).flatMap((n) =>
    n.dev && n.lladdr && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(n.lladdr) ? [{ ip: n.dst, dev: n.dev, mac: n.lladdr.toLowerCase() }] : [],
  );
}
