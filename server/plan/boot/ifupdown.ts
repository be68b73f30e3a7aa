// What ifupdown (Debian) and ifupdown2 (Proxmox) need in /etc/network/interfaces to bring an
// interface up at boot as the topology has it: its stanza lines. Pure.
//
// Both read the same options; where they differ, the stanza says it the way each understands:
// ifupdown2 creates dummies and veth pairs itself (`link-type`) and takes several addresses in
// one stanza, while classic ifupdown creates them with `pre-up ip link add` and takes each
// further address in a stanza of its own (interfaces(5), "multiple iface stanzas"). Bridges and
// bonds use the `bridge-*` and `bond-*` options both understand (classic ifupdown through the
// bridge-utils and ifenslave hooks).
import type { NetInterface, Route, Topology } from '@/server/topology/model';
import { configuredAddresses, DEFAULT_MTU } from '../restore';
import { writtenAtBoot } from './intent';

export type IfupdownFlavour = 'ifupdown' | 'ifupdown2';

/** Route protocols whose routes come back without a boot file (iproute2's rt_protos names). */
const DYNAMIC_ROUTE_PROTOCOLS = ['kernel', 'dhcp', 'ra'];
const INDENT = '    ';

const cidr = (a: { address: string; prefixLength: number }) => `${a.address}/${a.prefixLength}`;
const byIndex = (a: NetInterface, b: NetInterface) => a.index - b.index;

/** Options that say what the interface is: ports of a bridge, members and mode of a bond, a VLAN's parent. */
function kindOptions(i: NetInterface, t: Topology, flavour: IfupdownFlavour): string[] {
  const portsOf = () =>
    t.interfaces
      .filter((p) => p.master === i.name)
      .sort(byIndex)
      .map((p) => p.name);
  switch (i.kind) {
    case 'bridge': {
      const ports = portsOf();
      const b = i.bridge;
      return [
        `bridge-ports ${ports.length ? ports.join(' ') : 'none'}`,
        `bridge-stp ${b?.stp ? 'on' : 'off'}`,
        ...(b?.forwardDelayCs !== null && b?.forwardDelayCs !== undefined ? [`bridge-fd ${b.forwardDelayCs / 100}`] : []),
        ...(b?.vlanFiltering ? ['bridge-vlan-aware yes'] : []),
      ];
    }
    case 'bond': {
      const members = portsOf();
      return [
        `bond-slaves ${members.length ? members.join(' ') : 'none'}`,
        `bond-mode ${i.bond?.mode ?? 'balance-rr'}`,
        ...(i.bond?.miimon ? [`bond-miimon ${i.bond.miimon}`] : []),
        // Its MAC as it is now: a bond the kernel would otherwise give a random one at boot.
        ...(i.mac ? [`hwaddress ${i.mac}`] : []),
      ];
    }
    case 'vlan':
      return [...(i.parent ? [`vlan-raw-device ${i.parent}`] : []), ...(flavour === 'ifupdown2' && i.vlan ? [`vlan-id ${i.vlan.id}`] : [])];
    case 'dummy':
      return flavour === 'ifupdown2' ? ['link-type dummy'] : [`pre-up ip link add ${i.name} type dummy`, `post-down ip link del ${i.name}`];
    case 'veth':
    {
      // One end creates the pair; the other end's stanza only configures it. The lower index
      // creates it; a pair the draft creates has no indexes yet (both 0), so then the name decides.
      if (!i.peer) return [];
      const peerIndex = t.interfaces.find((p) => p.name === i.peer)?.index ?? Infinity;
      if (i.index > peerIndex || (i.index === peerIndex && i.name > i.peer)) return [];
      return flavour === 'ifupdown2' ? ['link-type veth', `veth-peer-name ${i.peer}`] : [`pre-up ip link add ${i.name} type veth peer name ${i.peer}`, `post-down ip link del ${i.name}`];
    }
    default:
      return [];
  }
}

