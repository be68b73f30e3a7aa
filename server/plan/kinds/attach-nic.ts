import { z } from 'zod';
import { cmdWithDocuments } from '../commands';
import { defineKind, PHASES } from '../kind';
import type { Topology } from '@/server/topology/model';
import { checkTarget, deviceCommand, isOvsBridge, macsInUse, modelNic, needVm, nicDifferences, nicDocument, nicFields, plugDeferred, plugsLive, targetWords, updateVm, vmNamed, isRunning } from '../vm-nics';

export const attachNicSchema = z.object({ kind: z.literal('attachNic'), ...nicFields });
type AttachNic = z.output<typeof attachNicSchema>;

const documentOf = (op: AttachNic, t: Topology) => nicDocument({ ...op, mac: op.mac!, ovs: isOvsBridge(t, op.bridge) });

export const attachNic = defineKind({
  schema: attachNicSchema,
  describe: (op) => `attach a ${op.model} NIC${op.mac ? ` ${op.mac}` : ''} to ${op.vm} on ${targetWords(op)}${op.vlanTag ? ` in VLAN ${op.vlanTag}` : ''}${op.linkUp ? '' : ', link down'}`,
  interfaces: (op) => [...(op.bridge ? [op.bridge] : []), ...(op.direct ? [op.direct.dev] : [])],
  phase: () => PHASES.join,
  validate(op, c) {
    const vm = needVm(c, op.vm);
    checkTarget(c, vm, op);
    if (!op.mac) c.errors.push('The NIC needs a MAC address (the panel picks a free one when none is given).');
    else {
      const holder = macsInUse(c.t).get(op.mac);
      if (holder) c.errors.push(`MAC ${op.mac} is already used by ${holder} on this host.`);
    }
    if (op.queues && op.model !== 'virtio') c.errors.push(`Multiqueue needs a virtio NIC; ${op.model} has one queue.`);
    // libvirt tags a VM's port itself only on Open vSwitch; a Linux bridge takes VLANs per port (setBridgeVlans on the tap).
    if (op.vlanTag && !isOvsBridge(c.t, op.bridge)) c.errors.push(`A VLAN tag on a VM's NIC needs an Open vSwitch bridge; ${op.bridge ? `${op.bridge} is a Linux bridge (give the VM's port its VLANs on the bridge instead)` : `put the NIC on an Open vSwitch bridge`}.`);
  },
  project(op, t) {
    const vm = vmNamed(t, op.vm)!;
    const nic = modelNic({ ...op, mac: op.mac! }, t, documentOf(op, t));
    // A VM that is not running reads as its kept definition: its NICs are those.
    return updateVm(t, op.vm, (v) => ({ ...v, nics: plugsLive(vm) || !isRunning(vm) ? [...v.nics, nic] : v.nics, configNics: [...(v.configNics ?? []), nic] }));
  },
  render(op, t) {
    const vm = vmNamed(t, op.vm)!;
    const doc = [{ shape: 'libvirt-interface' as const, text: documentOf(op, t) }];
    // The kept definition first: if the running VM then refuses the hot-plug, the rollback takes it out again.
    return [
      cmdWithDocuments(deviceCommand('attach-device', op.vm, '--config'), [deviceCommand('detach-device', op.vm, '--config')], doc),
      ...(plugsLive(vm) ? [cmdWithDocuments(deviceCommand('attach-device', op.vm, '--live'), [deviceCommand('detach-device', op.vm, '--live')], doc)] : []),
    ];
  },
  invert: (op) => [{ kind: 'detachNic', vm: op.vm, mac: op.mac! }],
  deferred: (op, before) => plugDeferred(vmNamed(before, op.vm)),
  verify: (op, intended, after) => nicDifferences(op.vm, op.mac!, intended, after),
});

