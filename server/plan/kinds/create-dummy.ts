import { z } from 'zod';
import { cmd, del } from '../commands';
import { ZIfName } from '../fields';
import { addInterfaces, newInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

export const createDummySchema = z.object({ kind: z.literal('createDummy'), name: ZIfName });

export const createDummy = defineKind({
  schema: createDummySchema,
  describe: (op) => `create dummy ${op.name}`,
  interfaces: (op) => [op.name],
  phase: () => PHASES.create,
  validate: (op, c) => c.free(op.name),
  project: (op, t) => addInterfaces(t, newInterface(op.name, 'dummy')),
  render: (op) => [cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'dummy'], [del(op.name)])],
  invert: (op) => [{ kind: 'deleteInterface', name: op.name }],
});
