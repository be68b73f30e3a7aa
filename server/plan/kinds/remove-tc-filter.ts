import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { checkTcOwner } from '../tc-checks';
import { exactFilterArgs, filterDelArgv, filterRestoreArgvs, filtersAt } from '../tc-filters';
import { ZFilterPref } from './add-tc-filter';

/** Where a filter hangs: a qdisc's handle ("1:", "ffff:" for ingress) or a clsact side ("ffff:fff2"). */
export const ZFilterParent = z.string().regex(/^[0-9a-f]{1,4}:[0-9a-f]{0,4}$/, "A filter's parent is a qdisc handle such as 1: (ffff: for ingress).");

/**
 * Takes away the tc filter at one pref of a qdisc (every filter there: tc deletes a pref as a
 * whole); the undo puts each back. Field names are a stable API (issue 13).
 */
export const removeTcFilterSchema = z.object({ kind: z.literal('removeTcFilter'), dev: ZIfName, parent: ZFilterParent, pref: ZFilterPref });

export const removeTcFilter = defineKind({
  schema: removeTcFilterSchema,
  describe: (op) => `remove the tc filter at pref ${op.pref} on ${op.dev} (${op.parent})`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    const filters = filtersAt(c.t, op.dev, op.parent, op.pref);
    if (!filters.length) return void c.errors.push(`${op.dev} has no tc filter at pref ${op.pref} on ${op.parent} (or an earlier operation removes it).`);
    if (new Set(filters.map((f) => f.protocol)).size > 1) return void c.errors.push(`${op.dev}'s filters at pref ${op.pref} on ${op.parent} are read with several protocols; refresh the host.`);
    for (const f of filters) {
      const args = exactFilterArgs(f);
      if ('why' in args) return void c.errors.push(`${op.dev}'s filter at pref ${op.pref} on ${op.parent} is ${args.why}, which Switchboard cannot put back exactly; remove it by hand.`);
    }
  },
  project: (op, t) => ({ ...t, filters: (t.filters ?? []).filter((f) => !(f.dev === op.dev && f.parent === op.parent && f.pref === op.pref)) }),
  render(op, t) {
    const filters = filtersAt(t, op.dev, op.parent, op.pref);
    if (!filters.length) throw new Error(`render: no filter at pref ${op.pref} on ${op.dev} (validate first)`);
    return [cmd(filterDelArgv(op.dev, op.parent, filters[0]!.protocol, op.pref), filterRestoreArgvs(filters))];
  },
  invert(op, before): Operation[] {
    const filters = filtersAt(before, op.dev, op.parent, op.pref);
    return filters.length ? [{ kind: 'restoreTcFilter', dev: op.dev, parent: op.parent, pref: op.pref, filters }] : [];
  },
  verify(op, intended, after) {
    if (filtersAt(intended, op.dev, op.parent, op.pref).length || !filtersAt(after, op.dev, op.parent, op.pref).length) return [];
    return [`${op.dev} still shows a tc filter at pref ${op.pref} on ${op.parent}; the plan removed it.`];
  },
});
