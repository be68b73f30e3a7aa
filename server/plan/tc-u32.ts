// A u32 filter's match, from the words the model holds ("IPv4 dst 10.0.0.0/24, TCP dst port
// 80") back to tc's selectors (`match ip dst 10.0.0.0/24 match ip protocol 6 0xff match ip dport
// 80 0xffff`). Pure.
//
// The parser keeps words, not u32's raw keys (parse/tc-filter.ts), so this works backwards, and
// proves each result: it packs the selectors into keys the way tc does (f_u32.c pack_key), runs
// them through the parser's own decoder and keeps the selectors only when that gives the very
// words read. Whatever does not come back word for word is refused by the caller.
//
// One thing the words cannot tell: ports (and ICMP type and code) read at a fixed offset after
// the IP header (tc's `match ip dport`, `at 20`) and at `nexthdr+0` (tc's `match tcp dport`)
// decode to the same words. Switchboard writes the fixed offset, the form tc's `ip`/`ip6`
// selectors and the usual recipes use; a filter written with `match tcp`/`udp`/`icmp` would
// come back as `match ip` (the same words, other bytes).
import { decodeU32, ipProtocolInWords, type U32Key } from '@/server/topology/parse/tc-filter';
import { filterMatchInWords } from '@/server/topology/words';

