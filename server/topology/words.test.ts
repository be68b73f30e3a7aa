import { describe, expect, it } from 'vitest';
import { masqueradeRule, portForwardRule } from '@/server/testing/firewall-examples';
import type { ForwardAccept, MasqueradeRule, OvsInterface, OvsPort, Qdisc, TcFilter } from './model';
import {
  bandwidthInWords,
  bitRateInWords,
  filterInWords,
  filterMatchInWords,
  filterParentInWords,
  firewallTablesInWords,
  firewallToolsInWords,
  forwardAcceptInWords,
  fractionInWords,
  masqueradeInWords,
  microsecondsInWords,
  missingInWords,
  noMatch,
  ovsPortInWords,
  ovsTunnelBadge,
  ovsTunnelInWords,
  ovsVlanBadges,
  ovsVlanInWords,
  parseTcRate,
  parseTcSize,
  parseTcTime,
  portForwardBadge,
  portForwardInWords,
  qdiscBadge,
  qdiscInWords,
  sizeInWords,
  tcClassInWords,
  tcRateInWords,
  tcSizeInWords,
  unknownOwnRulesInWords,
  virtualportInWords,
  vlanTagsInWords,
  withArticle,
} from './words';

describe('people\'s words for model parts', () => {
  it('puts "an" before a vowel and "a" before the rest', () => {
    expect(withArticle('ethernet interface')).toBe('an ethernet interface');
    expect(withArticle('openvswitch')).toBe('an openvswitch');
    expect(withArticle('bridge')).toBe('a bridge');
  });
  it('says libvirt rates (kB/s, 1000 bytes, as tc counts them) in bit/s and bursts in KiB/MiB', () => {
    expect(bandwidthInWords({ inbound: { average: 4000, peak: 8000, burst: 1024, floor: 200 }, outbound: { average: 125, peak: null, burst: null, floor: null } })).toBe(
      'in: average 32.0 Mbit/s, peak 64.0 Mbit/s, burst 1 MiB, guaranteed 1.6 Mbit/s; out: average 1.0 Mbit/s',
    );
    expect(bandwidthInWords({ inbound: { average: null, peak: null, burst: null, floor: 200 }, outbound: null })).toBe('in: guaranteed 1.6 Mbit/s');
  });

  it('says VLAN tags as an access VLAN or a trunk with its native VLAN', () => {
    expect(vlanTagsInWords({ trunk: false, tags: [{ id: 10, nativeMode: null }] })).toBe('VLAN 10');
    expect(vlanTagsInWords({ trunk: true, tags: [{ id: 123, nativeMode: 'tagged' }, { id: 444, nativeMode: null }] })).toBe('trunk 123, 444 (native 123 tagged)');
  });

  it('says a port profile with its ids', () => {
    expect(virtualportInWords({ type: 'openvswitch', parameters: { profileid: 'bob' } })).toBe('openvswitch (profileid bob)');
    expect(virtualportInWords({ type: null, parameters: {} })).toBe('inherited type');
  });

  it('names probe sections in words', () => {
    expect(missingInWords({ section: 'bridge_vlan', reason: 'its output could not be read (x)', unreadable: true })).toBe('bridge VLANs: its output could not be read (x)');
  });
});

