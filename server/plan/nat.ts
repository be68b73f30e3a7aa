// NAT and port forwarding as Switchboard writes them (issue 13). Pure.
//
// Every rule Switchboard writes lives in one nftables table of its own (SWITCHBOARD_TABLE). A
// change replaces that whole table in one `nft -f` transaction: the document is the table as it
// will be, and the inverse is the table as it was (rendered from what the probe read back), so
// an undo is exact and atomic, and no rule handle (which nft assigns) has to be known in advance.
//
// One thing cannot live there. libvirt's NAT and routed networks reject new connections to their
// bridge in iptables' FORWARD chain, and in netfilter an accept in one table does not override a
// drop or reject in another (each table's hook runs on its own). So a port forward to an address
// on such a network also inserts the narrowest accept rule at the top of iptables' FORWARD chain
// (only connections this forward translated: `--ctstate DNAT`), commented with the change; its
// inverse deletes that very rule by its full specification.
import type { FirewallState, ForwardAccept, LibvirtNetwork, MasqueradeRule, PortForwardRule, Topology } from '@/server/topology/model';
import { LIBVIRT_NFT_INPUT, SWITCHBOARD_TABLE } from '@/server/topology/model';
import { addressesOfVms } from '@/server/topology/addressing';
import { portForwardSpecInWords } from '@/server/topology/words';
import { z } from 'zod';
import { canonicalCidr } from './address';
import { cmd, cmdWithDocuments, type Argv, type PlannedCommand } from './commands';
import { ZBareIp, ZCidr, ZIfName } from './fields';
import { inSubnet, networkAddress } from './subnets';

/** A rule's comment: which change wrote it. Only characters the runner lets through (SAFE_ARG). */
export const ruleComment = (changeId: string | null | undefined): string => (changeId ? `switchboard:${changeId}` : 'switchboard');

/** The fields that name a port forward (what people and scripts give; issue 13's API). */
export interface PortForwardSpec {
  protocol: 'tcp' | 'udp';
  hostPort: number;
  toAddress: string;
  toPort: number;
  inInterface?: string | null;
  source?: string | null;
}

export interface MasqueradeSpec {
  source: string;
  outInterface: string;
}

const norm = (s: string | null | undefined): string | null => (s ? canonicalCidr(s) : null);

export const samePortForward = (a: PortForwardSpec, b: PortForwardSpec): boolean =>
  a.protocol === b.protocol &&
  a.hostPort === b.hostPort &&
  norm(a.toAddress) === norm(b.toAddress) &&
  a.toPort === b.toPort &&
  (a.inInterface ?? null) === (b.inInterface ?? null) &&
  norm(a.source) === norm(b.source);

export const sameMasquerade = (a: { source: string | null; outInterface: string | null }, b: MasqueradeSpec): boolean =>
  norm(a.source) === norm(b.source) && (a.outInterface ?? null) === b.outInterface;

/** Two port forwards catch the same connections: same protocol and port, and interfaces and sources that can overlap. */
export const portForwardsCollide = (a: PortForwardSpec, b: PortForwardSpec): boolean =>
  a.protocol === b.protocol &&
  a.hostPort === b.hostPort &&
  (!a.inInterface || !b.inInterface || a.inInterface === b.inInterface) &&
  (!a.source || !b.source || norm(a.source) === norm(b.source));

/** "tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0, from 10.0.0.0/8)". */
export const portForwardInWords = (p: PortForwardSpec): string => portForwardSpecInWords(p);

export const masqueradeInWords = (m: MasqueradeSpec): string => `${m.source} masqueraded out of ${m.outInterface}`;

/** The firewall with Switchboard's table only (what its documents render), empty when nothing was read. */
export const emptyFirewall = (): FirewallState => ({ tools: { nft: true, iptables: null }, masquerades: [], portForwards: [], forwardAccepts: [], libvirtRejects: [], unknownOwnRules: [], tables: [] });

const isIpv6 = (a: string) => a.includes(':');
const nftAddressMatch = (cidr: string) => `${isIpv6(cidr) ? 'ip6' : 'ip'} saddr ${canonicalCidr(cidr).replace(/\/(32|128)$/, '')}`;

function portForwardLine(p: PortForwardRule): string {
  const target = isIpv6(p.toAddress) ? `ip6 to [${p.toAddress}]:${p.toPort}` : `ip to ${p.toAddress}:${p.toPort}`;
  return [
    ...(p.inInterface ? [`iifname "${p.inInterface}"`] : []),
    ...(p.source ? [nftAddressMatch(p.source)] : []),
    `${p.protocol} dport ${p.hostPort} dnat ${target} comment "${ruleComment(p.changeId)}"`,
  ].join(' ');
}

