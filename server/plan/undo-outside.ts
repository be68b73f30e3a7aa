// The operations that take a host back from what a change made outside Switchboard left (`to`)
// to what it was before (`from`), for the parts Switchboard changes: interfaces created or
// deleted, their MTU, MAC, master, addresses and state, libvirt networks created or deleted, a
// device's tc tree, Open vSwitch bridges and ports. What a deleted thing needs to come back is
// what Revert would draft for deleting it (each kind's inverse, taken against `from`). Every
// difference these operations leave, and every operation the validator refuses, is said in a
// sentence instead. Pure: the draft is planned against the host as it is, like any other.
import { configurationOf, diffTopology } from '@/server/topology/diff';
import { changeInWords } from '@/server/topology/change-words';
import type { NetInterface, Topology } from '@/server/topology/model';
import { canonicalText } from '@/server/canonical';
import { invertOperation } from './invert';
import { kindOf, type Operation } from './registry';
import { configuredAddresses } from './restore';
import { isKernelDefault, rootTreeOf } from './tc';
import { validateOperations } from './validate';

export interface OutsideUndo {
  /** In the order they are drafted; the planner orders the commands. */
  operations: Operation[];
  /** What stays as the outside change left it, each in a sentence (refused operations with why). */
  notUndone: string[];
}

const cidrOf = (a: NetInterface['addresses'][number]) => `${a.address}/${a.prefixLength}`;

/** The operations that put one interface present before and after back as it was. */
function interfaceFieldUndo(from: Topology, was: NetInterface, now: NetInterface): Operation[] {
  const ops: Operation[] = [];
  const masterMoved = was.master !== now.master;
  if (masterMoved) ops.push(was.master ? { kind: 'setMaster', dev: was.name, master: was.master } : { kind: 'unsetMaster', dev: was.name });
  // A port that joins a bridge again starts with the bridge's default VLAN, not the ones it had.
  const wasVlans = was.bridgePort?.vlans ?? [];
  if (was.master && wasVlans.length && (masterMoved || canonicalText(wasVlans) !== canonicalText(now.bridgePort?.vlans ?? []))) {
    ops.push({ kind: 'setBridgeVlans', dev: was.name, vlans: wasVlans });
  }
  if (was.mtu !== now.mtu) ops.push({ kind: 'setMtu', dev: was.name, mtu: was.mtu });
  // A bond member takes the bond's MAC and gets its own back when it leaves: that follows the master.
  if (!masterMoved && was.mac && now.mac && was.mac !== now.mac && !now.owner) ops.push({ kind: 'setMac', dev: was.name, mac: was.mac });
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

export function undoOutsideChange(from: Topology, to: Topology): OutsideUndo {
  const wasByName = new Map(from.interfaces.map((i) => [i.name, i]));
  const nowByName = new Map(to.interfaces.map((i) => [i.name, i]));
  // A VM's tap comes and goes with the VM; its own lifecycle is libvirt's.
  const ours = (i: NetInterface) => !i.owner;

  const removals: Operation[] = [];
  const recreations: Operation[] = [];
  const edits: Operation[] = [];
  const linkStates: Operation[] = [];

  // Open vSwitch first: a port of an added bridge goes with the bridge.
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
  const ovsDevices = new Set([...wasOvs.values(), ...nowOvs.values()].flatMap((b) => [b.name, ...b.ports.flatMap((p) => [p.name, ...p.interfaces.map((i) => i.name)])]));

  // Kernel interfaces: a veth pair is one deletion and one re-creation.
  const handled = new Set<string>();
  for (const [name, now] of nowByName) {
    if (wasByName.has(name) || handled.has(name) || !ours(now) || ovsDevices.has(name)) continue;
    handled.add(name).add(now.peer ?? name);
    removals.push({ kind: 'deleteInterface', name });
  }
  for (const [name, was] of wasByName) {
    if (nowByName.has(name) || handled.has(name) || !ours(was) || ovsDevices.has(name)) continue;
    handled.add(name).add(was.peer ?? name);
    recreations.push(...invertOperation({ kind: 'deleteInterface', name }, from));
  }
  for (const [name, now] of nowByName) {
    const was = wasByName.get(name);
    if (!was || !ours(now)) continue;
    edits.push(...interfaceFieldUndo(from, was, now));
    if (was.adminUp !== now.adminUp) linkStates.push({ kind: 'setLinkState', dev: name, up: was.adminUp });
  }

  // libvirt networks created or deleted outside.
  const wasNetworks = new Set(from.networks.map((n) => n.name));
  const nowNetworks = new Set(to.networks.map((n) => n.name));
  for (const name of nowNetworks) if (!wasNetworks.has(name)) removals.push({ kind: 'deleteNetwork', name });
  for (const name of wasNetworks) if (!nowNetworks.has(name)) recreations.push(...invertOperation({ kind: 'deleteNetwork', name }, from));

  // A device's tc tree: the one it had, or the kernel's default when it had none.
  for (const dev of devicesWithOtherTrees(from, to)) {
    edits.push(...(isKernelDefault(rootTreeOf(from, dev)) ? [{ kind: 'removeQdisc', dev } as Operation] : invertOperation({ kind: 'removeQdisc', dev }, from)));
  }

  const candidates = [...removals, ...recreations, ...edits, ...linkStates];
  const checked = validateOperations(to, candidates);
  const operations = candidates.filter((_, i) => !checked.checks[i]!.errors.length);
  const refused = candidates.flatMap((op, i) => {
    const errors = checked.checks[i]!.errors;
    return errors.length ? [`Not drafted: ${kindOf(op).describe(op)}: ${errors.join(' ')}`] : [];
  });
  const stays = diffTopology(withoutKernelMade(from), withoutKernelMade(checked.projected)).map(changeInWords);
  return { operations, notUndone: [...refused, ...stays] };
}
