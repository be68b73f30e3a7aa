// setQdisc, removeQdisc and restoreQdiscTree: the API fields scripts rely on, the refusals in
// words, the commands and their exact inverses (the whole previous tree), Revert, what the
// topology becomes, the warning, the after-apply check and "Runtime only".
import { SCRATCH_HTB_TREE as HTB_TREE } from '@/server/testing/tc-examples';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZAddOperations } from '@/server/changes/changes.types';
import { parseProbeOutput } from '@/server/topology/parse/index';
import type { Topology } from '@/server/topology/model';
import { hostTopology, MGMT_ADDRESS } from '../fixtures';
import { invertOperation } from '../invert';
import { describeOperation, ZOperation, type Operation } from '../ops';
import { persistenceOf } from '../persistence';
import { planChange } from '../planner';
import { applyOperation, applyOperations } from '../project';
import { renderOperation, type PlannedCommand } from '../render';
import { rootTreeOf } from '../tc';
import { validateOperation, validateOperations } from '../validate';
import { differencesFromIntended } from '../verify';
import { warningsOf } from '../warnings';

const qosProbe = () => parseProbeOutput(readFileSync(new URL('../../topology/parse/fixtures/scratch-qos1.probe.txt', import.meta.url), 'utf8')).topology;

/** The plan fixture host with eth2 carrying the scratch host's HTB tree (classes, a tbf and a pfifo under them, ten u32 filters). */
function withHtbTree(): Topology {
  const t = hostTopology();
  const qos = qosProbe();
  const tree = rootTreeOf(qos, 'eth2');
  return { ...t, qdiscs: tree.qdiscs, classes: tree.classes, filters: tree.filters };
}

const line = (argv: string[]) => argv.join(' ');
const lines = (commands: PlannedCommand[]) => commands.map((c) => ({ argv: line(c.argv), inverse: c.inverse.map(line) }));
const DEL_ROOT = 'tc qdisc del dev eth2 root';


const netem: Operation = { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 10, jitterMs: 2, lossPercent: 1 } };

