import { z } from 'zod';
import type { LibvirtNetwork, Topology } from '@/server/topology/model';
import { cmdWithDocuments, virsh } from '../commands';
import { ZBareIp, ZMac } from '../fields';
import type { Checks } from '../kind';
import { defineKind, PHASES } from '../kind';
import { checkDhcpHost, dhcpHostDocument, networkDifferences, networkNamed, needNetwork, updateNetwork, ZDuid, ZHostName, ZNetworkName } from '../libvirt';
import { compareIps, familyOf, inSubnet } from '../subnets';

/** IPv4 reservations name a MAC; IPv6 ones a DUID (`id`) or a name. */
export const dhcpHostFields = { network: ZNetworkName, mac: ZMac.optional(), id: ZDuid.optional(), name: ZHostName.optional(), ip: ZBareIp };
export const addDhcpHostSchema = z.object({ kind: z.literal('addDhcpHost'), ...dhcpHostFields });

export type DhcpHost = { network: string; mac?: string | undefined; id?: string | undefined; name?: string | undefined; ip: string };

/** "52:54:00:…", "DUID 00:03:…" or the name: how a reservation's client is named. */
export const clientWords = (h: { mac?: string | null | undefined; id?: string | null | undefined; name?: string | null | undefined }): string =>
  h.mac ? `${h.mac}${h.name ? ` (${h.name})` : ''}` : h.id ? `DUID ${h.id}${h.name ? ` (${h.name})` : ''}` : (h.name ?? 'a host');

/** The network's `<ip>` (by position, as `--parent-index` counts) whose subnet holds the address. */
export function parentOf(n: LibvirtNetwork, ip: string): number {
  return n.ips.findIndex((x) => inSubnet(ip, x.address, x.prefixLength));
}

export function needParent(c: Checks, op: DhcpHost): { n: LibvirtNetwork; index: number } | undefined {
  const n = needNetwork(c, op.network);
  if (!n) return undefined;
  const index = parentOf(n, op.ip);
  if (index < 0) {
    const subnets = n.ips.map((x) => `${x.address}/${x.prefixLength}`).join(', ');
    c.errors.push(`${op.ip} is not inside network ${op.network}'s ${subnets ? `subnet (${subnets})` : 'addressing: it has no addresses, so no DHCP'}.`);
    return undefined;
  }
  return { n, index };
}

/**
 * `net-update` changes the running dnsmasq and the kept definition together, without a restart
 * (a stopped network: its definition only; a transient one: the running network only).
 */
export const updateScope = (n: LibvirtNetwork): string[] => [...(n.active ? ['--live'] : []), ...(n.persistent ? ['--config'] : [])];

export const dhcpHostUpdate = (n: LibvirtNetwork, verb: 'add-first' | 'add-last' | 'delete', index: number): string[] =>
  virsh('net-update', n.name, verb, 'ip-dhcp-host', '@doc1', '--parent-index', String(index), ...updateScope(n));

export const withHosts = (t: Topology, network: string, index: number, change: (hosts: LibvirtNetwork['ips'][number]['staticHosts']) => LibvirtNetwork['ips'][number]['staticHosts']): Topology =>
  updateNetwork(t, network, (n) => ({ ...n, ips: n.ips.map((x, i) => (i === index ? { ...x, staticHosts: change(x.staticHosts) } : x)) }));

export const addDhcpHost = defineKind({
  schema: addDhcpHostSchema,
  describe: (op) => `reserve ${op.ip} for ${clientWords(op)} on network ${op.network}`,
  interfaces: () => [],
  phase: () => PHASES.configure,
  validate(op, c) {
    const p = needParent(c, op);
    if (!p) return;
    const ip = p.n.ips[p.index]!;
    const seenMac = new Map(ip.staticHosts.flatMap((h) => [h.mac?.toLowerCase(), h.id?.toLowerCase()].flatMap((k) => (k ? [[k, h.ip] as [string, string]] : []))));
    const seenIp = new Map(ip.staticHosts.map((h) => [h.ip, h.mac ?? h.id ?? h.name ?? h.ip] as [string, string]));
    checkDhcpHost(c, op.network, ip, op, seenMac, seenIp);
    if (op.name && ip.staticHosts.some((h) => h.name === op.name)) c.errors.push(`Host name ${op.name} is already reserved on ${op.network}.`);
    // dnsmasq would not take the address back from a VM that holds it now.
    // IPv4 only: an IPv6 lease names the client by DUID, which the lease table here does not keep.
    const lease = op.mac ? p.n.leases.find((l) => familyOf(l.ip) === familyOf(op.ip) && compareIps(l.ip, op.ip) === 0 && l.mac !== op.mac) : undefined;
    if (lease) c.errors.push(`${op.ip} is leased to ${lease.mac}${lease.hostname ? ` (${lease.hostname})` : ''} on ${op.network} now; reserve a free address, or reserve this one for that MAC.`);
    const holder = c.t.interfaces.find((i) => i.addresses.some((a) => compareIps(a.address, op.ip) === 0 && familyOf(a.address) === familyOf(op.ip)));
    if (holder) c.errors.push(`${op.ip} is already an address of the host's ${holder.name}.`);
  },
  project: (op, t) => {
    const index = parentOf(networkNamed(t, op.network)!, op.ip);
    return withHosts(t, op.network, index, (hosts) => [...hosts, { mac: op.mac ?? null, id: op.id ?? null, name: op.name ?? null, ip: op.ip }]);
  },
  render(op, t) {
    const n = networkNamed(t, op.network)!;
    const index = parentOf(n, op.ip);
    return [cmdWithDocuments(dhcpHostUpdate(n, 'add-last', index), [dhcpHostUpdate(n, 'delete', index)], [{ shape: 'libvirt-dhcp-host', text: dhcpHostDocument(op) }])];
  },
  invert: (op) => [{ kind: 'removeDhcpHost', network: op.network, mac: op.mac, id: op.id, name: op.name, ip: op.ip }],
  verify: (op, intended, after) => networkDifferences(op.network, intended, after),
});

/** Two reservations are the same host: the same address for the same MAC, DUID or (neither given) name. */
export const sameHost = (a: { mac: string | null; id: string | null; name: string | null; ip: string }, op: DhcpHost): boolean =>
  familyOf(a.ip) === familyOf(op.ip) &&
  compareIps(a.ip, op.ip) === 0 &&
  (a.mac ?? '').toLowerCase() === (op.mac ?? '') &&
  (a.id ?? '').toLowerCase() === (op.id ?? '') &&
  (op.mac || op.id ? true : (a.name ?? '') === (op.name ?? ''));
