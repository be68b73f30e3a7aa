// What a host's boot configuration would make of each interface it names, read back from the
// files (ifupdown stanzas, systemd-networkd units), in one shape for every backend so that the
// drift check (drift.ts) compares it with the live topology the same way. Pure.

import type { NetInterface, Topology } from '@/server/topology/model';
import { OWN_BRIDGE_MODES } from '../libvirt';

export interface BootInterface {
  name: string;
  /** The file that configures it (the first one, where several do). */
  path: string;
  /** What the boot configuration creates (a virtual device), or null for a device it only configures. */
  creates: 'bridge' | 'bond' | 'vlan' | 'dummy' | 'veth' | null;
  /** Brought up at boot (ifupdown `auto`/`allow-hotplug`; networkd brings up every device it matches). */
  up: boolean;
  /** Takes an IPv4 address from DHCP. */
  dhcp: boolean;
  /** Static addresses, as `address/prefix`, sorted. */
  addresses: string[];
  /** The bridge or bond it is a port of. */
  master: string | null;
  /** MTU when set, else null (the kernel's default). */
  mtu: number | null;
}

/** Interface name → what the boot configuration makes of it. */
export type BootIntent = Map<string, BootInterface>;

export const bootInterface = (name: string, path: string, rest: Partial<BootInterface> = {}): BootInterface => ({
  name,
  path,
  creates: null,
  up: false,
  dhcp: false,
  addresses: [],
  master: null,
  mtu: null,
  ...rest,
});

/**
 * Whether a boot configuration describes this interface at all: not loopback, a VM's tap or an
 * interface the kernel or libvirt makes (a libvirt network's own bridge is libvirt's to create,
 * at its network's start).
 */
export function describedAtBoot(t: Topology, i: NetInterface): boolean {
  if (i.kind === 'loopback' || i.owner || ['tap', 'tun', 'other'].includes(i.kind)) return false;
  return !t.networks.some((n) => n.bridge === i.name && OWN_BRIDGE_MODES.includes(n.mode));
}

/** The kinds Switchboard's boot writers create or configure (a VXLAN or macvlan is left to the admin). */
export const WRITTEN_KINDS: readonly string[] = ['ethernet', 'bridge', 'bond', 'vlan', 'dummy', 'veth'];

/** Whether Switchboard writes this interface to the boot configuration. */
export const writtenAtBoot = (t: Topology, i: NetInterface): boolean => describedAtBoot(t, i) && WRITTEN_KINDS.includes(i.kind);