describe('the API outside tools script (issue 13): field names stay as they are', () => {
  const add = (operations: unknown[]) => ZAddOperations.safeParse({ hostId: 'hv1', operations });
  const messages = (r: ReturnType<typeof add>) => (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

  it.each<[string, Record<string, unknown>]>([
    ['netem with every field', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 10, jitterMs: 2, lossPercent: 1, duplicatePercent: 0.5, corruptPercent: 0.1, reorderPercent: 25, rateKbit: 10000 } }],
    ['netem with a delay alone', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 50 } }],
    ['tbf', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 10000, burstBytes: 32768, latencyMs: 50 } }],
    ['tbf with its rate alone', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 10000 } }],
    ['htb', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb', defaultClass: '1:20' } }],
    ['htb without a default class', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb' } }],
    ['fq_codel', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'fq_codel' } }],
    ['pfifo', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'pfifo', limitPackets: 100 } }],
    ['prio with its defaults', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'prio' } }],
    ['prio with bands and a map', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'prio', bands: 4, priomap: [3, 3, 2, 2, 1, 1, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3] } }],
    ['cake with every field', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'cake', bandwidthKbit: 50_000, diffserv: 'diffserv4', nat: true, wash: false, rttMs: 20 } }],
    ['cake alone (fair queueing, no limit)', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'cake' } }],
    ['removeQdisc', { kind: 'removeQdisc', dev: 'eth1' }],
  ])('takes %s exactly as written', (_, op) => {
    const r = add([op]);
    expect(messages(r)).toEqual([]);
    expect(r.data?.operations).toEqual([op]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a misspelt field (not dropped)', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 10, jitter_ms: 2 } }, 'operations.0.qdisc: Unrecognized key: "jitter_ms"'],
    ['a field of another kind', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb', rateKbit: 1000 } }, 'operations.0.qdisc: Unrecognized key: "rateKbit"'],
    ['a delay over a minute', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 60001 } }, 'operations.0.qdisc.delayMs: A delay is 0-60000 ms.'],
    ['a negative delay', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: -1 } }, 'operations.0.qdisc.delayMs: A delay is 0-60000 ms.'],
    ['a loss over 100%', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 0, lossPercent: 101 } }, 'operations.0.qdisc.lossPercent: Loss is a percentage, 0-100.'],
    ['a rate below 8 kbit/s', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 7 } }, 'operations.0.qdisc.rateKbit: A rate is 8 kbit/s to 100 Gbit/s (rateKbit 8-100000000).'],
    ['a rate above 100 Gbit/s', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 1, rateKbit: 100_000_001 } }, 'operations.0.qdisc.rateKbit: A rate is 8 kbit/s to 100 Gbit/s (rateKbit 8-100000000).'],
    ['a fractional burst', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 1000, burstBytes: 1.5 } }, 'operations.0.qdisc.burstBytes: A burst is a whole number of bytes.'],
    ['a default class that is not one', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb', defaultClass: '2:20' } }, 'operations.0.qdisc.defaultClass: A default class is an HTB class id under 1:, such as 1:20 (or just 20).'],
    ['default class 0', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb', defaultClass: '1:0' } }, 'operations.0.qdisc.defaultClass: A default class is an HTB class id under 1:, such as 1:20 (class 0 is no class).'],
    ['an unknown qdisc kind', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'hfsc' } }, "operations.0.qdisc.kind: Invalid discriminator value. Expected 'netem' | 'tbf' | 'htb' | 'fq_codel' | 'pfifo' | 'prio' | 'cake'"],
    ['a diffserv cake does not have', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'cake', diffserv: 'diffserv5' } }, "operations.0.qdisc.diffserv: cake's diffserv is one of besteffort, diffserv3, diffserv4, diffserv8, precedence."],
    ['an rtt of a minute', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'cake', rttMs: 60_000 } }, "operations.0.qdisc.rttMs: cake's rtt is 0.1-10000 ms."],
    ['prio with one band', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'prio', bands: 1 } }, 'operations.0.qdisc.bands: prio has 2-16 bands.'],
    ['a priomap that misses priorities', { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'prio', priomap: [0, 1, 2] } }, 'operations.0.qdisc.priomap: A priomap gives a band for each of the 16 packet priorities (0-15).'],
    [
      'restoreQdiscTree, which only Revert drafts',
      { kind: 'restoreQdiscTree', dev: 'eth1', tree: { qdiscs: [{ dev: 'eth1', kind: 'tbf', handle: '1:', parent: null, root: true, options: { rate: 1250, burst: 1600, lat: 50000 } }], classes: [], filters: [] } },
      'operations.0: A tc tree is put back as it was only by reverting the change that replaced it; set a qdisc (setQdisc) or take it off (removeQdisc) instead.',
    ],
  ])('refuses %s', (_, op, message) => {
    const r = add([op]);
    expect(r.success).toBe(false);
    expect(messages(r)[0]).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
});

describe('describe: people’s units', () => {
  it.each<[Operation, string]>([
    [netem, 'delay 10 ms ± 2 ms, loss 1% on eth2'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 0.5, duplicatePercent: 0.5, corruptPercent: 0.1, reorderPercent: 25, rateKbit: 1500 } }, 'delay 500 µs, duplicate 0.5%, corrupt 0.1%, reorder 25%, rate 1.5 Mbit/s on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 0 } }, 'netem without delay or loss on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 10000, burstBytes: 32768, latencyMs: 50 } }, 'tbf 10 Mbit/s, burst 32 KiB, latency 50 ms on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 100_000_000 } }, 'tbf 100 Gbit/s on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb', defaultClass: '20' } }, 'htb, default class 1:20 on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'htb' } }, 'htb, unclassified traffic unshaped on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'fq_codel' } }, 'fq_codel on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'pfifo', limitPackets: 100 } }, 'pfifo, limit 100 packets on eth1'],
    [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'prio' } }, 'prio, 3 bands on eth1'],
    [{ kind: 'removeQdisc', dev: 'eth1' }, "take the root qdisc off eth1 (the kernel's default comes back)"],
  ])('%j', (op, words) => {
    expect(describeOperation(op)).toBe(words);
  });

  it('restoreQdiscTree says what comes back', () => {
    const before = withHtbTree();
    const [inverse] = invertOperation(netem, before);
    expect(describeOperation(inverse!)).toBe("put back eth2's tc tree as it was (htb 1: with 3 classes, 2 qdiscs under them and 10 filters)");
  });
});

