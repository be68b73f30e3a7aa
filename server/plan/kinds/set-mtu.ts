import { z } from 'zod';
import { cmd, existing, link } from '../commands';
import { MTU_MAX, MTU_MIN, ZIfName, ZMtu } from '../fields';
import { clampedByParentMtu } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { DEFAULT_MTU } from '../restore';

export const setMtuSchema = z.object({ kind: z.literal('setMtu'), dev: ZIfName, mtu: ZMtu });

export const setMtu = defineKind({
  schema: setMtuSchema,
  describe: (op) => `set MTU of ${op.dev} to ${op.mtu}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    const dev = c.need(op.dev);
    if (!dev) return;
    if (dev.kind === 'loopback') c.errors.push('Leave the loopback MTU alone.');
    if (op.mtu < MTU_MIN || op.mtu > MTU_MAX) c.errors.push(`An MTU is ${MTU_MIN}-${MTU_MAX}.`);
    if (dev.kind === 'vlan' && dev.parent) {
      const parent = c.byName.get(dev.parent);
      if (parent && op.mtu > parent.mtu) c.errors.push(`VLAN ${op.dev}'s MTU (${op.mtu}) cannot exceed its parent ${parent.name}'s (${parent.mtu}); raise the parent first.`);
    }
    const vlanChildren = c.t.interfaces.filter((x) => x.kind === 'vlan' && x.parent === op.dev && x.mtu > op.mtu);
    if (vlanChildren.length) c.errors.push(`${vlanChildren.map((x) => `${x.name} (${x.mtu})`).join(', ')} would exceed ${op.dev}'s new MTU ${op.mtu}; lower ${vlanChildren.length === 1 ? 'it' : 'them'} first.`);
  },
  warnings(op, before) {
    const dev = before.interfaces.find((i) => i.name === op.dev);
    if (dev?.kind !== 'bridge') return [];
    const larger = before.interfaces.filter((i) => i.master === op.dev && i.mtu > op.mtu);
    return larger.length
      ? [`${op.dev}'s MTU ${op.mtu} is below its port${larger.length > 1 ? "s'" : "'s"} (${larger.map((i) => `${i.name} ${i.mtu}`).join(', ')}): frames larger than ${op.mtu} bytes from ${larger.length > 1 ? 'them' : 'it'} are dropped.`]
      : [];
  },
  project: (op, t) => ({
    ...t,
    interfaces: t.interfaces.map((i) => {
      if (i.name === op.dev) return { ...i, mtu: op.mtu };
      // The kernel lowers the MTU of VLANs and macvlans/macvtaps above their parent's new one.
      if (clampedByParentMtu(i, op.dev, op.mtu)) return { ...i, mtu: op.mtu };
      return i;
    }),
  }),
  render(op, t) {
    // Children the kernel clamps to the new MTU do not grow back with the parent: restore them too.
    const clamped = t.interfaces.filter((i) => clampedByParentMtu(i, op.dev, op.mtu));
    const was = existing(t, op.dev).mtu;
    return [cmd(link(op.dev, 'mtu', String(op.mtu)), [link(op.dev, 'mtu', String(was)), ...clamped.map((x) => link(x.name, 'mtu', String(x.mtu)))])];
  },
  invert: (op, before) => [
    { kind: 'setMtu', dev: op.dev, mtu: before.interfaces.find((i) => i.name === op.dev)?.mtu ?? DEFAULT_MTU },
    ...before.interfaces.filter((i) => clampedByParentMtu(i, op.dev, op.mtu)).map((i) => ({ kind: 'setMtu' as const, dev: i.name, mtu: i.mtu })),
  ],
});
