import { z } from 'zod';
import { ZMac } from '../fields';
import { defineKind, PHASES } from '../kind';
import { ZVmName } from '../libvirt';
import { changeNic, needNic, nicDifferences, nicsOf, updateNicCommands, vmNamed, withLink } from '../vm-nics';

export const setNicLinkSchema = z.object({ kind: z.literal('setNicLink'), vm: ZVmName, mac: ZMac, up: z.boolean() });

export const setNicLink = defineKind({
  schema: setNicLinkSchema,
  describe: (op) => `set the link of ${op.vm}'s NIC ${op.mac} ${op.up ? 'up' : 'down'}`,
  interfaces: () => [],
  phase: (op) => (op.up ? PHASES.linkUp : PHASES.configure),
  validate(op, c) {
    const vm = needNic(c, op.vm, op.mac);
    if (!vm || c.errors.length) return;
    const { live, kept } = nicsOf(vm, op.mac);
    if ((live ?? kept)!.linkUp === op.up && (kept?.linkUp ?? op.up) === op.up) c.errors.push(`The link of ${op.vm}'s NIC ${op.mac} is already ${op.up ? 'up' : 'down'}.`);
  },
  project: (op, t) => changeNic(t, op.vm, op.mac, (n) => ({ ...n, linkUp: op.up, xml: n.xml && withLink(n.xml, op.up) })),
  render: (op, t) => updateNicCommands(vmNamed(t, op.vm)!, op.mac, (xml) => withLink(xml, op.up)),
  invert(op, before) {
    const { live, kept } = nicsOf(vmNamed(before, op.vm)!, op.mac);
    return [{ kind: 'setNicLink', vm: op.vm, mac: op.mac, up: (live ?? kept)!.linkUp }];
  },
  verify: (op, intended, after) => nicDifferences(op.vm, op.mac, intended, after),
});
