// Conflicts on a host and across the fleet, as they stand: one MAC or one address in two places,
// a reservation outside its subnet or leased to another NIC, a host address inside a DHCP range,
// subnets that overlap. Pure: the fleet page, the graph and the draft checks use it.
//
// Across hosts only what can meet on a wire counts: MACs, and the addresses of the hosts'
// own interfaces. A libvirt NAT or isolated network is private to its host, so its bridge
// address and its VMs' leases may repeat on every host (192.168.122.1 usually does).
import type { NetInterface, Topology } from '@/server/topology/model';
import { dhcpRangeHolding, ownBridge, subnetClashes } from './libvirt';
import { inSubnet, networkAddress, normalIp } from './subnets';

export interface ConflictHost {
  id: string;
  name: string;
  topology: Topology;
}

export interface Conflict {
  /** The same conflict has the same key on every read: a draft tells the ones it creates from those already there. */
  key: string;
  sentence: string;
  /** Where it shows: graph nodes (`if:eth0`, `vm:web1`, `net:default`) of each host. */
  places: { hostId: string; ref: string }[];
}

/** Who holds an identity on one host: one graph node or several (interfaces sharing a bond's MAC). */
export interface Holder {
  hostId: string;
  hostName: string;
  refs: string[];
  words: string;
  /** A VM's UUID: the same VM defined on two hosts (migrated, or kept on each node) is one holder. */
  vmUuid?: string;
}

const ZERO_MAC = '00:00:00:00:00:00';

/** MAC -> its holders on one host: each VM (live and kept NICs together), and its interfaces as one holder. */
export function macHolders(h: ConflictHost): Map<string, Holder[]> {
  const out = new Map<string, Holder[]>();
  const add = (mac: string, holder: Holder) => out.set(mac, [...(out.get(mac) ?? []), holder]);
  // A VM NIC's macvtap carries the VM's MAC on purpose; its tap (fe:54:…) does not matter either.
  const targets = new Set(h.topology.vms.flatMap((vm) => vm.nics.flatMap((n) => (n.target ? [n.target] : []))));
  // A passthrough pool gives its device the VM's MAC; libvirt's own bridges get MACs from their
  // definitions and never leave their host (a cloned host repeats them harmlessly).
  const passthrough = new Set(h.topology.networks.filter((n) => n.mode === 'passthrough').flatMap((n) => n.forwardDevices));
  const privateBridges = new Set(h.topology.networks.flatMap((n) => ownBridge(n) ?? []));
  for (const vm of h.topology.vms) {
    const macs = new Set([...vm.nics, ...(vm.configNics ?? [])].flatMap((n) => (n.mac ? [n.mac.toLowerCase()] : [])));
    for (const mac of macs) add(mac, { hostId: h.id, hostName: h.name, refs: [`vm:${vm.name}`], words: `VM ${vm.name}`, vmUuid: vm.uuid });
  }
  // Bonds, their members, VLANs and bridges share MACs by design: on one host they are one holder.
  const interfaces = new Map<string, string[]>();
  for (const i of h.topology.interfaces) {
    const mac = i.mac?.toLowerCase();
    if (!mac || mac === ZERO_MAC || i.kind === 'loopback' || targets.has(i.name) || passthrough.has(i.name) || privateBridges.has(i.name)) continue;
    interfaces.set(mac, [...(interfaces.get(mac) ?? []), i.name]);
  }
  for (const [mac, names] of interfaces) add(mac, { hostId: h.id, hostName: h.name, refs: names.map((n) => `if:${n}`), words: `${names.length > 1 ? 'interfaces' : 'interface'} ${names.join(', ')}` });
  return out;
}

const WIRE_KINDS = new Set(['ethernet', 'bond', 'vlan', 'macvlan', 'ipvlan']);

/**
 * Whether an interface's addresses can meet another host's: it is on a wire (a NIC, a bond, a
 * VLAN, a macvlan), a veth to another namespace, or a bridge with a wire among its ports. A
 * bridge of containers (docker0) or a dummy has the same address on every host by design.
 */
function reachesWire(i: NetInterface, t: Topology): boolean {
  if (WIRE_KINDS.has(i.kind)) return true;
  if (i.kind === 'veth') return i.peerIfindexElsewhere !== null;
  if (i.kind === 'bridge') return t.interfaces.some((p) => p.master === i.name && WIRE_KINDS.has(p.kind));
  return false;
}

/** Address -> the host's interfaces that have it (global scope), and whether it may meet other hosts. */
export function addressHolders(h: ConflictHost): Map<string, { holder: Holder; shared: boolean }[]> {
  const out = new Map<string, { holder: Holder; shared: boolean }[]>();
  const privateBridges = new Set(h.topology.networks.flatMap((n) => ownBridge(n) ?? []));
  for (const i of h.topology.interfaces) {
    if (i.kind === 'loopback') continue;
    for (const a of i.addresses) {
      if (a.scope === 'link' || a.scope === 'host') continue;
      const ip = normalIp(a.address);
      out.set(ip, [...(out.get(ip) ?? []), { holder: { hostId: h.id, hostName: h.name, refs: [`if:${i.name}`], words: i.name }, shared: !privateBridges.has(i.name) && reachesWire(i, h.topology) }]);
    }
  }
  return out;
}

