// Traffic control back to commands (tc.ts, tc-u32.ts, tc-arithmetic.ts): the trees the probe
// read in a scratch namespace (parse/fixtures/scratch-qos1.probe.txt, made by the commands in
// parse/fixtures/real/tc/SOURCES.md) come back as the exact `tc` argv, tc's rounding is matched
// as observed with iproute2 6.1 on a 6.18 kernel, and what cannot come back exactly is refused
// in words.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from '@/server/topology/parse/index';
import type { Qdisc, TcFilter, Topology } from '@/server/topology/model';
import { isKernelDefault, qdiscArgs, restoreCommands, rootTreeOf, tcReadProblem, undoOfRootChange, type RootTree } from './tc';
import { htbBurstText, kernelTbfTicks, tbfBurstPrinted, tbfLatencyPrinted, tbfLimitFor, tcArithmeticOf, tcRateText, tcSizeText, tcTicksFor } from './tc-arithmetic';
import { u32MatchArgs } from './tc-u32';
import { SCRATCH_HTB_TREE } from '@/server/testing/tc-examples';

const qos = (): Topology => parseProbeOutput(readFileSync(new URL('../topology/parse/fixtures/scratch-qos1.probe.txt', import.meta.url), 'utf8')).topology;
const OLD = 'whole-microseconds' as const;
const line = (argv: string[]) => argv.join(' ');

const qdisc = (kind: string, handle: string, options: Record<string, unknown>, extra: Partial<Qdisc> = {}): Qdisc => ({ dev: 'eth2', kind, handle, parent: null, root: true, options, ...extra });
const argsOf = (q: Qdisc) => {
  const r = qdiscArgs(q, OLD);
  return 'why' in r ? r.why : r.args.join(' ');
};
const filter = (match: string, extra: Partial<TcFilter> = {}): TcFilter => ({ dev: 'eth2', parent: '1:', protocol: 'ip', pref: 1, kind: 'u32', handle: '800::800', classid: '1:10', match, actions: [], ...extra });
const withRoot = (q: Qdisc, more: Partial<RootTree> = {}): RootTree => ({ qdiscs: [q], classes: [], filters: [], ...more });

describe("tc's arithmetic (as observed here: iproute2 6.1, kernel 6.18)", () => {
  it('tells the host tc from `ip -V`', () => {
    const of = (iproute2: string | null) => tcArithmeticOf({ host: { iproute2 } as Topology['host'] });
    expect(of('iproute2-6.1.0, libbpf 1.1.2')).toBe('whole-microseconds');
    expect(of('6.1.0')).toBe('whole-microseconds');
    expect(of('iproute2-ss200127')).toBe('whole-microseconds');
    expect(of(null)).toBe('whole-microseconds');
    expect(of('iproute2-6.15.0')).toBe('fractional');
    expect(of('iproute2-7.0.0')).toBe('fractional');
  });

  it("matches tbf's printed burst and latency (burst_raw read with tc -raw)", () => {
    // rate 10mbit: burst 32768 is kept as 0x64000 ticks and prints as 32767; 32767 prints as 32766.
    expect(kernelTbfTicks(1250000, 32768)).toBe(0x64000);
    expect([32768, 32767, 32766, 10000, 1600].map((b) => tbfBurstPrinted(1250000, b, OLD))).toEqual([32767, 32766, 32765, 10000, 1600]);
    expect(tbfLatencyPrinted(1250000, 32768, tbfLimitFor(1250000, 32768, 50000), OLD)).toBe(50000);
    // rate 1234567bit (154320 bytes/s), burst 5000, latency 7ms: printed burst 4999, lat 6998, limit 6080
    // (so 6999us, which gives the same limit, is what puts it back).
    expect(kernelTbfTicks(154320, 5000)).toBe(0x7b98d);
    expect(tbfBurstPrinted(154320, 5000, OLD)).toBe(4999);
    expect(tbfLimitFor(154320, 5000, 7000)).toBe(6080);
    expect(tbfLatencyPrinted(154320, 5000, 6080, OLD)).toBe(6998);
  });

  it("matches HTB's printed bursts, which drift when sent back as printed", () => {
    expect(tcTicksFor(1250000, 16384, OLD)).toBe(0x31ffc);
    expect(
      [
        [1250000, 1600],
        [1250000, 16384],
        [1250000, 1599],
        [1250000, 1597],
        [625000, 1599],
        [125000000, 1600],
        [125000000, 1375],
        [125000000, 16384],
        [15432, 5000],
        [100000, 1599],
      ].map(([rate, bytes]) => htbBurstText(rate!, bytes!, OLD)),
    ).toEqual(['1600b', '16Kb', '1597b', '1595b', '1598b', '1375b', '1250b', '16250b', '4999b', '1598b']);
  });

  it("prints rates and sizes as tc's text does", () => {
    expect([154320, 1250000, 125000000, 15432, 1000].map(tcRateText)).toEqual(['1234Kbit', '10Mbit', '1Gbit', '123456bit', '8Kbit']);
    expect([1600, 16382, 16400, 3145728, 1023].map(tcSizeText)).toEqual(['1600b', '16Kb', '16400b', '3Mb', '1023b']);
  });
});

