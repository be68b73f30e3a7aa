// What undoing a change must put back that the kernel does not: the one description both the
// runner's rollback (render.ts, command inverses) and Revert (invert.ts, inverse operations)
// are built from, so the two cannot disagree about what "as before" means. Pure.
import type { NetInterface, Route, Topology } from '@/server/topology/model';
import { sameAddress } from './address';
import type { Operation } from './registry';

/** Addresses people configured (kernel-made link-local ones come back by themselves). */
export const configuredAddresses = (i: NetInterface) => i.addresses.filter((a) => !a.dynamic && !(a.family === 'inet6' && a.scope === 'link'));

/** Routes the kernel does not re-create on its own when an address or link comes back. */
export const staticRoutesVia = (t: Topology, dev: string) => t.routes.filter((r) => r.dev === dev && r.protocol !== 'kernel');

/**
 * The routes the kernel drops when `address` leaves `dev`, as observed in a network namespace:
 * for IPv4, those whose source is that address, and every route via the link once its last IPv4
 * address goes; for IPv6, none. Re-adding a route the kernel kept fails ("File exists") and
 * would leave an undo incomplete, so only these are put back.
 */
export function routesFlushedByRemoval(t: Topology, dev: string, cidr: string): Route[] {
  const [address] = cidr.split('/');
  if (address!.includes(':')) return [];
  const iface = t.interfaces.find((i) => i.name === dev);
  const lastIpv4 = !iface?.addresses.some((a) => a.family === 'inet' && !sameAddress(a.address, address!));
  const isIpv4Route = (r: Route) => ![r.dst, r.gateway ?? '', r.prefsrc ?? ''].some((x) => x.includes(':'));
  return staticRoutesVia(t, dev).filter((r) => isIpv4Route(r) && (lastIpv4 || (r.prefsrc !== null && sameAddress(r.prefsrc, address!))));
}

/**
 * What the kernel drops when a link goes down, as observed in a network namespace: every route
 * via it (IPv4 and IPv6; connected IPv4 routes come back with the link, static ones do not), and
 * its IPv6 addresses (net.ipv6.conf.*.keep_addr_on_down is 0 by default), which come back only
 * when added again. What an undo of "set down" must put back after the link is up.
 */
export function flushedByLinkDown(t: Topology, dev: string): { ipv6: NetInterface['addresses']; routes: Route[] } {
  const iface = t.interfaces.find((i) => i.name === dev);
  if (!iface?.adminUp) return { ipv6: [], routes: [] };
  return { ipv6: configuredAddresses(iface).filter((a) => a.family === 'inet6'), routes: staticRoutesVia(t, dev) };
}

/** The kernel's forward delay for a new bridge (15 s): only another value needs restoring. */
export const DEFAULT_FORWARD_DELAY_CS = 1500;

/** A bridge's forward delay when it differs from what `ip link add` gives, else undefined. */
export const forwardDelayToRestore = (i: NetInterface) =>
  i.bridge?.forwardDelayCs !== null && i.bridge?.forwardDelayCs !== undefined && i.bridge.forwardDelayCs !== DEFAULT_FORWARD_DELAY_CS ? i.bridge.forwardDelayCs : undefined;

/** A bond's link monitoring interval when one was set, else undefined. */
export const miimonToRestore = (i: NetInterface) => (i.bond?.miimon ? i.bond.miimon : undefined);

// The same descriptions as inverse operations, for Revert (plan/invert.ts).

export const DEFAULT_MTU = 1500;

/** Leaves out fields that are undefined, so an operation reads (and hashes) as if written by hand. */
export function withDefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Everything a (re-)created interface needs beyond its creation to look as it did. */
function restoreSettings(i: NetInterface, t: Topology, { withMaster }: { withMaster: boolean }): Operation[] {
  const master = i.master ? t.interfaces.find((m) => m.name === i.master) : undefined;
  const ops: Operation[] = [];
  if (i.mac) ops.push({ kind: 'setMac', dev: i.name, mac: i.mac });
  if (i.mtu !== DEFAULT_MTU) ops.push({ kind: 'setMtu', dev: i.name, mtu: i.mtu });
  if (withMaster && i.master) ops.push({ kind: 'setMaster', dev: i.name, master: i.master });
  if (withMaster && master?.bridge?.vlanFiltering && i.bridgePort) ops.push({ kind: 'setBridgeVlans', dev: i.name, vlans: i.bridgePort.vlans });
  for (const a of configuredAddresses(i)) ops.push({ kind: 'addAddress', dev: i.name, address: `${a.address}/${a.prefixLength}` });
  if (i.adminUp) ops.push({ kind: 'setLinkState', dev: i.name, up: true });
  const routes = staticRoutesVia(t, i.name);
  if (routes.length) ops.push({ kind: 'restoreRoutes', dev: i.name, routes });
  return ops;
}

export function recreate(i: NetInterface, t: Topology): Operation[] {
  const byName = new Map(t.interfaces.map((x) => [x.name, x]));
  const ports = t.interfaces.filter((p) => p.master === i.name);
  switch (i.kind) {
    case 'bridge':
      // Ports rejoin before the bridge's own MAC is restored: a bridge made by `ip link add`
      // carries its first port's MAC, and validate.ts accepts that only from a port.
      return [
        withDefined({ kind: 'createBridge' as const, name: i.name, stp: i.bridge?.stp ?? false, vlanFiltering: i.bridge?.vlanFiltering ?? false, forwardDelayCs: forwardDelayToRestore(i) }),
        ...ports.flatMap((p) => [
          { kind: 'setMaster' as const, dev: p.name, master: i.name },
          ...(i.bridge?.vlanFiltering && p.bridgePort ? [{ kind: 'setBridgeVlans' as const, dev: p.name, vlans: p.bridgePort.vlans }] : []),
        ]),
        ...restoreSettings(i, t, { withMaster: true }),
      ];
    case 'bond':
      return [
        withDefined({ kind: 'createBond' as const, name: i.name, mode: (i.bond?.mode ?? 'balance-rr') as never, members: ports.map((p) => p.name), miimon: miimonToRestore(i) }),
        ...restoreSettings(i, t, { withMaster: true }),
      ];
    case 'vlan':
      return [{ kind: 'createVlan', name: i.name, parent: i.parent ?? '', vlanId: i.vlan?.id ?? 1 }, ...restoreSettings(i, t, { withMaster: true })];
    case 'dummy':
      return [{ kind: 'createDummy', name: i.name }, ...restoreSettings(i, t, { withMaster: true })];
    case 'veth': {
      const peer = i.peer ? byName.get(i.peer) : undefined;
      return [
        { kind: 'createVeth', name: i.name, peer: i.peer ?? '' },
        ...restoreSettings(i, t, { withMaster: true }),
        ...(peer ? restoreSettings(peer, t, { withMaster: true }) : []),
      ];
    }
    default:
      return [];
  }
}
