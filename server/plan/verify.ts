// After an apply: does the host now look the way the plan said it would? Compares, for every
// interface the operations touched, the fields they set. Pure. Fields the kernel chooses (a new
// interface's MAC, ifindex, link-local addresses) are not compared.
import type { NetInterface, Topology } from '@/server/topology/model';
import { interfacesOf, type Operation } from './ops';
import { kindOf } from './registry';

function addressSet(i: NetInterface): string {
  return i.addresses
    .filter((a) => !(a.family === 'inet6' && a.scope === 'link') && !a.dynamic)
    .map((a) => `${a.address.toLowerCase()}/${a.prefixLength}`)
    .sort()
    .join(', ');
}

function vlanSet(i: NetInterface): string {
  return (i.bridgePort?.vlans ?? [])
    .map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`)
    .sort()
    .join(', ');
}

const FIELDS: { label: string; of: (i: NetInterface) => unknown; when?: (intended: NetInterface) => boolean }[] = [
  { label: 'kind', of: (i) => i.kind },
  { label: 'master', of: (i) => i.master },
  { label: 'MTU', of: (i) => i.mtu },
  { label: 'admin state', of: (i) => (i.adminUp ? 'up' : 'down') },
  { label: 'MAC', of: (i) => i.mac, when: (i) => i.mac !== null },
  { label: 'addresses', of: addressSet },
  { label: 'parent', of: (i) => i.parent, when: (i) => i.kind === 'vlan' },
  { label: 'VLAN id', of: (i) => i.vlan?.id ?? null, when: (i) => i.kind === 'vlan' },
  { label: 'peer', of: (i) => i.peer, when: (i) => i.kind === 'veth' },
  { label: 'STP', of: (i) => i.bridge?.stp ?? null, when: (i) => i.kind === 'bridge' },
  { label: 'VLAN filtering', of: (i) => i.bridge?.vlanFiltering ?? null, when: (i) => i.kind === 'bridge' },
  { label: 'bond mode', of: (i) => i.bond?.mode ?? null, when: (i) => i.kind === 'bond' },
  { label: 'port VLANs', of: vlanSet, when: (i) => i.bridgePort !== null && i.bridgePort.vlans.length > 0 },
];

/** One sentence per difference between what the plan intended and what the host shows. */
export function differencesFromIntended(intended: Topology, after: Topology, ops: readonly Operation[]): string[] {
  const touched = new Set(ops.flatMap(interfacesOf));
  const want = new Map(intended.interfaces.map((i) => [i.name, i]));
  const have = new Map(after.interfaces.map((i) => [i.name, i]));
  const out: string[] = [];
  for (const name of [...touched].sort()) {
    const w = want.get(name);
    const h = have.get(name);
    if (!w && h) out.push(`${name} should be gone but is still there.`);
    if (w && !h) out.push(`${name} should exist but the host has no such interface.`);
    if (!w || !h) continue;
    for (const f of FIELDS) {
      if (f.when && !f.when(w)) continue;
      const a = f.of(w);
      const b = f.of(h);
      if (a !== b) out.push(`${name}: ${f.label} is ${JSON.stringify(b)}, the plan intended ${JSON.stringify(a)}.`);
    }
  }
  for (const op of ops) out.push(...(kindOf(op).verify?.(op, intended, after) ?? []));
  return out;
}