describe('restoreCommands: a tree back as the exact tc commands', () => {
  it("re-creates the scratch host's HTB tree: root, classes parent first, leaf qdiscs, then every u32 filter", () => {
    const t = qos();
    const r = restoreCommands('eth2', rootTreeOf(t, 'eth2'), tcArithmeticOf(t));
    expect('argvs' in r && r.argvs.map(line)).toEqual(SCRATCH_HTB_TREE);
  });

  it("re-creates a tbf root with the burst that prints as read (tbf's own class comes with it)", () => {
    const t = qos();
    const u = undoOfRootChange(t, 'vnet0');
    expect('argvs' in u && u.argvs.map(line)).toEqual(['tc qdisc add dev vnet0 root handle 1: tbf rate 100Mbit burst 262138 latency 50ms']);
  });

  it('places a qdisc under tbf or netem (their one class) and under a qdisc nested in an HTB class', () => {
    const tree: RootTree = {
      qdiscs: [
        qdisc('htb', '1:', { r2q: 10, default: '0x10', direct_qlen: 1000 }),
        qdisc('netem', '10:', { limit: 1000, delay: { delay: 0.02, jitter: 0, correlation: 0 }, ecn: false, gap: 0 }, { root: false, parent: '1:10' }),
        qdisc('pfifo', '30:', { limit: 50 }, { root: false, parent: '10:1' }),
      ],
      classes: [{ dev: 'eth2', kind: 'htb', classid: '1:10', parent: null, rate: '10Mbit', ceil: '10Mbit', burst: '1600b', cburst: '1600b', prio: 0, leaf: '10:' }],
      filters: [],
    };
    const r = restoreCommands('eth2', tree, OLD);
    expect('argvs' in r && r.argvs.map(line)).toEqual([
      'tc qdisc add dev eth2 root handle 1: htb default 10 r2q 10 direct_qlen 1000',
      'tc class add dev eth2 parent 1: classid 1:10 htb rate 10Mbit ceil 10Mbit burst 1600 cburst 1600 prio 0',
      'tc qdisc add dev eth2 parent 1:10 handle 10: netem delay 20ms',
      'tc qdisc add dev eth2 parent 10:1 handle 30: pfifo limit 50',
    ]);
  });

  it('puts back fw filters by their mark (and mask) as the handle before the classifier, and flower filters by handle and keys', () => {
    const tree = withRoot(qdisc('htb', '1:', { r2q: 10, default: '0', direct_qlen: 1000 }), {
      filters: [
        filter('firewall mark 0x7', { kind: 'fw', handle: '0x7', pref: 3 }),
        filter('IPv6, firewall mark 0x10/0xff', { kind: 'fw', handle: '0x10', pref: 4, protocol: 'ipv6', classid: '1:20' }),
        filter('IPv4 dst 10.1.0.0/16, TCP dst port 8000-8080', { kind: 'flower', handle: '0x1', pref: 5 }),
        filter('IPv6 src 2001:db8::/32', { kind: 'flower', handle: '0x2', pref: 6, protocol: 'ipv6', classid: '1:20' }),
      ],
    });
    const r = restoreCommands('eth2', tree, OLD);
    expect('argvs' in r && r.argvs.slice(1).map(line)).toEqual([
      'tc filter add dev eth2 parent 1: protocol ip prio 3 handle 0x7 fw classid 1:10',
      'tc filter add dev eth2 parent 1: protocol ipv6 prio 4 handle 0x10/0xff fw classid 1:20',
      // The IP protocol before the ports, as tc wants them.
      'tc filter add dev eth2 parent 1: protocol ip prio 5 handle 0x1 flower ip_proto tcp dst_ip 10.1.0.0/16 dst_port 8000-8080 classid 1:10',
      'tc filter add dev eth2 parent 1: protocol ipv6 prio 6 handle 0x2 flower src_ip 2001:db8::/32 classid 1:20',
    ]);
  });

  it("puts back an HTB class burst that tc's text rounds, at 1 Gbit/s too", () => {
    const tree = withRoot(qdisc('htb', '1:', { r2q: 10, default: '0', direct_qlen: 1000 }), {
      classes: [{ dev: 'eth2', kind: 'htb', classid: '1:1', parent: null, rate: '1Gbit', ceil: '1Gbit', burst: '1375b', cburst: '16250b', prio: null, leaf: null }],
    });
    const r = restoreCommands('eth2', tree, OLD);
    const classLine = 'argvs' in r ? line(r.argvs[1]!) : r.why;
    expect(classLine).toBe('tc class add dev eth2 parent 1: classid 1:1 htb rate 1Gbit ceil 1Gbit burst 1500 cburst 16375');
    expect(htbBurstText(125000000, 1500, OLD)).toBe('1375b');
    expect(htbBurstText(125000000, 16375, OLD)).toBe('16250b');
  });
});

