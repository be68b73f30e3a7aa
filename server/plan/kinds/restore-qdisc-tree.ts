import { z } from 'zod';
import { cmd, type PlannedCommand } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { deleteRootArgv, isKernelDefault, restoreCommands, rootQdiscOf, rootTreeOf, undoOfRootChange, withRootTree } from '../tc';
import { tcArithmeticOf } from '../tc-arithmetic';
import { checkTcDevice, treeDifferences, treeInWords } from '../tc-checks';

// The parts of a tc tree as the model holds them (server/topology/model.ts: Qdisc, TcClass,
// TcFilter); what goes on a command line is checked again where it is rendered (tc.ts, commands.ts).
export const ZTcHandle = z.string().regex(/^[0-9a-f]{1,4}:$/, 'A qdisc handle looks like 1: or 10:.');
export const ZTcId = z.string().regex(/^[0-9a-f]{0,4}:[0-9a-f]{0,4}$/, 'A tc id looks like 1:10.');
const ZTcWord = z.string().regex(/^[A-Za-z0-9_.]{1,32}$/, 'A tc kind or protocol is a single word.');
export const ZTreeQdisc = z.object({ dev: ZIfName, kind: ZTcWord, handle: ZTcHandle, parent: ZTcId.nullable(), root: z.boolean(), options: z.record(z.string(), z.unknown()) });
export const ZTreeClass = z.object({
  dev: ZIfName,
  kind: ZTcWord,
  classid: ZTcId,
  parent: ZTcId.nullable(),
  rate: z.string().max(32).nullable(),
  ceil: z.string().max(32).nullable(),
  burst: z.string().max(32).nullable().optional(),
  cburst: z.string().max(32).nullable().optional(),
  prio: z.number().int().min(0).max(7).nullable().optional(),
  leaf: ZTcHandle.nullable().optional(),
});
export const ZTreeFilter = z.object({
  dev: ZIfName,
  parent: ZTcId,
  protocol: ZTcWord,
  pref: z.number().int().min(0).max(65535),
  kind: ZTcWord,
  handle: z.string().max(32).nullable(),
  classid: ZTcId.nullable(),
  match: z.string().max(2000),
  actions: z.array(z.string().max(500)).max(32),
});

/**
 * A device's tc tree as it was before a change: what Revert drafts to undo setQdisc or
 * removeQdisc. Never drafted by people (refused at the API, changes.types.ts): it carries the
 * tree as data read from the host, not a setting anyone chose.
 */
export const restoreQdiscTreeSchema = z
  .object({
    kind: z.literal('restoreQdiscTree'),
    dev: ZIfName,
    tree: z.object({ qdiscs: z.array(ZTreeQdisc).min(1).max(1000), classes: z.array(ZTreeClass).max(10_000), filters: z.array(ZTreeFilter).max(10_000) }),
  })
  .refine((op) => [...op.tree.qdiscs, ...op.tree.classes, ...op.tree.filters].every((x) => x.dev === op.dev), { message: 'Every part of the tree is on the device it restores.', path: ['tree'] });

/** The current tree's undo, and the commands that build the old one: the first (its root) undone by deleting the root again. */
function restoreRender(dev: string, tree: z.output<typeof restoreQdiscTreeSchema>['tree'], t: Parameters<typeof rootTreeOf>[0]): PlannedCommand[] {
  const undo = undoOfRootChange(t, dev);
  const built = restoreCommands(dev, tree, tcArithmeticOf(t));
  if ('why' in undo || 'why' in built) throw new Error(`render: ${dev}'s tc tree cannot be put back (validate first)`);
  const [first, ...rest] = built.argvs;
  return [
    ...(undo.kernelDefault ? [] : [cmd(deleteRootArgv(dev), undo.argvs)]),
    // Deleting the root takes its classes, qdiscs and filters with it: one undo for them all.
    cmd(first!, [deleteRootArgv(dev)]),
    ...rest.map((argv) => cmd(argv, [])),
  ];
}

export const restoreQdiscTree = defineKind({
  schema: restoreQdiscTreeSchema,
  describe: (op) => `put back ${op.dev}'s tc tree as it was (${treeInWords(op.tree)})`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcDevice(c, op.dev) || c.errors.length) return;
    if (isKernelDefault(op.tree) || !rootQdiscOf(op.tree)) {
      c.errors.push(`The tree to put back on ${op.dev} has no root qdisc of its own; take the root qdisc off instead.`);
      return;
    }
    const built = restoreCommands(op.dev, op.tree, tcArithmeticOf(c.t));
    if ('why' in built) c.errors.push(built.why.replace('current tc tree holds', 'earlier tc tree held').replace('; remove it by hand first.', '.'));
  },
  project: (op, t) => withRootTree(t, op.dev, op.tree),
  render: (op, t) => restoreRender(op.dev, op.tree, t),
  invert(op, before): Operation[] {
    const tree = rootTreeOf(before, op.dev);
    return isKernelDefault(tree) ? [{ kind: 'removeQdisc', dev: op.dev }] : [{ kind: 'restoreQdiscTree', dev: op.dev, tree }];
  },
  verify: (op, intended, after) => treeDifferences(op.dev, intended, after),
});
