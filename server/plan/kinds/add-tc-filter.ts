import { z } from 'zod';
import type { TcFilter, Topology } from '@/server/topology/model';
import { ipProtocolInWords } from '@/server/topology/parse/tc-filter';
import { filterInWords, filterMatchInWords, noMatch, type FilterMatch } from '@/server/topology/words';
import { canonicalCidr, parseCidr, withHostPrefix } from '../address';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { checkUnderRoot, childrenOf, findClass, needHtbRoot } from '../htb';
import { defineKind, PHASES } from '../kind';
import { subnetProblem } from '../nat';
import type { Operation } from '../registry';
import { checkTcOwner } from '../tc-checks';
import { filterAddArgv, filterDelArgv, filterLine, filtersAt, nextPref } from '../tc-filters';
import { u32MatchArgs } from '../tc-u32';
import { ZHtbClassId } from './set-htb-class';

/** An address or subnet a filter matches ("10.0.0.0/24"; a bare address is one host). */
const ZMatchAddress = z
  .string({ error: 'An address is text, like 10.0.0.0/24.' })
  .max(64, 'An address is at most 64 characters.')
  .superRefine((value, ctx) => {
    const parsed = parseCidr(withHostPrefix(value));
    if (typeof parsed === 'string') return void ctx.addIssue({ code: 'custom', message: parsed });
    // u32 compares the address under its mask: host bits would be dropped, and the filter read back as another.
    const hostBits = subnetProblem(withHostPrefix(value), 'The address');
    if (hostBits) ctx.addIssue({ code: 'custom', message: hostBits });
  });
const PORT = 'A port is 1-65535.';
const ZPort = z.number().int('A port is a whole number.').min(1, PORT).max(65535, PORT);
const IP_PROTOCOL = 'An IP protocol is tcp, udp, icmp or its number, 0-255.';
const FW_MARK = 'A firewall mark is a whole number, 1 to 4294967295.';

/** What a filter matches; nothing at all matches every packet of its protocol. Field names are a stable API (issue 13). */
export const ZFilterMatch = z.strictObject({
  src: ZMatchAddress.optional(),
  dst: ZMatchAddress.optional(),
  ipProto: z.union([z.enum(['tcp', 'udp', 'icmp']), z.number().int(IP_PROTOCOL).min(0, IP_PROTOCOL).max(255, IP_PROTOCOL)], { error: IP_PROTOCOL }).optional(),
  srcPort: ZPort.optional(),
  dstPort: ZPort.optional(),
  /** The firewall mark a rule set (nft `meta mark set 7`, iptables `-j MARK --set-mark 7`): an fw filter, matching it alone. */
  fwMark: z.number({ error: FW_MARK }).int(FW_MARK).min(1, FW_MARK).max(0xffffffff, FW_MARK).optional(),
});

const PREF = 'A filter pref is 1-65535 (lower runs first).';
export const ZFilterPref = z.number().int(PREF).min(1, PREF).max(65535, PREF);

/**
 * Adds a filter to a device's HTB root that steers matching traffic into one of its classes:
 * u32 for addresses, protocol and ports, fw for a firewall mark, at a pref of its own (the next free one when none is given). Field names are a
 * stable API (issue 13).
 */
export const addTcFilterSchema = z.object({
  kind: z.literal('addTcFilter'),
  dev: ZIfName,
  parent: z.string().regex(/^[1-9a-f][0-9a-f]{0,3}:$/, "A filter's parent is the HTB root qdisc's handle, such as 1:."),
  pref: ZFilterPref.optional(),
  protocol: z.enum(['ip', 'ipv6', 'all'], { error: 'A filter protocol is ip, ipv6 or all.' }),
  match: ZFilterMatch,
  classid: ZHtbClassId,
});
type AddTcFilter = z.output<typeof addTcFilterSchema>;

/** Transport protocols whose header starts with the two ports. */
const PORTED = new Set([6, 17, 33, 132, 136]);

function protocolNumber(op: AddTcFilter): number | null {
  const p = op.match.ipProto;
  if (p === undefined) return null;
  if (typeof p === 'number') return p;
  return { tcp: 6, udp: 17, icmp: op.protocol === 'ipv6' ? 58 : 1 }[p];
}

/** An address as the parser says it: RFC 5952 for IPv6, a host without its /32 or /128. */
const addressWords = (text: string | undefined) => (text === undefined ? null : canonicalCidr(withHostPrefix(text)).replace(/\/(?:32|128)$/, ''));