describe('validate: refusals in words', () => {
  const refusals = (t: Topology, op: Operation) => validateOperation(t, ZOperation.parse(op));

  it.each<[string, Operation, string, ((t: Topology) => void)?]>([
    ['a device that is not there', { kind: 'setQdisc', dev: 'eth9', qdisc: { kind: 'fq_codel' } }, 'There is no interface eth9 on this host (or an earlier operation removes it).'],
    ["a VM's tap (libvirt owns tc there)", { kind: 'setQdisc', dev: 'vnet0', qdisc: { kind: 'tbf', rateKbit: 1000 } }, "libvirt shapes web1's tap vnet0: set limits on the VM's NIC instead."],
    ['the loopback', { kind: 'setQdisc', dev: 'lo', qdisc: { kind: 'netem', delayMs: 10 } }, "Switchboard leaves the loopback's traffic control alone."],
    [
      "a libvirt network's bridge that the network shapes",
      { kind: 'setQdisc', dev: 'virbr0', qdisc: { kind: 'fq_codel' } },
      'libvirt shapes virbr0 for network default: set limits on the network instead.',
      (t) => {
        t.networks[0]!.definition = "<network><name>default</name><bandwidth><inbound average='1000'/></bandwidth></network>";
      },
    ],
    ['jitter above the delay', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 2, jitterMs: 5 } }, "netem's jitter on eth2 (5 ms) is more than its delay (2 ms); jitter is how far each packet's delay may stray from it."],
    ['reordering without a delay', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 0, reorderPercent: 10 } }, 'netem reorders packets on eth2 by sending some without its delay, so reordering needs a delay above 0 ms.'],
    [
      'a tbf burst below a full frame',
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 10000, burstBytes: 1000 } },
      "tbf's burst on eth2 (1000 bytes) is too small: it needs a full frame (1514 bytes at MTU 1500) and what 10 Mbit/s sends in 1 ms (1250 bytes), so at least 1514 bytes; leave it out and Switchboard picks 4 ms of traffic (at least a full frame).",
    ],
    [
      'a tbf burst below 1 ms of traffic',
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 1_000_000, burstBytes: 100_000 } },
      "tbf's burst on eth2 (100000 bytes) is too small: it needs a full frame (1514 bytes at MTU 1500) and what 1 Gbit/s sends in 1 ms (125000 bytes), so at least 125000 bytes; leave it out and Switchboard picks 4 ms of traffic (at least a full frame).",
    ],
    ['a tbf queue over 4 GiB', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 100_000_000, latencyMs: 1000 } }, "tbf's queue on eth2 (100 Gbit/s for 1 s, plus the burst) would be over 4 GiB; lower the latency."],
    [
      'a tree that holds a matchall filter',
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'fq_codel' } },
      "eth2's current tc tree holds a matchall filter Switchboard cannot put back exactly; remove it by hand first.",
      (t) => {
        Object.assign(t, withHtbTree());
        t.filters!.push({ dev: 'eth2', parent: '1:', protocol: 'ip', pref: 20, kind: 'matchall', handle: '0x1', classid: '1:10', match: 'all traffic', actions: [] });
      },
    ],
    [
      'a tree with a qdisc it does not know',
      { kind: 'removeQdisc', dev: 'eth2' },
      "eth2's current tc tree holds a hfsc qdisc (1:) Switchboard cannot put back exactly; remove it by hand first.",
      (t) => {
        t.qdiscs = [{ dev: 'eth2', kind: 'hfsc', handle: '1:', parent: null, root: true, options: { default: '0x1' } }];
        t.filters = [];
      },
    ],
    [
      'a read without the qdiscs',
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'fq_codel' } },
      "This host's queueing disciplines could not be read (tc: not found), so the tc tree of eth2 cannot be put back exactly; refresh the host.",
      (t) => {
        t.missing.push({ section: 'qdisc', reason: 'tc: not found' });
      },
    ],
    ["removing the kernel's default", { kind: 'removeQdisc', dev: 'eth2' }, "eth2 has no root qdisc of its own to take off; the kernel's default is there."],
  ])('%s', (_, op, sentence, setup) => {
    const t = hostTopology();
    setup?.(t);
    expect(refusals(t, op)).toEqual([sentence]);
  });

  it('restoreQdiscTree: a tree it cannot build is refused in words, a tree of another device by the schema', () => {
    const tree = rootTreeOf(withHtbTree(), 'eth2');
    tree.filters.push({ dev: 'eth2', parent: '1:', protocol: 'ip', pref: 20, kind: 'matchall', handle: '0x1', classid: '1:10', match: 'all traffic', actions: [] });
    expect(refusals(hostTopology(), { kind: 'restoreQdiscTree', dev: 'eth2', tree })).toEqual(["eth2's earlier tc tree held a matchall filter Switchboard cannot put back exactly."]);
    const elsewhere = ZOperation.safeParse({ kind: 'restoreQdiscTree', dev: 'eth1', tree: rootTreeOf(withHtbTree(), 'eth2') });
    expect(elsewhere.error?.issues.map((i) => i.message)).toEqual(['Every part of the tree is on the device it restores.']);
  });

  it('every refusal is a sentence (as the fuzz suite requires)', () => {
    expect(validateOperation(hostTopology(), { kind: 'setQdisc', dev: 'vnet0', qdisc: { kind: 'fq_codel' } })[0]).toMatch(/^\S.{9,}[.)]$/);
  });
});

