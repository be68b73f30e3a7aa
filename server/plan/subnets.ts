// Subnet arithmetic for libvirt networks and address conflicts (ipaddr.js does the bits). Pure.
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

const parsed = (ip: string) => ipaddr.parse(ip);

export const familyOf = (ip: string): Family => (parsed(ip).kind() === 'ipv4' ? 'ipv4' : 'ipv6');

/** Whether `ip` lies in `address/prefixLength` (false across families). */
export function inSubnet(ip: string, address: string, prefixLength: number): boolean {
  const a = parsed(ip);
  const net = parsed(address);
  return a.kind() === net.kind() && a.match(net, prefixLength);
}

/** The subnet's own network address, as text ("10.0.0.0" for 10.0.0.1/24). */
export function networkAddress(address: string, prefixLength: number): string {
  return familyOf(address) === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefixLength}`).toString() : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefixLength}`).toString();
}

/** IPv4's broadcast address of the subnet (IPv6 has none: null). */
export function broadcastAddress(address: string, prefixLength: number): string | null {
  return familyOf(address) === 'ipv4' ? ipaddr.IPv4.broadcastAddressFromCIDR(`${address}/${prefixLength}`).toString() : null;
}

/** Whether two subnets share any address: one holds the other's network address. */
export function subnetsOverlap(a: { address: string; prefixLength: number }, b: { address: string; prefixLength: number }): boolean {
  if (familyOf(a.address) !== familyOf(b.address)) return false;
  const shorter = Math.min(a.prefixLength, b.prefixLength);
  return inSubnet(a.address, b.address, shorter) && inSubnet(b.address, a.address, shorter);
}

/** Orders two addresses of one family (negative: a first). */
export function compareIps(a: string, b: string): number {
  const x = parsed(a).toByteArray();
  const y = parsed(b).toByteArray();
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The same address however it is written (IPv6 zero compression, case). */
export const normalIp = (ip: string): string => parsed(ip).toString();