describe('qdiscArgs: each kind the model reads, back to its arguments', () => {
  it.each<[string, Qdisc, string]>([
    ['htb with a default class', qdisc('htb', '1:', { r2q: 10, default: '0x20', direct_qlen: 1000 }), 'htb default 20 r2q 10 direct_qlen 1000'],
    ['htb without one', qdisc('htb', '1:', { r2q: 5, default: '0', direct_qlen: 500 }), 'htb default 0 r2q 5 direct_qlen 500'],
    ['tbf', qdisc('tbf', '1:', { rate: 1250000, burst: 32767, lat: 50000 }), 'tbf rate 10Mbit burst 32768 latency 50ms'],
    ['tbf at a rate tc prints shortened', qdisc('tbf', '1:', { rate: 154320, burst: 4999, lat: 6998 }), 'tbf rate 1234560bit burst 5000 latency 6999us'],
    ['tbf given a limit (its latency would be negative)', qdisc('tbf', '1:', { rate: 1250000, burst: 10000, limit: 3000 }), 'tbf rate 10Mbit burst 10000 limit 3000'],
    [
      'netem with jitter, correlations, reordering and a rate',
      qdisc('netem', '1:', {
        limit: 2000,
        delay: { delay: 0.01, jitter: 0.002, correlation: 0.25 },
        'loss-random': { loss: 0.01, correlation: 0 },
        duplicate: { duplicate: 0.005, correlation: 0 },
        reorder: { reorder: 0.25, correlation: 0.5 },
        corrupt: { corrupt: 0.001, correlation: 0 },
        rate: { rate: 1250000, packetoverhead: 14, cellsize: 0, celloverhead: 0 },
        ecn: false,
        gap: 5,
      }),
      'netem limit 2000 delay 10ms 2ms 25 loss 1 duplicate 0.5 corrupt 0.1 reorder 25 50 gap 5 rate 10Mbit 14',
    ],
    ['netem as tc -j prints a plain delay', qdisc('netem', '1:', { limit: 1000, delay: { delay: 0.05, jitter: 0, correlation: 0 }, ecn: false, gap: 0 }), 'netem delay 50ms'],
    // 1234 µs kept as ticks prints as 1233 µs (whole microseconds); 1234 is what prints so.
    ['netem with a delay tc rounds', qdisc('netem', '1:', { limit: 1000, delay: { delay: 0.001233, jitter: 0, correlation: 0 }, ecn: false, gap: 0 }), 'netem delay 1234us'],
    [
      'fq_codel (its times kept in 1024 ns units)',
      qdisc('fq_codel', '1:', { limit: 10240, flows: 1024, quantum: 1514, target: 4999, interval: 99999, memory_limit: 33554432, ecn: true, drop_batch: 64 }),
      'fq_codel limit 10240 flows 1024 quantum 1514 memory_limit 33554432 drop_batch 64 target 5ms interval 100ms ecn',
    ],
    ['fq_codel without ECN', qdisc('fq_codel', '1:', { limit: 1000, flows: 1024, quantum: 1514, target: 4999, interval: 99999 }), 'fq_codel limit 1000 flows 1024 quantum 1514 target 5ms interval 100ms noecn'],
    ['pfifo', qdisc('pfifo', '1:', { limit: 100 }), 'pfifo limit 100'],
    ['bfifo', qdisc('bfifo', '1:', { limit: 30000 }), 'bfifo limit 30000'],
    ['prio', qdisc('prio', '1:', { bands: 3, priomap: [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], multiqueue: false }), 'prio bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1'],
    ['sfq', qdisc('sfq', '1:', { limit: 127, quantum: 1514, depth: 127, divisor: 1024, perturb: 10 }), 'sfq limit 127 quantum 1514 depth 127 divisor 1024 perturb 10'],
    ['ingress', qdisc('ingress', 'ffff:', {}, { root: false, parent: 'ffff:fff1' }), 'ingress'],
    [
      'cake as tc -j prints its defaults with a bandwidth (q_cake.c)',
      qdisc('cake', '1:', { bandwidth: 1250000, diffserv: 'diffserv3', flowmode: 'triple-isolate', nat: false, wash: false, ingress: false, 'ack-filter': 'disabled', split_gso: true, rtt: 100000, raw: true, overhead: 0 }),
      'cake bandwidth 10Mbit diffserv3 triple-isolate nonat nowash egress split-gso no-ack-filter rtt 100ms raw',
    ],
    [
      'cake unlimited, with framing, an mpu and a firewall mark',
      qdisc('cake', '1:', { bandwidth: 'unlimited', diffserv: 'besteffort', flowmode: 'dual-dsthost', nat: true, wash: true, ingress: true, 'ack-filter': 'aggressive', split_gso: false, rtt: 50000, raw: false, atm: 'ptm', overhead: 30, mpu: 64, fwmark: '0xff' }),
      'cake unlimited besteffort dual-dsthost nat wash ingress no-split-gso ack-filter-aggressive rtt 50ms ptm overhead 30 mpu 64 fwmark 0xff',
    ],
  ])('%s', (_, q, expected) => {
    expect(argsOf(q)).toBe(expected);
  });

  it.each<[string, Qdisc, string]>([
    ['an unknown kind', qdisc('hfsc', '1:', { default: '0x1' }), 'a hfsc qdisc (1:)'],
    ['cake with an unknown mode', qdisc('cake', '1:', { bandwidth: 'unlimited', diffserv: 'unknown' }), 'a cake qdisc (1:) whose diffserv (unknown)'],
    ['cake with a setting of a later tc', qdisc('cake', '1:', { bandwidth: 'unlimited', 'split-gso-threshold': 1 }), 'a cake qdisc (1:) with settings Switchboard does not set (split-gso-threshold)'],
    ['htb offloaded to hardware', qdisc('htb', '1:', { r2q: 10, default: '0', direct_qlen: 1000, offload: null }), 'a htb qdisc (1:) with settings Switchboard does not set (offload)'],
    ['tbf with a peak rate (tc shows its mtu)', qdisc('tbf', '1:', { rate: 1250000, burst: 10000, mtu: 2000, lat: 50000 }), 'a tbf qdisc (1:) with settings Switchboard does not set (mtu)'],
    ['netem with slots', qdisc('netem', '1:', { limit: 1000, slot: { 'min-delay': 1000 }, ecn: false, gap: 0 }), 'a netem qdisc (1:) with settings Switchboard does not set (slot)'],
    ['netem with a 4-state loss model', qdisc('netem', '1:', { limit: 1000, 'loss-state': { p13: 0.1 }, ecn: false, gap: 0 }), 'a netem qdisc (1:) with settings Switchboard does not set (loss-state)'],
    ['prio in multiqueue mode', qdisc('prio', '1:', { bands: 4, priomap: [], multiqueue: true }), 'a prio qdisc (1:) in multiqueue mode'],
    ['options an old tc printed as text', qdisc('tbf', '1:', { text: 'rate 1Mbit burst 3840b lat 10.0ms' }), "a tbf qdisc (1:) whose settings this host's tc prints only as text"],
  ])('refuses %s', (_, q, why) => {
    expect(argsOf(q)).toBe(why);
  });
});

