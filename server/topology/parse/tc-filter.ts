// The probe's `filter` section: `tc -j filter show dev D parent H` for each qdisc that
// classifies, each block introduced by the probe's own header line:
//
//   @@filters DEV PARENT@@                tc's JSON for that parent
//   @@filters-text DEV PARENT@@           tc's text for it, only where the JSON has a police
//                                         action (tc's JSON leaves out its rate and burst)
//   @@filters-failed DEV PARENT CODE@@    the command failed (the device went away meanwhile)
//
// One block that cannot be read is named and the rest kept, as with libvirt's documents.
import { z } from 'zod';
import type { TcFilter } from '../model';
import { bitRateInWords, filterMatchInWords, noMatch, parseTcRate, tcSizeInWords, type FilterMatch } from '../words';
import { ProbeParseError } from './errors';
import { parseJsonSection } from './json';

export interface ParsedFilters {
  filters: TcFilter[];
  /** Blocks whose output could not be understood, each in words. */
  unreadable: string[];
  /** Blocks whose command failed, each in words. */
  failed: string[];
}

const HEADER = /^@@filters(-text|-failed)? (\S+) ([0-9a-f]+:[0-9a-f]*)(?: (\d+))?@@$/;

const ZFilterRow = z.looseObject({
  protocol: z.string().default('all'),
  pref: z.number().default(0),
  kind: z.string(),
  options: z.record(z.string(), z.unknown()).optional(),
});
type FilterRow = z.infer<typeof ZFilterRow>;

/**
 * tc's JSON for filters, repaired where tc prints something that is not JSON:
 * - u32 prints each key as `"match":{...}` in the same object (iproute2 5.18 to at least 6.19),
 *   and JSON.parse keeps only the last; the run of them becomes one `"match":[...]`.
 * - classifiers without JSON support print their options as text inside the braces (u32 before
 *   5.18, fw before 6.8, basic in 6.0: `"options":{handle 0x1 flowid ffff:3 "actions":[...]}`);
 *   that text becomes the option `text`, as with qdiscs (repairLegacyQdiscJson).
 */
