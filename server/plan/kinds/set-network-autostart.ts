import { z } from 'zod';
import { cmd, virsh } from '../commands';
import { defineKind, PHASES } from '../kind';
import { networkDifferences, needNetwork, updateNetwork, ZNetworkName } from '../libvirt';

export const setNetworkAutostartSchema = z.object({ kind: z.literal('setNetworkAutostart'), name: ZNetworkName, autostart: z.boolean() });

const on = (name: string, autostart: boolean) => (autostart ? virsh('net-autostart', name) : virsh('net-autostart', '--disable', name));

export const setNetworkAutostart = defineKind({
  schema: setNetworkAutostartSchema,
  describe: (op) => `${op.autostart ? 'start' : 'do not start'} network ${op.name} at boot`,
  interfaces: () => [],
  phase: () => PHASES.configure,
  validate(op, c) {
    const n = needNetwork(c, op.name);
    if (n && n.autostart === op.autostart) c.errors.push(`Network ${op.name} ${op.autostart ? 'already starts' : 'already does not start'} at boot.`);
    if (n && !n.persistent) c.errors.push(`Network ${op.name} is transient; libvirt cannot start it at boot.`);
  },
  project: (op, t) => updateNetwork(t, op.name, (n) => ({ ...n, autostart: op.autostart })),
  render: (op) => [cmd(on(op.name, op.autostart), [on(op.name, !op.autostart)])],
  invert: (op) => [{ kind: 'setNetworkAutostart', name: op.name, autostart: !op.autostart }],
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
