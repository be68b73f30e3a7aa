import { z } from 'zod';
import { ETHERNET_LIKE } from '../checks';
import { cmd, del, existing, link } from '../commands';
import { BOND_MODES, ZIfName } from '../fields';
import { addInterfaces, joinedBond, newInterface, stableMac } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { withArticle } from '@/server/topology/words';

export const createBondSchema = z.object({
  kind: z.literal('createBond'),
  name: ZIfName,
  mode: z.enum(BOND_MODES),
  members: z.array(ZIfName).max(16).default([]),
  /** Link monitoring interval in ms; unset is the kernel's (none for most modes). */
  miimon: z.number().int('miimon is a whole number of milliseconds.').min(0).max(100_000).optional(),
});

export const createBond = defineKind({
  schema: createBondSchema,
  describe: (op) =>
    `create bond ${op.name} (${op.mode}${op.miimon !== undefined ? `, link checked every ${op.miimon} ms` : ''})${op.members.length ? ` of ${op.members.join(', ')}` : ''}`,
  interfaces: (op) => [op.name, ...op.members],
  phase: () => PHASES.create,
  validate(op, c) {
    c.free(op.name);
    const seen = new Set<string>();
    for (const m of op.members) {
      if (seen.has(m)) c.errors.push(`${m} is listed twice as a member.`);
      seen.add(m);
      const i = c.need(m, 'member interface');
      if (i?.master) c.errors.push(`${m} is already a port of ${i.master}; an interface can be enslaved only once. Disconnect it first.`);
      if (i && !ETHERNET_LIKE.includes(i.kind)) c.errors.push(`${m} is ${withArticle(i.kind)}; a bond's members are Ethernet-like interfaces.`);
      c.notVmOwned(i);
    }
  },
  project(op, t) {
    const mac = op.members.length ? null : stableMac(t.host.hostname, op.name);
    const withBond = addInterfaces(t, newInterface(op.name, 'bond', { bond: { mode: op.mode, miimon: op.miimon ?? null }, ...(mac ? { mac } : {}) }));
    const bond = withBond.interfaces.find((b) => b.name === op.name);
    return { ...withBond, interfaces: withBond.interfaces.map((i) => (op.members.includes(i.name) ? joinedBond(i, bond) : i)) };
  },
  render: (op, t) => [
    // Without members the kernel gives a bond a random MAC, a new one at every boot: it gets a
    // stable one instead, which the boot files repeat. With members it takes the first one's.
    cmd(
      ['ip', 'link', 'add', 'name', op.name, ...(op.members.length ? [] : ['address', stableMac(t.host.hostname, op.name)]), 'type', 'bond', 'mode', op.mode, ...(op.miimon !== undefined ? ['miimon', String(op.miimon)] : [])],
      [del(op.name)],
    ),
    ...op.members.flatMap((m) => {
      const member = existing(t, m);
      return [...(member.adminUp ? [cmd(link(m, 'down'), [link(m, 'up')])] : []), cmd(link(m, 'master', op.name), [link(m, 'nomaster')])];
    }),
  ],
  // Deleting the bond closes its members (the bonding driver does); open again those that were up.
  invert: (op, before) => [
    { kind: 'deleteInterface', name: op.name },
    ...op.members.filter((m) => before.interfaces.find((i) => i.name === m)?.adminUp).map((m) => ({ kind: 'setLinkState' as const, dev: m, up: true })),
  ],
});
