import { z } from 'zod';
import { defineKind, PHASES } from '../kind';
import { cutOff, networkDifferences, networkNamed, needNetwork, startCommands, started, stopCommand, stopped, ZNetworkName } from '../libvirt';

export const setNetworkActiveSchema = z.object({ kind: z.literal('setNetworkActive'), name: ZNetworkName, active: z.boolean() });

export const setNetworkActive = defineKind({
  schema: setNetworkActiveSchema,
  describe: (op) => `${op.active ? 'start' : 'stop'} network ${op.name}`,
  interfaces: () => [],
  phase: (op) => (op.active ? PHASES.linkUp : PHASES.remove),
  validate(op, c) {
    const n = needNetwork(c, op.name);
    if (n && n.active === op.active) c.errors.push(`Network ${op.name} is already ${op.active ? 'running' : 'stopped'}.`);
    if (n && !op.active && !n.persistent) c.errors.push(`Network ${op.name} is transient: stopping it removes it for good, and Switchboard could not put it back.`);
  },
  project(op, t) {
    const n = networkNamed(t, op.name)!;
    return op.active ? started(t, n) : stopped(t, n);
  },
  render(op, t) {
    const n = networkNamed(t, op.name)!;
    return op.active ? startCommands(t, n) : [stopCommand(t, n)];
  },
  invert: (op) => [{ kind: 'setNetworkActive', name: op.name, active: !op.active }],
  disruption: (op, before) => {
    const n = networkNamed(before, op.name);
    return n && !op.active ? cutOff(before, n, 'stops') : null;
  },
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