describe('u32MatchArgs: words back to selectors, proven by the parser', () => {
  it.each<[string, string, string]>([
    ['ip', 'IPv4 dst 10.0.0.0/24', 'match ip dst 10.0.0.0/24'],
    ['ip', 'IPv4 src 10.0.0.5 dst 10.1.0.0/16, UDP dst port 53', 'match ip src 10.0.0.5/32 match ip dst 10.1.0.0/16 match ip protocol 17 0xff match ip dport 53 0xffff'],
    ['ip', 'ICMP type 8 code 0', 'match ip protocol 1 0xff match ip icmp_type 8 0xff match ip icmp_code 0 0xff'],
    ['ip', 'TCP, TTL 64', 'match ip protocol 6 0xff match u8 0x40 0xff at 8'],
    ['ip', 'TOS 0x10/0xfc', 'match ip tos 0x10 0xfc'],
    ['ip', 'GRE', 'match ip protocol 47 0xff'],
    ['ip', 'IP protocol 200', 'match ip protocol 200 0xff'],
    ['ip', 'all IPv4 traffic', 'match u32 0 0'],
    ['all', 'all traffic', 'match u32 0 0'],
    ['ip', 'IPv4 dst 10.0.0.0/8, mark 0x1/0xff', 'match ip dst 10.0.0.0/8 match mark 0x1 0xff'],
    ['ipv6', 'IPv6 dst 2001:db8::1, ICMPv6 type 128', 'match ip6 dst 2001:db8::1/128 match ip6 protocol 58 0xff match ip6 icmp_type 128 0xff'],
    ['ipv6', 'IPv6, hop limit 255', 'match u8 0xff 0xff at 7'],
    ['ipv6', 'IPv6 src 2001:db8:1::/48, ICMPv6 type 1 code 4', 'match ip6 src 2001:db8:1::/48 match ip6 protocol 58 0xff match ip6 icmp_type 1 0xff match u8 4 0xff at 41'],
    ['ip', 'match 12345678/ffffffff at nexthdr+8', 'match u32 0x12345678 0xffffffff at nexthdr+8'],
  ])('%s %j', (protocol, words, args) => {
    expect(u32MatchArgs(protocol, words)?.join(' ')).toBe(args);
  });

  it.each<[string, string]>([
    ['ip', 'IPv4 dst 10.0.0.0/24, VLAN 10'],
    ['ip', 'TCP dst port 1000-1999'], // not a range a mask can say: the parser would never print it
    ['ip', 'dst port 80, dst port 81'],
    ['ipv6', 'IPv4 dst 10.0.0.0/24'],
    ['ip', 'IPv4 dst 300.0.0.0/24'],
  ])('refuses %s %j', (protocol, words) => {
    expect(u32MatchArgs(protocol, words)).toBeNull();
  });
});