/** A route as `ip route` words after `add`/`del` (the gateway of a default route is an option of its own). */
function routeWords(r: Route): string {
  return [r.dst, ...(r.gateway ? ['via', r.gateway] : []), ...(r.dev ? ['dev', r.dev] : []), ...(r.metric !== null ? ['metric', String(r.metric)] : [])].join(' ');
}

/**
 * The lines that configure `name` at boot, `auto` first when it is up: its IPv4 stanza (static
 * with its addresses, else manual) with what it is, its MTU and its routes, and an inet6
 * stanza for its IPv6 addresses. Null for what a boot file does not create (loopback, a VM's
 * tap, an interface the kernel or libvirt makes, a kind Switchboard does not write: intent.ts).
 */
export function stanzaFor(t: Topology, name: string, flavour: IfupdownFlavour): string[] | null {
  const i = t.interfaces.find((x) => x.name === name);
  if (!i || !writtenAtBoot(t, i)) return null;
  const addresses = configuredAddresses(i).filter((a) => a.scope !== 'link');
  const v4 = addresses.filter((a) => a.family === 'inet');
  const v6 = addresses.filter((a) => a.family === 'inet6');
  // Routes the kernel, a DHCP client or router advertisements add come back on their own.
  const routes = t.routes.filter((r) => r.dev === name && !DYNAMIC_ROUTE_PROTOCOLS.includes(r.protocol ?? ''));
  // An address from DHCP keeps coming from DHCP: the stanza says dhcp, never the lease as static.
  const dhcp = i.addresses.some((a) => a.family === 'inet' && a.dynamic);
  const isV6 = (r: Route) => r.dst.includes(':') || (r.gateway ?? '').includes(':');
  const gateway = routes.find((r) => r.dst === 'default' && r.gateway && !isV6(r) && r.metric === null);
  const gateway6 = routes.find((r) => r.dst === 'default' && r.gateway && isV6(r) && r.metric === null);
  const extraRoutes = routes.filter((r) => r !== gateway && r !== gateway6);

  const lines = [...(i.adminUp ? [`auto ${name}`] : []), `iface ${name} inet ${dhcp ? 'dhcp' : v4.length ? 'static' : 'manual'}`];
  const option = (o: string) => lines.push(`${INDENT}${o}`);
  // ifupdown2 takes every address in one stanza; classic ifupdown one per stanza (below); a
  // dhcp stanza takes none (its static addresses follow in stanzas of their own).
  const inMainStanza = dhcp ? [] : flavour === 'ifupdown2' ? v4 : v4.slice(0, 1);
  for (const a of inMainStanza) option(`address ${cidr(a)}`);
  if (gateway && !dhcp) option(`gateway ${gateway.gateway}`);
  if (i.mtu !== DEFAULT_MTU) option(`mtu ${i.mtu}`);
  kindOptions(i, t, flavour).forEach(option);
  for (const r of extraRoutes) {
    option(`post-up ip ${isV6(r) ? '-6 ' : ''}route add ${routeWords(r)}`);
    option(`pre-down ip ${isV6(r) ? '-6 ' : ''}route del ${routeWords(r)}`);
  }
  const further = v4.filter((a) => !inMainStanza.includes(a));
  const furtherStanzas = flavour === 'ifupdown2' ? (further.length ? [further] : []) : further.map((a) => [a]);
  for (const group of furtherStanzas) {
    lines.push(`iface ${name} inet static`);
    for (const a of group) option(`address ${cidr(a)}`);
  }
  const v6Stanzas = flavour === 'ifupdown2' ? (v6.length ? [v6] : []) : v6.map((a) => [a]);
  v6Stanzas.forEach((group, k) => {
    lines.push(`iface ${name} inet6 static`);
    for (const a of group) option(`address ${cidr(a)}`);
    if (k === 0 && gateway6) option(`gateway ${gateway6.gateway}`);
  });
  return lines;
}
