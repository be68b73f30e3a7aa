// NAT and port forwarding on the graph: a masquerade is an edge from the node that owns its
// source subnet to the node it leaves by, and a port forward a badge on the node its target
// address lives at. Pure, like graph.ts, which calls it once the nodes are drawn; the inspector
// calls it too (graph.ts firewallPlaces) to say what a NAT edge or a badge stands for.
import ipaddr from 'ipaddr.js';
import { addressesOfVms } from './addressing';
import { ifId, netId, vmId } from './graph-ids';
import type { GraphEdge } from './graph';
import type { MasqueradeRule, PortForwardRule, Topology } from './model';
import { acceptOf, forwardAcceptBlockedInWords, masqueradeInWords, portForwardBadge, portForwardInWords } from './words';

/** What a node shows of a port forward that ends at it: "tcp 8080 → 80", and the whole sentence for its tooltip. */
export interface PortForwardBadge {
  text: string;
  title: string;
  /** Why it carries nothing though its rules are there (its accept sits below libvirt's reject). */
  blocked?: string;
}

export interface NatEdge {
  edge: GraphEdge;
  /** The masquerades the edge stands for (libvirt writes several per network: TCP, UDP, the rest). */
  rules: MasqueradeRule[];
}

export interface PortForwardPlace {
  rule: PortForwardRule;
  badge: PortForwardBadge;
}

export interface FirewallOnGraph {
  nat: NatEdge[];
  /** Node id -> the port forwards that end at it, in the firewall's order. */
  portForwards: Map<string, PortForwardPlace[]>;
}

export const NAT_EDGE_LABEL = 'NAT (masquerade)';

/** Node ids join with `>`: `nat:net:default>if:eth0` (an interface name cannot hold one). */
export const natEdgeId = (source: string, target: string) => `nat:${source}>${target}`;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
interface Cidr {
  address: Address;
  prefix: number;
}

/** "192.168.122.0/24", or a single address as its own /32 or /128; null for what is not one (a set, a typo). */
function cidrOf(text: string): Cidr | null {
  try {
    if (text.includes('/')) {
      const [address, prefix] = ipaddr.parseCIDR(text);
      return { address, prefix };
    }
    const address = ipaddr.parse(text);
    return { address, prefix: address.kind() === 'ipv4' ? 32 : 128 };
  } catch {
    return null;
  }
}

/** Whether `inner` lies wholly within `outer` (equal counts; never across families). */
function within(inner: Cidr, outer: Cidr): boolean {
  return inner.address.kind() === outer.address.kind() && inner.prefix >= outer.prefix && inner.address.match(outer.address, outer.prefix);
}

const sameAddress = (a: string, b: string): boolean => {
  const x = cidrOf(a);
  const y = cidrOf(b);
  return x && y ? x.address.kind() === y.address.kind() && x.address.toNormalizedString() === y.address.toNormalizedString() : a === b;
};

/** The libvirt networks (running ones first, then the narrowest subnet) whose subnet holds `range`. */
function networksHolding(t: Topology, range: Cidr): string[] {
  const hits: { name: string; active: boolean; prefix: number }[] = [];
  for (const n of t.networks) {
    for (const ip of n.ips) {
      const subnet = cidrOf(`${ip.address}/${ip.prefixLength}`);
      if (subnet && within(range, subnet)) hits.push({ name: n.name, active: n.active, prefix: ip.prefixLength });
    }
  }
  hits.sort((a, b) => Number(b.active) - Number(a.active) || b.prefix - a.prefix);
  return hits.map((h) => h.name);
}

/** Interfaces with an address in `range` (a host address on the subnet the rule names). */
function interfacesWithAddressIn(t: Topology, range: Cidr): string[] {
  return t.interfaces
    .filter((i) =>
      i.addresses.some((a) => {
        const own = cidrOf(a.address);
        return a.scope !== 'host' && own !== null && within(own, range);
      }),
    )
    .map((i) => i.name);
}

/** Interfaces whose own subnet holds `address` (the link a target is reached on). */
function interfacesOnSubnetOf(t: Topology, address: Cidr): string[] {
  return t.interfaces
    .filter((i) =>
      i.addresses.some((a) => {
        const subnet = cidrOf(`${a.address}/${a.prefixLength}`);
        return a.scope !== 'host' && subnet !== null && within(address, subnet);
      }),
    )
    .map((i) => i.name);
}

