import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import { addPortWords, bridgeWithPort, checkNewPort, needOvs, needOvsBridge, portDifferences, portOfSpec, portWords, vsctl, withBridgeChanged, ZOvsPortSpec } from '../ovs';

/** A removed OVS port put back as it was read: VLANs, VLAN mode, bond, interface types and options (what Revert drafts). */
export const restoreOvsPortSchema = z.object({ kind: z.literal('restoreOvsPort'), bridge: ZIfName, port: ZOvsPortSpec });

export const restoreOvsPort = defineKind({
  schema: restoreOvsPortSchema,
  describe: (op) => {
    const words = portWords(portOfSpec(op.port));
    return `put back port ${op.port.name} on ${op.bridge} as it was${words ? ` (${words})` : ''}`;
  },
  interfaces: (op) => [op.bridge, op.port.name, ...op.port.interfaces.map((i) => i.name).filter((n) => n !== op.port.name)],
  phase: () => PHASES.join,
  validate(op, c) {
    if (!needOvs(c)) return;
    if (!needOvsBridge(c, op.bridge)) return;
    if (op.port.interfaces.length === 1 && op.port.interfaces[0]!.name !== op.port.name)
      c.errors.push(`A port with one interface has the interface's name (${op.port.name}), which ovs-vsctl gives it.`);
    const names = op.port.interfaces.map((i) => i.name);
    if (new Set(names).size !== names.length) c.errors.push(`An interface is named twice in port ${op.port.name}.`);
    checkNewPort(c, portOfSpec(op.port), { strict: false });
  },
  project: (op, t) => withBridgeChanged(t, op.bridge, (b) => bridgeWithPort(b, portOfSpec(op.port))),
  render: (op) => [cmd(vsctl(...addPortWords(op.bridge, portOfSpec(op.port))), [vsctl('del-port', op.bridge, op.port.name)])],
  invert: (op) => [{ kind: 'removeOvsPort', bridge: op.bridge, port: op.port.name }],
  verify: (op, intended, after) => portDifferences(op.port.name, intended, after),
});
