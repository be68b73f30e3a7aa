import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { ovsIndex } from '@/server/topology/ovs';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import { addBridgeArgv, deviceRestoreArgv, deviceRestoreOps, devicesOf, needOvs, needOvsBridge, ovsOf, portOfSpec, projectOvs, specOfPort, specsOf, vsctl, withBridges } from '../ovs';
import type { Operation } from '../registry';

/** Deletes an Open vSwitch bridge and every port on it; the undo re-creates it with each port as it was. */
export const deleteOvsBridgeSchema = z.object({ kind: z.literal('deleteOvsBridge'), name: ZIfName });

/** VMs with a NIC on the bridge (libvirt's `<source bridge=…>` with an openvswitch virtualport). */
const vmsOn = (t: Topology, name: string) => t.vms.filter((vm) => vm.nics.some((n) => n.bridge === name || (n.type === 'bridge' && n.source === name)));

export const deleteOvsBridge = defineKind({
  schema: deleteOvsBridgeSchema,
  describe: (op) => `delete OVS bridge ${op.name}`,
  interfaces: (op) => [op.name],
  phase: () => PHASES.delete,
  validate(op, c) {
    if (!needOvs(c)) return;
    const b = needOvsBridge(c, op.name);
    if (!b) return;
    // Every port must come back exactly if the change is rolled back or reverted; a VM's tap is libvirt's.
    for (const p of b.ports) {
      const spec = specOfPort(c.t, b.name, p);
      if (typeof spec === 'string') c.errors.push(spec);
    }
    const running = vmsOn(c.t, op.name).filter((vm) => vm.state === 'running');
    if (running.length) c.errors.push(`Running VM${running.length > 1 ? 's' : ''} ${running.map((v) => v.name).join(', ')} use ${op.name}; move their NICs to another network first.`);
  },
  warnings(op, before) {
    const networks = before.networks.filter((n) => n.bridge === op.name);
    const vms = vmsOn(before, op.name).filter((vm) => vm.state !== 'running');
    return [
      ...(networks.length ? [`libvirt network${networks.length > 1 ? 's' : ''} ${networks.map((n) => n.name).join(', ')} use${networks.length > 1 ? '' : 's'} ${op.name}: without it ${networks.length > 1 ? 'they' : 'it'} cannot start, and VMs on ${networks.length > 1 ? 'them' : 'it'} lose their network.`] : []),
      ...(vms.length ? [`${vms.map((v) => v.name).join(', ')} ${vms.length > 1 ? 'have NICs' : 'has a NIC'} on ${op.name}: ${vms.length > 1 ? 'they' : 'it'} cannot start while ${op.name} is gone.`] : []),
    ];
  },
  project(op, t) {
    const ovs = ovsOf(t);
    return projectOvs(t, withBridges(ovs, ovs.bridges.filter((b) => b.name !== op.name)));
  },
  render(op, t) {
    const b = ovsIndex(t).bridges.get(op.name)!;
    const ports = specsOf(t, b).map(portOfSpec);
    // One transaction puts the bridge back with its ports; then what the kernel lost with the devices OVS deleted.
    const mac = t.interfaces.find((i) => i.name === op.name)?.mac ?? null;
    return [cmd(vsctl('del-br', op.name), [addBridgeArgv({ name: op.name, ports }, mac), ...deviceRestoreArgv(t, devicesOf(b.ports))])];
  },
  invert(op, before): Operation[] {
    const b = ovsIndex(before).bridges.get(op.name);
    if (!b) return [];
    const mac = before.interfaces.find((i) => i.name === op.name)?.mac;
    return [{ kind: 'restoreOvsBridge', name: op.name, ports: specsOf(before, b), ...(mac ? { mac } : {}) }, ...deviceRestoreOps(before, devicesOf(b.ports))];
  },
  verify(op, _intended, after) {
    if (!after.ovs) return [`Open vSwitch on ${after.host.hostname} could not be read after the change, so the deletion of bridge ${op.name} is unconfirmed.`];
    return after.ovs.bridges.some((b) => b.name === op.name) ? [`Open vSwitch still has bridge ${op.name}.`] : [];
  },
});
