// What the qdisc kinds (setQdisc, removeQdisc, restoreQdiscTree) check and say alike: who owns
// a device's traffic control (the HTB class and filter kinds check that too), what a change
// takes away with the root, and what the host shows afterwards against what was intended. Pure.
import type { NetInterface, Qdisc, TcClass, TcFilter, Topology } from '@/server/topology/model';
import { filterInWords, qdiscInWords, tcClassInWords } from '@/server/topology/words';
import type { Checks } from './kind';
import { isKernelDefault, rootQdiscOf, rootTreeOf, tcReadProblem, undoOfRootChange, type RootTree } from './tc';

/**
 * Whether Switchboard may set tc on the device at all: libvirt owns tc on its VMs' taps (a NIC's
 * <bandwidth>) and on a network's bridge when the network has one, and would fight a raw edit.
 */
function ownerProblem(t: Topology, i: NetInterface): string | null {
  if (i.kind === 'loopback') return `Switchboard leaves the loopback's traffic control alone.`;
  if (i.owner) return `libvirt shapes ${i.owner.vm}'s tap ${i.name}: set limits on the VM's NIC instead.`;
  const net = t.networks.find((n) => n.bridge === i.name && n.mode !== 'bridge' && /<bandwidth\b/.test(n.definition ?? ''));
  if (net) return `libvirt shapes ${i.name} for network ${net.name}: set limits on the network instead.`;
  return null;
}

/**
 * What every tc kind checks first: the device exists, is Switchboard's to shape, and the read
 * holds its tc (qdiscs, classes with their bursts, filters). Returns the device. The class and
 * filter kinds stop here: what they undo is their own part, not the whole tree.
 */
export function checkTcOwner(c: Checks, dev: string): NetInterface | undefined {
  const i = c.need(dev);
  if (!i) return undefined;
  const owner = ownerProblem(c.t, i);
  if (owner) {
    c.errors.push(owner);
    return undefined;
  }
  const problem = tcReadProblem(c.t, dev);
  if (problem) {
    c.errors.push(problem);
    return undefined;
  }
  return i;
}

/**
 * The checks every qdisc kind makes: the device exists and is Switchboard's to shape, the read
 * has what an exact undo needs, and the tree there now can be put back. Returns the device.
 */
export function checkTcDevice(c: Checks, dev: string): NetInterface | undefined {
  const i = checkTcOwner(c, dev);
  if (!i) return undefined;
  const undo = undoOfRootChange(c.t, dev);
  if ('why' in undo) c.errors.push(undo.why);
  return i;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "htb 1: with 3 classes, 2 qdiscs under them and 10 filters"; "the kernel's default". */
export function treeInWords(tree: RootTree): string {
  if (isKernelDefault(tree)) return "the kernel's default";
  const root = rootQdiscOf(tree);
  const classes = tree.classes.filter((c) => c.kind === 'htb');
  const below = tree.qdiscs.filter((q) => !q.root);
  const parts = [classes.length && plural(classes.length, 'class', 'classes'), below.length && `${plural(below.length, 'qdisc')} under ${root?.kind === 'htb' ? 'them' : 'it'}`, tree.filters.length && plural(tree.filters.length, 'filter')].filter(Boolean) as string[];
  const head = root ? `${root.kind} ${root.handle}` : 'qdiscs';
  if (!parts.length) return head;
  const last = parts.pop()!;
  return `${head} with ${parts.length ? `${parts.join(', ')} and ${last}` : last}`;
}

/** A warning when replacing or deleting the root takes classes, qdiscs or filters with it. */
export function lostWithRoot(before: Topology, dev: string): string[] {
  const tree = rootTreeOf(before, dev);
  if (isKernelDefault(tree)) return [];
  const root = rootQdiscOf(tree);
  const hasMore = tree.qdiscs.length > 1 || tree.filters.length || tree.classes.some((c) => c.kind === 'htb');
  if (!root || !hasMore) return [];
  return [`${dev}'s current tc tree (${treeInWords(tree)}) goes with its root qdisc; traffic its classes and filters shape is unshaped until something else is set. An undo puts it back.`];
}

// ---- After apply: the host's tree against the intended one ----

const qdiscLine = (q: Qdisc) => `qdisc ${q.kind} ${q.handle}${q.parent && !q.root ? ` under ${q.parent}` : ''} ${JSON.stringify(sortedKeys(q.options))}`;
const classLine = (c: TcClass) => `class ${c.kind} ${c.classid}${c.parent ? ` under ${c.parent}` : ''}: ${tcClassInWords(c)} burst ${c.burst ?? '?'} cburst ${c.cburst ?? '?'}${c.leaf ? `, leaf ${c.leaf}` : ''}`;
const filterLine = (f: TcFilter) => `filter on ${f.parent}, ${f.protocol} pref ${f.pref}: ${filterInWords(f)}`;

function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k] && typeof o[k] === 'object' && !Array.isArray(o[k]) ? sortedKeys(o[k] as Record<string, unknown>) : o[k]]),
  );
}

/** Each part of `dev`'s tree in one line, exact (options as tc reported them); `belowRoot` leaves the root qdisc out. */
function treeLines(tree: RootTree, belowRoot: boolean): string[] {
  return [...tree.qdiscs.filter((q) => !(belowRoot && q.root)).map(qdiscLine), ...tree.classes.map(classLine), ...tree.filters.map(filterLine)];
}

/**
 * Sentences for what `dev`'s tree on the host has that the intended one does not, and the
 * other way round; `belowRoot` compares only what hangs under the root.
 */
export function treeDifferences(dev: string, intended: Topology, after: Topology, belowRoot = false): string[] {
  const want = treeLines(rootTreeOf(intended, dev), belowRoot);
  const have = treeLines(rootTreeOf(after, dev), belowRoot);
  return [
    ...want.filter((l) => !have.includes(l)).map((l) => `${dev}: the plan intended ${l}, which the host does not show.`),
    ...have.filter((l) => !want.includes(l)).map((l) => `${dev}: the host shows ${l}, which the plan did not intend.`),
  ];
}

/** For a root the kernel sets by itself: that the host's is the kernel's default again. */
export function kernelDefaultDifferences(dev: string, after: Topology): string[] {
  const tree = rootTreeOf(after, dev);
  if (isKernelDefault(tree)) return [];
  const root = rootQdiscOf(tree);
  return [`${dev}'s root qdisc is ${root ? qdiscInWords(root) : 'missing'} (${root?.handle ?? ''}); the plan intended the kernel's default.`.replace(' ()', '')];
}
