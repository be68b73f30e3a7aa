import { z } from 'zod';
import { cmd, del } from '../commands';
import { ZIfName } from '../fields';
import { addInterfaces, newInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

export const createVethSchema = z.object({ kind: z.literal('createVeth'), name: ZIfName, peer: ZIfName });

export const createVeth = defineKind({
  schema: createVethSchema,
  describe: (op) => `create veth pair ${op.name} ↔ ${op.peer}`,
  interfaces: (op) => [op.name, op.peer],
  phase: () => PHASES.create,
  validate(op, c) {
    c.free(op.name);
    c.free(op.peer);
    if (op.name === op.peer) c.errors.push('The two ends of a veth pair need different names.');
  },
  project: (op, t) => addInterfaces(t, newInterface(op.name, 'veth', { peer: op.peer }), newInterface(op.peer, 'veth', { peer: op.name })),
  render: (op) => [cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'veth', 'peer', 'name', op.peer], [del(op.name)])],
  invert: (op) => [{ kind: 'deleteInterface', name: op.name }],
});
