// HTB classes and the qdisc under each, as the class kinds (setHtbClass, removeHtbClass,
// restoreHtbClass) read, check, project and render them. Pure.
//
// What the kernel does that the model must follow (seen with iproute2 6.1 on a 6.18 kernel):
// - A class made under a leaf class turns that class into an inner one: HTB destroys the
//   qdisc under it and stops printing its priority. Deleting its last class makes it a leaf
//   again, with the kernel's default queue (not listed) and the priority it kept.
// - `tc class change` sets every parameter: what is not given goes back to tc's default
//   (ceil = rate, burst and cburst = tc's default, prio 0), so an undo sends all of them as read.
// - A class that holds filters or classes cannot be deleted ("HTB class in use").
// - Qdisc handles are unique on a device, whoever's child they are.
import { classConfiguration, type NetInterface, type Qdisc, type TcClass, type TcFilter, type Topology } from '@/server/topology/model';
import { tcClassInWords } from '@/server/topology/words';
import { canonicalText } from '@/server/canonical';
import { cmd, SAFE_ARG, type Argv, type PlannedCommand } from './commands';
import type { Checks } from './kind';
import type { Operation } from './registry';
import { htbClassArgs, qdiscArgs, rootQdiscOf, rootTreeOf } from './tc';
import { tcArithmeticOf, type TcArithmetic } from './tc-arithmetic';

export const idMajor = (id: string) => id.split(':')[0] ?? '';
export const idMinor = (id: string) => id.split(':')[1] ?? '';
const hexOf = (part: string) => Number.parseInt(part || '0', 16);

/** The deepest HTB allows: a class under a class eight levels down is refused ("tree is too deep"). */
export const HTB_MAX_DEPTH = 8;

/**
 * tc's burst (and cburst) when none is given: rate / HZ + mtu (q_htb.c), where tc reads HZ
 * from /proc/net/psched as the timer's resolution, 1e9 with high-resolution timers (every
 * kernel Switchboard meets), and the mtu is tc's 1600. Seen: 1600b at 5 Mbit/s, 1598b at
 * 7 Mbit/s, 1375b at 1 Gbit/s (tc-arithmetic.ts: what tc prints back).
 */
export const defaultHtbBurst = (rateBytes: number) => Math.trunc(rateBytes / 1e9) + 1600;

/** The device's root qdisc, when it is HTB. */
export function htbRootOf(t: Topology, dev: string): Qdisc | undefined {
  const root = rootQdiscOf(rootTreeOf(t, dev));
  return root?.kind === 'htb' ? root : undefined;
}

export const findClass = (t: Topology, dev: string, classid: string): TcClass | undefined => t.classes.find((c) => c.dev === dev && c.classid === classid);
export const childrenOf = (t: Topology, dev: string, classid: string): TcClass[] => t.classes.filter((c) => c.dev === dev && c.parent === classid);
export const filtersInto = (t: Topology, dev: string, classid: string): TcFilter[] => (t.filters ?? []).filter((f) => f.dev === dev && f.classid === classid);
/** The qdisc under a class, if one of its own (the kernel's default is not listed). */
export const leafQdiscOf = (t: Topology, dev: string, classid: string): Qdisc | undefined => t.qdiscs.find((q) => q.dev === dev && !q.root && q.parent === classid);

/** How many classes deep `classid` is (1: right under the root qdisc). */
export function depthOf(t: Topology, dev: string, classid: string): number {
  let depth = 0;
  for (let c = findClass(t, dev, classid); c && depth <= HTB_MAX_DEPTH; c = c.parent ? findClass(t, dev, c.parent) : undefined) depth++;
  return depth;
}

/** The qdisc under a class and everything hanging off it: its own classes, qdiscs under those, and their filters. */
export interface LeafTree {
  qdiscs: Qdisc[];
  classes: TcClass[];
  filters: TcFilter[];
}

