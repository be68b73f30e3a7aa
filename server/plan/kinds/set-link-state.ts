import { z } from 'zod';
import { cmd, existing, link } from '../commands';
import { ZIfName } from '../fields';
import { updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

export const setLinkStateSchema = z.object({ kind: z.literal('setLinkState'), dev: ZIfName, up: z.boolean() });

export const setLinkState = defineKind({
  schema: setLinkStateSchema,
  describe: (op) => `set ${op.dev} ${op.up ? 'up' : 'down'}`,
  interfaces: (op) => [op.dev],
  // Down with what is taken away first; up last, so nothing carries traffic half-configured.
  phase: (op) => (op.up ? PHASES.linkUp : PHASES.remove),
  validate(op, c) {
    const dev = c.need(op.dev);
    if (dev?.kind === 'loopback' && !op.up) c.errors.push('Setting loopback down breaks local services; Switchboard will not do it.');
  },
  project: (op, t) => updateInterface(t, op.dev, (i) => ({ ...i, adminUp: op.up })),
  render(op, t) {
    const was = existing(t, op.dev).adminUp;
    return [cmd(link(op.dev, op.up ? 'up' : 'down'), [link(op.dev, was ? 'up' : 'down')])];
  },
  invert: (op, before) => [{ kind: 'setLinkState', dev: op.dev, up: before.interfaces.find((i) => i.name === op.dev)?.adminUp ?? false }],
});