const placesOf = (holders: Holder[]) => holders.flatMap((x) => x.refs.map((ref) => ({ hostId: x.hostId, ref })));
const withHost = (x: Holder) => `${x.words} on ${x.hostName}`;
const listed = (words: string[]) => (words.length <= 2 ? words.join(' and ') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

/** Conflicts within one host: subnets, reservations, DHCP ranges, leases. */
export function hostConflicts(h: ConflictHost): Conflict[] {
  const t = h.topology;
  const out: Conflict[] = [];
  const at = (...refs: string[]) => refs.map((ref) => ({ hostId: h.id, ref }));
  const seen = new Set<string>();
  for (const n of t.networks) {
    for (const ip of n.ips) {
      const cidr = `${networkAddress(ip.address, ip.prefixLength)}/${ip.prefixLength}`;
      for (const s of ip.staticHosts) {
        if (!inSubnet(s.ip, ip.address, ip.prefixLength)) {
          out.push({ key: `outside:${h.id}:${n.name}:${s.ip}`, sentence: `On ${h.name}, network ${n.name} reserves ${s.ip} for ${s.name ?? s.mac ?? s.id ?? 'a host'}, outside its subnet ${cidr}.`, places: at(`net:${n.name}`) });
        }
        const lease = s.mac ? n.leases.find((l) => normalIp(l.ip) === normalIp(s.ip) && l.mac.toLowerCase() !== s.mac!.toLowerCase()) : undefined;
        if (lease) {
          out.push({
            key: `leased:${h.id}:${n.name}:${s.ip}`,
            sentence: `On ${h.name}, network ${n.name} reserves ${s.ip} for ${s.mac}${s.name ? ` (${s.name})` : ''}, but dnsmasq leased it to ${lease.mac}${lease.hostname ? ` (${lease.hostname})` : ''}.`,
            places: at(`net:${n.name}`),
          });
        }
      }
      // Each pair of overlapping networks once: later networks skip the ones already compared.
      for (const sentence of subnetClashes(t, n.name, ip, seen)) out.push({ key: `subnet:${h.id}:${sentence}`, sentence: `On ${h.name}, ${sentence}`, places: at(`net:${n.name}`) });
    }
    seen.add(n.name);
  }
  const privateBridges = new Set(t.networks.flatMap((n) => ownBridge(n) ?? []));
  for (const i of t.interfaces) {
    if (i.kind === 'loopback' || privateBridges.has(i.name)) continue;
    for (const a of i.addresses) {
      if (a.scope === 'link' || a.scope === 'host') continue;
      const range = dhcpRangeHolding(t, a.address);
      if (range) {
        out.push({
          key: `range:${h.id}:${i.name}:${normalIp(a.address)}`,
          sentence: `On ${h.name}, ${i.name}'s address ${a.address} is inside network ${range.network}'s DHCP range ${range.start}-${range.end}: dnsmasq could hand it to a VM too.`,
          places: at(`if:${i.name}`, `net:${range.network}`),
        });
      }
    }
  }
  return out;
}

/** Every conflict in the fleet: each host's own, and MACs and host addresses found twice anywhere. */
export function fleetConflicts(hosts: readonly ConflictHost[]): Conflict[] {
  const out = hosts.flatMap(hostConflicts);
  const macs = new Map<string, Holder[]>();
  for (const h of hosts) for (const [mac, holders] of macHolders(h)) macs.set(mac, [...(macs.get(mac) ?? []), ...holders]);
  for (const [mac, all] of macs) {
    const holders = all.filter((x, i) => !x.vmUuid || all.findIndex((y) => y.vmUuid === x.vmUuid) === i);
    if (holders.length < 2) continue;
    out.push({
      key: `mac:${mac}`,
      sentence: `MAC ${mac} is used by ${listed(holders.map(withHost))}; one MAC on two NICs breaks both wherever their traffic meets.`,
      places: placesOf(holders),
    });
  }
  const addresses = new Map<string, { holder: Holder; shared: boolean }[]>();
  for (const h of hosts) for (const [ip, held] of addressHolders(h)) addresses.set(ip, [...(addresses.get(ip) ?? []), ...held]);
  for (const [ip, held] of addresses) {
    // On one host any repeat counts; across hosts only addresses that can meet on a wire.
    const byHost = new Map<string, Holder[]>();
    for (const x of held) byHost.set(x.holder.hostId, [...(byHost.get(x.holder.hostId) ?? []), x.holder]);
    const within = [...byHost.values()].filter((hs) => hs.length > 1).flat();
    const across = held.filter((x) => x.shared).map((x) => x.holder);
    const clashing = new Set(across.map((x) => x.hostId)).size > 1 ? [...new Set([...within, ...across])] : within;
    if (clashing.length < 2) continue;
    out.push({ key: `ip:${ip}`, sentence: `${ip} is on ${listed(clashing.map(withHost))}; an address in two places breaks both.`, places: placesOf(clashing) });
  }
  return out;
}
