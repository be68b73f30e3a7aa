import { z } from 'zod';
import { cmd, del } from '../commands';
import { ZIfName, ZVlanId } from '../fields';
import { addInterfaces, newInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { withArticle } from '@/server/topology/words';

export const createVlanSchema = z.object({ kind: z.literal('createVlan'), name: ZIfName, parent: ZIfName, vlanId: ZVlanId });

export const createVlan = defineKind({
  schema: createVlanSchema,
  describe: (op) => `create VLAN ${op.vlanId} ${op.name} on ${op.parent}`,
  interfaces: (op) => [op.name, op.parent],
  // On top of what the same draft creates (its parent).
  phase: () => PHASES.createOnTop,
  validate(op, c) {
    c.free(op.name);
    const parent = c.need(op.parent, 'parent interface');
    if (parent && ['loopback', 'tun', 'tap'].includes(parent.kind)) c.errors.push(`${op.parent} is ${withArticle(parent.kind)}; a VLAN needs an Ethernet-like parent.`);
    const twin = c.t.interfaces.find((i) => i.kind === 'vlan' && i.parent === op.parent && i.vlan?.id === op.vlanId);
    if (twin) c.errors.push(`${twin.name} already is VLAN ${op.vlanId} on ${op.parent}; a parent carries each VLAN id once.`);
  },
  project: (op, t) =>
    addInterfaces(t, newInterface(op.name, 'vlan', { parent: op.parent, vlan: { id: op.vlanId, protocol: '802.1Q' }, mtu: t.interfaces.find((i) => i.name === op.parent)?.mtu ?? 1500 })),
  render: (op) => [cmd(['ip', 'link', 'add', 'link', op.parent, 'name', op.name, 'type', 'vlan', 'id', String(op.vlanId)], [del(op.name)])],
  invert: (op) => [{ kind: 'deleteInterface', name: op.name }],
});
