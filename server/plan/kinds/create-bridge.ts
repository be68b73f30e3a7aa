import { z } from 'zod';
import { bridgeOptions, cmd, del } from '../commands';
import { ZIfName } from '../fields';
import { addInterfaces, newInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

export const createBridgeSchema = z.object({
  kind: z.literal('createBridge'),
  name: ZIfName,
  stp: z.boolean().default(false),
  vlanFiltering: z.boolean().default(false),
  /** Centiseconds, as the kernel keeps it; unset is the kernel's 15 s. */
  forwardDelayCs: z.number().int('A forward delay is a whole number of centiseconds.').min(0).max(3000, 'A forward delay is at most 30 s.').optional(),
});

export const createBridge = defineKind({
  schema: createBridgeSchema,
  describe: (op) =>
    `create bridge ${op.name}${op.stp ? ' with STP' : ''}${op.vlanFiltering ? ', VLAN filtering on' : ''}${op.forwardDelayCs !== undefined ? `, forward delay ${op.forwardDelayCs / 100} s` : ''}`,
  interfaces: (op) => [op.name],
  phase: () => PHASES.create,
  validate(op, c) {
    c.free(op.name);
    // The kernel takes 2-30 s while STP runs (any value without it).
    if (op.stp && op.forwardDelayCs !== undefined && op.forwardDelayCs < 200) c.errors.push(`With STP on, a forward delay is 2-30 s; ${op.forwardDelayCs / 100} s is too short.`);
  },
  project: (op, t) => addInterfaces(t, newInterface(op.name, 'bridge', { bridge: { stp: op.stp, vlanFiltering: op.vlanFiltering, forwardDelayCs: op.forwardDelayCs ?? null, vlans: [] } })),
  render: (op) => [cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'bridge', ...bridgeOptions(op.stp, op.vlanFiltering, op.forwardDelayCs)], [del(op.name)])],
  invert: (op) => [{ kind: 'deleteInterface', name: op.name }],
});