describe('render: the commands and their exact inverses', () => {
  it.each<[string, Operation, { argv: string; inverse: string[] }[]]>([
    ['netem over the kernel default', netem, [{ argv: 'tc qdisc replace dev eth2 root handle 1: netem delay 10ms 2ms loss 1', inverse: [DEL_ROOT] }]],
    [
      'netem with everything',
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 0.25, jitterMs: 0.1, lossPercent: 0.5, duplicatePercent: 1, corruptPercent: 0.1, reorderPercent: 25, rateKbit: 1500 } },
      [{ argv: 'tc qdisc replace dev eth2 root handle 1: netem delay 250us 100us loss 0.5 duplicate 1 corrupt 0.1 reorder 25 rate 1500Kbit', inverse: [DEL_ROOT] }],
    ],
    // 4 ms of 10 Mbit/s is 5000 bytes; a queue of 50 ms.
    ['tbf with its rate alone', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 10000 } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: tbf rate 10Mbit burst 5000 latency 50ms', inverse: [DEL_ROOT] }]],
    // 4 ms of 1 Mbit/s is 500 bytes: less than a frame.
    ['tbf at a low rate (a full frame)', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 1000, latencyMs: 200 } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: tbf rate 1Mbit burst 1514 latency 200ms', inverse: [DEL_ROOT] }]],
    // tc would print 1234567 kbit/s as 1234Mbit: given in bits, it is exact.
    ['tbf at a rate tc prints shortened', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 1234567, burstBytes: 1_000_000 } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: tbf rate 1234567000bit burst 1000000 latency 50ms', inverse: [DEL_ROOT] }]],
    ['htb', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'htb', defaultClass: '1:0020' } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: htb default 20', inverse: [DEL_ROOT] }]],
    ['fq_codel', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'fq_codel' } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: fq_codel', inverse: [DEL_ROOT] }]],
    ['pfifo', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'pfifo', limitPackets: 100 } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: pfifo limit 100', inverse: [DEL_ROOT] }]],
    // The whole map is sent, the default one too: the kernel holds exactly what was asked.
    ['prio', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'prio' } }, [{ argv: 'tc qdisc replace dev eth2 root handle 1: prio bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1', inverse: [DEL_ROOT] }]],
  ])('%s', (_, op, expected) => {
    expect(lines(renderOperation(op, hostTopology()))).toEqual(expected);
  });

  it('over an HTB tree at 1: the root is deleted first, and its undo puts the whole tree back', () => {
    expect(lines(renderOperation(netem, withHtbTree()))).toEqual([
      { argv: DEL_ROOT, inverse: HTB_TREE },
      { argv: 'tc qdisc add dev eth2 root handle 1: netem delay 10ms 2ms loss 1', inverse: [DEL_ROOT] },
    ]);
  });

  it('over a root of another handle, one replace grafts the new root; its undo deletes it and builds the old tree', () => {
    const t = hostTopology();
    t.qdiscs = [{ dev: 'eth2', kind: 'tbf', handle: '8031:', parent: null, root: true, options: { rate: 125000, burst: 10239, lat: 10000 } }];
    t.classes = [{ dev: 'eth2', kind: 'tbf', classid: '8031:1', parent: '8031:', rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null }];
    expect(lines(renderOperation({ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'fq_codel' } }, t))).toEqual([
      { argv: 'tc qdisc replace dev eth2 root handle 1: fq_codel', inverse: [DEL_ROOT, 'tc qdisc add dev eth2 root handle 8031: tbf rate 1Mbit burst 10239 latency 10ms'] },
    ]);
  });

  it('removeQdisc: deleting the root, undone by the whole tree', () => {
    expect(lines(renderOperation({ kind: 'removeQdisc', dev: 'eth2' }, withHtbTree()))).toEqual([{ argv: DEL_ROOT, inverse: HTB_TREE }]);
  });

  it('restoreQdiscTree: the current root off (undone by putting it back), then the tree, its root undone by deleting it', () => {
    const before = withHtbTree();
    const after = applyOperation(before, netem);
    const [inverse] = invertOperation(netem, before);
    expect(inverse).toEqual({ kind: 'restoreQdiscTree', dev: 'eth2', tree: rootTreeOf(before, 'eth2') });
    expect(lines(renderOperation(inverse!, after))).toEqual([
      { argv: DEL_ROOT, inverse: ['tc qdisc add dev eth2 root handle 1: netem delay 10ms 2ms loss 1'] },
      { argv: HTB_TREE[0]!, inverse: [DEL_ROOT] },
      ...HTB_TREE.slice(1).map((argv) => ({ argv, inverse: [] })),
    ]);
  });

  it('Revert runs what the rollback runs (the same tree, in the same words)', () => {
    const before = withHtbTree();
    const commands = renderOperation(netem, before);
    // The runner undoes newest first: the new root off, then the old tree.
    const rollback = [...commands].reverse().flatMap((c) => c.inverse);
    const revert = renderOperation(invertOperation(netem, before)[0]!, applyOperation(before, netem)).map((c) => c.argv);
    expect(revert.map(line)).toEqual(rollback.map(line));
  });
});