export function leafTreeOf(t: Topology, dev: string, classid: string): LeafTree {
  const out: LeafTree = { qdiscs: [], classes: [], filters: [] };
  const first = leafQdiscOf(t, dev, classid);
  const queue = first ? [first] : [];
  while (queue.length) {
    const q = queue.shift()!;
    out.qdiscs.push(q);
    const major = idMajor(q.handle);
    out.classes.push(...t.classes.filter((c) => c.dev === dev && idMajor(c.classid) === major));
    out.filters.push(...(t.filters ?? []).filter((f) => f.dev === dev && idMajor(f.parent) === major));
    queue.push(...t.qdiscs.filter((x) => x.dev === dev && !x.root && x.parent !== null && idMajor(x.parent) === major && !out.qdiscs.includes(x) && !queue.includes(x)));
  }
  return out;
}

/** A qdisc under a class as the class kinds carry it: the qdisc and the classes it shows by itself (tbf's one). */
export interface Leaf {
  qdisc: Qdisc;
  classes: TcClass[];
}

/**
 * The leaf a class holds, as one `tc qdisc add` puts back: one qdisc whose classes are its own
 * implicit ones (tbf's H:1, prio's bands), without filters; or a phrase saying what else is there.
 */
export function simpleLeafOf(t: Topology, dev: string, classid: string): Leaf | null | { why: string } {
  const tree = leafTreeOf(t, dev, classid);
  const [q, ...more] = tree.qdiscs;
  if (!q) return null;
  const odd = tree.classes.filter((c) => c.kind !== q.kind || c.rate);
  if (more.length || odd.length || tree.filters.length) return { why: `a ${q.kind} qdisc (${q.handle}) with classes, qdiscs or filters of its own` };
  return { qdisc: q, classes: tree.classes };
}

/** Why the qdisc under a class cannot be put back exactly (a phrase), or null (also when it has none). */
export function leafProblem(t: Topology, dev: string, classid: string): string | null {
  const leaf = simpleLeafOf(t, dev, classid);
  if (!leaf) return null;
  if ('why' in leaf) return leaf.why;
  const args = exactQdiscArgs(leaf.qdisc, tcArithmeticOf(t));
  return 'why' in args ? args.why : null;
}

const without = <T>(xs: readonly T[], gone: readonly T[]) => xs.filter((x) => !gone.includes(x));

/** `t` without the qdisc under `classid` and what hangs off it. */
export function withoutLeaf(t: Topology, dev: string, classid: string): Topology {
  const tree = leafTreeOf(t, dev, classid);
  if (!tree.qdiscs.length) return t;
  return {
    ...t,
    qdiscs: without(t.qdiscs, tree.qdiscs),
    classes: without(t.classes, tree.classes).map((c) => (c.dev === dev && c.classid === classid ? { ...c, leaf: null } : c)),
    ...(t.filters ? { filters: without(t.filters, tree.filters) } : {}),
  };
}

/** How tc prints a leaf class (its priority, 0 when none was known) and an inner one (neither priority nor leaf). */
const asLeafClass = (c: TcClass): TcClass => ({ ...c, prio: c.prio ?? 0 });
const asInnerClass = (c: TcClass): TcClass => ({ ...c, prio: null, leaf: null });

const replaced = (t: Topology, dev: string, classid: string, f: (c: TcClass) => TcClass): Topology => ({ ...t, classes: t.classes.map((c) => (c.dev === dev && c.classid === classid ? f(c) : c)) });

/**
 * `t` with HTB class `c` set: in place of the class of its id, or added (its parent class, a
 * leaf until now, becomes an inner one and loses its qdisc); with `leaf` under it when given
 * (null: the kernel's default queue), else with the qdisc it has.
 */
export function withHtbClass(t: Topology, c: TcClass, leaf?: Leaf | null): Topology {
  const dev = c.dev;
  const existing = findClass(t, dev, c.classid);
  let next = t;
  if (!existing && c.parent) {
    const parent = findClass(t, dev, c.parent);
    if (parent && !childrenOf(t, dev, parent.classid).length) next = replaced(withoutLeaf(next, dev, parent.classid), dev, parent.classid, asInnerClass);
  }
  if (leaf !== undefined) next = withoutLeaf(next, dev, c.classid);
  const inner = childrenOf(next, dev, c.classid).length > 0;
  const leafHandle = leaf === undefined ? (existing?.leaf ?? null) : (leaf?.qdisc.handle ?? null);
  const set = inner ? asInnerClass(c) : { ...asLeafClass(c), leaf: leafHandle };
  next = existing ? replaced(next, dev, c.classid, () => set) : { ...next, classes: [...next.classes, set] };
  return leaf ? { ...next, qdiscs: [...next.qdiscs, leaf.qdisc], classes: [...next.classes, ...leaf.classes] } : next;
}

