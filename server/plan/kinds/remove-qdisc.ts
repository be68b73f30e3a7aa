import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { deleteRootArgv, isKernelDefault, rootTreeOf, undoOfRootChange, withoutRootTree } from '../tc';
import { checkTcDevice, kernelDefaultDifferences, lostWithRoot } from '../tc-checks';

/** Takes a device's root qdisc off, and everything under it; the kernel attaches its default again. */
export const removeQdiscSchema = z.object({ kind: z.literal('removeQdisc'), dev: ZIfName });

export const removeQdisc = defineKind({
  schema: removeQdiscSchema,
  describe: (op) => `take the root qdisc off ${op.dev} (the kernel's default comes back)`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcDevice(c, op.dev) || c.errors.length) return;
    if (isKernelDefault(rootTreeOf(c.t, op.dev))) c.errors.push(`${op.dev} has no root qdisc of its own to take off; the kernel's default is there.`);
  },
  warnings: (op, before) => lostWithRoot(before, op.dev),
  // Which default the kernel attaches (noqueue, pfifo_fast, fq_codel, mq) is known only once read.
  project: (op, t) => withoutRootTree(t, op.dev),
  render(op, t) {
    const undo = undoOfRootChange(t, op.dev);
    if ('why' in undo) throw new Error(`render: ${op.dev}'s tc tree cannot be put back (validate first)`);
    // The kernel's default is there already: nothing to take off (validate refuses the step).
    return undo.kernelDefault ? [] : [cmd(deleteRootArgv(op.dev), undo.argvs)];
  },
  invert: (op, before): Operation[] => (isKernelDefault(rootTreeOf(before, op.dev)) ? [] : [{ kind: 'restoreQdiscTree', dev: op.dev, tree: rootTreeOf(before, op.dev) }]),
  verify: (op, _intended, after) => kernelDefaultDifferences(op.dev, after),
});