describe('invert and project', () => {
  it('setQdisc over the default is undone by taking the root off; over a tree, by the tree', () => {
    expect(invertOperation(netem, hostTopology())).toEqual([{ kind: 'removeQdisc', dev: 'eth2' }]);
    expect(invertOperation({ kind: 'removeQdisc', dev: 'eth2' }, withHtbTree())).toEqual([{ kind: 'restoreQdiscTree', dev: 'eth2', tree: rootTreeOf(withHtbTree(), 'eth2') }]);
  });

  it.each<[string, Operation, () => Topology]>([
    ['setQdisc over an HTB tree', netem, withHtbTree],
    ['setQdisc over the default', { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 5000 } }, hostTopology],
    ['removeQdisc of an HTB tree', { kind: 'removeQdisc', dev: 'eth2' }, withHtbTree],
  ])('%s, then its inverse, gives the tree back', (_, op, setup) => {
    const before = setup();
    const after = applyOperation(before, op);
    expect(rootTreeOf(after, 'eth2')).not.toEqual(rootTreeOf(before, 'eth2'));
    const inverse = invertOperation(op, before);
    expect(validateOperations(after, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    expect(rootTreeOf(applyOperations(after, inverse), 'eth2')).toEqual(rootTreeOf(before, 'eth2'));
  });

  it('projects the root as tc -j reports it (iproute2 6.1), leaving ingress alone', () => {
    const t = withHtbTree();
    t.qdiscs.push({ dev: 'eth2', kind: 'ingress', handle: 'ffff:', parent: 'ffff:fff1', root: false, options: {} });
    const project = (qdisc: Operation) => rootTreeOf(applyOperation(t, qdisc), 'eth2');
    expect(project(netem)).toEqual({
      qdiscs: [{ dev: 'eth2', kind: 'netem', handle: '1:', parent: null, root: true, options: { limit: 1000, delay: { delay: 0.01, jitter: 0.002, correlation: 0 }, 'loss-random': { loss: 0.01, correlation: 0 }, ecn: false, gap: 0 } }],
      classes: [],
      filters: [],
    });
    expect(project({ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 20, reorderPercent: 25, rateKbit: 1000 } }).qdiscs[0]!.options).toEqual({
      limit: 1000,
      delay: { delay: 0.02, jitter: 0, correlation: 0 },
      reorder: { reorder: 0.25, correlation: 0 },
      rate: { rate: 125000, packetoverhead: 0, cellsize: 0, celloverhead: 0 },
      ecn: false,
      gap: 1,
    });
    // A burst of 32768 prints as 32767 (tc-arithmetic.ts); tbf shows one class for its child.
    expect(project({ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 10000, burstBytes: 32768, latencyMs: 50 } })).toEqual({
      qdiscs: [{ dev: 'eth2', kind: 'tbf', handle: '1:', parent: null, root: true, options: { rate: 1250000, burst: 32767, lat: 50000 } }],
      classes: [{ dev: 'eth2', kind: 'tbf', classid: '1:1', parent: '1:', rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null }],
      filters: [],
    });
    expect(project({ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'htb', defaultClass: '20' } }).qdiscs[0]!.options).toEqual({ r2q: 10, default: '0x20', direct_qlen: 1000 });
    expect(project({ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'htb' } }).qdiscs[0]!.options).toEqual({ r2q: 10, default: '0', direct_qlen: 1000 });
    // The ingress qdisc stays.
    expect(applyOperation(t, netem).qdiscs.filter((q) => q.kind === 'ingress')).toHaveLength(1);
    expect(applyOperation(t, { kind: 'removeQdisc', dev: 'eth2' }).qdiscs.map((q) => q.kind)).toEqual(['ingress']);
  });
});

