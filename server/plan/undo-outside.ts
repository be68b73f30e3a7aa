// The operations that take a host back from what a change made outside Switchboard left (`to`)
// to what it was before (`from`), for the parts Switchboard changes: interfaces created or
// deleted, their MTU, MAC, master, addresses and state, libvirt networks created or deleted, a
// device's tc tree, Open vSwitch bridges and ports. What a deleted thing needs to come back is
// what Revert would draft for deleting it (each kind's inverse, taken against `from`). Every
// difference these operations leave, and every operation the validator refuses, is said in a
// sentence instead. Pure: the draft is planned against the host as it is, like any other.
import { configurationOf, diffTopology, unknownSections } from '@/server/topology/diff';
import { changeInWords } from '@/server/topology/change-words';
import type { NetInterface, Topology } from '@/server/topology/model';
import { canonicalText } from '@/server/canonical';
import { invertOperation } from './invert';
import { kindOf, type Operation } from './registry';
import { configuredAddresses } from './restore';
import { isKernelDefault, rootTreeOf } from './tc';
import { libvirtNetworkOf } from './checks';
import { applyOperation } from './project';
import { validateOperation } from './validate';
import { OVS_DATAPATH } from '@/server/topology/ovs';

export interface OutsideUndo {
  /** In the order they are drafted; the planner orders the commands. */
  operations: Operation[];
  /** What stays as the outside change left it, each in a sentence (refused operations with why). */
  notUndone: string[];
}

const cidrOf = (a: NetInterface['addresses'][number]) => `${a.address}/${a.prefixLength}`;

/** The operations that put one interface present before and after back as it was. */
function interfaceFieldUndo(from: Topology, was: NetInterface, now: NetInterface, addressesKnown: boolean): Operation[] {
  const ops: Operation[] = [];
  const masterMoved = was.master !== now.master;
  // A port that moved leaves where it is first, then joins where it was.
  if (masterMoved && now.master) ops.push({ kind: 'unsetMaster', dev: was.name });
  if (masterMoved && was.master) ops.push({ kind: 'setMaster', dev: was.name, master: was.master });
  // A port that joins a bridge again starts with the bridge's default VLAN, not the ones it had.
  const wasVlans = was.bridgePort?.vlans ?? [];
  if (was.master && wasVlans.length && (masterMoved || canonicalText(wasVlans) !== canonicalText(now.bridgePort?.vlans ?? []))) {
    ops.push({ kind: 'setBridgeVlans', dev: was.name, vlans: wasVlans });
  }
  if (was.mtu !== now.mtu) ops.push({ kind: 'setMtu', dev: was.name, mtu: was.mtu });
  // A bond member takes the bond's MAC and gets its own back when it leaves: that follows the master.
  if (!masterMoved && was.mac && now.mac && was.mac !== now.mac && !now.owner) ops.push({ kind: 'setMac', dev: was.name, mac: was.mac });
  if (!addressesKnown) return ops;
  const wasAddresses = new Set(configuredAddresses(was).map(cidrOf));
  const nowAddresses = new Set(configuredAddresses(now).map(cidrOf));
  for (const a of nowAddresses) if (!wasAddresses.has(a)) ops.push({ kind: 'removeAddress', dev: was.name, address: a });
  // An address put back brings back the routes the kernel dropped with it (as Revert does).
  for (const a of wasAddresses) if (!nowAddresses.has(a)) ops.push(...invertOperation({ kind: 'removeAddress', dev: was.name, address: a }, from));
  return ops;
}

/** Devices whose root tc tree differs between the two reads (kernel-picked handles aside). */
function devicesWithOtherTrees(from: Topology, to: Topology): string[] {
  const [was, now] = [configurationOf(from), configurationOf(to)];
  const devices = new Set([...was.qdiscs, ...now.qdiscs].filter((q) => q.root).map((q) => q.dev));
  const treeText = (t: Topology, dev: string) => canonicalText(rootTreeOf(t, dev));
  return [...devices].filter((dev) => to.interfaces.some((i) => i.name === dev) && from.interfaces.some((i) => i.name === dev) && treeText(was, dev) !== treeText(now, dev)).sort();
}

/**
 * The topology without what the kernel makes itself: an interface's ifindex and the kind string
 * it reports (the projection of a re-created interface cannot know them), and the routes it adds
 * and drops with addresses and links. None is a difference anyone undoes.
 */
export const withoutKernelMade = (t: Topology): Topology => ({
  ...t,
  interfaces: t.interfaces.map((i) => ({ ...i, index: 0, rawKind: null })),
  routes: t.routes.filter((r) => r.protocol !== 'kernel'),
});

/** Interfaces whose life is another owner's: a VM's tap (libvirt), a network's own bridge, OVS's. */
function ownedElsewhere(t: Topology, i: NetInterface): boolean {
  return !!i.owner || libvirtNetworkOf(t, i.name) !== null || i.name === OVS_DATAPATH || i.master === OVS_DATAPATH || i.rawKind === 'openvswitch';
}

/**
 * Takes the candidates that validate, in whatever order lets each one validate (a VLAN goes
 * before the bridge it sits on; a bond comes back after its members), against the state the
 * ones taken before leave. What never validates is refused with the validator's reasons.
 */
function inWorkingOrder(start: Topology, candidates: Operation[]): { taken: Operation[]; refused: string[]; state: Topology } {
  let state = start;
  let left = candidates;
  const taken: Operation[] = [];
  for (let progress = true; progress && left.length; ) {
    progress = false;
    const still: Operation[] = [];
    for (const op of left) {
      if (validateOperation(state, op).length) {
        still.push(op);
        continue;
      }
      taken.push(op);
      state = applyOperation(state, op);
      progress = true;
    }
    left = still;
  }
  const refused = left.map((op) => `Not drafted: ${kindOf(op).describe(op)}: ${validateOperation(state, op).join(' ')}`);
  return { taken, refused, state };
}