describe('what cannot be put back exactly is refused in words', () => {
  const htbRoot = qdisc('htb', '1:', { r2q: 10, default: '0', direct_qlen: 1000 });
  const why = (tree: RootTree) => {
    const r = restoreCommands('eth2', tree, OLD);
    return 'why' in r ? r.why : r.argvs;
  };

  it.each<[string, RootTree, string]>([
    ['a flower filter on a VLAN', withRoot(htbRoot, { filters: [filter('IPv4 dst 10.0.0.0/24, VLAN 10', { kind: 'flower', handle: '0x1' })] }), "eth2's current tc tree holds a flower filter whose match (IPv4 dst 10.0.0.0/24, VLAN 10) Switchboard cannot put back exactly; remove it by hand first."],
    ['a flower filter without a handle', withRoot(htbRoot, { filters: [filter('TCP dst port 80', { kind: 'flower', handle: null })] }), "eth2's current tc tree holds a flower filter without a handle Switchboard cannot put back exactly; remove it by hand first."],
    ['an fw filter for one input device', withRoot(htbRoot, { filters: [filter('firewall mark 0x7, arriving on eth0', { kind: 'fw', handle: '0x7' })] }), "eth2's current tc tree holds an fw filter whose match (firewall mark 0x7, arriving on eth0) Switchboard cannot put back exactly; remove it by hand first."],
    ['a matchall filter', withRoot(htbRoot, { filters: [filter('all traffic', { kind: 'matchall', handle: '0x1' })] }), "eth2's current tc tree holds a matchall filter Switchboard cannot put back exactly; remove it by hand first."],
    ['an fw filter with an action', withRoot(htbRoot, { filters: [filter('firewall mark 0x7', { kind: 'fw', handle: '0x7', actions: ['drop'] })] }), "eth2's current tc tree holds an fw filter with actions (drop) Switchboard cannot put back exactly; remove it by hand first."],
    [
      'a u32 filter with an action',
      withRoot(htbRoot, { filters: [filter('all traffic', { actions: ['police 1 Mbit/s burst 10 KiB, excess drop'] })] }),
      "eth2's current tc tree holds a u32 filter with actions (police 1 Mbit/s burst 10 KiB, excess drop) Switchboard cannot put back exactly; remove it by hand first.",
    ],
    ['a u32 filter in a hash table people made', withRoot(htbRoot, { filters: [filter('TCP', { handle: '2:a:800' })] }), "eth2's current tc tree holds a u32 filter in a hash table of its own (2:a:800) Switchboard cannot put back exactly; remove it by hand first."],
    ['a u32 match the parser did not decode into known words', withRoot(htbRoot, { filters: [filter('IPv4 dst 10.0.0.0/24, VLAN 10')] }), "eth2's current tc tree holds a u32 filter whose match (IPv4 dst 10.0.0.0/24, VLAN 10) Switchboard cannot put back exactly; remove it by hand first."],
    ['an unknown root', withRoot(qdisc('hfsc', '1:', {})), "eth2's current tc tree holds a hfsc qdisc (1:) Switchboard cannot put back exactly; remove it by hand first."],
    ['a qdisc whose parent was not read', withRoot(htbRoot, { qdiscs: [htbRoot, qdisc('pfifo', '20:', { limit: 10 }, { root: false, parent: '1:20' })] }), "eth2's current tc tree holds a pfifo qdisc (20:) under 1:20, a parent the read does not have, which Switchboard cannot put back exactly; remove it by hand first."],
    ['a value no command line may carry', withRoot(htbRoot, { filters: [filter('all traffic', { protocol: 'all', classid: '1:10;x' })] }), `eth2's current tc tree holds a value Switchboard will not send to the host ("1:10;x"), which Switchboard cannot put back exactly; remove it by hand first.`],
  ])('%s', (_, tree, sentence) => {
    expect(why(tree)).toBe(sentence);
  });

  it("refuses a qdisc someone put under the kernel's default mq root", () => {
    const t = qos();
    t.qdiscs = [qdisc('mq', '0:', {}), qdisc('fq_codel', '0:', {}, { root: false, parent: ':1' }), qdisc('netem', '10:', { limit: 1000 }, { root: false, parent: ':2' })];
    t.classes = [{ dev: 'eth2', kind: 'mq', classid: ':1', parent: null, rate: null, ceil: null }];
    t.filters = [];
    expect(undoOfRootChange(t, 'eth2')).toEqual({ why: "eth2's current tc tree holds a netem qdisc (10:) under the kernel's default root, which Switchboard cannot put back exactly; remove it by hand first." });
  });

  it('refuses while the read lacks a tc section, or a read from before filters were read holds a qdisc that classifies', () => {
    const t = qos();
    expect(tcReadProblem(t, 'eth2')).toBeNull();
    expect(tcReadProblem({ ...t, missing: [{ section: 'class', reason: 'tc: command not found' }] }, 'eth2')).toBe(
      "This host's tc classes could not be read (tc: command not found), so the tc tree of eth2 cannot be put back exactly; refresh the host.",
    );
    const older: Topology = { ...t };
    delete older.filters;
    expect(tcReadProblem(older, 'eth2')).toBe('This read of the host has no tc filters, so the tc tree of eth2 cannot be put back exactly; refresh the host.');
    expect(tcReadProblem(older, 'vnet0')).toBeNull();
    const noBursts: Topology = { ...t, classes: t.classes.map((c) => ({ dev: c.dev, kind: c.kind, classid: c.classid, parent: c.parent, rate: c.rate, ceil: c.ceil })) };
    expect(tcReadProblem(noBursts, 'eth2')).toBe("This read of the host has no burst for eth2's HTB classes, so its tc tree cannot be put back exactly; refresh the host.");
  });
});