describe('warnings, verify and persistence', () => {
  it('warns that the tree goes with the root it replaces or removes', () => {
    const sentence = "eth2's current tc tree (htb 1: with 3 classes, 2 qdiscs under them and 10 filters) goes with its root qdisc; traffic its classes and filters shape is unshaped until something else is set. An undo puts it back.";
    expect(warningsOf(netem, withHtbTree())).toEqual([sentence]);
    expect(warningsOf({ kind: 'removeQdisc', dev: 'eth2' }, withHtbTree())).toEqual([sentence]);
    expect(warningsOf(netem, hostTopology())).toEqual([]);
  });

  it('verify: silent when the host shows what was intended, a sentence when it does not', () => {
    const before = withHtbTree();
    const intended = applyOperation(before, netem);
    expect(differencesFromIntended(intended, intended, [netem])).toEqual([]);
    const other = structuredClone(intended);
    other.qdiscs.find((q) => q.dev === 'eth2' && q.root)!.options['loss-random'] = { loss: 0.02, correlation: 0 };
    expect(differencesFromIntended(intended, other, [netem])).toEqual(['eth2\'s netem is set to delay 10 ms ± 2 ms, loss 2%; the plan intended delay 10 ms ± 2 ms, loss 1%.']);
    // A class of the old tree left behind under the new root.
    other.classes.push(before.classes.find((c) => c.classid === '1:10')!);
    expect(differencesFromIntended(intended, other, [netem])[1]).toMatch(/^eth2: the host shows class htb 1:10 under 1:1: rate 10 Mbit\/s/);
    // removeQdisc: the kernel's default, whichever it is.
    const removed = applyOperation(before, { kind: 'removeQdisc', dev: 'eth2' });
    const onHost = { ...removed, qdiscs: [...removed.qdiscs, { dev: 'eth2', kind: 'noqueue', handle: '0:', parent: null, root: true, options: {} }] };
    expect(differencesFromIntended(removed, onHost, [{ kind: 'removeQdisc', dev: 'eth2' }])).toEqual([]);
    expect(differencesFromIntended(removed, before, [{ kind: 'removeQdisc', dev: 'eth2' }])).toEqual(["eth2's root qdisc is htb: default class 1:20 (1:); the plan intended the kernel's default."]);
  });

  it('review says a tc step is runtime only where Switchboard cannot keep it for boot (no systemd), also in a change whose boot files keep the rest', () => {
    const t = hostTopology();
    t.host.bootConfig = { backend: 'ifupdown', reason: 'x', files: [] };
    const planned = planChange(t, [netem], '192.0.2.1');
    if (!planned.ok) throw new Error('not planned');
    expect(planned.plan.keepNotWritten).toBe('hv-test does not run systemd, which starts Switchboard\'s boot unit');
    const why = planned.plan.keepNotWritten;
    expect(persistenceOf(planned.plan.steps, 'hv-test', t.host.bootConfig, planned.plan.bootNotWritten, why)).toEqual({
      runtimeOnlySteps: [0],
      sentence: `Runtime only: Switchboard cannot keep traffic control and NAT rules for boot here (${why}), so this change will be undone by the next reboot.`,
    });
    const steps = [{ commands: [{ argv: ['ip', 'link', 'set', 'dev', 'eth2', 'mtu', '9000'] }] }, { commands: [{ argv: ['tc', 'qdisc', 'del', 'dev', 'eth2', 'root'] }] }, { commands: [{ argv: ['sb-write-file', '/etc/network/interfaces', '@doc1'] }] }];
    expect(persistenceOf(steps, 'hv-test', t.host.bootConfig, undefined, why).runtimeOnlySteps).toEqual([1]);
    expect(persistenceOf(steps.slice(0, 2), 'hv-test', t.host.bootConfig, undefined, why).sentence).toBe(
      `Runtime only: hv-test is configured at boot by ifupdown (/etc/network/interfaces), which Switchboard does not write yet, so step 1 will be undone by the next reboot; Switchboard cannot keep traffic control and NAT rules for boot here (${why}), so step 2 will be undone by the next reboot.`,
    );
    // Kept (no reason given): only the kernel step is runtime only.
    expect(persistenceOf(steps.slice(0, 2), 'hv-test', t.host.bootConfig).runtimeOnlySteps).toEqual([0]);
  });

  it('keeps a tc tree for boot on a host that runs systemd: the tree as tc batch lines under its interface, the unit that loads it; taking it off removes both', () => {
    const t = hostTopology();
    t.host.bootConfig = { backend: 'ifupdown', reason: 'x', files: [], installed: ['ifupdown', 'systemd'] };
    const planned = planChange(t, [netem], '192.0.2.1');
    if (!planned.ok) throw new Error('not planned');
    const keep = planned.plan.steps.at(-1)!.operation;
    if (keep.kind !== 'keepAtBoot') throw new Error(`last step is ${keep.kind}`);
    const tc = keep.files.find((f) => f.path === '/etc/switchboard/tc.batch')!.content!;
    expect(tc.split('\n').slice(1)).toEqual([`# dev ${netem.dev}`, 'qdisc add dev eth2 root handle 1: netem delay 10ms 2ms loss 1', '']);
    expect(keep.files.map((f) => f.path).sort()).toEqual(['/etc/switchboard/tc.batch', '/etc/systemd/system/multi-user.target.d/switchboard-restore.conf', '/etc/systemd/system/switchboard-restore.service']);
    expect(persistenceOf(planned.plan.steps, 'hv-test', t.host.bootConfig, undefined, planned.plan.keepNotWritten).sentence).toBeNull();
    // The next change takes it off: the block goes, and with nothing left to keep, the unit.
    const off = planChange(planned.plan.intended, [{ kind: 'removeQdisc', dev: netem.dev }], '192.0.2.1');
    if (!off.ok) throw new Error('not planned');
    const removal = off.plan.steps.at(-1)!.operation;
    expect(removal.kind === 'keepAtBoot' && removal.files.every((f) => f.content === null)).toBe(true);
  });

  it("a qdisc change on the panel's own interface is marked disruptive (it waits for the confirmation)", () => {
    const planned = planChange(hostTopology(), [{ kind: 'setQdisc', dev: 'eth0', qdisc: { kind: 'netem', delayMs: 100 } }], MGMT_ADDRESS);
    expect(planned.ok && planned.plan.steps[0]!.disruptive).toBe("changes eth0, which carries the panel's SSH connection");
  });
});

