// Where a VM NIC's addresses come from, from what the probe read: the network's reservation for
// its MAC, dnsmasq's lease, the guest agent (where the VM runs one), or (an address set inside
// the guest) the host's neighbour table.
// Pure.
import type { Topology, VmNic } from './model';

export type AddressOrigin = 'reservation' | 'lease' | 'agent' | 'neighbour';

export interface NicAddress {
  ip: string;
  origins: AddressOrigin[];
  /** The lease's end, for a leased address. */
  expires?: string;
  /** The host link it was seen on, for a neighbour entry. */
  seenOn?: string;
  /** The guest's name for the interface, for an address its agent reports. */
  guestInterface?: string;
}

export function nicAddresses(t: Topology, nic: VmNic): NicAddress[] {
  const mac = nic.mac?.toLowerCase();
  if (!mac) return [];
  const out = new Map<string, NicAddress>();
  const add = (ip: string, origin: AddressOrigin, extra: Partial<NicAddress> = {}) => {
    const a = out.get(ip) ?? { ip, origins: [] };
    if (!a.origins.includes(origin)) a.origins.push(origin);
    out.set(ip, { ...a, ...extra });
  };
  const network = nic.type === 'network' ? t.networks.find((n) => n.name === nic.source) : t.networks.find((n) => n.bridge !== null && n.bridge === nic.bridge);
  for (const ip of network?.ips ?? []) for (const h of ip.staticHosts) if (h.mac?.toLowerCase() === mac) add(h.ip, 'reservation');
  for (const l of network?.leases ?? []) if (l.mac === mac) add(l.ip, 'lease', { expires: l.expires });
  for (const g of t.guestAddresses ?? []) if (g.mac === mac && !g.ip.toLowerCase().startsWith('fe80:')) add(g.ip, 'agent', { guestInterface: g.guestInterface });
  for (const n of t.neighbours ?? []) if (n.mac === mac && !n.ip.toLowerCase().startsWith('fe80:')) add(n.ip, 'neighbour', { seenOn: n.dev });
  return [...out.values()];
}

const ORIGIN_WORDS: Record<AddressOrigin, string> = { reservation: 'reserved', lease: 'leased', agent: 'reported by the guest agent', neighbour: 'seen on the host' };

/** "198.19.122.10 (reserved, leased until 2026-12-01 23:10:04)". */
export function nicAddressInWords(a: NicAddress): string {
  const words = a.origins.map((o) =>
    o === 'lease' && a.expires ? `leased until ${a.expires}` : o === 'neighbour' && a.seenOn ? `seen on ${a.seenOn}` : o === 'agent' && a.guestInterface ? `set on ${a.guestInterface} in the guest, says its agent` : ORIGIN_WORDS[o],
  );
  return `${a.ip} (${words.join(', ')})`;
}

/** Every VM's addresses (all its NICs', from every origin), running VMs first: who answers on an address now. */
export function addressesOfVms(t: Topology): { vm: string; ips: string[] }[] {
  const running = (state: string) => (state === 'running' ? 0 : 1);
  return [...t.vms]
    .sort((a, b) => running(a.state) - running(b.state))
    .map((vm) => ({ vm: vm.name, ips: [...new Set(vm.nics.flatMap((nic) => nicAddresses(t, nic).map((a) => a.ip)))] }));
}
