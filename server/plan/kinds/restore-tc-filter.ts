import { z } from 'zod';
import { filterInWords } from '@/server/topology/words';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { checkTcOwner } from '../tc-checks';
import { asProjected, exactFilterArgs, filterDelArgv, filterLine, filterRestoreArgvs, filtersAt, parentExists } from '../tc-filters';
import { ZFilterPref } from './add-tc-filter';
import { ZFilterParent } from './remove-tc-filter';
import { ZTreeFilter } from './restore-qdisc-tree';

/**
 * The tc filters at one pref of a qdisc as they were before a change: what Revert drafts to
 * undo removeTcFilter. Never drafted by people (refused at the API, changes.types.ts): it
 * carries filters as read from the host.
 */
export const restoreTcFilterSchema = z
  .object({ kind: z.literal('restoreTcFilter'), dev: ZIfName, parent: ZFilterParent, pref: ZFilterPref, filters: z.array(ZTreeFilter).min(1).max(64) })
  .refine((op) => op.filters.every((f) => f.dev === op.dev && f.parent === op.parent && f.pref === op.pref), { message: 'Every filter is at the pref it restores.', path: ['filters'] })
  .refine((op) => new Set(op.filters.map((f) => f.protocol)).size === 1, { message: 'The filters at one pref have one protocol.', path: ['filters'] });

export const restoreTcFilter = defineKind({
  schema: restoreTcFilterSchema,
  describe: (op) => `put back ${op.dev}'s tc filter at pref ${op.pref} on ${op.parent} as it was (${op.filters.map(filterInWords).join('; ')})`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    if (!parentExists(c.t, op.dev, op.parent)) return void c.errors.push(`${op.dev} has no qdisc ${op.parent} to put its filter at pref ${op.pref} back on.`);
    const there = filtersAt(c.t, op.dev, op.parent, op.pref);
    if (there.length) return void c.errors.push(`${op.dev} has a tc filter at pref ${op.pref} on ${op.parent} now (${filterInWords(there[0]!)}); remove it first.`);
    for (const f of op.filters) {
      const args = exactFilterArgs(f);
      if ('why' in args) return void c.errors.push(`${op.dev}'s earlier filter at pref ${op.pref} on ${op.parent} was ${args.why}, which Switchboard cannot put back exactly.`);
    }
  },
  project: (op, t) => ({ ...t, filters: [...(t.filters ?? []), ...op.filters.map(asProjected)] }),
  render(op) {
    const [first, ...rest] = filterRestoreArgvs(op.filters);
    // Deleting the pref takes every filter at it: one undo for them all (the runner undoes newest first).
    return [cmd(first!, [filterDelArgv(op.dev, op.parent, op.filters[0]!.protocol, op.pref)]), ...rest.map((argv) => cmd(argv, []))];
  },
  invert: (op): Operation[] => [{ kind: 'removeTcFilter', dev: op.dev, parent: op.parent, pref: op.pref }],
  verify(op, intended, after) {
    const want = filtersAt(intended, op.dev, op.parent, op.pref);
    if (!want.length) return [];
    const have = filtersAt(after, op.dev, op.parent, op.pref).map(filterLine);
    return want.filter((f) => !have.includes(filterLine(f))).map((f) => `${op.dev} shows no tc filter ${filterLine(f)} at pref ${op.pref} on ${op.parent}; the plan put it back.`);
  },
});
