// A flower filter's match, from the words the model holds ("IPv4 dst 10.1.0.0/16, TCP dst port
// 8000-8080") back to tc's keys (`flower ip_proto tcp dst_ip 10.1.0.0/16 dst_port 8000-8080`).
// Pure. As tc-u32.ts does for u32, each result is proved: the keys tc prints for these
// arguments, put through the parser's own decoder, must say the very words read. Keys beyond
// addresses, IP protocol and ports (VLAN, MACs, TOS, ...) are refused by the caller.
import { flowerMatch } from '@/server/topology/parse/tc-filter';
import { filterMatchInWords } from '@/server/topology/words';

/** The IP protocols flower takes by name, as the parser says them. */
const PROTOCOL_WORDS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', ICMP: 'icmp', ICMPv6: 'icmpv6' };
/** flower's eth_type for the filter's protocol, as tc prints it. */
const ETH_TYPES: Record<string, string> = { ip: 'ipv4', ipv6: 'ipv6' };

/** A port ("80") or range ("8000-8080") as tc -j prints it. */
const portKey = (text: string) => {
  const [start, end] = text.split('-');
  return end === undefined ? Number(start) : { start: Number(start), end: Number(end) };
};

/** The flower arguments (after `flower`) that give back `match` on a filter of `protocol`, or null. */
export function flowerMatchArgs(protocol: string, match: string): string[] | null {
  const ethType = ETH_TYPES[protocol];
  const parts = /^all (?:\S+ )?traffic$/.test(match) ? [] : match.split(', ');
  const keys: Record<string, unknown> = ethType ? { eth_type: ethType } : {};
  const proto: string[] = [];
  const rest: string[] = [];
  let i = 0;
  const head = parts[0] !== undefined ? /^(IPv4|IPv6)((?: (?:src|dst) \S+)*)$/.exec(parts[0]) : null;
  if (head && ethType) {
    for (const [, which, address] of head[2]!.matchAll(/ (src|dst) (\S+)/g)) {
      keys[`${which}_ip`] = address;
      rest.push(`${which}_ip`, address!);
    }
    i = 1;
  }
  const transport = parts[i] !== undefined ? /^(\S+)((?: (?:src|dst) port \d+(?:-\d+)?)*)$/.exec(parts[i]!) : null;
  const named = transport ? PROTOCOL_WORDS[transport[1]!] : undefined;
  // tc takes icmp on IPv4 filters only and icmpv6 on IPv6 ones (it prints either where it reads that number).
  const name = named === (protocol === 'ipv6' ? 'icmp' : 'icmpv6') ? undefined : named;
  if (transport && name && ethType) {
    keys.ip_proto = name;
    proto.push('ip_proto', name);
    for (const [, which, port] of transport[2]!.matchAll(/ (src|dst) port (\S+)/g)) {
      keys[`${which}_port`] = portKey(port!);
      rest.push(`${which}_port`, port!);
    }
    i++;
  }
  if (i < parts.length) return null;
  // tc wants the IP protocol before the ports.
  return filterMatchInWords(flowerMatch(keys, protocol)) === match ? [...proto, ...rest] : null;
}