function masqueradeLine(m: MasqueradeRule): string {
  return [...(m.source ? [nftAddressMatch(m.source)] : []), ...(m.outInterface ? [`oifname "${m.outInterface}"`] : []), `masquerade comment "${ruleComment(m.changeId)}"`].join(' ');
}

/**
 * Switchboard's whole table as an `nft -f` document: created if absent and deleted, then (when
 * it holds rules) declared anew, all in one transaction. Without rules the table is gone.
 */
export function switchboardTableDocument(fw: FirewallState | undefined): string {
  const { family, name } = SWITCHBOARD_TABLE;
  const own = <T extends { owner: string }>(rules: T[] | undefined) => (rules ?? []).filter((r) => r.owner === 'switchboard');
  const forwards = own(fw?.portForwards).map(portForwardLine);
  const masquerades = own(fw?.masquerades).map(masqueradeLine);
  const head = `table ${family} ${name}\ndelete table ${family} ${name}\n`;
  if (!forwards.length && !masquerades.length) return head;
  const chain = (chainName: string, hook: string, priority: string, lines: string[]) =>
    `\tchain ${chainName} {\n\t\ttype nat hook ${hook} priority ${priority}; policy accept;\n${lines.map((l) => `\t\t${l}\n`).join('')}\t}\n`;
  return `${head}table ${family} ${name} {\n${chain('prerouting', 'prerouting', 'dstnat', forwards)}${chain('postrouting', 'postrouting', 'srcnat', masquerades)}}\n`;
}

/** One step that turns Switchboard's table from `before` into `after`, undone by writing `before` back. */
export function tableCommand(before: FirewallState | undefined, after: FirewallState): PlannedCommand {
  const was = switchboardTableDocument(before);
  return cmdWithDocuments(['nft', '-f', '@doc1'], [['nft', '-f', '@doc2']], [
    { shape: 'nft', text: switchboardTableDocument(after) },
    { shape: 'nft', text: was },
  ]);
}

/**
 * The libvirt network whose bridge a connection to `address` leaves by, when that network
 * rejects new incoming connections: a NAT network (libvirt 9 accepts only RELATED,ESTABLISHED
 * to it; a routed network accepts everything to its subnet).
 */
export function rejectingLibvirtNetwork(t: Topology, address: string): LibvirtNetwork | null {
  return (
    t.networks.find(
      (n) => n.active && n.bridge !== null && n.mode === 'nat' && n.ips.some((ip) => ip.family === (isIpv6(address) ? 'ipv6' : 'ipv4') && inSubnet(address, ip.address, ip.prefixLength)),
    ) ?? null
  );
}

/** `iptables -I|-D FORWARD …`: the accept a port forward into a libvirt network needs. */
export function forwardAcceptArgv(verb: '-I' | '-D', a: ForwardAccept): Argv {
  return [
    'iptables', '-w', verb, 'FORWARD',
    '-d', `${a.toAddress}/32`, '-o', a.outInterface,
    '-p', a.protocol, '-m', a.protocol, '--dport', String(a.toPort),
    '-m', 'conntrack', '--ctstate', 'DNAT',
    '-m', 'comment', '--comment', ruleComment(a.changeId),
    '-j', 'ACCEPT',
  ];
}

/**
 * Where a port forward into a libvirt NAT network needs its accept: wherever libvirt's rules
 * were seen rejecting; when none were (rules flushed by hand), in FORWARD as before, where
 * iptables can be read. Empty: nowhere it can be written.
 */
export function acceptToolsOf(fw: FirewallState): ForwardAccept['tool'][] {
  if (fw.libvirtRejects.length) return fw.libvirtRejects.filter((tool) => tool === 'nft' || fw.tools.iptables);
  return fw.tools.iptables ? ['iptables'] : [];
}

/** The accept in libvirt's nft chain, exactly as `nft list` prints it back (the runner finds it by this text to delete it). */
export const nftAcceptRule = (a: ForwardAccept): string =>
  `oifname "${a.outInterface}" ip daddr ${a.toAddress} ${a.protocol} dport ${a.toPort} ct status dnat accept comment "${ruleComment(a.changeId)}"`;