/** `t` without an HTB class and its qdisc; its parent class, left without classes, is a leaf again. */
export function withoutHtbClass(t: Topology, dev: string, classid: string): Topology {
  const c = findClass(t, dev, classid);
  if (!c) return t;
  let next = withoutLeaf(t, dev, classid);
  next = { ...next, classes: next.classes.filter((x) => !(x.dev === dev && x.classid === classid)) };
  if (c.parent && !childrenOf(next, dev, c.parent).length) next = replaced(next, dev, c.parent, (p) => asLeafClass({ ...p, leaf: null }));
  return next;
}

// ---- Commands ----

export const classAddArgv = (dev: string, parent: string, classid: string, args: string[]): Argv => ['tc', 'class', 'add', 'dev', dev, 'parent', parent, 'classid', classid, ...args];
export const classChangeArgv = (dev: string, classid: string, args: string[]): Argv => ['tc', 'class', 'change', 'dev', dev, 'classid', classid, ...args];
export const classDelArgv = (dev: string, classid: string): Argv => ['tc', 'class', 'del', 'dev', dev, 'classid', classid];
export const leafAddArgv = (dev: string, classid: string, handle: string, args: string[]): Argv => ['tc', 'qdisc', 'add', 'dev', dev, 'parent', classid, 'handle', handle, ...args];
/** Names the handle too: tc refuses ("Invalid handle") when the qdisc there is another one. */
export const leafDelArgv = (dev: string, classid: string, handle: string): Argv => ['tc', 'qdisc', 'del', 'dev', dev, 'parent', classid, 'handle', handle];

/** The arguments that put back a class as read (`htb rate … ceil … burst … cburst … [prio …]`), or why they cannot. */
export function exactClassArgs(c: TcClass, a: TcArithmetic): { args: string[] } | { why: string } {
  const args = htbClassArgs(c, a);
  if ('why' in args) return args;
  const unsafe = args.args.find((x) => !SAFE_ARG.test(x));
  return unsafe === undefined ? args : { why: `an HTB class (${c.classid}) with a value Switchboard will not send to the host (${JSON.stringify(unsafe)})` };
}

/** The arguments that put back a qdisc as read (after `handle H:`), or why they cannot. */
export function exactQdiscArgs(q: Qdisc, a: TcArithmetic): { args: string[] } | { why: string } {
  const args = qdiscArgs(q, a);
  if ('why' in args) return args;
  const unsafe = [q.handle, ...args.args].find((x) => !SAFE_ARG.test(x));
  return unsafe === undefined ? args : { why: `a ${q.kind} qdisc (${q.handle}) with a value Switchboard will not send to the host (${JSON.stringify(unsafe)})` };
}

const mustArgs = (x: { args: string[] } | { why: string }): string[] => {
  if ('why' in x) throw new Error(`render: ${x.why} cannot be put back (validate first)`);
  return x.args;
};

/** Whether two qdiscs are the same one set the same way. */
export const sameQdisc = (a: Qdisc | undefined, b: Qdisc | undefined) =>
  !!a && !!b && a.handle === b.handle && a.kind === b.kind && canonicalText(a.options) === canonicalText(b.options);

/** The printed settings of a class that `tc class change` sets: equal, and the change changes nothing. */
const classSettings = (c: TcClass) => [c.rate, c.ceil, c.burst ?? null, c.cburst ?? null, c.prio ?? null].join(' ');

/** Whether a parent class, a leaf now, must be put back as it is when a class under it is taken away again (its qdisc or its priority the kernel keeps but tc stops printing). */
function parentToPutBack(t: Topology, dev: string, parent: string | null): TcClass | undefined {
  const p = parent ? findClass(t, dev, parent) : undefined;
  if (!p || childrenOf(t, dev, p.classid).length) return undefined;
  return p.leaf || (p.prio ?? 0) !== 0 ? p : undefined;
}