describe('cake', () => {
  const cake: Operation = { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'cake', bandwidthKbit: 50_000, diffserv: 'diffserv4', nat: true, rttMs: 20 } };

  it('sends every setting, and projects the qdisc as tc -j prints it (the kernel defaults for the rest)', () => {
    expect(lines(renderOperation(cake, hostTopology()))).toEqual([{ argv: 'tc qdisc replace dev eth2 root handle 1: cake bandwidth 50Mbit diffserv4 nat nowash rtt 20ms', inverse: [DEL_ROOT] }]);
    expect(lines(renderOperation({ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'cake' } }, hostTopology()))[0]!.argv).toBe('tc qdisc replace dev eth2 root handle 1: cake unlimited diffserv3 nonat nowash rtt 100ms');
    const tree = rootTreeOf(applyOperation(hostTopology(), cake), 'eth2');
    expect(tree.qdiscs).toEqual([
      {
        dev: 'eth2',
        kind: 'cake',
        handle: '1:',
        parent: null,
        root: true,
        options: { bandwidth: 6_250_000, diffserv: 'diffserv4', flowmode: 'triple-isolate', nat: true, wash: false, ingress: false, 'ack-filter': 'disabled', split_gso: true, rtt: 20_000, raw: true, overhead: 0 },
      },
    ]);
    expect(tree.classes).toEqual([]);
    expect(describeOperation(cake)).toBe('cake 50 Mbit/s, diffserv4, flows told apart behind NAT, rtt 20 ms on eth2');
  });

  it('is put back exactly by the next change over it, and the check after apply sees a different bandwidth', () => {
    const after = applyOperation(hostTopology(), cake);
    expect(lines(renderOperation(netem, after))[0]).toEqual({ argv: DEL_ROOT, inverse: ['tc qdisc add dev eth2 root handle 1: cake bandwidth 50Mbit diffserv4 triple-isolate nat nowash egress split-gso no-ack-filter rtt 20ms raw'] });
    const slower = applyOperation(hostTopology(), { ...cake, qdisc: { ...cake.qdisc, kind: 'cake', bandwidthKbit: 40_000 } } as Operation);
    expect(differencesFromIntended(after, slower, [cake]).join(' ')).toContain("eth2's cake is set to 40 Mbit/s, diffserv4, flows told apart behind NAT, rtt 20 ms; the plan intended 50 Mbit/s");
  });
});