/** The match in the parser's words ("IPv4 dst 10.0.0.0/24, TCP dst port 80"): what the filter reads back as. */
export function matchOf(op: AddTcFilter): FilterMatch {
  const m = noMatch(op.protocol === 'ip' ? 'IPv4' : op.protocol === 'ipv6' ? 'IPv6' : null);
  const n = protocolNumber(op);
  m.src = addressWords(op.match.src);
  m.dst = addressWords(op.match.dst);
  m.protocol = n === null ? null : ipProtocolInWords(n);
  m.srcPort = op.match.srcPort === undefined ? null : String(op.match.srcPort);
  m.dstPort = op.match.dstPort === undefined ? null : String(op.match.dstPort);
  if (op.match.fwMark !== undefined) m.other.push(`firewall mark ${fwMarkText(op.match.fwMark)}`);
  return m;
}

/** tc's text for a mark, as it prints it back. */
const fwMarkText = (mark: number) => `0x${mark.toString(16)}`;
const classifierOf = (op: AddTcFilter) => (op.match.fwMark !== undefined ? 'fw' : 'u32');

/** "tcp to 10.0.0.0/24 port 80", "udp over IPv6 from port 53", "all IPv4 traffic", "traffic with firewall mark 0x7". */
function trafficInWords(op: AddTcFilter): string {
  const { src, dst, ipProto, srcPort, dstPort, fwMark } = op.match;
  if (fwMark !== undefined) return `${op.protocol === 'ipv6' ? 'IPv6 ' : op.protocol === 'ip' ? 'IPv4 ' : ''}traffic with firewall mark ${fwMark} (${fwMarkText(fwMark)})`;
  const family = op.protocol === 'ipv6' ? 'IPv6' : op.protocol === 'ip' ? 'IPv4' : null;
  const proto = ipProto === undefined ? null : ipProto === 'icmp' && op.protocol === 'ipv6' ? 'ICMPv6' : typeof ipProto === 'string' ? ipProto : ipProtocolInWords(ipProto);
  const end = (word: string, address: string | undefined, port: number | undefined) => (address === undefined && port === undefined ? null : [word, addressWords(address), port !== undefined && `port ${port}`].filter(Boolean).join(' '));
  const ends = [end('from', src, srcPort), end('to', dst, dstPort)].filter(Boolean);
  const head = proto ? (family === 'IPv6' && proto !== 'ICMPv6' ? `${proto} over IPv6` : proto) : `${ends.length ? '' : 'all '}${family ? `${family} ` : ''}traffic`;
  return [head, ...ends].join(' ');
}

/** The filter as the probe will read it back (u32's handle is the kernel's pick; fw's is the mark). */
const filterOf = (op: AddTcFilter, pref: number): TcFilter => ({
  dev: op.dev,
  parent: op.parent,
  protocol: op.protocol,
  pref,
  kind: classifierOf(op),
  handle: op.match.fwMark === undefined ? null : fwMarkText(op.match.fwMark),
  classid: op.classid,
  match: filterMatchInWords(matchOf(op)),
  actions: [],
});
/** The classifier and its match as tc takes them, after `prio N`; null when u32 cannot say the match exactly. */
function classifierArgs(op: AddTcFilter): string[] | null {
  if (op.match.fwMark !== undefined) return ['handle', fwMarkText(op.match.fwMark), 'fw', 'classid', op.classid];
  const match = u32MatchArgs(op.protocol, filterMatchInWords(matchOf(op)));
  return match && ['u32', ...match, 'flowid', op.classid];
}
const prefOf = (op: AddTcFilter, t: Topology) => op.pref ?? nextPref(t, op.dev, op.parent);

