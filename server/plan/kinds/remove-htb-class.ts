import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { checkUnderRoot, childrenOf, classAddArgv, classDelArgv, exactClassArgs, exactQdiscArgs, filtersInto, findClass, htbRootOf, idMinor, leafAddArgv, leafProblem, needHtbRoot, restoreOpOf, simpleLeafOf, withoutHtbClass } from '../htb';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { tcArithmeticOf } from '../tc-arithmetic';
import { checkTcOwner } from '../tc-checks';
import { ZHtbClassId } from './set-htb-class';

/** Takes an HTB class (and the qdisc under it) off a device; the undo puts both back exactly. Field names are a stable API (issue 13). */
export const removeHtbClassSchema = z.object({ kind: z.literal('removeHtbClass'), dev: ZIfName, classid: ZHtbClassId });

/** The class's own commands to put it back: `tc class add` with every value as read, then its qdisc. */
function putBack(t: Parameters<typeof findClass>[0], dev: string, classid: string, rootHandle: string) {
  const c = findClass(t, dev, classid)!;
  const a = tcArithmeticOf(t);
  const args = exactClassArgs(c, a);
  const leaf = simpleLeafOf(t, dev, classid);
  const leafArgs = leaf && !('why' in leaf) ? exactQdiscArgs(leaf.qdisc, a) : null;
  if ('why' in args || (leaf && 'why' in leaf) || (leafArgs && 'why' in leafArgs)) throw new Error(`render: class ${classid} cannot be put back exactly (validate first)`);
  return [classAddArgv(dev, c.parent ?? rootHandle, classid, args.args), ...(leaf && leafArgs && 'args' in leafArgs ? [leafAddArgv(dev, classid, leaf.qdisc.handle, leafArgs.args)] : [])];
}

export const removeHtbClass = defineKind({
  schema: removeHtbClassSchema,
  describe: (op) => `remove HTB class ${op.classid} from ${op.dev}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    const root = needHtbRoot(c, op.dev);
    if (!root || !checkUnderRoot(c, op.dev, op.classid, root)) return;
    const cls = findClass(c.t, op.dev, op.classid);
    if (!cls || cls.kind !== 'htb') return void c.errors.push(`${op.dev} has no HTB class ${op.classid} (or an earlier operation removes it).`);
    const children = childrenOf(c.t, op.dev, op.classid);
    if (children.length) c.errors.push(`Class ${op.classid} on ${op.dev} has classes under it (${children.map((x) => x.classid).join(', ')}); remove them first.`);
    const filters = filtersInto(c.t, op.dev, op.classid);
    if (filters.length) {
      c.errors.push(`Filters on ${op.dev} steer traffic into class ${op.classid} (${filters.map((f) => `pref ${f.pref}: ${f.match}`).join('; ')}); remove them first (removeTcFilter).`);
    }
    if (c.errors.length) return;
    const args = exactClassArgs(cls, tcArithmeticOf(c.t));
    if ('why' in args) return void c.errors.push(`${op.dev}'s current tc tree holds ${args.why} Switchboard cannot put back exactly; remove it by hand first.`);
    const why = leafProblem(c.t, op.dev, op.classid);
    if (why) c.errors.push(`Class ${op.classid} on ${op.dev} holds ${why}, which Switchboard could not put back exactly; take it off by hand first.`);
  },
  warnings(op, before) {
    const root = htbRootOf(before, op.dev);
    // tc -j prints htb's default class in hex with 0x ("0x20": class 1:20).
    const isDefault = root && typeof root.options.default === 'string' && Number.parseInt(root.options.default, 16) === Number.parseInt(idMinor(op.classid), 16);
    return isDefault ? [`${op.classid} is ${op.dev}'s default class: traffic no filter steers goes out unshaped once it is gone.`] : [];
  },
  project: (op, t) => withoutHtbClass(t, op.dev, op.classid),
  render(op, t) {
    const root = htbRootOf(t, op.dev);
    if (!root) throw new Error(`render: ${op.dev} has no HTB root (validate first)`);
    return [cmd(classDelArgv(op.dev, op.classid), putBack(t, op.dev, op.classid, root.handle))];
  },
  invert: (op, before): Operation[] => (findClass(before, op.dev, op.classid) ? [restoreOpOf(before, op.dev, op.classid)] : []),
  verify(op, intended, after) {
    if (findClass(intended, op.dev, op.classid) || !findClass(after, op.dev, op.classid)) return [];
    return [`${op.dev} still shows HTB class ${op.classid}; the plan removed it.`];
  },
});
