import { readFileSync } from 'node:fs';
import { hostTopology } from '@/server/plan/fixtures';
import { rootTreeOf, withRootTree } from '@/server/plan/tc';
import type { TcClass, Topology } from '@/server/topology/model';
import { parseProbeOutput } from '@/server/topology/parse/index';

// What restoring the scratch host's eth2 tree (parse/fixtures/scratch-qos1.probe.txt) runs:
// root, classes parent first, leaf qdiscs, then every u32 filter. Why each number is what it
// is: the tbf burst was read as 32767, and 32768 is what prints so (32767 would come back as
// 32766); filters written with `match tcp`/`icmp` (nexthdr+0) come back at the fixed offset
// with the same words (plan/tc-u32.ts).
export const SCRATCH_HTB_TREE = [
  'tc qdisc add dev eth2 root handle 1: htb default 20 r2q 10 direct_qlen 1000',
  'tc class add dev eth2 parent 1: classid 1:1 htb rate 20Mbit ceil 20Mbit burst 16384 cburst 1600',
  'tc class add dev eth2 parent 1:1 classid 1:10 htb rate 10Mbit ceil 20Mbit burst 16384 cburst 1600 prio 1',
  'tc class add dev eth2 parent 1:1 classid 1:20 htb rate 5Mbit ceil 20Mbit burst 1600 cburst 1600 prio 2',
  'tc qdisc add dev eth2 parent 1:10 handle 10: tbf rate 10Mbit burst 32768 latency 50ms',
  'tc qdisc add dev eth2 parent 1:20 handle 20: pfifo limit 100',
  'tc filter add dev eth2 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.0/24 flowid 1:10',
  'tc filter add dev eth2 parent 1: protocol ip prio 2 u32 match ip protocol 6 0xff match ip dport 80 0xffff flowid 1:20',
  'tc filter add dev eth2 parent 1: protocol ip prio 3 u32 match ip src 192.168.1.5/32 match ip protocol 17 0xff match ip sport 53 0xffff flowid 1:10',
  'tc filter add dev eth2 parent 1: protocol ip prio 4 u32 match u32 0x12340000 0xffff0000 at 4 flowid 1:20',
  'tc filter add dev eth2 parent 1: protocol ip prio 5 u32 match ip protocol 6 0xff match ip sport 1024 0xfc00 match ip dport 443 0xffff flowid 1:10',
  'tc filter add dev eth2 parent 1: protocol ipv6 prio 6 u32 match ip6 src 2001:db8:1::/48 match ip6 protocol 17 0xff match ip6 dport 53 0xffff flowid 1:20',
  'tc filter add dev eth2 parent 1: protocol ip prio 7 u32 match ip sport 53 0xffff match ip dport 80 0xffff match ip tos 0x10 0xff flowid 1:20',
  'tc filter add dev eth2 parent 1: protocol ip prio 8 u32 match ip protocol 1 0xff match ip icmp_type 8 0xff flowid 1:20',
  'tc filter add dev eth2 parent 1: protocol 802.1Q prio 9 u32 match u32 0x00000800 0x0000ffff at -4 flowid 1:10',
  'tc filter add dev eth2 parent 1: protocol ip prio 10 u32 match ip dport 4789 0xffff flowid 1:10',
];

/** The scratch host's probe (parse/fixtures/scratch-qos1.probe.txt): eth2's HTB tree as the kernel showed it. */
export const scratchQosProbe = (): Topology => parseProbeOutput(readFileSync(new URL('../topology/parse/fixtures/scratch-qos1.probe.txt', import.meta.url), 'utf8')).topology;

/**
 * A spare leaf class no filter steers into (removeHtbClass's example), as tc 6.1 prints
 * `tc class add dev eth2 parent 1:1 classid 1:40 htb rate 1mbit ceil 20mbit` (seen in a scratch
 * namespace: tc's default burst of 1600 bytes prints as 1600b at 1 and 20 Mbit/s).
 */
export const SPARE_HTB_CLASS: TcClass = { dev: 'eth2', kind: 'htb', classid: '1:40', parent: '1:1', rate: '1Mbit', ceil: '20Mbit', burst: '1600b', cburst: '1600b', prio: 0, leaf: null };

/**
 * The plan fixture host with eth2 carrying the scratch host's HTB tree (1:1 with 1:10 and
 * 1:20 under it, a tbf and a pfifo under those, ten u32 filters) and the spare class 1:40: what
 * the HTB class and filter kinds' examples (kind-examples.ts TC_EXAMPLES) are valid against.
 */
export function htbHost(): Topology {
  const tree = rootTreeOf(scratchQosProbe(), 'eth2');
  const t = withRootTree(hostTopology(), 'eth2', { ...tree, classes: [...tree.classes, SPARE_HTB_CLASS] });
  return { ...t, filters: t.filters ?? [] };
}
