import { z } from 'zod';
import { canonicalText } from '@/server/canonical';
import type { Topology } from '@/server/topology/model';
import { tcClassInWords } from '@/server/topology/words';
import { ZIfName } from '../fields';
import {
  checkNewClassParent,
  checkUnderRoot,
  childrenOf,
  classCommands,
  exactClassArgs,
  exactQdiscArgs,
  findClass,
  htbRootOf,
  leafProblem,
  leafQdiscOf,
  needHtbRoot,
  newClassWarnings,
  restoreOpOf,
  undoOfClassAdd,
  withHtbClass,
} from '../htb';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { tcArithmeticOf } from '../tc-arithmetic';
import { checkTcOwner } from '../tc-checks';
import { ZTreeClass, ZTreeQdisc } from './restore-qdisc-tree';

/**
 * An HTB class (and the qdisc under it) as it was before a change: what Revert drafts to undo
 * setHtbClass or removeHtbClass. Never drafted by people (refused at the API,
 * changes.types.ts): it carries the class as read from the host. A class there now is changed
 * to it (`tc class change` with every value as read), one that is not is added.
 */
export const restoreHtbClassSchema = z
  .object({
    kind: z.literal('restoreHtbClass'),
    dev: ZIfName,
    class: ZTreeClass,
    leaf: z.object({ qdisc: ZTreeQdisc, classes: z.array(ZTreeClass).max(64) }).nullable(),
  })
  .refine((op) => op.class.kind === 'htb', { message: 'The class to put back is an HTB class.', path: ['class', 'kind'] })
  .refine((op) => [op.class, ...(op.leaf ? [op.leaf.qdisc, ...op.leaf.classes] : [])].every((x) => x.dev === op.dev), { message: 'Every part of the class is on the device it restores.', path: ['class'] })
  .refine((op) => !op.leaf || (op.leaf.qdisc.parent === op.class.classid && !op.leaf.qdisc.root && op.class.leaf === op.leaf.qdisc.handle), { message: "The qdisc to put back is the class's own.", path: ['leaf'] });
type RestoreHtbClass = z.output<typeof restoreHtbClassSchema>;

const leafOf = (op: RestoreHtbClass) => op.leaf && { qdisc: op.leaf.qdisc, classes: op.leaf.classes };

function render(op: RestoreHtbClass, t: Topology) {
  const root = htbRootOf(t, op.dev);
  if (!root) throw new Error(`render: ${op.dev} has no HTB root (validate first)`);
  const a = tcArithmeticOf(t);
  const args = exactClassArgs(op.class, a);
  const leafArgs = op.leaf ? exactQdiscArgs(op.leaf.qdisc, a) : null;
  if ('why' in args || (leafArgs && 'why' in leafArgs)) throw new Error(`render: class ${op.class.classid} cannot be put back exactly (validate first)`);
  return classCommands(t, op.class, args.args, root.handle, op.leaf && leafArgs && 'args' in leafArgs ? { qdisc: op.leaf.qdisc, args: leafArgs.args } : null);
}

export const restoreHtbClass = defineKind({
  schema: restoreHtbClassSchema,
  describe: (op) => `put back HTB class ${op.class.classid} on ${op.dev} as it was (${[tcClassInWords(op.class), op.leaf && `${op.leaf.qdisc.kind} under it`].filter(Boolean).join(', ')})`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    const root = needHtbRoot(c, op.dev);
    const id = op.class.classid;
    if (!root || !checkUnderRoot(c, op.dev, id, root)) return;
    const existing = findClass(c.t, op.dev, id);
    if (existing) {
      if (existing.kind !== 'htb') return void c.errors.push(`${id} on ${op.dev} is a ${existing.kind} class, not an HTB one.`);
      if ((existing.parent ?? null) !== (op.class.parent ?? null)) {
        return void c.errors.push(`Class ${id} on ${op.dev} is under ${existing.parent ?? root.handle} now, not under ${op.class.parent ?? root.handle} as it was; HTB cannot move a class, so remove it first.`);
      }
      const now = exactClassArgs(existing, tcArithmeticOf(c.t));
      if ('why' in now) return void c.errors.push(`${op.dev}'s current tc tree holds ${now.why} Switchboard cannot put back exactly; remove it by hand first.`);
      if (op.leaf && childrenOf(c.t, op.dev, id).length) return void c.errors.push(`Class ${id} on ${op.dev} has classes under it now; only a class without classes under it holds a qdisc, so remove them first.`);
      const why = leafProblem(c.t, op.dev, id);
      if (why) return void c.errors.push(`Class ${id} on ${op.dev} holds ${why} now, which Switchboard could not put back exactly; take it off by hand first.`);
    } else if (!checkNewClassParent(c, op.dev, id, op.class.parent, root)) {
      return;
    }
    const a = tcArithmeticOf(c.t);
    const args = exactClassArgs(op.class, a);
    if ('why' in args) return void c.errors.push(`${op.dev}'s earlier tc tree held ${args.why} Switchboard cannot put back exactly.`);
    if (op.leaf) {
      const leafArgs = exactQdiscArgs(op.leaf.qdisc, a);
      if ('why' in leafArgs) return void c.errors.push(`${op.dev}'s earlier tc tree held ${leafArgs.why} Switchboard cannot put back exactly.`);
      const taken = c.t.qdiscs.find((q) => q.dev === op.dev && q.handle === op.leaf!.qdisc.handle && q !== leafQdiscOf(c.t, op.dev, id));
      if (taken) return void c.errors.push(`${op.dev} has a ${taken.kind} qdisc with handle ${taken.handle} now, so the ${op.leaf.qdisc.kind} qdisc that was under class ${id} cannot get it back; remove that qdisc first.`);
    }
    if (!render(op, c.t).length) c.errors.push(`HTB class ${id} on ${op.dev} is already as it was.`);
  },
  warnings: (op, before) => {
    const root = htbRootOf(before, op.dev);
    return root ? newClassWarnings(before, op.dev, op.class.classid, op.class.parent, root.handle) : [];
  },
  project: (op, t) => withHtbClass(t, op.class, leafOf(op)),
  render,
  invert(op, before): Operation[] {
    const id = op.class.classid;
    return findClass(before, op.dev, id) ? [restoreOpOf(before, op.dev, id)] : undoOfClassAdd(before, op.dev, id, op.class.parent).ops;
  },
  verify(op, intended, after) {
    const want = findClass(intended, op.dev, op.class.classid);
    if (!want) return [];
    const have = findClass(after, op.dev, op.class.classid);
    const line = (c: typeof want) => `${tcClassInWords(c)} burst ${c.burst ?? '?'} cburst ${c.cburst ?? '?'}${c.parent ? ` under ${c.parent}` : ''}`;
    if (!have) return [`${op.dev} shows no HTB class ${op.class.classid}; the plan put it back (${tcClassInWords(want)}).`];
    const out = line(have) !== line(want) ? [`${op.dev}'s HTB class ${op.class.classid} is ${line(have)}; the plan put back ${line(want)}.`] : [];
    const [wantLeaf, haveLeaf] = [leafQdiscOf(intended, op.dev, op.class.classid), leafQdiscOf(after, op.dev, op.class.classid)];
    const leafLine = (q: typeof wantLeaf) => (q ? `${q.kind} ${q.handle} ${canonicalText(q.options)}` : "the kernel's default queue");
    if (leafLine(wantLeaf) !== leafLine(haveLeaf)) out.push(`${op.dev}'s class ${op.class.classid} has ${leafLine(haveLeaf)} under it; the plan put back ${leafLine(wantLeaf)}.`);
    return out;
  },
});