/** A class (and its qdisc) as read, for restoreHtbClass. */
export function restoreOpOf(t: Topology, dev: string, classid: string): Operation {
  const c = findClass(t, dev, classid)!;
  const leaf = simpleLeafOf(t, dev, classid);
  return { kind: 'restoreHtbClass', dev, class: classConfiguration(c), leaf: leaf && !('why' in leaf) ? { qdisc: leaf.qdisc, classes: leaf.classes.map(classConfiguration) } : null };
}

/** What undoes adding class `classid` under `parent` to `t`: taking it away again, and the parent's qdisc and priority put back when it was a leaf. */
export function undoOfClassAdd(t: Topology, dev: string, classid: string, parent: string | null): { argvs: Argv[]; ops: Operation[] } {
  const p = parentToPutBack(t, dev, parent);
  const leaf = p?.leaf ? simpleLeafOf(t, dev, p.classid) : null;
  const a = tcArithmeticOf(t);
  return {
    argvs: [classDelArgv(dev, classid), ...(p && leaf && !('why' in leaf) ? [leafAddArgv(dev, p.classid, leaf.qdisc.handle, mustArgs(exactQdiscArgs(leaf.qdisc, a)))] : [])],
    ops: [{ kind: 'removeHtbClass', dev, classid }, ...(p ? [restoreOpOf(t, dev, p.classid)] : [])],
  };
}

/**
 * The commands that set class `want` on its device in `t` (added, or changed when its settings
 * differ) with `args`, then its leaf: `leaf` given (null: the kernel's default), else left as it
 * is. Each with the exact commands that undo it.
 */
export function classCommands(t: Topology, want: TcClass, args: string[], rootHandle: string, leaf?: { qdisc: Qdisc; args: string[] } | null): PlannedCommand[] {
  const dev = want.dev;
  const a = tcArithmeticOf(t);
  const existing = findClass(t, dev, want.classid);
  const out: PlannedCommand[] = [];
  if (!existing) {
    out.push(cmd(classAddArgv(dev, want.parent ?? rootHandle, want.classid, args), undoOfClassAdd(t, dev, want.classid, want.parent).argvs));
  } else {
    const projected = findClass(withHtbClass(t, want), dev, want.classid)!;
    if (classSettings(projected) !== classSettings(existing)) out.push(cmd(classChangeArgv(dev, want.classid, args), [classChangeArgv(dev, want.classid, mustArgs(exactClassArgs(existing, a)))]));
  }
  if (leaf === undefined) return out;
  const current = existing ? leafQdiscOf(t, dev, want.classid) : undefined;
  if (leaf && sameQdisc(current, leaf.qdisc)) return out;
  if (current) out.push(cmd(leafDelArgv(dev, want.classid, current.handle), [leafAddArgv(dev, want.classid, current.handle, mustArgs(exactQdiscArgs(current, a)))]));
  if (leaf) out.push(cmd(leafAddArgv(dev, want.classid, leaf.qdisc.handle, leaf.args), [leafDelArgv(dev, want.classid, leaf.qdisc.handle)]));
  return out;
}

/**
 * The handle for a new qdisc under `classid`: the one its qdisc has now, else the class's minor
 * ("1:10" -> "10:", the usual convention) when free, else the lowest free one. Handles 8000: and
 * up are left to the kernel; null when none is free.
 */
export function leafHandleFor(t: Topology, dev: string, classid: string): string | null {
  const current = leafQdiscOf(t, dev, classid);
  if (current) return current.handle;
  const used = new Set(t.qdiscs.filter((q) => q.dev === dev).map((q) => hexOf(idMajor(q.handle))));
  const minor = hexOf(idMinor(classid));
  if (minor > 0 && minor < 0x8000 && !used.has(minor)) return `${minor.toString(16)}:`;
  for (let n = 2; n < 0x8000; n++) if (!used.has(n)) return `${n.toString(16)}:`;
  return null;
}

// ---- Checks the class kinds share ----

/** The device's HTB root, or an error saying there is none. */
export function needHtbRoot(c: Checks, dev: string): Qdisc | undefined {
  const root = htbRootOf(c.t, dev);
  if (!root) c.errors.push(`${dev} has no HTB root qdisc; set one first (setQdisc htb).`);
  return root;
}