describe('tc in people\'s units', () => {
  it.each([
    [125, '125 bit/s'],
    [8000, '8 kbit/s'],
    [1_500_000, '1.5 Mbit/s'],
    [10_000_000, '10 Mbit/s'],
    [1_250_000, '1.25 Mbit/s'],
    [600_000_000, '600 Mbit/s'],
    [1e9, '1 Gbit/s'],
  ])('says %d bit/s as %s (1000-based, as tc\'s Mbit)', (bps, words) => {
    expect(bitRateInWords(bps)).toBe(words);
  });

  it.each([
    [900, '900 B'],
    [1024, '1 KiB'],
    [1600, '1.6 KiB'],
    [32767, '32 KiB'], // tbf's burst 32kb as the kernel keeps it
    [262137, '256 KiB'],
    [3 * 1024 * 1024, '3 MiB'],
  ])('says %d bytes as %s (1024-based, as tc\'s Kb)', (bytes, words) => {
    expect(sizeInWords(bytes)).toBe(words);
  });

  it.each([
    [500, '500 µs'],
    [4999, '5 ms'], // fq_codel's target 5ms as tc reports it
    [50000, '50 ms'],
    [1_500_000, '1.5 s'],
  ])('says %d µs as %s', (us, words) => {
    expect(microsecondsInWords(us)).toBe(words);
  });

  it('says fractions as percentages', () => {
    expect(fractionInWords(0.01)).toBe('1%');
    expect(fractionInWords(0.005)).toBe('0.5%');
    expect(fractionInWords(0.2499999998)).toBe('25%');
  });

  it('reads tc\'s printed rates, sizes and times', () => {
    expect(parseTcRate('600Mbit')).toBe(600e6);
    expect(parseTcRate('1500Kbit')).toBe(1.5e6);
    expect(parseTcRate('10Mibit')).toBe(10 * 2 ** 20);
    expect(parseTcRate('125kbps')).toBe(1e6); // tc's bps are bytes
    expect(parseTcRate('fast')).toBeNull();
    expect(parseTcSize('1600b')).toBe(1600);
    expect(parseTcSize('16Kb')).toBe(16384);
    expect(parseTcSize('4Mb')).toBe(4 * 2 ** 20);
    expect(parseTcSize('32Kb/8')).toBe(32768);
    expect(parseTcTime('10.0ms')).toBe(10000);
    expect(parseTcTime('500us')).toBe(500);
    expect(parseTcTime('1s')).toBe(1e6);
    expect(tcRateInWords('1Gbit')).toBe('1 Gbit/s');
    expect(tcSizeInWords('16Kb')).toBe('16 KiB');
    expect(tcRateInWords('odd')).toBe('odd');
  });

  const q = (kind: string, options: Record<string, unknown>, handle = '1:'): Qdisc => ({ dev: 'eth0', kind, handle, parent: null, root: true, options });

  it.each([
    // tc 6.1 JSON from this machine (fixtures/real/tc/qdisc-show.json): bytes/s, bytes, µs.
    ['tbf', q('tbf', { rate: 1250000, burst: 32767, lat: 50000 }), 'tbf: 10 Mbit/s, burst 32 KiB, latency 50 ms', 'tbf 10 Mbit/s'],
    ['htb', q('htb', { r2q: 10, default: '0x20', direct_qlen: 1000 }), 'htb: default class 1:20', 'htb'],
    ['htb without a default class', q('htb', { r2q: 10, default: '0' }), 'htb: unclassified traffic unshaped', 'htb'],
    // iproute2's netem printer (5.3+): seconds and fractions.
    [
      'netem',
      q('netem', { limit: 1000, delay: { delay: 0.01, jitter: 0.002, correlation: 0 }, 'loss-random': { loss: 0.01, correlation: 0 }, ecn: false, gap: 0 }),
      'netem: delay 10 ms ± 2 ms, loss 1%',
      'netem 10 ms ± 2 ms, loss 1%',
    ],
    [
      'netem with everything',
      q('netem', { limit: 2000, delay: { delay: 0.1, jitter: 0, correlation: 0.25 }, duplicate: { duplicate: 0.001 }, reorder: { reorder: 0.25, correlation: 0.5 }, corrupt: { corrupt: 0.0001 }, rate: { rate: 125000 } }),
      'netem: delay 100 ms (25% correlated), duplicate 0.1%, reorder 25%, corrupt 0.01%, rate 1 Mbit/s, limit 2000 packets',
      'netem 100 ms',
    ],
    ['fq_codel', q('fq_codel', { limit: 10240, flows: 1024, target: 4999, interval: 99999, ecn: true }, '0:'), 'fq_codel', 'fq_codel'],
    ['pfifo', q('pfifo', { limit: 100 }), 'pfifo: limit 100 packets', 'pfifo'],
    ['bfifo', q('bfifo', { limit: 10240 }), 'bfifo: limit 10 KiB', 'bfifo'],
    ['prio', q('prio', { bands: 3, priomap: [1, 2, 2, 2] }), 'prio: 3 bands', 'prio'],
    ['cake', q('cake', { bandwidth: 12500000, diffserv: 'diffserv3' }), 'cake: 100 Mbit/s, diffserv3', 'cake 100 Mbit/s'],
    // iproute2 before 5.5 (fixtures/real/old-iproute2/tc-qdisc-show-tbf-text-options.txt).
    ['tbf as text', q('tbf', { text: 'rate 1Mbit burst 3840b lat 10.0ms' }), 'tbf: 1 Mbit/s, burst 3.8 KiB, latency 10 ms', 'tbf 1 Mbit/s'],
    ['sfq as text', q('sfq', { text: 'limit 127p quantum 1514b depth 127 divisor 1024' }), 'sfq: limit 127p quantum 1514b depth 127 divisor 1024', 'sfq'],
  ])('says a %s qdisc in words and as a badge', (_what, qdisc, words, badge) => {
    expect(qdiscInWords(qdisc)).toBe(words);
    expect(qdiscBadge(qdisc)).toBe(badge);
  });

  it('says an HTB class with its rate, ceil, burst and a priority other than the default', () => {
    const c = { dev: 'eth2', kind: 'htb', classid: '1:10', parent: '1:1', rate: '10Mbit', ceil: '20Mbit', burst: '16Kb', cburst: '1600b', prio: 1, leaf: '10:' };
    expect(tcClassInWords(c)).toBe('rate 10 Mbit/s, ceil 20 Mbit/s, burst 16 KiB, prio 1');
    expect(tcClassInWords({ ...c, prio: 0, burst: '1600b' })).toBe('rate 10 Mbit/s, ceil 20 Mbit/s, burst 1.6 KiB');
    // A class read before the probe kept bursts and priorities.
    expect(tcClassInWords({ dev: 'eth2', kind: 'htb', classid: '1:10', parent: null, rate: '600Mbit', ceil: '1Gbit' })).toBe('rate 600 Mbit/s, ceil 1 Gbit/s');
  });

  it('says a filter\'s match, class and actions', () => {
    expect(filterMatchInWords({ ...noMatch('IPv4'), dst: '10.0.0.0/24', protocol: 'TCP', dstPort: '80' })).toBe('IPv4 dst 10.0.0.0/24, TCP dst port 80');
    expect(filterMatchInWords({ ...noMatch('IPv6'), protocol: 'UDP', dstPort: '53' })).toBe('IPv6, UDP dst port 53');
    expect(filterMatchInWords({ ...noMatch(null), other: ['firewall mark 0x6'] })).toBe('firewall mark 0x6');
    const f: TcFilter = { dev: 'eth2', parent: '1:', protocol: 'ip', pref: 1, kind: 'u32', handle: '800::800', classid: '1:10', match: 'IPv4 dst 10.0.0.0/24', actions: [] };
    expect(filterInWords(f)).toBe('u32: IPv4 dst 10.0.0.0/24 → class 1:10');
    // Ingress has no classes: its flowid (":1") means nothing.
    expect(filterInWords({ ...f, parent: 'ffff:', classid: ':1', match: 'all IPv4 traffic', actions: ['police 1 Mbit/s burst 10 KiB, excess drop'] })).toBe(
      'u32: all IPv4 traffic; police 1 Mbit/s burst 10 KiB, excess drop',
    );
    expect(filterInWords({ ...f, classid: null, actions: ['mirror to eth3', 'drop'] })).toBe('u32: IPv4 dst 10.0.0.0/24; mirror to eth3, then drop');
  });

  it('says where a filter sits', () => {
    expect(filterParentInWords('1:')).toBe('outgoing (qdisc 1:)');
    expect(filterParentInWords('ffff:')).toBe('incoming');
    expect(filterParentInWords('ffff:', 'clsact')).toBe('incoming or outgoing (clsact; tc does not tell for u32)');
    expect(filterParentInWords('ffff:fff2')).toBe('incoming (clsact)');
    expect(filterParentInWords('ffff:fff3')).toBe('outgoing (clsact)');
    expect(missingInWords({ section: 'filter', reason: 'x' })).toBe('tc filters: x');
  });
});

