// What a host's topology becomes once operations are applied, as far as Switchboard can know it
// without the kernel (new MACs and ifindexes are unknown until the host is read again). Pure.
// Used to validate each drafted operation against the state the earlier ones leave, to draw
// pending changes on the graph, and to say what the host should look like after an apply.
import { interfaceWith, type BridgeVlan, type NetInterface, type Topology } from '@/server/topology/model';
import { sameAddress } from './address';
import { routesFlushedByRemoval } from './restore';
import type { Operation } from './ops';

/** A new interface as the kernel creates it: down, no addresses, MTU 1500, MAC not yet known. */
const newInterface = interfaceWith;

/** The port settings a Linux bridge gives a new port: VLAN 1, pvid and untagged, when filtering. */
function defaultPortVlans(master: NetInterface | undefined): BridgeVlan[] {
  return master?.bridge?.vlanFiltering ? [{ vid: 1, pvid: true, untagged: true }] : [];
}

function parseCidr(cidr: string): { address: string; prefixLength: number; family: 'inet' | 'inet6' } {
  const [address, prefix] = cidr.split('/');
  return { address: address!, prefixLength: Number(prefix), family: address!.includes(':') ? 'inet6' : 'inet' };
}

export { sameAddress };

/** Whether lowering `parent`'s MTU to `mtu` makes the kernel lower `i`'s too. */
export function clampedByParentMtu(i: NetInterface, parent: string, mtu: number): boolean {
  return i.parent === parent && (i.kind === 'vlan' || i.kind === 'macvlan' || i.kind === 'macvtap') && i.mtu > mtu;
}

/**
 * A device the bonding driver enslaves (bond_enslave): opened (set up), given the bond's MTU
 * and, in the default fail_over_mac mode, the bond's MAC, which a new bond may not have yet
 * (unknown). The driver keeps the device's own address to give back (its permanentMac).
 */
function joinedBond(i: NetInterface, bond: NetInterface | undefined): NetInterface {
  return { ...i, master: bond?.name ?? null, bridgePort: null, adminUp: true, mtu: bond?.mtu ?? 1500, mac: null, permanentMac: i.permanentMac ?? i.mac };
}

/**
 * A member the bonding driver releases (__bond_release_one): closed (set down), and back on
 * its own hardware address, so the plan's intended state says so, as the host will after it.
 */
function leftBond(i: NetInterface): NetInterface {
  return { ...i, master: null, bridgePort: null, adminUp: false, mac: i.permanentMac ?? i.mac, permanentMac: null };
}

