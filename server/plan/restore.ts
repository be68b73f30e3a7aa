// What undoing a change must put back that the kernel does not: the one description both the
// runner's rollback (render.ts, command inverses) and Revert (invert.ts, inverse operations)
// are built from, so the two cannot disagree about what "as before" means. Pure.
import type { NetInterface, Route, Topology } from '@/server/topology/model';
import { sameAddress } from './address';

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

/** The kernel's forward delay for a new bridge (15 s): only another value needs restoring. */
export const DEFAULT_FORWARD_DELAY_CS = 1500;

/** A bridge's forward delay when it differs from what `ip link add` gives, else undefined. */
export const forwardDelayToRestore = (i: NetInterface) =>
  i.bridge?.forwardDelayCs !== null && i.bridge?.forwardDelayCs !== undefined && i.bridge.forwardDelayCs !== DEFAULT_FORWARD_DELAY_CS ? i.bridge.forwardDelayCs : undefined;

/** A bond's link monitoring interval when one was set, else undefined. */
export const miimonToRestore = (i: NetInterface) => (i.bond?.miimon ? i.bond.miimon : undefined);