describe('Open vSwitch in words', () => {
  const vlans = (tag: number | null, trunks: number[], vlanMode: string | null) => ({ tag, trunks, vlanMode });
  const iface = (extra: Partial<OvsInterface>): OvsInterface => ({ name: 'x', type: 'system', remote: null, local: null, key: null, dstPort: null, peer: null, attachedMac: null, error: null, ...extra });
  const port = (extra: Partial<OvsPort>): OvsPort => ({ name: 'p', tag: null, trunks: [], vlanMode: null, bond: null, interfaces: [iface({ name: 'p' })], ...extra });

  it('says a port\'s VLANs as OVS applies them (a tag without a mode is an access port)', () => {
    expect([vlans(10, [], null), vlans(null, [10, 20], 'trunk'), vlans(null, [10, 20], null), vlans(40, [41, 42], 'native-untagged'), vlans(40, [], 'native-tagged'), vlans(5, [], 'dot1q-tunnel'), vlans(null, [], null)].map(ovsVlanInWords)).toEqual([
      'access port of VLAN 10',
      'trunk of VLANs 10, 20',
      'trunk of VLANs 10, 20',
      'trunk of VLANs 41, 42, VLAN 40 untagged (native)',
      'trunk of every VLAN, native VLAN 40 tagged',
      '802.1ad tunnel into VLAN 5',
      'every VLAN, as it arrives (no tag or trunks set)',
    ]);
    expect([vlans(10, [], null), vlans(null, [10, 20], null), vlans(40, [41, 42], 'native-untagged'), vlans(null, [], null), vlans(10, [11], 'access')].map(ovsVlanBadges)).toEqual([
      ['VLAN 10'],
      ['trunk 10,20'],
      ['native VLAN 40', 'trunk 41,42'],
      [],
      // OVS ignores trunks on an access port.
      ['VLAN 10'],
    ]);
  });

  it('says tunnels with their ends, key and port', () => {
    const vx = iface({ type: 'vxlan', remote: '198.18.0.12', local: '198.18.0.211', key: '100', dstPort: 4790 });
    expect(ovsTunnelBadge(vx)).toBe('VXLAN → 198.18.0.12 (key 100)');
    expect(ovsTunnelInWords(vx)).toBe('VXLAN from 198.18.0.211 to 198.18.0.12, key 100, UDP port 4790');
    expect(ovsTunnelInWords(iface({ type: 'geneve', remote: 'flow', key: 'flow' }))).toBe('Geneve from any local address to the address each flow sets, key set by each flow');
    expect(ovsTunnelBadge(iface({ type: 'gre', remote: '198.18.0.98' }))).toBe('GRE → 198.18.0.98');
  });

  it('says what a port is, briefly', () => {
    expect(ovsPortInWords(port({ interfaces: [iface({ type: 'vxlan', remote: '198.18.0.99' })] }))).toBe('VXLAN to 198.18.0.99');
    expect(ovsPortInWords(port({ bond: { mode: 'balance-slb', lacp: 'off' }, interfaces: [iface({ name: 'eth4' }), iface({ name: 'eth5' })], tag: 7 }))).toBe('bond of eth4, eth5 (balance-slb), VLAN 7');
    expect(ovsPortInWords(port({ interfaces: [iface({ type: 'patch', peer: 'patch-b' })] }))).toBe('patch to patch-b');
    expect(ovsPortInWords(port({ tag: 10, interfaces: [iface({ type: 'internal' })] }))).toBe('internal port, VLAN 10');
    expect(ovsPortInWords(port({}))).toBe('');
  });
});