/** tc arguments of one selector and the key (or keys) tc packs it into. */
interface Selector {
  args: string[];
  keys: U32Key[];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

const PROTOCOL_NUMBERS = new Map(Array.from({ length: 256 }, (_, n) => [ipProtocolInWords(n), n] as const));

/** The 32-bit network-order word of an IPv4 address, or null. */
function ipv4Word(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/** The four network-order words of an IPv6 address, or null. */
function ipv6Words(text: string): number[] | null {
  if (!/^[0-9a-f:]+$/i.test(text) || text.split('::').length > 2) return null;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const groups = (s: string | null | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const missing = 8 - h.length - t.length;
  if (tail === null ? missing !== 0 : missing < 1) return null;
  const all = [...h, ...Array<string>(tail === null ? 0 : missing).fill('0'), ...t];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const n = all.map((g) => Number.parseInt(g, 16));
  return [0, 1, 2, 3].map((i) => ((n[2 * i]! << 16) | n[2 * i + 1]!) >>> 0);
}

const prefixMask = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** "80" -> 80/0xffff, "1024-2047" -> 1024/0xfc00; null when not a prefix-aligned range. */
function portAndMask(text: string): { port: number; mask: number } | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return null;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  const span = high - low + 1;
  if (high > 0xffff || span < 1 || (span & (span - 1)) !== 0 || low % span !== 0) return null;
  return { port: low, mask: (0xffff & ~(span - 1)) >>> 0 };
}

/** An 8-bit value in the words ("64", "0x10", "0x40/0xf0") with its mask. */
function byteAndMask(text: string): { value: number; mask: number } | null {
  const m = /^(0x[0-9a-f]{1,2}|\d{1,3})(?:\/(0x[0-9a-f]{1,2}))?$/.exec(text);
  if (!m) return null;
  const value = Number(m[1]);
  return value > 0xff ? null : { value, mask: m[2] ? Number(m[2]) : 0xff };
}

/** tc's pack_key16/pack_key8: a value at byte `off`, shifted into its 32-bit word. */
const key16 = (value: number, mask: number, off: number): U32Key => {
  const shift = (off & 3) === 0 ? 16 : 0;
  return { value: (value << shift) >>> 0, mask: (mask << shift) >>> 0, off: off & ~3, nexthdr: false };
};
const key8 = (value: number, mask: number, off: number): U32Key => {
  const shift = 8 * (3 - (off & 3));
  return { value: (value << shift) >>> 0, mask: (mask << shift) >>> 0, off: off & ~3, nexthdr: false };
};

/** tc's pack_key: keys at the same offset merge into one, in the order they first appear. */
function packed(selectors: readonly Selector[]): U32Key[] | null {
  const keys: U32Key[] = [];
  for (const k of selectors.flatMap((s) => s.keys)) {
    const value = (k.value & k.mask) >>> 0;
    const same = keys.find((x) => x.off === k.off && x.nexthdr === k.nexthdr);
    if (!same) {
      keys.push({ ...k, value });
      continue;
    }
    if (((value ^ same.value) & k.mask & same.mask) >>> 0) return null; // tc refuses contradicting keys
    same.value = (same.value | value) >>> 0;
    same.mask = (same.mask | k.mask) >>> 0;
  }
  return keys;
}

type Layout = 'ipv4' | 'ipv6' | null;

const ADDRESS = { ipv4: { src: 12, dst: 16 }, ipv6: { src: 8, dst: 24 } } as const;

function addressSelector(layout: 'ipv4' | 'ipv6', which: 'src' | 'dst', text: string): Selector | null {
  const [address = '', lenText] = text.split('/');
  if (layout === 'ipv4') {
    const word = ipv4Word(address);
    const len = lenText === undefined ? 32 : Number(lenText);
    if (word === null || !Number.isInteger(len) || len < 1 || len > 32) return null;
    return { args: ['match', 'ip', which, `${address}/${len}`], keys: [{ value: word, mask: prefixMask(len), off: ADDRESS.ipv4[which], nexthdr: false }] };
  }
  const words = ipv6Words(address);
  const len = lenText === undefined ? 128 : Number(lenText);
  if (words === null || !Number.isInteger(len) || len < 1 || len > 128) return null;
  // parse_ip6_addr: one key per 32-bit word the prefix reaches.
  const keys: U32Key[] = [];
  for (let i = 0; i * 32 < len; i++) keys.push({ value: words[i]!, mask: prefixMask(Math.min(32, len - i * 32)), off: ADDRESS.ipv6[which] + 4 * i, nexthdr: false });
  return { args: ['match', 'ip6', which, `${address}/${len}`], keys };
}

/** "TCP", "IP protocol 47", each with the transport words that may follow. */
const TRANSPORT = /^(?:(IP protocol \d+|[A-Z][A-Za-z0-9-]*)(?: |$))?(?:type (\d+)(?: |$))?(?:code (\d+)(?: |$))?(?:src port (\S+)(?: |$))?(?:dst port (\S+))?$/;

function transportSelectors(layout: 'ipv4' | 'ipv6', part: string): Selector[] | null {
  const m = TRANSPORT.exec(part);
  if (!m || !part) return null;
  const [, protocolWord, type, code, srcPort, dstPort] = m;
  const sel = layout === 'ipv4' ? 'ip' : 'ip6';
  // The offsets tc's own `ip`/`ip6` selectors use (f_u32.c parse_ip, parse_ip6).
  const at = layout === 'ipv4' ? { protocol: 9, transport: 20 } : { protocol: 6, transport: 40 };
  const out: Selector[] = [];
  if (protocolWord !== undefined) {
    const n = PROTOCOL_NUMBERS.get(protocolWord) ?? (/^IP protocol (\d+)$/.exec(protocolWord) ? Number(protocolWord.slice(12)) : undefined);
    if (n === undefined || n > 255) return null;
    out.push({ args: ['match', sel, 'protocol', String(n), '0xff'], keys: [key8(n, 0xff, at.protocol)] });
  }
  if (type !== undefined) out.push({ args: ['match', sel, 'icmp_type', type, '0xff'], keys: [key8(Number(type), 0xff, at.transport)] });
  // tc's ip6 icmp_code selector sets a nexthdr offset mask by mistake (f_u32.c); a plain byte match is what it means.
  if (code !== undefined) out.push({ args: layout === 'ipv4' ? ['match', 'ip', 'icmp_code', code, '0xff'] : ['match', 'u8', code, '0xff', 'at', String(at.transport + 1)], keys: [key8(Number(code), 0xff, at.transport + 1)] });
  for (const [which, text, off] of [['sport', srcPort, at.transport], ['dport', dstPort, at.transport + 2]] as const) {
    if (text === undefined) continue;
    const p = portAndMask(text);
    if (!p) return null;
    out.push({ args: ['match', sel, which, String(p.port), hex(p.mask)], keys: [key16(p.port, p.mask, off)] });
  }
  return out;
}

/** One further condition in words: TOS, TTL, hop limit, a raw key, a firewall mark. */
function otherSelector(layout: Layout, part: string): Selector | { mark: string[] } | null {
  const raw = /^match ([0-9a-f]{8})\/([0-9a-f]{8}) at (nexthdr\+)?(-?\d+)$/.exec(part);
  if (raw) {
    const [value, mask, off] = [Number.parseInt(raw[1]!, 16), Number.parseInt(raw[2]!, 16), Number(raw[4])];
    return { args: ['match', 'u32', hex8(value), hex8(mask), 'at', `${raw[3] ? 'nexthdr+' : ''}${off}`], keys: [{ value, mask, off, nexthdr: raw[3] !== undefined }] };
  }
  const mark = /^mark (0x[0-9a-f]+)\/(0x[0-9a-f]+)$/.exec(part);
  if (mark) return { mark: ['match', 'mark', mark[1]!, mark[2]!] };
  const byte = /^(TOS|TTL|hop limit) (\S+)$/.exec(part);
  const b = byte && byteAndMask(byte[2]!);
  if (!byte || !b) return null;
  if (byte[1] === 'TOS' && layout === 'ipv4') return { args: ['match', 'ip', 'tos', hex(b.value), hex(b.mask)], keys: [key8(b.value, b.mask, 1)] };
  if (byte[1] === 'TTL' && layout === 'ipv4') return { args: ['match', 'u8', hex(b.value), hex(b.mask), 'at', '8'], keys: [key8(b.value, b.mask, 8)] };
  if (byte[1] === 'hop limit' && layout === 'ipv6') return { args: ['match', 'u8', hex(b.value), hex(b.mask), 'at', '7'], keys: [key8(b.value, b.mask, 7)] };
  return null;
}

/** What the parser names the family of a filter's protocol (parse/tc-filter.ts familyOf). */
function familyWord(protocol: string): string | null {
  const p = protocol.toLowerCase();
  return p === 'ip' ? 'IPv4' : p === 'ipv6' ? 'IPv6' : p === 'all' ? null : p === 'arp' ? 'ARP' : protocol;
}

/**
 * tc's `match ...` arguments that give back a u32 filter's match exactly as the model words it,
 * or null when Switchboard cannot write it so.
 */
export function u32MatchArgs(protocol: string, match: string): string[] | null {
  const layout: Layout = protocol === 'ip' || protocol === 'all' ? 'ipv4' : protocol === 'ipv6' ? 'ipv6' : null;
  const family = familyWord(protocol);
  const parts = /^all (?:\S+ )?traffic$/.test(match) ? [] : match.split(', ');
  const selectors: Selector[] = [];
  const marks: string[][] = [];
  let i = 0;
  // The head: the family, with the addresses ("IPv4 src 10.0.0.5 dst 10.1.0.0/16") when there are.
  const head = parts[0] !== undefined ? /^(\S+)((?: (?:src|dst) \S+)*)$/.exec(parts[0]) : null;
  if (head && (head[1] === (family ?? 'IPv4') || (head[1] === family && !head[2]))) {
    for (const [, which, text] of head[2]!.matchAll(/ (src|dst) (\S+)/g)) {
      const s = layout ? addressSelector(layout, which as 'src' | 'dst', text!) : null;
      if (!s) return null;
      selectors.push(s);
    }
    i = 1;
  }
  if (layout && parts[i] !== undefined) {
    const transport = transportSelectors(layout, parts[i]!);
    if (transport) {
      selectors.push(...transport);
      i++;
    }
  }
  for (const part of parts.slice(i)) {
    const s = otherSelector(layout, part);
    if (!s) return null;
    if ('mark' in s) marks.push(s.mark);
    else selectors.push(s);
  }
  // The proof: tc's keys for these selectors, decoded by the parser, say the same words.
  const keys = packed(selectors);
  if (!keys) return null;
  const decoded = decodeU32(keys, protocol);
  decoded.other.push(...marks.map((m) => `mark ${m[2]}/${m[3]}`));
  if (filterMatchInWords(decoded) !== match) return null;
  const args = [...selectors.flatMap((s) => s.args), ...marks.flat()];
  // u32 with no key at all still needs one: tc's own way of matching everything.
  return args.length ? args : ['match', 'u32', '0', '0'];
}
