// The checks the operation kinds share (plan/kinds/), bound to one topology. Pure.
import type { NetInterface, Topology } from '@/server/topology/model';
import type { Checks } from './kind';

/** Kinds Switchboard can delete and re-create exactly (so a delete has an inverse). */
export const DELETABLE_KINDS: ReadonlySet<NetInterface['kind']> = new Set(['bridge', 'bond', 'vlan', 'veth', 'dummy']);

/** Names the kernel or ip treat specially, so an interface must not be called that. */
const RESERVED_NAMES = new Set(['all', 'default', 'any', 'help', 'dev', 'lo']);

/** Interface kinds a bond takes as members. */
export const ETHERNET_LIKE: readonly NetInterface['kind'][] = ['ethernet', 'veth', 'dummy', 'other'];

/** The libvirt network that owns `name` as its own bridge (not one that only forwards to a bridge people made). */
export function libvirtNetworkOf(t: Topology, name: string): string | null {
  return t.networks.find((n) => n.bridge === name && n.mode !== 'bridge')?.name ?? null;
}

/** Would making `dev` a port of `master` close a loop (master is dev, or below dev in the chain)? */
export function closesLoop(t: Topology, dev: string, master: string): boolean {
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const seen = new Set<string>();
  for (let cur: string | null = master; cur; cur = byName.get(cur)?.master ?? null) {
    if (cur === dev) return true;
    if (seen.has(cur)) return true;
    seen.add(cur);
  }
  return false;
}

export function checksFor(t: Topology): Checks {
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const errors: string[] = [];
  return {
    t,
    byName,
    errors,
    need(name, role = 'interface') {
      const i = byName.get(name);
      if (!i) errors.push(`There is no ${role} ${name} on this host (or an earlier operation removes it).`);
      return i;
    },
    free(name) {
      if (byName.has(name)) errors.push(`An interface named ${name} already exists on this host.`);
      if (RESERVED_NAMES.has(name)) errors.push(`${name} is a word ip reserves; choose another name.`);
    },
    notVmOwned(i) {
      if (i?.owner) errors.push(`${i.name} belongs to VM ${i.owner.vm}; change the VM's NIC in libvirt instead.`);
    },
    notLibvirtBridge(i) {
      const net = i && libvirtNetworkOf(t, i.name);
      if (net) errors.push(`${i.name} is managed by libvirt network ${net}; libvirt would undo or fight this change.`);
    },
  };
}
