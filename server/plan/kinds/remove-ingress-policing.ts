import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { addPolicingArgvs, deleteIngressArgv, policingDifferences, policingOf, withPolicing } from '../ingress-police';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { checkTcOwner } from '../tc-checks';
import { policingOperation } from './set-ingress-policing';

/** Takes the cap off a device's incoming traffic (its ingress qdisc and the policing filter on it). */
export const removeIngressPolicingSchema = z.object({ kind: z.literal('removeIngressPolicing'), dev: ZIfName });

export const removeIngressPolicing = defineKind({
  schema: removeIngressPolicingSchema,
  describe: (op) => `stop policing traffic arriving on ${op.dev}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    const now = policingOf(c.t, op.dev);
    if ('why' in now) return void c.errors.push(now.why);
    if (!now.policing) c.errors.push(`${op.dev}'s incoming traffic is not policed; there is nothing to take off.`);
  },
  project: (op, t) => withPolicing(t, op.dev, null),
  render(op, t) {
    const now = policingOf(t, op.dev);
    if ('why' in now) throw new Error(`render: ${now.why}`);
    // Nothing to take off: no command (validate refuses the step).
    if (!now.policing) return [];
    return [cmd(deleteIngressArgv(op.dev), addPolicingArgvs(op.dev, now.policing))];
  },
  invert(op, before): Operation[] {
    const now = policingOf(before, op.dev);
    const again = 'why' in now || !now.policing ? null : policingOperation(op.dev, now.policing);
    return again ? [again] : [];
  },
  verify: (op, _intended, after) => policingDifferences(op.dev, null, after),
});
