// u32 filters as the filter kinds (addTcFilter, removeTcFilter, restoreTcFilter) write, find
// and take away. Pure.
//
// What names one filter: the kernel keeps one classifier per (parent, pref), with one protocol
// (a second protocol at that pref is refused: "Protocol mismatch"), and u32 holds any number of
// filters in it, each with a handle the kernel picks (800::800, 801::800, …; not reused, so an
// undo cannot name it in advance). `tc filter del dev D parent P protocol X prio N` takes away
// every filter at that pref. So Switchboard gives each filter it adds a pref of its own (refusing
// one in use), deletes by pref (with the protocol, which tc checks), and when it takes a pref
// away, puts back every filter that was at it.
import type { TcFilter, Topology } from '@/server/topology/model';
import { SAFE_ARG, type Argv } from './commands';
import { filterArgs } from './tc';
import { idMajor } from './htb';

export const filtersAt = (t: Topology, dev: string, parent: string, pref: number): TcFilter[] => (t.filters ?? []).filter((f) => f.dev === dev && f.parent === parent && f.pref === pref);

/** The pref a new filter on `parent` gets when none is given: one after the last (it runs after those there), or 1. */
export function nextPref(t: Topology, dev: string, parent: string): number | null {
  const used = new Set((t.filters ?? []).filter((f) => f.dev === dev && f.parent === parent).map((f) => f.pref));
  const after = Math.max(0, ...used) + 1;
  if (after <= 65535) return after;
  for (let p = 1; p <= 65535; p++) if (!used.has(p)) return p;
  return null;
}

export const filterAddArgv = (dev: string, parent: string, protocol: string, pref: number, args: string[]): Argv => ['tc', 'filter', 'add', 'dev', dev, 'parent', parent, 'protocol', protocol, 'prio', String(pref), ...args];
/** Every filter at the pref: tc checks the protocol is the one there. */
export const filterDelArgv = (dev: string, parent: string, protocol: string, pref: number): Argv => ['tc', 'filter', 'del', 'dev', dev, 'parent', parent, 'protocol', protocol, 'prio', String(pref)];

/** A filter as read, as the arguments after `prio N` that add it back; or why not (a phrase: "a flower filter"). */
export function exactFilterArgs(f: TcFilter): { args: string[] } | { why: string } {
  const args = filterArgs(f);
  if ('why' in args) return args;
  const unsafe = [f.parent, f.protocol, ...args.args].find((x) => !SAFE_ARG.test(x));
  return unsafe === undefined ? args : { why: `a ${f.kind} filter with a value Switchboard will not send to the host (${JSON.stringify(unsafe)})` };
}

/** The commands that add back the filters of one pref, as read. */
export function filterRestoreArgvs(filters: readonly TcFilter[]): Argv[] {
  return filters.map((f) => {
    const args = exactFilterArgs(f);
    if ('why' in args) throw new Error(`render: ${args.why} cannot be put back (validate first)`);
    return filterAddArgv(f.dev, f.parent, f.protocol, f.pref, args.args);
  });
}

/** Whether a qdisc on the device holds `parent` (its handle, or a class of it). */
export const parentExists = (t: Topology, dev: string, parent: string) => t.qdiscs.some((q) => q.dev === dev && idMajor(q.handle) === idMajor(parent));

/** A filter as the probe will read it back: u32's handle is the kernel's pick (topology/diff.ts leaves it out too). */
export const asProjected = (f: TcFilter): TcFilter => (f.kind === 'u32' ? { ...f, handle: null } : f);

/** A filter's line for verify: what it matches and does, not the handle the kernel picks. */
export const filterLine = (f: TcFilter) => `${f.protocol} ${f.kind}: ${f.match}${f.classid ? ` → ${f.classid}` : ''}${f.actions.length ? `; ${f.actions.join(', then ')}` : ''}`;