export const addTcFilter = defineKind({
  schema: addTcFilterSchema,
  describe: (op) => `steer ${trafficInWords(op)} on ${op.dev} into class ${op.classid}${op.pref !== undefined ? ` (pref ${op.pref})` : ''}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    const root = needHtbRoot(c, op.dev);
    if (!root) return;
    if (op.parent !== root.handle) return void c.errors.push(`Filters that steer traffic into ${op.dev}'s HTB classes hang off its root qdisc (${root.handle}), not ${op.parent}.`);
    if (!checkUnderRoot(c, op.dev, op.classid, root)) return;
    const cls = findClass(c.t, op.dev, op.classid);
    const children = childrenOf(c.t, op.dev, op.classid);
    if (!cls || cls.kind !== 'htb') c.errors.push(`${op.dev} has no HTB class ${op.classid} to steer traffic into (or an earlier operation removes it).`);
    else if (children.length) c.errors.push(`Class ${op.classid} on ${op.dev} has classes under it; HTB queues traffic only in a class without classes under it, so steer it into one of them (${children.map((x) => x.classid).join(', ')}).`);
    const { src, dst, ipProto, srcPort, dstPort, fwMark } = op.match;
    if (fwMark !== undefined && Object.keys(op.match).length > 1) {
      c.errors.push(`A firewall-mark filter on ${op.dev} matches the mark alone: put the addresses, protocol and ports in the firewall rule that sets mark ${fwMark}, or leave the mark out.`);
    } else if (op.protocol === 'all' && fwMark === undefined && Object.keys(op.match).length) {
      c.errors.push(`A filter for all protocols on ${op.dev} matches every packet: u32 reads addresses and ports at fixed places of the IPv4 or IPv6 header, so give protocol ip or ipv6 to match them.`);
    }
    for (const address of [src, dst]) {
      if (address === undefined || op.protocol === 'all') continue;
      const v6 = address.includes(':');
      if (v6 !== (op.protocol === 'ipv6')) c.errors.push(`${address} is an ${v6 ? 'IPv6' : 'IPv4'} address; a filter for protocol ${op.protocol} on ${op.dev} matches ${op.protocol === 'ipv6' ? 'IPv6' : 'IPv4'} packets, so give protocol ${v6 ? 'ipv6' : 'ip'}.`);
    }
    const n = protocolNumber(op);
    if ((srcPort !== undefined || dstPort !== undefined) && (n === null || !PORTED.has(n)) && op.protocol !== 'all') {
      c.errors.push(`Ports are read from TCP and UDP headers: give ipProto tcp or udp with the ports of the filter on ${op.dev}${ipProto !== undefined ? ` (not ${ipProto})` : ''}.`);
    }
    const pref = prefOf(op, c.t);
    if (pref === null) return void c.errors.push(`${op.dev} has no free filter pref left on ${op.parent}.`);
    const taken = filtersAt(c.t, op.dev, op.parent, pref);
    if (taken.length) {
      const free = nextPref(c.t, op.dev, op.parent);
      c.errors.push(`${op.dev} already has a filter at pref ${pref} on ${op.parent} (${filterInWords(taken[0]!)}); filters that share a pref are deleted together, so choose a free one${free !== null ? `, such as ${free}` : ''}.`);
    }
    if (c.errors.length) return;
    const words = filterMatchInWords(matchOf(op));
    if (!classifierArgs(op)) c.errors.push(`Switchboard cannot write this match on ${op.dev} so that tc reads it back the same (${words}).`);
  },
  warnings(op, before) {
    const pref = prefOf(op, before);
    if (pref === null) return [];
    const words = filterMatchInWords(matchOf(op));
    // An earlier filter that catches the same packets (or every packet) without actions: this one never sees them.
    const first = (before.filters ?? [])
      .filter((f) => f.dev === op.dev && f.parent === op.parent && f.pref < pref && !f.actions.length && (f.protocol === op.protocol || f.protocol === 'all'))
      .find((f) => f.match === words || /^all (?:\S+ )?traffic$/.test(f.match));
    return first ? [`The filter at pref ${first.pref} on ${op.dev} (${filterInWords(first)}) catches this traffic first; the new one at pref ${pref} would see none of it.`] : [];
  },
  project(op, t) {
    const pref = prefOf(op, t);
    return pref === null ? t : { ...t, filters: [...(t.filters ?? []), filterOf(op, pref)] };
  },
  render(op, t) {
    const pref = prefOf(op, t);
    const args = classifierArgs(op);
    if (pref === null || !args) throw new Error(`render: the filter on ${op.dev} cannot be written (validate first)`);
    return [cmd(filterAddArgv(op.dev, op.parent, op.protocol, pref, args), [filterDelArgv(op.dev, op.parent, op.protocol, pref)])];
  },
  invert(op, before): Operation[] {
    const pref = prefOf(op, before);
    return pref === null ? [] : [{ kind: 'removeTcFilter', dev: op.dev, parent: op.parent, pref }];
  },
  verify(op, intended, after) {
    const want = (intended.filters ?? []).find((f) => f.dev === op.dev && f.parent === op.parent && f.kind === classifierOf(op) && f.classid === op.classid && f.match === filterMatchInWords(matchOf(op)) && f.protocol === op.protocol);
    // A later step of the same change removed it: that step says what it expected.
    if (!want) return [];
    const have = filtersAt(after, op.dev, op.parent, want.pref);
    if (!have.length) return [`${op.dev} shows no tc filter at pref ${want.pref} on ${op.parent}; the plan intended ${filterLine(want)}.`];
    return have.some((f) => filterLine(f) === filterLine(want)) ? [] : [`${op.dev}'s tc filter at pref ${want.pref} on ${op.parent} is ${have.map(filterLine).join('; ')}; the plan intended ${filterLine(want)}.`];
  },
});
