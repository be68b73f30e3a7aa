import { z } from 'zod';
import { ZIfName, ZMac } from '../fields';
import { defineKind, PHASES } from '../kind';
import { networkNamed, ZNetworkName, ZVmName } from '../libvirt';
import { changeNic, checkTarget, needNic, nicDifferences, nicsOf, targetWords, typeOf, updateNicCommands, vmNamed, withSource, type NicTarget } from '../vm-nics';

export const moveNicSchema = z.object({ kind: z.literal('moveNic'), vm: ZVmName, mac: ZMac, network: ZNetworkName.optional(), bridge: ZIfName.optional() });

export const moveNic = defineKind({
  schema: moveNicSchema,
  describe: (op) => `move ${op.vm}'s NIC ${op.mac} to ${targetWords(op)}`,
  interfaces: (op) => (op.bridge ? [op.bridge] : []),
  phase: () => PHASES.join,
  validate(op, c) {
    const vm = needNic(c, op.vm, op.mac);
    if (!vm || c.errors.length) return;
    checkTarget(c, vm, op);
    const { live, kept } = nicsOf(vm, op.mac);
    const nic = live ?? kept!;
    if (nic.type !== 'network' && nic.type !== 'bridge') c.errors.push(`${op.vm}'s NIC ${op.mac} is a ${nic.type} NIC; only NICs on a network or a bridge move (detach it and attach a new one).`);
    // A NIC on a macvtap pool is a macvtap device while the VM runs; libvirt cannot turn it into a tap in place.
    const pool = nic.type === 'network' && nic.source ? networkNamed(c.t, nic.source) : undefined;
    if (pool && !pool.bridge && live) c.errors.push(`${op.vm}'s NIC ${op.mac} is on macvtap network ${pool.name}; while ${op.vm} runs it cannot move (detach it and attach a new one).`);
    if (nic.type === typeOf(op) && nic.source === (op.network ?? op.bridge)) c.errors.push(`${op.vm}'s NIC ${op.mac} is already on ${targetWords(op)}.`);
  },
  project(op, t) {
    const vm = vmNamed(t, op.vm)!;
    const bridge = op.bridge ?? networkNamed(t, op.network!)?.bridge ?? null;
    const moved = changeNic(t, op.vm, op.mac, (n) => ({ ...n, type: typeOf(op), source: op.network ?? op.bridge!, bridge, xml: n.xml && withSource(n.xml, op) }));
    // Its tap goes with it.
    const tap = nicsOf(vm, op.mac).live?.target;
    return tap && bridge ? { ...moved, interfaces: moved.interfaces.map((i) => (i.name === tap ? { ...i, master: bridge } : i)) } : moved;
  },
  render: (op, t) => updateNicCommands(vmNamed(t, op.vm)!, op.mac, (xml) => withSource(xml, op)),
  invert(op, before) {
    const { live, kept } = nicsOf(vmNamed(before, op.vm)!, op.mac);
    const nic = live ?? kept!;
    const back: NicTarget = nic.type === 'network' ? { network: nic.source! } : { bridge: nic.source! };
    return [{ kind: 'moveNic', vm: op.vm, mac: op.mac, ...back }];
  },
  verify: (op, intended, after) => nicDifferences(op.vm, op.mac, intended, after),
});
