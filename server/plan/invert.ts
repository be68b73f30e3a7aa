// The operations that undo an operation, given the state right before it. Pure. "Revert" on a
// past change drafts these (newest step first), and they are then planned against the host's
// current state like any other draft, so a host that moved on is caught at review.
import type { NetInterface, Topology } from '@/server/topology/model';
import type { Operation } from './ops';
import { applyOperation, clampedByParentMtu } from './project';
import { configuredAddresses, forwardDelayToRestore, miimonToRestore, routesFlushedByRemoval, staticRoutesVia } from './restore';

const DEFAULT_MTU = 1500;

/** Leaves out fields that are undefined, so an operation reads (and hashes) as if written by hand. */
function withDefined<T extends object>(o: T): T {
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

function recreate(i: NetInterface, t: Topology): Operation[] {
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

export function invertOperation(op: Operation, before: Topology): Operation[] {
  const iface = (name: string) => before.interfaces.find((i) => i.name === name);
  switch (op.kind) {
    case 'createBond':
      // Deleting the bond closes its members (the bonding driver does); open again those that were up.
      return [
        { kind: 'deleteInterface', name: op.name },
        ...op.members.filter((m) => iface(m)?.adminUp).map((m) => ({ kind: 'setLinkState' as const, dev: m, up: true })),
      ];
    case 'createBridge':
    case 'createVlan':
    case 'createVeth':
    case 'createDummy':
      return [{ kind: 'deleteInterface', name: op.name }];
    case 'deleteInterface': {
      const i = iface(op.name);
      return i ? recreate(i, before) : [];
    }
    case 'setMaster': {
      // Leaving a bond closes the member (the bonding driver does); open it again if it was up.
      const wasUp = iface(op.master)?.kind === 'bond' && iface(op.dev)?.adminUp;
      return [{ kind: 'unsetMaster', dev: op.dev }, ...(wasUp ? [{ kind: 'setLinkState' as const, dev: op.dev, up: true }] : [])];
    }
    case 'unsetMaster': {
      const i = iface(op.dev);
      if (!i?.master) return [];
      const master = iface(i.master);
      return [
        { kind: 'setMaster', dev: op.dev, master: i.master },
        ...(master?.bridge?.vlanFiltering && i.bridgePort ? [{ kind: 'setBridgeVlans' as const, dev: op.dev, vlans: i.bridgePort.vlans }] : []),
      ];
    }
    case 'setMtu':
      return [
        { kind: 'setMtu', dev: op.dev, mtu: iface(op.dev)?.mtu ?? DEFAULT_MTU },
        ...before.interfaces.filter((i) => clampedByParentMtu(i, op.dev, op.mtu)).map((i) => ({ kind: 'setMtu' as const, dev: i.name, mtu: i.mtu })),
      ];
    case 'setLinkState':
      return [{ kind: 'setLinkState', dev: op.dev, up: iface(op.dev)?.adminUp ?? false }];
    case 'setMac': {
      const mac = iface(op.dev)?.mac;
      return mac ? [{ kind: 'setMac', dev: op.dev, mac }] : [];
    }
    case 'addAddress':
      return [{ kind: 'removeAddress', dev: op.dev, address: op.address }];
    case 'removeAddress': {
      const routes = routesFlushedByRemoval(before, op.dev, op.address);
      return [{ kind: 'addAddress', dev: op.dev, address: op.address }, ...(routes.length ? [{ kind: 'restoreRoutes' as const, dev: op.dev, routes }] : [])];
    }
    case 'setBridgeVlans':
      return [{ kind: 'setBridgeVlans', dev: op.dev, vlans: iface(op.dev)?.bridgePort?.vlans ?? [] }];
    case 'restoreRoutes':
      // Restored routes always follow the address or link they depend on in an inverse; undoing
      // that removes the address or the link, and the kernel takes the routes with it.
      return [];
  }
}

/** The operations that undo a whole applied sequence: each step's inverse, newest step first. */
export function invertSequence(ops: readonly Operation[], before: Topology): Operation[] {
  const states: Topology[] = [];
  let state = before;
  for (const op of ops) {
    states.push(state);
    state = applyOperation(state, op);
  }
  return ops.flatMap((op, i) => ({ op, before: states[i]! })).reverse().flatMap(({ op, before: b }) => invertOperation(op, b));
}
