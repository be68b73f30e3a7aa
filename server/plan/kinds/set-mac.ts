import { z } from 'zod';
import type { NetInterface } from '@/server/topology/model';
import { DELETABLE_KINDS } from '../checks';
import { cmd, existing, link } from '../commands';
import { ZIfName, ZMac } from '../fields';
import { updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

export const setMacSchema = z.object({ kind: z.literal('setMac'), dev: ZIfName, mac: ZMac });

export const setMac = defineKind({
  schema: setMacSchema,
  describe: (op) => `set MAC of ${op.dev} to ${op.mac}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    const dev = c.need(op.dev);
    if (!dev) return;
    // An interface created earlier in the draft has no MAC in the projection until the kernel
    // picks one (interface-edits.ts); every kind Switchboard creates takes one. Without this, no
    // revert of a delete (re-create, then restore the MAC) could be planned.
    if (!dev.mac && !DELETABLE_KINDS.has(dev.kind)) c.errors.push(`${op.dev} has no MAC address to change.`);
    c.notVmOwned(dev);
    // A VLAN carries its parent's MAC unless told otherwise (the kernel's default), so sharing
    // it is no clash: a VLAN with its parent's MAC is checked as the parent. Without this,
    // reverting the delete of a VLAN, or of a bridge above its parent, could never be planned.
    const inherited = (i: NetInterface) => i.kind === 'vlan' && !!i.parent && c.byName.get(i.parent)?.mac === i.mac;
    const clash = c.t.interfaces.find(
      (i) => i.name !== op.dev && i.mac === op.mac && i.kind !== 'bridge' && i.master !== op.dev && dev.master !== i.name && !(dev.kind === 'vlan' && dev.parent === i.name) && !inherited(i),
    );
    if (clash) c.errors.push(`${clash.name} already has MAC ${op.mac}.`);
  },
  project: (op, t) => updateInterface(t, op.dev, (i) => ({ ...i, mac: op.mac })),
  render(op, t) {
    // A MAC the kernel has not chosen yet (an interface this plan creates) needs no restoring:
    // undoing the creation removes the interface.
    const was = existing(t, op.dev).mac;
    return [cmd(link(op.dev, 'address', op.mac), was ? [link(op.dev, 'address', was)] : [])];
  },
  invert(op, before) {
    const mac = before.interfaces.find((i) => i.name === op.dev)?.mac;
    return mac ? [{ kind: 'setMac', dev: op.dev, mac }] : [];
  },
});