export function repairFilterJson(body: string): string {
  const key = /"match":\{"value":"[0-9a-f]*","mask":"[0-9a-f]*","offmask":"[^"]*","off":-?\d+\}/.source;
  return body
    .replace(new RegExp(`${key}(?:,${key})*`, 'g'), (run) => `"match":[${run.replace(/"match":\{/g, '{')}]`)
    .replace(/"options":\{(?!\s*["}])([^{}"]*)(?=["}])/g, (found, text: string, offset: number, whole: string) => {
      const next = whole[offset + found.length];
      return `"options":{"text":${JSON.stringify(text.replace(/\s+/g, ' ').trim())}${next === '"' ? ',' : ''}`;
    });
}

/** A u32 key: 32 bits at an offset from the network header, or from the transport header (nexthdr). */
export interface U32Key {
  value: number;
  mask: number;
  off: number;
  nexthdr: boolean;
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
/** tc's own text form of a key, for what is not decoded. */
export const rawU32Key = (k: U32Key) => `match ${hex8(k.value)}/${hex8(k.mask)} at ${k.nexthdr ? 'nexthdr+' : ''}${k.off}`;

const IP_PROTOCOLS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 4: 'IP-in-IP', 6: 'TCP', 17: 'UDP', 41: 'IPv6-in-IPv4', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMPv6', 89: 'OSPF', 112: 'VRRP', 132: 'SCTP' };
export const ipProtocolInWords = (n: number) => IP_PROTOCOLS[n] ?? `IP protocol ${n}`;

/** Length of a prefix mask of `bits` bits, or null when the mask is not a prefix (1s then 0s). */
function prefixLength(mask: number, bits: number): number | null {
  let len = 0;
  while (len < bits && (mask >>> (bits - 1 - len)) & 1) len++;
  const rest = bits - len;
  return rest === 0 || (mask & ((2 ** rest - 1) >>> 0)) === 0 ? len : null;
}

/** "80", or the range a prefix mask covers ("1024-2047" for 0x0400/0xfc00); null when not a prefix. */
function portInWords(value: number, mask: number): string | null {
  const len = prefixLength(mask, 16);
  if (len === null) return null;
  const low = value & mask;
  return len === 16 ? String(low) : `${low}-${low + (~mask & 0xffff)}`;
}

function ipv4(value: number): string {
  return [24, 16, 8, 0].map((s) => (value >>> s) & 0xff).join('.');
}

/** RFC 5952 text of 16 bytes: the longest run of zero groups (two or more) becomes "::". */
function ipv6(bytes: number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const text = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return text(groups);
  return `${text(groups.slice(0, best.at))}::${text(groups.slice(best.at + best.len))}`;
}

/** One field of a header word that u32 keys are decoded into. */
interface Field {
  mask: number;
  decode: (value: number, mask: number, m: FilterMatch) => boolean;
}

const byteAt = (shift: number) => (v: number) => (v >>> shift) & 0xff;

/** Sets `m[key]` once; a second key for the same field is left to the raw form. */
function setOnce(m: FilterMatch, key: 'src' | 'dst' | 'protocol' | 'srcPort' | 'dstPort', value: string | null): boolean {
  if (value === null || m[key] !== null) return false;
  m[key] = value;
  return true;
}

const portField = (key: 'srcPort' | 'dstPort', shift: number): Field => ({
  mask: (0xffff << shift) >>> 0,
  decode: (v, mask, m) => setOnce(m, key, portInWords((v >>> shift) & 0xffff, (mask >>> shift) & 0xffff)),
});

/** The first word of a TCP/UDP/SCTP header (ports), or of an ICMP one (type and code). */
function transportFields(protocol: string | null): Field[] {
  if (protocol === 'ICMP' || protocol === 'ICMPv6') {
    const exactByte = (word: string, shift: number): Field => ({
      mask: (0xff << shift) >>> 0,
      decode: (v, mask, m) => (((mask >>> shift) & 0xff) === 0xff ? (m.transport.push(`${word} ${byteAt(shift)(v)}`), true) : false),
    });
    return [exactByte('type', 24), exactByte('code', 16)];
  }
  return [portField('srcPort', 16), portField('dstPort', 0)];
}

/** An exact byte in words ("TTL 64"), or with its mask ("TOS 0x10/0xfc"). */
const byteField = (shift: number, say: (value: number, mask: number) => string): Field => ({
  mask: (0xff << shift) >>> 0,
  decode: (v, mask, m) => (m.other.push(say(byteAt(shift)(v), byteAt(shift)(mask))), true),
});
const hexByte = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const masked = (word: string, v: number, mask: number) => (mask === 0xff ? `${word} ${hexByte(v)}` : `${word} ${hexByte(v)}/${hexByte(mask)}`);

/** An IPv4 address word: a prefix mask becomes a CIDR ("10.0.0.0/24"; a whole address stays bare). */
const ipv4Field = (key: 'src' | 'dst'): Field => ({
  mask: 0xffffffff,
  decode: (v, mask, m) => {
    const len = prefixLength(mask, 32);
    return len !== null && setOnce(m, key, `${ipv4((v & mask) >>> 0)}${len === 32 ? '' : `/${len}`}`);
  },
});

/** Offsets in an IPv4 header (as tc's own `match ip ...` selectors write them). */
function ipv4Fields(off: number, protocol: string | null): Field[] {
  switch (off) {
    case 0:
      return [byteField(16, (v, mask) => masked('TOS', v, mask))];
    case 8:
      return [
        byteField(24, (v, mask) => (mask === 0xff ? `TTL ${v}` : masked('TTL', v, mask))),
        { mask: 0x00ff0000, decode: (v, mask, m) => ((mask >>> 16) & 0xff) === 0xff && setOnce(m, 'protocol', ipProtocolInWords(byteAt(16)(v))) },
      ];
    case 12:
      return [ipv4Field('src')];
    case 16:
      return [ipv4Field('dst')];
    case 20:
      // tc's `match ip sport/dport` look right after a header without options.
      return transportFields(protocol);
    default:
      return [];
  }
}

/** Offsets in an IPv6 header; the addresses are collected word by word and said after. */
function ipv6Fields(off: number, protocol: string | null): Field[] {
  switch (off) {
    case 4:
      return [
        { mask: 0x0000ff00, decode: (v, mask, m) => ((mask >>> 8) & 0xff) === 0xff && setOnce(m, 'protocol', ipProtocolInWords(byteAt(8)(v))) },
        byteField(0, (v, mask) => (mask === 0xff ? `hop limit ${v}` : masked('hop limit', v, mask))),
      ];
    case 40:
      return transportFields(protocol);
    default:
      return [];
  }
}

/** Decodes one key into `m` through `fields`; false (and `m` untouched) when a bit of it is not understood. */
function decodeKey(k: U32Key, fields: Field[], m: FilterMatch): boolean {
  const covered = fields.reduce((acc, f) => (acc | f.mask) >>> 0, 0);
  if ((k.mask & ~covered) >>> 0 !== 0) return false;
  const trial: FilterMatch = { ...m, transport: [...m.transport], other: [...m.other] };
  for (const f of fields) {
    const part = (k.mask & f.mask) >>> 0;
    if (part !== 0 && !f.decode(k.value & part, part, trial)) return false;
  }
  Object.assign(m, trial);
  return true;
}

/** The words of an IPv6 address collected from up to four keys, if they form one prefix. */
function ipv6Address(words: Map<number, U32Key>): string | null {
  const bytes: number[] = [];
  const maskBits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const k = words.get(i);
    const value = k ? (k.value & k.mask) >>> 0 : 0;
    const mask = k ? k.mask : 0;
    bytes.push(...[24, 16, 8, 0].map((s) => (value >>> s) & 0xff));
    maskBits.push(mask);
  }
  // One prefix: full words, at most one partial word (a prefix itself), then nothing.
  let len = 0;
  let ended = false;
  for (const mask of maskBits) {
    if (ended) {
      if (mask !== 0) return null;
      continue;
    }
    const wordLen = prefixLength(mask, 32);
    if (wordLen === null) return null;
    len += wordLen;
    if (wordLen < 32) ended = true;
  }
  return len === 128 ? ipv6(bytes) : `${ipv6(bytes)}/${len}`;
}

/** The family a filter's protocol names, in words (null for "all"). */
function familyOf(protocol: string): string | null {
  const p = protocol.toLowerCase();
  if (p === 'ip') return 'IPv4';
  if (p === 'ipv6') return 'IPv6';
  if (p === 'all') return null;
  if (p === 'arp') return 'ARP';
  return protocol;
}

/**
 * u32's keys (32-bit value/mask pairs at byte offsets) in words: IPv4 and IPv6 addresses,
 * protocol, ports (at the header's end, or after the IP header with `nexthdr+`), TOS, TTL, ICMP
 * type. u32's ip selectors assume IPv4, so a filter for "all" protocols is read the same way.
 * Anything else stays as tc prints it: "match 12345678/ffffffff at 12".
 */
export function decodeU32(keys: readonly U32Key[], protocol: string): FilterMatch {
  const family = familyOf(protocol);
  const m = noMatch(family);
  const layout = protocol === 'ip' || protocol === 'all' ? 'ipv4' : protocol === 'ipv6' ? 'ipv6' : null;
  const live = keys.filter((k) => k.mask !== 0); // a zero mask matches every packet
  if (layout === null) {
    m.other.push(...live.map(rawU32Key));
    return m;
  }
  const fieldsAt = layout === 'ipv4' ? ipv4Fields : ipv6Fields;
  // The protocol first: whether a transport word holds ports or ICMP's type depends on it.
  const ordered = [...live].sort((a, b) => Number(b.off === (layout === 'ipv4' ? 8 : 4) && !b.nexthdr) - Number(a.off === (layout === 'ipv4' ? 8 : 4) && !a.nexthdr));
  const raw: U32Key[] = [];
  const address = { src: new Map<number, U32Key>(), dst: new Map<number, U32Key>() };
  for (const k of ordered) {
    if (layout === 'ipv6' && !k.nexthdr && k.off >= 8 && k.off < 40 && k.off % 4 === 0) {
      const which = k.off < 24 ? address.src : address.dst;
      const word = ((k.off - 8) % 16) / 4;
      if (which.has(word)) raw.push(k);
      else which.set(word, k);
      continue;
    }
    const fields = k.nexthdr ? (k.off === 0 ? transportFields(m.protocol) : []) : fieldsAt(k.off, m.protocol);
    if (!decodeKey(k, fields, m)) raw.push(k);
  }
  for (const key of ['src', 'dst'] as const) {
    if (!address[key].size) continue;
    const text = ipv6Address(address[key]);
    if (text !== null) m[key] = text;
    else raw.push(...address[key].values());
  }
  m.other.push(...raw.map(rawU32Key));
  return m;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const hexHandle = (v: unknown): string | null => (typeof v === 'number' ? `0x${v.toString(16)}` : str(v));

/** A u32 key as tc's JSON prints it: unpadded hex, `offmask` "nexthdr+" for a transport-relative offset. */
const ZU32Key = z.object({ value: z.string(), mask: z.string(), offmask: z.string().optional(), off: z.number() });

/** u32 keys as tc's text prints them (`match 0a000000/ffffff00 at 16`): its options before iproute2 5.18. */
export function u32KeysFromText(text: string): U32Key[] {
  return [...text.matchAll(/\bmatch ([0-9a-f]{1,8})\/([0-9a-f]{1,8}) at (nexthdr\+)?(-?\d+)/g)].map((m) => ({
    value: Number.parseInt(m[1]!, 16) >>> 0,
    mask: Number.parseInt(m[2]!, 16) >>> 0,
    off: Number(m[4]),
    nexthdr: m[3] !== undefined,
  }));
}

function u32KeysOf(options: Record<string, unknown>): U32Key[] {
  const text = str(options.text);
  if (text !== null) return u32KeysFromText(text);
  const keys = z.array(ZU32Key).safeParse(options.match ?? []);
  if (!keys.success) throw new ProbeParseError('filter', `a u32 filter's keys have an unexpected shape: ${JSON.stringify(options.match).slice(0, 80)}`);
  return keys.data.map((k) => ({ value: Number.parseInt(k.value || '0', 16) >>> 0, mask: Number.parseInt(k.mask || '0', 16) >>> 0, off: k.off, nexthdr: (k.offmask ?? '') !== '' }));
}

/** flower's keys (already named by tc) in words. */
export function flowerMatch(keys: Record<string, unknown>, protocol: string): FilterMatch {
  const ethType = str(keys.eth_type);
  const family = ethType === 'ipv4' ? 'IPv4' : ethType === 'ipv6' ? 'IPv6' : ethType === 'arp' ? 'ARP' : ethType ? `ethertype 0x${ethType}` : familyOf(protocol);
  const m = noMatch(family);
  const proto = str(keys.ip_proto);
  if (proto !== null) m.protocol = /^[0-9a-f]{2}$/.test(proto) ? ipProtocolInWords(Number.parseInt(proto, 16)) : proto.toUpperCase().replace('ICMPV6', 'ICMPv6');
  m.src = str(keys.src_ip);
  m.dst = str(keys.dst_ip);
  const port = (v: unknown) => {
    const range = v && typeof v === 'object' ? (v as { start?: unknown; end?: unknown }) : null;
    return range ? `${str(range.start)}-${str(range.end)}` : str(v);
  };
  m.srcPort = port(keys.src_port);
  m.dstPort = port(keys.dst_port);
  const said = new Set(['eth_type', 'ip_proto', 'src_ip', 'dst_ip', 'src_port', 'dst_port']);
  const words: Record<string, string> = { vlan_id: 'VLAN', vlan_prio: 'VLAN priority', dst_mac: 'dst MAC', src_mac: 'src MAC', ip_tos: 'TOS', ip_ttl: 'TTL', icmp_type: 'ICMP type', icmp_code: 'ICMP code' };
  for (const [k, v] of Object.entries(keys)) {
    if (said.has(k)) continue;
    const value = typeof v === 'object' ? JSON.stringify(v) : String(v);
    m.other.push(`${words[k] ?? k.replace(/_/g, ' ')} ${value}`);
  }
  return m;
}

/** A police action as tc's text prints it; `action` is "exceed/conform" ("drop", "drop/pipe"). */
export interface PoliceText {
  rate: string;
  burst: string;
  /** The largest packet it lets through ("2Kb"), where tc printed one. */
  mtu?: string;
  action: string | null;
}

/**
 * What tc reports of police actions only in its text (`police 0x1 rate 1Mbit burst 10Kb mtu 2Kb
 * action drop overhead 0b`), by action index. The text's verdict is kept too: with a conform
 * action set, tc's JSON prints "control_action" twice in one object and a parser keeps only the
 * second (the conform one).
 */
export function policeFromText(text: string): Map<number, PoliceText> {
  const out = new Map<number, PoliceText>();
  for (const m of text.matchAll(/\bpolice 0x([0-9a-f]+) rate (\S+) burst (\S+)(?: mtu (\S+))?(?:[^\n]*?\baction (\S+))?/g)) {
    out.set(Number.parseInt(m[1]!, 16), { rate: m[2]!, burst: m[3]!, ...(m[4] ? { mtu: m[4] } : {}), action: m[5] ?? null });
  }
  return out;
}

/** A gact-style verdict: "drop", "pass", "goto chain 2". */
function verdict(control: unknown): string | null {
  const c = control && typeof control === 'object' ? (control as Record<string, unknown>) : null;
  const type = str(c?.type);
  if (!type) return null;
  if (type === 'goto' && c?.chain !== undefined) return `goto chain ${str(c.chain)}`;
  if (type === 'jump' && c?.jump !== undefined) return `jump ${str(c.jump)}`;
  return type;
}

const policeRate = (rate: string) => {
  const bps = parseTcRate(rate);
  return bps === null ? rate : bitRateInWords(bps);
};

/** A police action's rate and burst as tc printed them, where it did. */
function policeTextOf(a: Record<string, unknown>, police: ReadonlyMap<number, PoliceText>): PoliceText | undefined {
  // Before iproute2 5.14 the JSON itself carried the rate and burst as text.
  const index = typeof a.index === 'number' ? a.index : null;
  const text = index !== null ? police.get(index) : undefined;
  return text ?? (typeof a.rate === 'string' && typeof a.burst === 'string' ? { rate: a.rate, burst: a.burst, action: null } : undefined);
}

/** One action of a filter in words: "police 1 Mbit/s burst 10 KiB, excess drop", "redirect to eth3", "drop". */
export function actionInWords(a: Record<string, unknown>, police: ReadonlyMap<number, PoliceText>): string {
  const kind = str(a.kind) ?? 'action';
  const control = verdict(a.control_action);
  switch (kind) {
    case 'police': {
      const known = policeTextOf(a, police);
      const limit = known ? `${policeRate(known.rate)} burst ${tcSizeInWords(known.burst)}` : '(rate not reported)';
      const excess = known?.action?.split('/')[0] ?? control;
      return `police ${limit}${excess ? `, excess ${excess}` : ''}`;
    }
    case 'mirred': {
      const how = str(a.mirred_action) ?? 'mirred';
      const dev = str(a.to_dev);
      return `${how}${dev ? ` to ${dev}` : ''}${a.direction === 'ingress' ? ' (as received)' : ''}`;
    }
    case 'gact':
      return control ?? 'gact';
    case 'skbedit': {
      const sets = [
        a.mark !== undefined && `mark ${str(a.mark)}`,
        a.priority !== undefined && `priority ${str(a.priority)}`,
        a.queue_mapping !== undefined && `queue ${str(a.queue_mapping)}`,
        a.ptype !== undefined && `packet type ${str(a.ptype)}`,
      ].filter(Boolean);
      return sets.length ? `set ${sets.join(', ')}` : 'skbedit';
    }
    case 'vlan': {
      const op = str(a.vlan_action) ?? '';
      const id = str(a.id);
      return `vlan ${op}${id ? ` ${id}` : ''}`.trim();
    }
    default:
      return kind;
  }
}

/** Options that say how tc holds a filter, not what it matches. */
const BOOKKEEPING = new Set(['handle', 'fh', 'flowid', 'classid', 'not_in_hw', 'in_hw', 'in_hw_count', 'skip_hw', 'skip_sw', 'actions', 'order', 'key_ht', 'bkt', 'text']);

/** A classifier this parser does not decode: its own scalar options or text, as tc printed them. */
function otherMatch(kind: string, options: Record<string, unknown>, protocol: string): FilterMatch {
  const m = noMatch(familyOf(protocol));
  if (kind === 'bpf' && str(options.bpf_name)) {
    m.other.push(`BPF program ${str(options.bpf_name)}`);
    return m;
  }
  const text = str(options.text)
    ?.replace(/\b(?:handle|flowid|classid) \S+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text) m.other.push(text);
  for (const [k, v] of Object.entries(options)) {
    if (!BOOKKEEPING.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) m.other.push(`${k} ${String(v)}`);
  }
  return m;
}

/** One filter of a JSON row with options; null for the rows that only say a filter list or u32 hash table exists. */
function filterOf(dev: string, parent: string, row: FilterRow, police: ReadonlyMap<number, PoliceText>): TcFilter | null {
  const o = row.options;
  if (!o) return null;
  const text = str(o.text) ?? '';
  if (o.ht_divisor !== undefined || /\bht divisor\b/.test(text)) return null;
  const fromText = (re: RegExp) => re.exec(text)?.[1] ?? null;
  let match: FilterMatch;
  let handle = hexHandle(o.handle);
  const extra: string[] = [];
  switch (row.kind) {
    case 'u32': {
      handle = str(o.fh) ?? fromText(/\bfh (\S+)/);
      match = decodeU32(u32KeysOf(o), row.protocol);
      const mark = o.fwmark_value;
      if (mark !== undefined) match.other.push(`mark ${hexHandle(mark)}/${hexHandle(o.fwmark_mask)}`);
      const link = str(o.link) ?? fromText(/\blink (\S+)/);
      if (link) extra.push(`continue in hash table ${link}`);
      break;
    }
    case 'flower':
      match = flowerMatch((o.keys as Record<string, unknown> | undefined) ?? {}, row.protocol);
      if (str(o.indev)) match.other.unshift(`arriving on ${str(o.indev)}`);
      break;
    case 'fw': {
      // iproute2 6.8+: {"fw":{"mark":"0x6","mask":"0xffffffff"}}; before, text: "handle 0x6/0xff classid 1:10".
      const fw = o.fw && typeof o.fw === 'object' ? (o.fw as Record<string, unknown>) : null;
      const mark = str(fw?.mark) ?? fromText(/\bhandle (0x[0-9a-f]+)/);
      const mask = str(fw?.mask) ?? fromText(/\bhandle 0x[0-9a-f]+\/(0x[0-9a-f]+)/);
      handle = mark;
      match = noMatch(familyOf(row.protocol));
      if (mark) match.other.push(`firewall mark ${mark}${mask && mask !== '0xffffffff' ? `/${mask}` : ''}`);
      const indev = str(o.indev) ?? fromText(/\binput dev (\S+)/);
      if (indev) match.other.push(`arriving on ${indev}`);
      break;
    }
    case 'matchall':
      match = noMatch(familyOf(row.protocol));
      break;
    default:
      match = otherMatch(row.kind, o, row.protocol);
      handle = handle ?? fromText(/\bhandle (\S+)/);
  }
  const actionRows = Array.isArray(o.actions) ? o.actions.filter((a): a is Record<string, unknown> => !!a && typeof a === 'object') : [];
  const actions = actionRows.map((a) => actionInWords(a, police));
  // A lone police action's rate and burst as tc printed them: what takes them back (ingress policing).
  const policed = actionRows.length === 1 && actionRows[0]!.kind === 'police' ? policeTextOf(actionRows[0]!, police) : undefined;
  return {
    dev,
    parent,
    protocol: row.protocol,
    pref: row.pref,
    kind: row.kind,
    handle,
    classid: str(o.flowid) ?? str(o.classid) ?? fromText(/\b(?:flowid|classid) (\S+)/),
    match: filterMatchInWords(match),
    actions: [...actions, ...extra],
    ...(policed ? { police: { rate: policed.rate, burst: policed.burst, ...(policed.mtu ? { mtu: policed.mtu } : {}) } } : {}),
  };
}

interface Block {
  kind: 'json' | 'text' | 'failed';
  dev: string;
  parent: string;
  code: number;
  lines: string[];
}

export function parseFilters(body: string): ParsedFilters {
  const blocks: Block[] = [];
  for (const [i, line] of body.split('\n').entries()) {
    const h = HEADER.exec(line);
    if (h) {
      blocks.push({ kind: h[1] === '-text' ? 'text' : h[1] === '-failed' ? 'failed' : 'json', dev: h[2]!, parent: h[3]!, code: Number(h[4] ?? 0), lines: [] });
      continue;
    }
    const current = blocks.at(-1);
    if (!current) {
      if (line.trim()) throw new ProbeParseError('filter', `line ${i + 1} comes before any device: ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    current.lines.push(line);
  }

  const out: ParsedFilters = { filters: [], unreadable: [], failed: [] };
  const where = (b: Block) => `${b.dev} (${b.parent})`;
  const policeText = new Map(blocks.filter((b) => b.kind === 'text').map((b) => [`${b.dev} ${b.parent}`, policeFromText(b.lines.join('\n'))]));
  // u32 shares its hash tables across a qdisc's filter lists, and tc lists a table under every
  // list of the same priority: a clsact's ingress and egress sides, or a qdisc and a filter on
  // one of its classes, show the same key twice. Seen twice, a key is the qdisc's, side unknown.
  const u32Seen = new Map<string, TcFilter>();
  for (const b of blocks) {
    if (b.kind === 'failed') {
      out.failed.push(`${where(b)}: tc filter show failed with exit code ${b.code}`);
      continue;
    }
    if (b.kind !== 'json') continue;
    const text = b.lines.join('\n').trim();
    if (!text) continue;
    try {
      const rows = parseJsonSection('filter', repairFilterJson(text), z.array(ZFilterRow));
      const police = policeText.get(`${b.dev} ${b.parent}`) ?? new Map();
      for (const row of rows) {
        const f = filterOf(b.dev, b.parent, row, police);
        if (!f) continue;
        if (f.kind === 'u32' && f.handle) {
          const key = `${f.dev} ${f.parent.split(':')[0]} ${f.handle}`;
          const seen = u32Seen.get(key);
          if (seen) {
            if (seen.parent !== f.parent) seen.parent = `${f.parent.split(':')[0]}:`;
            continue;
          }
          u32Seen.set(key, f);
        }
        out.filters.push(f);
      }
    } catch (err) {
      const detail = err instanceof ProbeParseError ? err.detail : (err as Error).message;
      out.unreadable.push(`the filters of ${where(b)} could not be read (${detail})`);
    }
  }
  return out;
}