export function undoOutsideChange(from: Topology, to: Topology): OutsideUndo {
  if ((from.modelVersion ?? 1) !== (to.modelVersion ?? 1)) {
    return { operations: [], notUndone: ['The reads before and after were made by different versions of Switchboard, so they are not compared.'] };
  }
  // What either read could not see is unknown, not gone: nothing is drafted for it.
  const unknown = unknownSections(from, to);
  const knows = { addresses: !unknown.has('addr'), libvirt: !['libvirt', 'virsh_lists', 'virsh_xml'].some((x) => unknown.has(x)), ovs: !unknown.has('ovs'), tc: !['qdisc', 'class', 'filter'].some((x) => unknown.has(x)) };

  const removals: Operation[] = [];
  const recreations: Operation[] = [];

  // Open vSwitch: a port of an added bridge goes with the bridge.
  if (knows.ovs) {
    const wasOvs = new Map((from.ovs?.bridges ?? []).map((b) => [b.name, b]));
    const nowOvs = new Map((to.ovs?.bridges ?? []).map((b) => [b.name, b]));
    for (const [name] of nowOvs) if (!wasOvs.has(name)) removals.push({ kind: 'deleteOvsBridge', name });
    for (const [name] of wasOvs) if (!nowOvs.has(name)) recreations.push(...invertOperation({ kind: 'deleteOvsBridge', name }, from));
    for (const [name, bridge] of nowOvs) {
      const was = wasOvs.get(name);
      if (!was) continue;
      const wasPorts = new Set(was.ports.map((p) => p.name));
      const nowPorts = new Set(bridge.ports.map((p) => p.name));
      for (const port of nowPorts) if (!wasPorts.has(port)) removals.push({ kind: 'removeOvsPort', bridge: name, port });
      for (const port of wasPorts) if (!nowPorts.has(port)) recreations.push(...invertOperation({ kind: 'removeOvsPort', bridge: name, port }, from));
    }
  }
  const ovsDevices = new Set([...(from.ovs?.bridges ?? []), ...(to.ovs?.bridges ?? [])].flatMap((b) => [b.name, ...b.ports.flatMap((p) => [p.name, ...p.interfaces.map((i) => i.name)])]));
  const ours = (t: Topology, i: NetInterface) => !ownedElsewhere(t, i) && !ovsDevices.has(i.name);

  // Kernel interfaces made or deleted outside: a veth pair is one deletion and one re-creation.
  const wasByName = new Map(from.interfaces.map((i) => [i.name, i]));
  const nowByName = new Map(to.interfaces.map((i) => [i.name, i]));
  const handled = new Set<string>();
  for (const [name, now] of nowByName) {
    if (wasByName.has(name) || handled.has(name) || !ours(to, now)) continue;
    handled.add(name).add(now.peer ?? name);
    removals.push({ kind: 'deleteInterface', name });
  }
  for (const [name, was] of wasByName) {
    if (nowByName.has(name) || handled.has(name) || !ours(from, was)) continue;
    handled.add(name).add(was.peer ?? name);
    recreations.push(...invertOperation({ kind: 'deleteInterface', name }, from));
  }

  // libvirt networks created or deleted outside (their bridges come and go with them).
  if (knows.libvirt) {
    const wasNetworks = new Set(from.networks.map((n) => n.name));
    const nowNetworks = new Set(to.networks.map((n) => n.name));
    for (const name of nowNetworks) if (!wasNetworks.has(name)) removals.push({ kind: 'deleteNetwork', name });
    for (const name of wasNetworks) if (!nowNetworks.has(name)) recreations.push(...invertOperation({ kind: 'deleteNetwork', name }, from));
  }

  // First what was made or deleted; then each interface's settings, from where that leaves them
  // (a port of a deleted bridge is free already; a re-created bridge has its ports back).
  const structure = inWorkingOrder(to, [...removals, ...recreations]);
  const middle = structure.state;
  const detaches: Operation[] = [];
  const edits: Operation[] = [];
  const linkStates: Operation[] = [];
  for (const now of middle.interfaces) {
    const was = wasByName.get(now.name);
    if (!was || !ours(middle, now) || !ours(from, was)) continue;
    const ops = interfaceFieldUndo(from, was, now, knows.addresses);
    detaches.push(...ops.filter((op) => op.kind === 'unsetMaster'));
    edits.push(...ops.filter((op) => op.kind !== 'unsetMaster'));
    if (was.adminUp !== now.adminUp) linkStates.push({ kind: 'setLinkState', dev: now.name, up: was.adminUp });
  }
  // A device's tc tree: the one it had, or the kernel's default when it had none.
  if (knows.tc) {
    for (const dev of devicesWithOtherTrees(from, middle)) {
      edits.push(...(isKernelDefault(rootTreeOf(from, dev)) ? [{ kind: 'removeQdisc', dev } as Operation] : invertOperation({ kind: 'removeQdisc', dev }, from)));
    }
  }
  const settings = inWorkingOrder(middle, [...detaches, ...edits, ...linkStates]);
  const stays = diffTopology(withoutKernelMade(from), withoutKernelMade(settings.state)).map(changeInWords);
  return { operations: [...structure.taken, ...settings.taken], notUndone: [...structure.refused, ...settings.refused, ...stays] };
}
