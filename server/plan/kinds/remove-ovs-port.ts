import { z } from 'zod';
import { isBridgeOwnPort, ovsIndex } from '@/server/topology/ovs';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import { addPortWords, deviceRestoreArgv, deviceRestoreOps, devicesOf, needOvs, needOvsBridge, portOfSpec, specOfPort, vsctl, withBridgeChanged } from '../ovs';
import type { Operation } from '../registry';

/** Takes a port off an Open vSwitch bridge; the undo puts it back with its VLANs, type and options. Field names are a stable API (issue 13). */
export const removeOvsPortSchema = z.object({ kind: z.literal('removeOvsPort'), bridge: ZIfName, port: ZIfName });

const placeOf = (t: Parameters<typeof ovsIndex>[0], port: string) => ovsIndex(t).byPort.get(port);

export const removeOvsPort = defineKind({
  schema: removeOvsPortSchema,
  describe: (op) => `remove port ${op.port} from ${op.bridge}`,
  interfaces: (op) => [op.bridge, op.port],
  phase: () => PHASES.remove,
  validate(op, c) {
    if (!needOvs(c)) return;
    const b = needOvsBridge(c, op.bridge);
    if (!b) return;
    const place = placeOf(c.t, op.port);
    if (!place) return void c.errors.push(`There is no OVS port ${op.port} on ${c.t.host.hostname} (or an earlier operation removes it).`);
    if (place.bridge.name !== op.bridge) return void c.errors.push(`${op.port} is a port of ${place.bridge.name}, not of ${op.bridge}.`);
    if (isBridgeOwnPort(b, place.port)) return void c.errors.push(`${op.port} is ${op.bridge}'s own port, which goes only with the bridge; delete the bridge instead.`);
    const spec = specOfPort(c.t, op.bridge, place.port);
    if (typeof spec === 'string') c.errors.push(spec);
  },
  project: (op, t) => withBridgeChanged(t, op.bridge, (b) => ({ ...b, ports: b.ports.filter((p) => p.name !== op.port) })),
  render(op, t) {
    const { port } = placeOf(t, op.port)!;
    const spec = specOfPort(t, op.bridge, port);
    if (typeof spec === 'string') throw new Error(`render: ${spec} (validate first)`);
    return [cmd(vsctl('del-port', op.bridge, op.port), [vsctl(...addPortWords(op.bridge, portOfSpec(spec))), ...deviceRestoreArgv(t, devicesOf([port]))])];
  },
  invert(op, before): Operation[] {
    const place = placeOf(before, op.port);
    const spec = place && specOfPort(before, op.bridge, place.port);
    if (!place || !spec || typeof spec === 'string') return [];
    return [{ kind: 'restoreOvsPort', bridge: op.bridge, port: spec }, ...deviceRestoreOps(before, devicesOf([place.port]))];
  },
  verify(op, _intended, after) {
    if (!after.ovs) return [`Open vSwitch on ${after.host.hostname} could not be read after the change, so the removal of port ${op.port} is unconfirmed.`];
    const place = placeOf(after, op.port);
    return place ? [`Open vSwitch still has port ${op.port} on ${place.bridge.name}.`] : [];
  },
});