export function applyOperation(t: Topology, op: Operation): Topology {
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const updateIn = (base: Topology, name: string, change: (i: NetInterface) => NetInterface): Topology => ({
    ...base,
    interfaces: base.interfaces.map((i) => (i.name === name ? change(i) : i)),
  });
  const update = (name: string, change: (i: NetInterface) => NetInterface): Topology => updateIn(t, name, change);
  const add = (...ifaces: NetInterface[]): Topology => ({ ...t, interfaces: [...t.interfaces, ...ifaces] });

  switch (op.kind) {
    case 'createBridge':
      return add(newInterface(op.name, 'bridge', { bridge: { stp: op.stp, vlanFiltering: op.vlanFiltering, forwardDelayCs: op.forwardDelayCs ?? null, vlans: [] } }));
    case 'createBond': {
      const withBond = add(newInterface(op.name, 'bond', { bond: { mode: op.mode, miimon: op.miimon ?? null } }));
      return {
        ...withBond,
        interfaces: withBond.interfaces.map((i) => (op.members.includes(i.name) ? joinedBond(i, withBond.interfaces.find((b) => b.name === op.name)) : i)),
      };
    }
    case 'createVlan':
      return add(newInterface(op.name, 'vlan', { parent: op.parent, vlan: { id: op.vlanId, protocol: '802.1Q' }, mtu: byName.get(op.parent)?.mtu ?? 1500 }));
    case 'createVeth':
      return add(newInterface(op.name, 'veth', { peer: op.peer }), newInterface(op.peer, 'veth', { peer: op.name }));
    case 'createDummy':
      return add(newInterface(op.name, 'dummy'));
    case 'deleteInterface': {
      const gone = byName.get(op.name);
      // Deleting one end of a veth pair deletes both; deleting a master releases its ports.
      const removed = new Set([op.name, ...(gone?.kind === 'veth' && gone.peer ? [gone.peer] : [])]);
      return {
        ...t,
        interfaces: t.interfaces
          .filter((i) => !removed.has(i.name))
          .map((i) => (i.master && removed.has(i.master) ? (gone?.kind === 'bond' ? leftBond(i) : { ...i, master: null, bridgePort: null }) : i)),
        routes: t.routes.filter((r) => !r.dev || !removed.has(r.dev)),
      };
    }
    case 'setMaster': {
      const master = byName.get(op.master);
      if (master?.kind === 'bond') {
        // A bond without members takes the MAC of its first one, unless it was given its own
        // (udev's MACAddressPolicy does that on most distributions): unknown until read.
        const first = !t.interfaces.some((i) => i.master === op.master);
        const joined = update(op.dev, (i) => joinedBond(i, master));
        return first ? { ...joined, interfaces: joined.interfaces.map((i) => (i.name === op.master ? { ...i, mac: null } : i)) } : joined;
      }
      return update(op.dev, (i) => ({
        ...i,
        master: op.master,
        bridgePort: master?.kind === 'bridge' ? { state: null, vlans: defaultPortVlans(master) } : null,
      }));
    }
    case 'unsetMaster': {
      const bond = byName.get(byName.get(op.dev)?.master ?? '');
      if (bond?.kind !== 'bond') return update(op.dev, (i) => ({ ...i, master: null, bridgePort: null }));
      // The last member gone, the bond gets a random MAC (unless it was given one): unknown.
      const last = !t.interfaces.some((i) => i.master === bond.name && i.name !== op.dev);
      const left = update(op.dev, leftBond);
      return last ? { ...left, interfaces: left.interfaces.map((i) => (i.name === bond.name ? { ...i, mac: null } : i)) } : left;
    }
    case 'setMtu':
      return {
        ...t,
        interfaces: t.interfaces.map((i) => {
          if (i.name === op.dev) return { ...i, mtu: op.mtu };
          // The kernel lowers the MTU of VLANs and macvlans/macvtaps above their parent's new one.
          if (clampedByParentMtu(i, op.dev, op.mtu)) return { ...i, mtu: op.mtu };
          return i;
        }),
      };
    case 'setLinkState':
      return update(op.dev, (i) => ({ ...i, adminUp: op.up }));
    case 'setMac':
      return update(op.dev, (i) => ({ ...i, mac: op.mac }));
    case 'addAddress': {
      const a = parseCidr(op.address);
      return update(op.dev, (i) => ({ ...i, addresses: [...i.addresses, { ...a, scope: 'global', dynamic: false }] }));
    }
    case 'removeAddress': {
      const a = parseCidr(op.address);
      // The kernel drops the routes that depended on the address (restore.ts says which).
      const flushed = new Set(routesFlushedByRemoval(t, op.dev, op.address));
      const withoutRoutes = flushed.size ? { ...t, routes: t.routes.filter((r) => !flushed.has(r)) } : t;
      return updateIn(withoutRoutes, op.dev, (i) => ({
        ...i,
        addresses: i.addresses.filter((x) => !(sameAddress(x.address, a.address) && x.prefixLength === a.prefixLength)),
      }));
    }
    case 'setBridgeVlans':
      return update(op.dev, (i) => ({
        ...i,
        bridgePort: { state: i.bridgePort?.state ?? null, vlans: op.vlans.map((v) => ({ vid: v.vid, pvid: v.pvid, untagged: v.untagged })) },
      }));
    case 'restoreRoutes':
      return { ...t, routes: [...t.routes, ...op.routes.map((r) => ({ ...r }))] };
  }
}

export function applyOperations(t: Topology, ops: readonly Operation[]): Topology {
  return ops.reduce(applyOperation, t);
}
