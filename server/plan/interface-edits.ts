// How the kernel changes interfaces when an operation runs, for the projections of the operation
// kinds (plan/kinds/): new MACs and ifindexes are unknown until the host is read again. Pure.
import { interfaceWith, type BridgeVlan, type NetInterface, type Topology } from '@/server/topology/model';

/** A new interface as the kernel creates it: down, no addresses, MTU 1500, MAC not yet known. */
export const newInterface = interfaceWith;

/** The topology with `ifaces` added. */
export const addInterfaces = (t: Topology, ...ifaces: NetInterface[]): Topology => ({ ...t, interfaces: [...t.interfaces, ...ifaces] });

/** The topology with interface `name` changed by `change`. */
export const updateInterface = (t: Topology, name: string, change: (i: NetInterface) => NetInterface): Topology => ({
  ...t,
  interfaces: t.interfaces.map((i) => (i.name === name ? change(i) : i)),
});

/** The port settings a Linux bridge gives a new port: VLAN 1, pvid and untagged, when filtering. */
export function defaultPortVlans(master: NetInterface | undefined): BridgeVlan[] {
  return master?.bridge?.vlanFiltering ? [{ vid: 1, pvid: true, untagged: true }] : [];
}

/** An address with its prefix as the model holds it (the schema has checked the text). */
export function addressOf(cidr: string): { address: string; prefixLength: number; family: 'inet' | 'inet6' } {
  const [address, prefix] = cidr.split('/');
  return { address: address!, prefixLength: Number(prefix), family: address!.includes(':') ? 'inet6' : 'inet' };
}

/** Whether lowering `parent`'s MTU to `mtu` makes the kernel lower `i`'s too. */
export function clampedByParentMtu(i: NetInterface, parent: string, mtu: number): boolean {
  return i.parent === parent && (i.kind === 'vlan' || i.kind === 'macvlan' || i.kind === 'macvtap') && i.mtu > mtu;
}

/**
 * A device the bonding driver enslaves (bond_enslave): opened (set up), given the bond's MTU
 * and, in the default fail_over_mac mode, the bond's MAC, which a new bond may not have yet
 * (unknown). The driver keeps the device's own address to give back (its permanentMac).
 */
export function joinedBond(i: NetInterface, bond: NetInterface | undefined): NetInterface {
  return { ...i, master: bond?.name ?? null, bridgePort: null, adminUp: true, mtu: bond?.mtu ?? 1500, mac: null, permanentMac: i.permanentMac ?? i.mac };
}

/**
 * A member the bonding driver releases (__bond_release_one): closed (set down), and back on
 * its own hardware address, so the plan's intended state says so, as the host will after it.
 */
export function leftBond(i: NetInterface): NetInterface {
  return { ...i, master: null, bridgePort: null, adminUp: false, mac: i.permanentMac ?? i.mac, permanentMac: null };
}

/**
 * A locally administered MAC for a virtual interface the kernel would give a random one (a bond
 * without members): derived from the host and the name, as udev's MACAddressPolicy=persistent
 * derives one, so the boot files can give it the same MAC after a reboot (boot/ifupdown.ts).
 */
export function stableMac(hostname: string, name: string): string {
  // FNV-1a, twice with different offsets: 40 bits from a short string, no crypto needed.
  const fnv = (text: string, seed: number) => {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  const a = fnv(`${hostname}/${name}`, 0x811c9dc5);
  const b = fnv(`${name}/${hostname}`, 0x01000193);
  const bytes = [0x02, (a >>> 24) & 255, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, b & 255];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}