describe('prio', () => {
  it('projects the qdisc and one class per band as the probe reads them, and restores them exactly', () => {
    const op: Operation = { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'prio', bands: 4, priomap: [3, 3, 2, 2, 1, 1, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3] } };
    const after = applyOperation(hostTopology(), op);
    const tree = rootTreeOf(after, 'eth2');
    expect(tree.qdiscs).toEqual([{ dev: 'eth2', kind: 'prio', handle: '1:', parent: null, root: true, options: { bands: 4, priomap: [3, 3, 2, 2, 1, 1, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3] } }]);
    expect(tree.classes.map((c) => `${c.kind} ${c.classid} ${c.parent}`)).toEqual(['prio 1:1 1:', 'prio 1:2 1:', 'prio 1:3 1:', 'prio 1:4 1:']);
    // The next change over it puts the same prio back as its undo.
    expect(lines(renderOperation(netem, after))[0]).toEqual({ argv: DEL_ROOT, inverse: ['tc qdisc add dev eth2 root handle 1: prio bands 4 priomap 3 3 2 2 1 1 0 0 3 3 3 3 3 3 3 3'] });
  });

  it('refuses a map into bands it does not have, in words', () => {
    expect(validateOperation(hostTopology(), { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'prio', bands: 2 } })).toContain('prio on eth2 with 2 bands needs its own priomap: the default map uses bands 0-2.');
    expect(validateOperation(hostTopology(), { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'prio', bands: 3, priomap: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } })).toContain(
      "prio's map on eth2 sends priorities to band 3, but it has only 3 bands (0-2).",
    );
  });
});