/** `nft -f` lines that insert accepts on top of libvirt's guest_input chain (also the boot file's lines). */
export const nftAcceptInserts = (accepts: readonly ForwardAccept[]): string =>
  accepts.map((a) => `insert rule ${LIBVIRT_NFT_INPUT.family} ${LIBVIRT_NFT_INPUT.table} ${LIBVIRT_NFT_INPUT.chain} ${nftAcceptRule(a)}\n`).join('');

/**
 * Adds or removes one accept. In libvirt's nft chain a rule can only be deleted by its handle,
 * which is not known before the insert runs: the runner's sb-delete-nft-rule finds it by the
 * rule's text, read from the same document that inserted it.
 */
export function forwardAcceptCommand(a: ForwardAccept, add: boolean): PlannedCommand {
  if (a.tool === 'nft') {
    const doc = [{ shape: 'nft-accepts' as const, text: nftAcceptInserts([a]) }];
    return add ? cmdWithDocuments(['nft', '-f', '@doc1'], [['sb-delete-nft-rule', '@doc1']], doc) : cmdWithDocuments(['sb-delete-nft-rule', '@doc1'], [['nft', '-f', '@doc1']], doc);
  }
  return add ? cmd(forwardAcceptArgv('-I', a), [forwardAcceptArgv('-D', a)]) : cmd(forwardAcceptArgv('-D', a), [forwardAcceptArgv('-I', a)]);
}

export const sameAccept = (a: Pick<ForwardAccept, 'protocol' | 'toAddress' | 'toPort'>, p: { protocol: string; toAddress: string; toPort: number }): boolean =>
  a.protocol === p.protocol && norm(a.toAddress) === norm(p.toAddress) && a.toPort === p.toPort;

/**
 * Why NAT cannot be edited on this host, or null: the rules must be readable (the undo is the
 * table as read) and Switchboard's table must hold only rules it wrote (the undo would drop others).
 */
export function firewallProblem(t: Topology): string | null {
  const fw = t.firewall;
  const host = t.host.hostname;
  if (!fw) {
    const why = t.missing.find((m) => m.section === 'firewall')?.reason;
    return `The firewall of ${host} could not be read${why ? ` (${why})` : ''}, so NAT cannot be changed with an exact undo. Install nftables there (Debian: apt install nftables).`;
  }
  if (!fw.tools.nft) return `nftables is not installed on ${host} (or could not be read); Switchboard keeps its NAT rules in an nftables table. Install it there (Debian: apt install nftables).`;
  if (fw.unknownOwnRules.length)
    return `Switchboard's table (${SWITCHBOARD_TABLE.family} ${SWITCHBOARD_TABLE.name}) on ${host} holds rules it did not write (${fw.unknownOwnRules.slice(0, 2).join('; ')}); remove them or move them to a table of your own first.`;
  return null;
}

/** The addresses VMs are known to hold on the host (reservations, leases, guest agents, neighbours), as canonical CIDRs. */
export const vmAddressSet = (t: Topology): Set<string> => new Set(addressesOfVms(t).flatMap((v) => v.ips.map((ip) => canonicalCidr(ip))));

const PORT_RANGE = 'A port is 1-65535.';
const ZPort = z.number().int('A port is a whole number.').min(1, PORT_RANGE).max(65535, PORT_RANGE);

/** A port forward's fields, as `addPortForward` and `removePortForward` take them (a stable API for scripts, issue 13). */
export const ZPortForwardFields = {
  protocol: z.enum(['tcp', 'udp'], { error: 'The protocol is tcp or udp.' }),
  hostPort: ZPort,
  toAddress: ZBareIp,
  toPort: ZPort,
  /** Only connections arriving on this interface. */
  inInterface: ZIfName.optional(),
  /** Only connections from this subnet. */
  source: ZCidr.optional(),
};

export const ZMasqueradeFields = { source: ZCidr, outInterface: ZIfName };

/** An error when a subnet has host bits set (nft would store the network, and the undo would not match). */
export function subnetProblem(cidr: string, what: string): string | null {
  const [address, prefix] = canonicalCidr(cidr).split('/') as [string, string];
  const network = networkAddress(address, Number(prefix));
  return network === address ? null : `${what} ${cidr} has host bits set; did you mean ${network}/${prefix}?`;
}

/** The firewall after a change to Switchboard's rules (the table as read, or empty where none was read). */
export const firewallOf = (t: Topology): FirewallState => t.firewall ?? emptyFirewall();
