import { z } from 'zod';
import { DELETABLE_KINDS } from '../checks';
import { cmd, del, existing, recreateInterface } from '../commands';
import { ZIfName } from '../fields';
import { leftBond } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { recreate } from '../restore';
import { withArticle } from '@/server/topology/words';

export const deleteInterfaceSchema = z.object({ kind: z.literal('deleteInterface'), name: ZIfName });

export const deleteInterface = defineKind({
  schema: deleteInterfaceSchema,
  describe: (op) => `delete ${op.name}`,
  interfaces: (op) => [op.name],
  phase: () => PHASES.delete,
  validate(op, c) {
    const i = c.need(op.name);
    if (!i) return;
    if (!DELETABLE_KINDS.has(i.kind)) c.errors.push(`${op.name} is ${withArticle(`${i.rawKind ?? i.kind} interface`)}; Switchboard deletes only bridges, bonds, VLANs, veth pairs and dummies, which it can re-create exactly if the change is rolled back.`);
    c.notVmOwned(i);
    c.notLibvirtBridge(i);
    if (i.kind === 'veth' && !i.peer) c.errors.push(`${op.name}'s peer is in another namespace; Switchboard could not re-create it on rollback.`);
    const children = c.t.interfaces.filter((x) => x.parent === op.name && x.name !== i.peer);
    if (children.length) c.errors.push(`${children.map((x) => x.name).join(', ')} ${children.length === 1 ? 'sits' : 'sit'} on ${op.name}; delete ${children.length === 1 ? 'it' : 'them'} first.`);
    const vmsOnIt = c.t.vms.filter((vm) => vm.nics.some((n) => n.bridge === op.name && vm.state === 'running'));
    if (vmsOnIt.length) c.errors.push(`Running VM${vmsOnIt.length > 1 ? 's' : ''} ${vmsOnIt.map((v) => v.name).join(', ')} use ${op.name}.`);
  },
  warnings(op, before) {
    // A running VM on it is refused above; what is not running yet loses it later.
    const networks = before.networks.filter((n) => n.mode === 'bridge' && n.bridge === op.name);
    const vms = before.vms.filter((vm) => vm.state !== 'running' && vm.nics.some((n) => (n.type === 'bridge' && n.source === op.name) || n.bridge === op.name));
    return [
      ...(networks.length ? [`libvirt network${networks.length > 1 ? 's' : ''} ${networks.map((n) => n.name).join(', ')} forward${networks.length > 1 ? '' : 's'} to ${op.name}: without it ${networks.length > 1 ? 'they' : 'it'} cannot start, and VMs on ${networks.length > 1 ? 'them' : 'it'} lose their network.`] : []),
      ...(vms.length ? [`${vms.map((v) => v.name).join(', ')} ${vms.length > 1 ? 'have NICs' : 'has a NIC'} on ${op.name}: ${vms.length > 1 ? 'they' : 'it'} cannot start while ${op.name} is gone.`] : []),
    ];
  },
  project(op, t) {
    const gone = t.interfaces.find((i) => i.name === op.name);
    // Deleting one end of a veth pair deletes both; deleting a master releases its ports.
    const removed = new Set([op.name, ...(gone?.kind === 'veth' && gone.peer ? [gone.peer] : [])]);
    return {
      ...t,
      interfaces: t.interfaces
        .filter((i) => !removed.has(i.name))
        .map((i) => (i.master && removed.has(i.master) ? (gone?.kind === 'bond' ? leftBond(i) : { ...i, master: null, bridgePort: null }) : i)),
      routes: t.routes.filter((r) => !r.dev || !removed.has(r.dev)),
    };
  },
  render(op, t) {
    return [cmd(del(op.name), recreateInterface(existing(t, op.name), t))];
  },
  invert(op, before) {
    const i = before.interfaces.find((x) => x.name === op.name);
    return i ? recreate(i, before) : [];
  },
});
