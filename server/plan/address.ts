// Which interface addresses Switchboard accepts, and why not, in words. Pure. The kernel takes
// many addresses that break a host (a multicast or broadcast address, 0.0.0.0, a subnet's own
// network address); each refusal names what is wrong with this address.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The four octets, or a sentence saying which one is wrong. */
function ipv4Octets(text: string): number[] | string {
  const m = IPV4.exec(text);
  if (!m) return `${text} is not an IPv4 address (four numbers 0-255 separated by dots, like 192.0.2.10).`;
  const octets = m.slice(1).map(Number);
  const bad = m.slice(1).find((o) => Number(o) > 255);
  if (bad !== undefined) return `${text} is not an IPv4 address: ${bad} is more than 255, the largest value of an octet.`;
  const padded = m.slice(1).find((o) => o.length > 1 && o.startsWith('0'));
  if (padded !== undefined) return `${text} has an octet written with a leading zero (${padded}), which some tools read as octal; write ${Number(padded)}.`;
  return octets;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or null. */
export function ipv6Groups(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || (text.match(/::/g) ?? []).length > 1) return null;
  let head = text;
  const tail: number[] = [];
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const octets = ipv4Octets(v4[1]!);
    if (typeof octets === 'string') return null;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    head = text.slice(0, text.length - v4[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  const l = parse(left);
  const r = parse(right);
  if ([...l, ...r].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const missing = 8 - tail.length - l.length - r.length;
  if (right === undefined ? missing !== 0 : missing < 1) return null;
  return [...l.map((g) => parseInt(g, 16)), ...Array<number>(right === undefined ? 0 : missing).fill(0), ...r.map((g) => parseInt(g, 16)), ...tail];
}

export interface ParsedCidr {
  family: 'inet' | 'inet6';
  address: string;
  prefixLength: number;
}

/** Syntax only: an address with its prefix, or the sentence that says what is wrong. */
export function parseCidr(text: string): ParsedCidr | string {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefix = slash < 0 ? null : text.slice(slash + 1);
  const isV6 = address.includes(':');
  if (isV6 ? ipv6Groups(address) === null : typeof ipv4Octets(address) === 'string') {
    return isV6 ? `${address} is not an IPv6 address (like 2001:db8::10).` : (ipv4Octets(address) as string);
  }
  const max = isV6 ? 128 : 32;
  if (prefix === null || prefix === '') return `${address} needs a prefix length, like ${isV6 ? `${address}/64` : `${address}/24`}.`;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `/${prefix} is not a prefix length; for ${isV6 ? 'IPv6' : 'IPv4'} it is 0-${max}.`;
  return { family: isV6 ? 'inet6' : 'inet', address, prefixLength: Number(prefix) };
}

/** Why an address must not be assigned to an interface (null: it may). Loopback is checked where the interface is known. */
export function assignableProblem(text: string): string | null {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') return parsed;
  const { address, prefixLength } = parsed;
  if (prefixLength === 0) return `/0 would make every address on the Internet local to this interface; use the subnet's real prefix.`;
  if (parsed.family === 'inet') {
    const o = ipv4Octets(address) as number[];
    const value = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
    if (o[0] === 0) return `${address} is in 0.0.0.0/8, which means "this network" and cannot be assigned.`;
    if (address === '255.255.255.255') return '255.255.255.255 is the limited broadcast address and cannot be assigned.';
    if (o[0]! >= 224 && o[0]! <= 239) return `${address} is a multicast address (224.0.0.0/4); an interface needs a unicast one.`;
    if (o[0]! >= 240) return `${address} is in the reserved range 240.0.0.0/4 and cannot be assigned.`;
    if (prefixLength < 31) {
      const hostBits = 32 - prefixLength;
      const hostPart = value % 2 ** hostBits;
      const network = value - hostPart;
      const dotted = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
      const range = `pick one from ${dotted(network + 1)} to ${dotted(network + 2 ** hostBits - 2)}`;
      if (hostPart === 0) return `${address} is the network address of ${dotted(network)}/${prefixLength}, not a host address; ${range}.`;
      if (hostPart === 2 ** hostBits - 1) return `${address} is the broadcast address of ${dotted(network)}/${prefixLength}, not a host address; ${range}.`;
    }
    return null;
  }
  const g = ipv6Groups(address)!;
  if (g.every((x) => x === 0)) return ':: is the unspecified address and cannot be assigned.';
  if (g[0]! >> 8 === 0xff) return `${address} is a multicast address (ff00::/8); an interface needs a unicast one.`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${address} is an IPv4-mapped address (::ffff:0:0/96); assign the IPv4 address itself instead.`;
  return null;
}

/** Whether an address is a loopback address (127.0.0.0/8, ::1), which only lo may have. */
export function isLoopback(text: string): boolean {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') return false;
  if (parsed.family === 'inet') return parsed.address.startsWith('127.');
  const g = ipv6Groups(parsed.address)!;
  return g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
}

/** The same IP address however it is spelled (case, IPv6 zero compression, a /prefix). */
export function sameAddress(a: string, b: string): boolean {
  const bare = (x: string) => x.split('/')[0]!.toLowerCase();
  const [x, y] = [bare(a), bare(b)];
  if (x === y) return true;
  if (!x.includes(':') || !y.includes(':')) return false;
  const gx = ipv6Groups(x);
  const gy = ipv6Groups(y);
  return gx !== null && gy !== null && gx.every((g, i) => g === gy[i]);
}

const isIpv6Text = (address: string) => address.includes(':');

/** An address without a prefix length is a host address (/32, /128), as the boot files read it. */
export const withHostPrefix = (cidr: string): string => (cidr.includes('/') ? cidr : `${cidr}/${isIpv6Text(cidr) ? 128 : 32}`);

/** An address as the kernel prints it (RFC 5952 for IPv6), with its prefix: boot files may spell it otherwise. */
export function canonicalCidr(text: string): string {
  const [address, prefix] = withHostPrefix(text.trim()).split('/') as [string, string];
  const groups = isIpv6Text(address) ? ipv6Groups(address) : null;
  if (!groups) return `${address}/${prefix}`;
  // The longest run of two or more zero groups (the first, on a tie) becomes "::".
  let best = { at: -1, length: 1 };
  for (let k = 0; k < 8; k++) {
    let n = 0;
    while (k + n < 8 && groups[k + n] === 0) n++;
    if (n > best.length) best = { at: k, length: n };
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  return `${best.at < 0 ? hex(groups) : `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`}/${prefix}`;
}

/** The same address and prefix, however each is spelled. */
export const sameCidr = (a: string, b: string): boolean => canonicalCidr(a) === canonicalCidr(b);