describe("the kernel's default root", () => {
  it.each<[string, Qdisc[], boolean]>([
    ['nothing read (a down device)', [], true],
    ['noqueue 0:', [qdisc('noqueue', '0:', {})], true],
    ['pfifo_fast 0:', [qdisc('pfifo_fast', '0:', { bands: 3 })], true],
    ['fq_codel with a handle the kernel picked', [qdisc('fq_codel', '8001:', {})], true],
    ['fq as net.core.default_qdisc sets it', [qdisc('fq', '0:', { limit: 10000 })], true],
    ['cake as net.core.default_qdisc sets it (handle 0: is always the kernel)', [qdisc('cake', '0:', {})], true],
    ['mq with its per-queue children', [qdisc('mq', '0:', {}), qdisc('fq_codel', '0:', {}, { root: false, parent: ':1' })], true],
    ['fq_codel someone set as 1:', [qdisc('fq_codel', '1:', {})], false],
    ['tbf with a handle the kernel picked', [qdisc('tbf', '8031:', { rate: 1, burst: 1, lat: 1 })], false],
  ])('%s', (_, qdiscs, expected) => {
    expect(isKernelDefault({ qdiscs, classes: [], filters: [] })).toBe(expected);
  });

  it('an ingress or clsact qdisc and its filters are no part of the root tree', () => {
    const t = qos();
    expect(rootTreeOf(t, 'eth1')).toEqual({ qdiscs: [expect.objectContaining({ kind: 'noqueue' })], classes: [], filters: [] });
    expect(isKernelDefault(rootTreeOf(t, 'eth3'))).toBe(true);
  });
});
