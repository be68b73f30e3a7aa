import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import { needOvs, ovsNameFree, ovsOf, ownPortOf, projectOvs, vsctl, withBridges } from '../ovs';

/** A new Open vSwitch bridge, with only its own (internal) port. Field names are a stable API (issue 13). */
export const createOvsBridgeSchema = z.object({ kind: z.literal('createOvsBridge'), name: ZIfName });

export const createOvsBridge = defineKind({
  schema: createOvsBridgeSchema,
  describe: (op) => `create OVS bridge ${op.name}`,
  interfaces: (op) => [op.name],
  phase: () => PHASES.create,
  validate(op, c) {
    if (!needOvs(c)) return;
    // Its own port is a kernel device of the same name.
    c.free(op.name);
    ovsNameFree(c, op.name);
  },
  project(op, t) {
    const ovs = ovsOf(t);
    return projectOvs(t, withBridges(ovs, [...ovs.bridges, { name: op.name, ports: [ownPortOf(op.name)] }]));
  },
  render: (op) => [cmd(vsctl('add-br', op.name), [vsctl('del-br', op.name)])],
  invert: (op) => [{ kind: 'deleteOvsBridge', name: op.name }],
  verify(op, _intended, after) {
    if (!after.ovs) return [`Open vSwitch on ${after.host.hostname} could not be read after the change, so bridge ${op.name} is unconfirmed.`];
    return after.ovs.bridges.some((b) => b.name === op.name) ? [] : [`Open vSwitch shows no bridge ${op.name}.`];
  },
});
