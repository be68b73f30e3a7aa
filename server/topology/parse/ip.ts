// `ip -j -d link`, `ip -j addr`, `ip -j route`, `ip -j -s link`: JSON from iproute2, validated
// loosely (unknown fields are ignored, unknown kinds become `other`).
import { z } from 'zod';
import type { Counters, InterfaceKind, IpAddress, NetInterface, Route } from '../model';
import { parseJsonSection } from './json';

const ZLinkInfo = z.looseObject({
  info_kind: z.string().optional(),
  info_data: z.record(z.string(), z.unknown()).optional(),
  info_slave_kind: z.string().optional(),
  info_slave_data: z.record(z.string(), z.unknown()).optional(),
});

const ZLink = z.looseObject({
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
    mac: link.address && link.link_type !== 'loopback' ? link.address : null,
    // A bond member's own address, which the bonding driver saved when it took the device and
    // gives back when it lets go (perm_hwaddr); iproute2's permaddr is the hardware's, which
    // virtual devices such as veths do not have.
    permanentMac: (link.linkinfo?.info_slave_kind === 'bond' ? str(link.linkinfo.info_slave_data?.perm_hwaddr) : null) ?? link.permaddr ?? null,
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
        ? { vni: num(data.id) ?? 0, local: str(data.local), group: str(data.group), remote: str(data.remote), port: num(data.port) }
        : null,
    macvlanMode: kind === 'macvlan' || kind === 'macvtap' ? str(data.mode) : null,
    bridge:
      kind === 'bridge'
        ? { stp: data.stp_state === 1 || data.stp_state === 2, vlanFiltering: data.vlan_filtering === 1, forwardDelayCs: num(data.forward_delay) }
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

const ZAddrInfo = z.looseObject({
  family: z.string(),
  local: z.string(),
  prefixlen: z.number().int(),
  scope: z.string().default('global'),
  dynamic: z.boolean().optional(),
});
export const ZAddrs = z.array(z.looseObject({ ifname: z.string(), addr_info: z.array(ZAddrInfo).default([]) }));

export function parseAddresses(body: string): Map<string, IpAddress[]> {
  const out = new Map<string, IpAddress[]>();
  for (const entry of parseJsonSection('addr', body, ZAddrs)) {
    out.set(
      entry.ifname,
      entry.addr_info
        .filter((a) => a.family === 'inet' || a.family === 'inet6')
        .map((a) => ({ family: a.family as 'inet' | 'inet6', address: a.local, prefixLength: a.prefixlen, scope: a.scope, dynamic: a.dynamic === true })),
    );
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

const ZDirection = z.looseObject({
  bytes: z.number(),
  packets: z.number(),
  errors: z.number().default(0),
  dropped: z.number().default(0),
});
const ZStats = z.array(
  z.looseObject({
    ifname: z.string(),
    flags: z.array(z.string()).default([]),
    stats64: z.looseObject({ rx: ZDirection, tx: ZDirection }).optional(),
  }),
);

/** Whether each interface is up with carrier, from the same read as the counters. */
export function parseLinkUp(body: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const l of parseJsonSection('link_stats', body, ZStats)) out[l.ifname] = l.flags.includes('UP') && l.flags.includes('LOWER_UP');
  return out;
}

export function parseCounters(body: string): Record<string, Counters> {
  const out: Record<string, Counters> = {};
  for (const l of parseJsonSection('link_stats', body, ZStats)) {
    if (!l.stats64) continue;
    const { rx, tx } = l.stats64;
    out[l.ifname] = {
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
  return out;
}

export function parseLinks(body: string): NetInterface[] {
  return parseJsonSection('link', body, ZLinks).map(interfaceFromLink);
}
