import { z } from 'zod';
import { cmd } from '../commands';
import { ZIfName, ZMac } from '../fields';
import { defineKind, PHASES } from '../kind';
import { addBridgeArgv, checkNewPort, needOvs, ovsNameFree, ovsOf, ownPortOf, portDifferences, portOfSpec, projectOvs, vsctl, withBridges, ZOvsPortSpec } from '../ovs';
import type { OvsBridge } from '@/server/topology/model';

/** A deleted OVS bridge put back with every port it had, as read before (what Revert drafts). */
export const restoreOvsBridgeSchema = z.object({
  kind: z.literal('restoreOvsBridge'),
  name: ZIfName,
  /** Its ports, its own (internal, named as the bridge) among them. */
  ports: z.array(ZOvsPortSpec).max(1024, 'A bridge put back has at most 1024 ports.'),
  /** The MAC it had (kept with other-config:hwaddr; OVS picks another otherwise). */
  mac: ZMac.optional(),
});
type RestoreOvsBridge = z.output<typeof restoreOvsBridgeSchema>;

/** The bridge as it will be: its own port always (add-br makes it), ordered by name as the read orders ports. */
function bridgeOf(op: RestoreOvsBridge): OvsBridge {
  const ports = op.ports.map(portOfSpec);
  const own = ports.some((p) => p.name === op.name) ? [] : [ownPortOf(op.name)];
  return { name: op.name, ports: [...own, ...ports].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

const isOwnPort = (op: RestoreOvsBridge, p: RestoreOvsBridge['ports'][number]) => p.name === op.name;

export const restoreOvsBridge = defineKind({
  schema: restoreOvsBridgeSchema,
  describe: (op) => {
    const others = op.ports.filter((p) => !isOwnPort(op, p)).length;
    return `put back OVS bridge ${op.name} as it was (${others === 0 ? 'no ports' : others === 1 ? '1 port' : `${others} ports`})`;
  },
  interfaces: (op) => [op.name, ...new Set(op.ports.flatMap((p) => [p.name, ...p.interfaces.map((i) => i.name)]).filter((n) => n !== op.name))],
  phase: () => PHASES.create,
  validate(op, c) {
    if (!needOvs(c)) return;
    c.free(op.name);
    ovsNameFree(c, op.name);
    const names = op.ports.flatMap((p) => [p.name, ...p.interfaces.map((i) => i.name).filter((n) => n !== p.name)]);
    const twice = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
    if (twice.length) c.errors.push(`${twice.join(', ')} ${twice.length > 1 ? 'are' : 'is'} named more than once among the ports of ${op.name}; each port and interface name is unique.`);
    for (const p of op.ports) {
      if (!isOwnPort(op, p)) checkNewPort(c, p, { strict: false });
      else if (p.interfaces.length !== 1 || p.interfaces[0]!.name !== op.name || p.interfaces[0]!.type !== 'internal')
        c.errors.push(`The port named as the bridge is ${op.name}'s own internal port; it cannot be a ${p.interfaces.map((i) => i.type).join(', ')} port.`);
    }
  },
  project(op, t) {
    const ovs = ovsOf(t);
    const after = projectOvs(t, withBridges(ovs, [...ovs.bridges, bridgeOf(op)]));
    return op.mac ? { ...after, interfaces: after.interfaces.map((i) => (i.name === op.name ? { ...i, mac: op.mac! } : i)) } : after;
  },
  render: (op) => [cmd(addBridgeArgv(bridgeOf(op), op.mac), [vsctl('del-br', op.name)])],
  invert: (op) => [{ kind: 'deleteOvsBridge', name: op.name }],
  verify(op, intended, after) {
    if (!after.ovs) return [`Open vSwitch on ${after.host.hostname} could not be read after the change, so bridge ${op.name} is unconfirmed.`];
    if (!after.ovs.bridges.some((b) => b.name === op.name)) return [`Open vSwitch shows no bridge ${op.name}.`];
    return bridgeOf(op).ports.flatMap((p) => portDifferences(p.name, intended, after));
  },
});
