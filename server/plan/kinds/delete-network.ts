import { z } from 'zod';
import { cmdWithDocuments, virsh } from '../commands';
import { defineKind, PHASES } from '../kind';
import { cutOff, networkDifferences, networkNamed, needNetwork, stopCommand, stopped, updateNetwork, ZNetworkName } from '../libvirt';

export const deleteNetworkSchema = z.object({ kind: z.literal('deleteNetwork'), name: ZNetworkName });

export const deleteNetwork = defineKind({
  schema: deleteNetworkSchema,
  describe: (op) => `delete network ${op.name}`,
  interfaces: () => [],
  phase: () => PHASES.delete,
  validate(op, c) {
    const n = needNetwork(c, op.name);
    if (!n) return;
    if (n.uuid === '') c.errors.push(`Network ${op.name} is created by this draft; remove that operation from the draft instead.`);
    else if (!n.persistent) c.errors.push(`Network ${op.name} is transient (libvirt keeps no definition of it), so Switchboard could not put it back; stop it instead.`);
    else if (n.definition === null) c.errors.push(`Network ${op.name}'s definition could not be read, so an exact undo cannot be planned; refresh the host.`);
  },
  project: (op, t) => {
    const n = networkNamed(t, op.name)!;
    return updateNetwork(n.active ? stopped(t, n) : t, op.name, () => null);
  },
  render(op, t) {
    const n = networkNamed(t, op.name)!;
    return [
      ...(n.active ? [stopCommand(t, n)] : []),
      cmdWithDocuments(virsh('net-undefine', op.name), [virsh('net-define', '@doc1'), ...(n.autostart ? [virsh('net-autostart', op.name)] : [])], [{ shape: 'libvirt-network', text: n.definition! }]),
    ];
  },
  invert: (op, before) => {
    const n = networkNamed(before, op.name)!;
    return [{ kind: 'restoreNetwork', name: op.name, definition: n.definition ?? '', active: n.active, autostart: n.autostart }];
  },
  disruption: (op, before) => {
    const n = networkNamed(before, op.name);
    return n ? cutOff(before, n, 'deletes') : null;
  },
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
