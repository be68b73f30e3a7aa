// flower's match from the parser's words back to tc's keys, proved against the parser's own
// decoder: what reads back the same is written, anything else refused.
import { describe, expect, it } from 'vitest';
import { parseFilters } from '@/server/topology/parse/tc-filter';
import { flowerMatchArgs } from './tc-flower';

describe('flowerMatchArgs', () => {
  it.each<[string, string, string]>([
    ['ip', 'IPv4 src 10.0.0.5 dst 10.1.0.0/16, TCP src port 1024 dst port 80', 'ip_proto tcp src_ip 10.0.0.5 dst_ip 10.1.0.0/16 src_port 1024 dst_port 80'],
    ['ip', 'UDP dst port 5000-5999', 'ip_proto udp dst_port 5000-5999'],
    ['ip', 'ICMP', 'ip_proto icmp'],
    ['ipv6', 'IPv6, ICMPv6', 'ip_proto icmpv6'],
    ['ipv6', 'IPv6 dst 2001:db8::/48, SCTP dst port 9', 'ip_proto sctp dst_ip 2001:db8::/48 dst_port 9'],
    ['ip', 'all IPv4 traffic', ''],
    ['all', 'all traffic', ''],
  ])('%s %s → flower %s', (protocol, words, args) => {
    expect(flowerMatchArgs(protocol, words)?.join(' ')).toBe(args);
  });

  it.each<[string, string]>([
    ['ip', 'IPv4 dst 10.0.0.0/24, VLAN 10'],
    ['ip', 'GRE'],
    ['all', 'TCP dst port 80'],
    ['ip', 'IPv6 dst 2001:db8::/48'],
    ['ip', 'TCP dst port 80, TOS 0x10'],
    // tc takes icmp on IPv4 filters only, icmpv6 on IPv6 ones
    ['ipv6', 'IPv6, ICMP'],
    ['ip', 'ICMPv6'],
  ])('refuses %s %s (keys it would not write, or that read back otherwise)', (protocol, words) => {
    expect(flowerMatchArgs(protocol, words)).toBeNull();
  });

  it('gives back what the parser read from a flower row as tc 6.1 prints it', () => {
    const [f] = parseFilters(
      `@@filters eth2 1:@@\n${JSON.stringify([{ protocol: 'ip', pref: 5, kind: 'flower', chain: 0, options: { handle: 1, classid: '1:10', keys: { eth_type: 'ipv4', ip_proto: 'udp', src_ip: '192.168.1.0/24', dst_port: { start: 8000, end: 8080 } }, not_in_hw: true } }])}`,
    ).filters;
    expect(flowerMatchArgs(f!.protocol, f!.match)?.join(' ')).toBe('ip_proto udp src_ip 192.168.1.0/24 dst_port 8000-8080');
  });
});