describe('NAT and port forwards in sentences', () => {
  const masq = (extra: Partial<MasqueradeRule>) => masqueradeRule({ exceptDestination: null, ...extra });
  const fwd = portForwardRule;

  it('says a masquerade with its subnet, its way out, what it leaves alone and who wrote it', () => {
    expect(masqueradeInWords(masq({ exceptDestination: '192.168.122.0/24' }))).toBe('192.168.122.0/24 masqueraded out of eth0 (except to 192.168.122.0/24) — libvirt');
    expect(masqueradeInWords(masq({ owner: 'switchboard', changeId: 'cmc1x2', tool: 'nft', table: 'inet switchboard', chain: 'postrouting', outInterface: null }))).toBe(
      '192.168.122.0/24 masqueraded out of whichever interface its route takes — Switchboard, change cmc1x2',
    );
    expect(masqueradeInWords(masq({ owner: 'other', source: null, chain: 'POSTROUTING' }))).toBe(
      'Traffic from any source masqueraded out of eth0 — not written by Switchboard or libvirt (iptables nat, chain POSTROUTING)',
    );
    expect(masqueradeInWords(masq({ owner: 'switchboard', changeId: null }))).toBe('192.168.122.0/24 masqueraded out of eth0 — Switchboard');
  });

  it('says a port forward from the host\'s port to the target, with what it is limited to', () => {
    expect(portForwardInWords(fwd({}))).toBe('tcp port 8080 → 192.168.122.10 port 80 — Switchboard, change cmc1x2');
    expect(portForwardInWords(fwd({ protocol: 'udp', hostPort: 5353, toPort: 53, inInterface: 'eth0', source: '10.0.0.0/8', owner: 'other', changeId: null, table: 'ip nat', chain: 'PREROUTING' }))).toBe(
      'udp port 5353 → 192.168.122.10 port 53 (arriving on eth0, from 10.0.0.0/8) — not written by Switchboard or libvirt (nftables ip nat, chain PREROUTING)',
    );
    expect(portForwardInWords(fwd({ source: '198.51.100.0/24' }))).toBe('tcp port 8080 → 192.168.122.10 port 80 (from 198.51.100.0/24) — Switchboard, change cmc1x2');
    expect(portForwardBadge(fwd({}))).toBe('tcp 8080 → 80');
    expect(portForwardBadge(fwd({ protocol: 'udp', hostPort: 53, toPort: 53 }))).toBe('udp 53 → 53');
  });

  it('says the accept rule a forward into a libvirt network needs', () => {
    const accept: ForwardAccept = { tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'cmc1x2' };
    expect(forwardAcceptInWords(accept)).toBe("Switchboard lets tcp to 192.168.122.10 port 80 out to virbr0 past libvirt's reject (change cmc1x2)");
    expect(forwardAcceptInWords({ ...accept, changeId: null })).toBe("Switchboard lets tcp to 192.168.122.10 port 80 out to virbr0 past libvirt's reject");
  });

  it('names the tools read, with iptables\' backend', () => {
    expect(firewallToolsInWords({ nft: true, iptables: 'nft' })).toBe('nftables and iptables (nf_tables)');
    expect(firewallToolsInWords({ nft: true, iptables: 'legacy' })).toBe('nftables and iptables (legacy)');
    expect(firewallToolsInWords({ nft: true, iptables: null })).toBe('nftables');
    expect(firewallToolsInWords({ nft: false, iptables: 'legacy' })).toBe('iptables (legacy)');
    expect(firewallToolsInWords({ nft: false, iptables: null })).toBe('neither nftables nor iptables');
  });

  it('lists the tables read with their rule counts, and says why NAT edits are refused', () => {
    expect(
      firewallTablesInWords([
        { tool: 'nft', family: 'inet', name: 'switchboard', rules: 2 },
        { tool: 'nft', family: 'ip', name: 'libvirt_network', rules: 1 },
        { tool: 'iptables', family: 'ip', name: 'nat', rules: 5 },
      ]),
    ).toBe('nftables inet switchboard (2 rules), ip libvirt_network (1 rule); iptables nat (5 rules)');
    expect(firewallTablesInWords([])).toBe('');
    expect(unknownOwnRulesInWords(['tcp dport 22 drop'])).toBe(
      'Switchboard\'s table (inet switchboard) holds a rule it did not write: "tcp dport 22 drop"; NAT edits are refused until it is removed.',
    );
    expect(unknownOwnRulesInWords(['tcp dport 22 drop', 'counter'])).toBe(
      'Switchboard\'s table (inet switchboard) holds rules it did not write: "tcp dport 22 drop", "counter"; NAT edits are refused until they are removed.',
    );
    expect(missingInWords({ section: 'firewall', reason: 'nft: permission denied' })).toBe('NAT and port forwarding (nftables, iptables): nft: permission denied');
  });
});