/** An error unless `classid` is under the root's major ("1:10" under "1:"). */
export function checkUnderRoot(c: Checks, dev: string, classid: string, root: Qdisc): boolean {
  if (idMajor(classid) === idMajor(root.handle)) return true;
  c.errors.push(`Class ${classid} on ${dev} is not under its HTB root qdisc (${root.handle}); an HTB class id there starts with ${root.handle}, such as ${idMajor(root.handle)}:${idMinor(classid)}.`);
  return false;
}

/**
 * The checks for a class added under `parent` (null: the root): the parent is there, not too
 * deep, and when it is a leaf with a qdisc of its own (which HTB then takes away), that qdisc
 * can be put back. Returns false when the class cannot go there.
 */
export function checkNewClassParent(c: Checks, dev: string, classid: string, parent: string | null, root: Qdisc): boolean {
  if (!parent) return true;
  const p = findClass(c.t, dev, parent);
  if (!p || p.kind !== 'htb') {
    c.errors.push(`${dev} has no HTB class ${parent} to put ${classid} under (or an earlier operation removes it).`);
    return false;
  }
  if (depthOf(c.t, dev, parent) >= HTB_MAX_DEPTH) {
    c.errors.push(`Class ${classid} under ${parent} on ${dev} would be ${HTB_MAX_DEPTH + 1} classes deep below ${root.handle}; HTB allows ${HTB_MAX_DEPTH}.`);
    return false;
  }
  if (childrenOf(c.t, dev, parent).length) return true;
  const why = leafProblem(c.t, dev, parent);
  if (why) {
    c.errors.push(`Class ${parent} on ${dev} holds ${why}; a class under it makes HTB take that qdisc away, and Switchboard could not put it back exactly. Put ${classid} under another class, or take that qdisc off by hand first.`);
    return false;
  }
  // Its priority comes back with a restoreHtbClass of it as read (Revert).
  const putBack = parentToPutBack(c.t, dev, parent);
  if (putBack) {
    const args = exactClassArgs(putBack, tcArithmeticOf(c.t));
    if ('why' in args) {
      c.errors.push(`${dev}'s current tc tree holds ${args.why} Switchboard cannot put back exactly once a class under it is taken away again; remove it by hand first.`);
      return false;
    }
  }
  return true;
}

/**
 * What adding a class under a leaf class does beyond it, in sentences: HTB takes the parent's
 * qdisc away, and traffic filters steer into the parent no longer stops there.
 */
export function newClassWarnings(t: Topology, dev: string, classid: string, parent: string | null, rootHandle: string): string[] {
  if (!parent || findClass(t, dev, classid) || childrenOf(t, dev, parent).length) return [];
  const out: string[] = [];
  const leaf = leafQdiscOf(t, dev, parent);
  if (leaf) out.push(`Class ${parent} on ${dev} gets a class under it (${classid}), so HTB takes its ${leaf.kind} qdisc (${leaf.handle}) away; an undo puts it back.`);
  const filters = filtersInto(t, dev, parent);
  if (filters.length) {
    out.push(
      `Filters on ${dev} steer traffic into ${parent} (${filters.map((f) => `pref ${f.pref}`).join(', ')}); once ${parent} has a class under it, HTB sends that traffic on only through filters of ${parent}'s own, so it goes to the default class of ${rootHandle} instead.`,
    );
  }
  return out;
}

/** "rate 10 Mbit/s, ceil 20 Mbit/s, burst 16 KiB, prio 1" with "under 1:1" and its qdisc: a class as read, for sentences. */
export function classInWords(c: TcClass, leaf?: Qdisc | null): string {
  return [c.parent ? `under ${c.parent}` : null, tcClassInWords(c) || null, leaf ? `${leaf.kind} ${leaf.handle} under it` : null].filter(Boolean).join(', ');
}

/** The interface, for the kinds that need its MTU (fq_codel's and sfq's quantum, the frame a burst must hold). */
export const ifaceOf = (t: Topology, dev: string): NetInterface | undefined => t.interfaces.find((i) => i.name === dev);
