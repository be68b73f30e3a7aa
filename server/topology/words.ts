// Parts of the model said the way people read them: libvirt rates in bit/s, VLAN tags, port
// profiles, probe sections. Pure; the inspector and the host page use them.
import type { Bandwidth, BandwidthDirection, BootBackend, MissingSection, VirtualPort, VlanTags } from './model';
import { formatBits } from './rates';

/**
 * libvirt's rates are kB/s of 1000 bytes: libvirt hands them to tc as `kbps`, which tc counts in
 * SI units (seen on a real kernel: an average of 1250 gave an HTB class of rate 10Mbit). People
 * read bit/s.
 */
export const libvirtRateInWords = (v: number) => formatBits(v * 1000 * 8);
/** libvirt's burst is KiB: tc counts sizes in 1024s (a burst of 256 shows as 256Kb). */
const kib = (v: number) => (v >= 1024 ? `${(v / 1024).toFixed(v % 1024 ? 1 : 0)} MiB` : `${v} KiB`);

function directionInWords(d: BandwidthDirection): string {
  return [
    d.average !== null && `average ${libvirtRateInWords(d.average)}`,
    d.peak !== null && `peak ${libvirtRateInWords(d.peak)}`,
    d.burst !== null && `burst ${kib(d.burst)}`,
    d.floor !== null && `guaranteed ${libvirtRateInWords(d.floor)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** "in: average 31 Mbit/s, guaranteed 1.6 Mbit/s; out: average 31 Mbit/s". */
export function bandwidthInWords(b: Bandwidth): string {
  return [b.inbound && `in: ${directionInWords(b.inbound)}`, b.outbound && `out: ${directionInWords(b.outbound)}`].filter(Boolean).join('; ');
}

/** "VLAN 10", "trunk 10, 20 (native 10 untagged)". */
export function vlanTagsInWords(v: VlanTags): string {
  const ids = v.tags.map((t) => t.id).join(', ');
  const native = v.tags.find((t) => t.nativeMode);
  const nativeWords = native ? ` (native ${native.id} ${native.nativeMode})` : '';
  return v.trunk ? `trunk ${ids}${nativeWords}` : `VLAN ${ids}${nativeWords}`;
}

/** "openvswitch (interfaceid 09b1…, profileid bob)". */
export function virtualportInWords(p: VirtualPort): string {
  const params = Object.entries(p.parameters).map(([k, v]) => `${k} ${v}`);
  return `${p.type ?? 'inherited type'}${params.length ? ` (${params.join(', ')})` : ''}`;
}

const SECTION_WORDS: Record<string, string> = {
  hostname: 'host name',
  kernel: 'kernel version',
  iproute2: 'iproute2 version',
  libvirt_version: 'libvirt version',
  ip_forward: 'IP forwarding',
  ip6_forward: 'IPv6 forwarding',
  forwarding_file: 'IP forwarding at boot',
  boot_config: 'boot configuration',
  link: 'interfaces',
  addr: 'addresses',
  route: 'routes',
  bridge_link: 'bridge ports',
  bridge_vlan: 'bridge VLANs',
  qdisc: 'queueing disciplines (tc)',
  class: 'tc classes',
  link_stats: 'traffic counters',
  virsh_lists: 'libvirt',
  virsh_xml: 'VMs and networks',
  libvirt: 'libvirt',
};

/** "bridge VLANs: its output could not be read (...)". */
export function missingInWords(m: MissingSection): string {
  return `${SECTION_WORDS[m.section] ?? m.section}: ${m.reason}`;
}

/** What configures a host's network at boot, as the host card names it. */
export const BOOT_BACKEND_WORDS: Record<BootBackend, string> = {
  ifupdown: 'ifupdown (/etc/network/interfaces)',
  ifupdown2: 'ifupdown2 (/etc/network/interfaces)',
  networkd: 'systemd-networkd (/etc/systemd/network)',
  netplan: 'netplan (/etc/netplan)',
  networkmanager: 'NetworkManager',
  none: 'nothing known: changes last until the next reboot',
};