/**
 * The device of the host's default route, the one the kernel prefers (lowest metric). Routes are
 * read from IPv4's main table; an IPv6 rule takes a default route through an IPv6 gateway only.
 */
export function defaultRouteDevice(t: Topology, family: 'ipv4' | 'ipv6' = 'ipv4'): string | null {
  const candidates = t.routes.filter((r) => r.dst === 'default' && r.dev !== null && (r.gateway === null ? family === 'ipv4' : cidrOf(r.gateway)?.address.kind() === family));
  candidates.sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
  return candidates[0]?.dev ?? null;
}

/**
 * The node that owns a masquerade's source subnet: the libvirt network whose range equals or
 * holds it, else an interface with an address in it; and the node it leaves by: its outgoing
 * interface, or with none named the device of the default route. Null when either is not drawn.
 */
export function masqueradeEnds(t: Topology, m: MasqueradeRule, drawn: ReadonlySet<string>): { source: string; target: string } | null {
  const range = m.source === null ? null : cidrOf(m.source);
  if (!range) return null;
  const owners = [...networksHolding(t, range).map(netId), ...interfacesWithAddressIn(t, range).map(ifId)];
  const source = owners.find((id) => drawn.has(id));
  const out = m.outInterface ?? defaultRouteDevice(t, range.address.kind());
  const target = out === null ? undefined : ifId(out);
  if (!source || !target || !drawn.has(target) || source === target) return null;
  return { source, target };
}

/**
 * Where a port forward ends: the VM whose NIC holds its address (a reservation, a lease, the
 * guest agent, the neighbour table; running VMs first), else the libvirt network or interface
 * whose subnet holds it. Null when no drawn node does (the host summary still lists it).
 */
export function portForwardNode(t: Topology, p: PortForwardRule, drawn: ReadonlySet<string>, vmAddresses = addressesOfVms(t)): string | null {
  for (const { vm, ips } of vmAddresses) if (ips.some((ip) => sameAddress(ip, p.toAddress)) && drawn.has(vmId(vm))) return vmId(vm);
  const address = cidrOf(p.toAddress);
  if (!address) return null;
  const candidates = [...networksHolding(t, address).map(netId), ...interfacesOnSubnetOf(t, address).map(ifId)];
  return candidates.find((id) => drawn.has(id)) ?? null;
}

/** The firewall's NAT edges and port-forward badges among the nodes `drawn`. Nothing when the firewall was not read. */
export function firewallOnGraph(t: Topology, drawn: ReadonlySet<string>): FirewallOnGraph {
  const nat = new Map<string, NatEdge>();
  const portForwards = new Map<string, PortForwardPlace[]>();
  if (!t.firewall) return { nat: [], portForwards };
  for (const m of t.firewall.masquerades) {
    const ends = masqueradeEnds(t, m, drawn);
    if (!ends) continue;
    const id = natEdgeId(ends.source, ends.target);
    const known = nat.get(id);
    if (known) known.rules.push(m);
    else nat.set(id, { edge: { id, source: ends.source, target: ends.target, kind: 'nat', label: NAT_EDGE_LABEL }, rules: [m] });
  }
  const vmAddresses = addressesOfVms(t);
  for (const p of t.firewall.portForwards) {
    const node = portForwardNode(t, p, drawn, vmAddresses);
    if (!node) continue;
    const accept = acceptOf(t.firewall, p);
    const blocked = accept && forwardAcceptBlockedInWords(accept);
    const place = { rule: p, badge: { text: portForwardBadge(p), title: portForwardInWords(p), ...(blocked ? { blocked } : {}) } };
    const here = portForwards.get(node) ?? [];
    // The same forward read twice (nftables and iptables-nft list one rule) is one badge.
    if (!here.some((h) => h.badge.title === place.badge.title)) portForwards.set(node, [...here, place]);
  }
  return { nat: [...nat.values()], portForwards };
}

/** The sentences of a NAT edge's masquerades, each once. */
export const natEdgeSentences = (e: NatEdge): string[] => [...new Set(e.rules.map(masqueradeInWords))];
