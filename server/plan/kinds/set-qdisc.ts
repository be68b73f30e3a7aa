import { z } from 'zod';
import type { NetInterface, Qdisc, TcClass, Topology } from '@/server/topology/model';
import { bitRateInWords, fractionInWords, microsecondsInWords, qdiscSettingsInWords, sizeInWords } from '@/server/topology/words';
import { cmd, type Argv, type PlannedCommand } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import { ROOT_HANDLE, deleteRootArgv, netemPrintedSeconds, rateArg, rootQdiscOf, rootTreeOf, timeArg, undoOfRootChange, withRootTree, NETEM_DEFAULT_LIMIT } from '../tc';
import { tbfBurstPrinted, tbfLatencyPrinted, tbfLimitFor, tcArithmeticOf } from '../tc-arithmetic';
import { checkTcDevice, lostWithRoot, treeDifferences } from '../tc-checks';
import type { Operation } from '../registry';

const RATE_RANGE = 'A rate is 8 kbit/s to 100 Gbit/s (rateKbit 8-100000000).';
export const ZRateKbit = z.number().int('A rate is a whole number of kbit/s.').min(8, RATE_RANGE).max(100_000_000, RATE_RANGE);
const ZPercent = (what: string) => z.number().min(0, `${what} is a percentage, 0-100.`).max(100, `${what} is a percentage, 0-100.`);
const ZMilliseconds = (what: string, max: number) => z.number().min(0, `${what} is 0-${max} ms.`).max(max, `${what} is 0-${max} ms.`);

/** The qdiscs set both as a root (setQdisc) and under an HTB class (setHtbClass's leaf). */
export const ZNetemSpec = z.strictObject({
  kind: z.literal('netem'),
  delayMs: ZMilliseconds('A delay', 60_000),
  jitterMs: ZMilliseconds('Jitter', 60_000).optional(),
  lossPercent: ZPercent('Loss').optional(),
  duplicatePercent: ZPercent('Duplication').optional(),
  corruptPercent: ZPercent('Corruption').optional(),
  reorderPercent: ZPercent('Reordering').optional(),
  rateKbit: ZRateKbit.optional(),
});
export const ZFqCodelSpec = z.strictObject({ kind: z.literal('fq_codel') });
export const ZPfifoSpec = z.strictObject({ kind: z.literal('pfifo'), limitPackets: z.number().int('A limit is a whole number of packets.').min(1, 'A pfifo limit is 1-1000000 packets.').max(1_000_000, 'A pfifo limit is 1-1000000 packets.').optional() });
/** sfq: fair queueing among flows, with the kernel's defaults; set under an HTB class (setHtbClass's leaf), not as a root. */
export const ZSfqSpec = z.strictObject({ kind: z.literal('sfq') });
/** Linux's priorities (0-15) and the prio qdisc's default map of them to its three bands (tc-prio(8)). */
const PRIORITIES = 16;
export const DEFAULT_PRIOMAP = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1] as const;
/** prio: strict priority bands (each served only when the ones before it are empty), with the map of packet priorities to bands. */
export const ZPrioSpec = z.strictObject({
  kind: z.literal('prio'),
  bands: z.number().int('prio has a whole number of bands, 2-16.').min(2, 'prio has 2-16 bands.').max(16, 'prio has 2-16 bands.').optional(),
  priomap: z
    .array(z.number().int('A priomap entry is a band number.').min(0, 'A priomap entry is a band number from 0.').max(15, 'A priomap entry is a band number, 0-15.'))
    .length(PRIORITIES, `A priomap gives a band for each of the ${PRIORITIES} packet priorities (0-15).`)
    .optional(),
});

/** cake's treatments of DSCP marks (tc-cake(8)): its tins. */
export const CAKE_DIFFSERV = ['besteffort', 'diffserv3', 'diffserv4', 'diffserv8', 'precedence'] as const;
/**
 * cake: shaping and fair queueing in one qdisc, for a link whose capacity is known (tc-cake(8)).
 * Without a bandwidth it only queues fairly (unlimited). Where the kernel has it (sch_cake).
 */
export const ZCakeSpec = z.strictObject({
  kind: z.literal('cake'),
  bandwidthKbit: ZRateKbit.optional(),
  diffserv: z.enum(CAKE_DIFFSERV, { message: `cake's diffserv is one of ${CAKE_DIFFSERV.join(', ')}.` }).optional(),
  /** Looks behind the host's own NAT for the real hosts a flow belongs to. */
  nat: z.boolean().optional(),
  /** Clears DSCP marks after classifying (for traffic into a network that ignores them). */
  wash: z.boolean().optional(),
  /** The round trip cake tunes its queues for: 100 ms (internet) unless said. */
  rttMs: z.number().min(0.1, "cake's rtt is 0.1-10000 ms.").max(10_000, "cake's rtt is 0.1-10000 ms.").optional(),
});

/**
 * The root qdiscs people set, with their settings in people's units; the field names are a
 * stable API for scripts (issue 13), so each variant refuses fields it does not know rather
 * than dropping a misspelt one.
 */
export const ZQdiscSpec = z.discriminatedUnion('kind', [
  ZNetemSpec,
  z.strictObject({
    kind: z.literal('tbf'),
    rateKbit: ZRateKbit,
    burstBytes: z.number().int('A burst is a whole number of bytes.').min(1, 'A burst is at least 1 byte.').max(2 ** 32 - 1, 'A burst is less than 4 GiB.').optional(),
    latencyMs: z.number().min(1, "tbf's latency is 1-10000 ms.").max(10_000, "tbf's latency is 1-10000 ms.").optional(),
  }),
  z.strictObject({
    kind: z.literal('htb'),
    /** The class unclassified traffic goes to, as tc names it: "1:20", or its minor "20" (hex, as tc reads it). */
    defaultClass: z
      .string()
      .regex(/^(?:1:)?[0-9a-fA-F]{1,4}$/, 'A default class is an HTB class id under 1:, such as 1:20 (or just 20).')
      .refine((v) => Number.parseInt(v.replace(/^1:/, ''), 16) > 0, 'A default class is an HTB class id under 1:, such as 1:20 (class 0 is no class).')
      .optional(),
  }),
  ZFqCodelSpec,
  ZPfifoSpec,
  ZPrioSpec,
  ZCakeSpec,
]);
export type QdiscSpec = z.output<typeof ZQdiscSpec>;
/** Any qdisc Switchboard sets: a root (QdiscSpec) or sfq, which only goes under an HTB class. */
export type AnyQdiscSpec = QdiscSpec | z.output<typeof ZSfqSpec>;

/** Replaces a device's root qdisc (and everything under it) with one Switchboard sets, handle 1:. */
export const setQdiscSchema = z.object({ kind: z.literal('setQdisc'), dev: ZIfName, qdisc: ZQdiscSpec });
type SetQdisc = z.output<typeof setQdiscSchema>;

const msWords = (ms: number) => microsecondsInWords(ms * 1000);
const percentWords = (p: number) => fractionInWords(p / 100);
const kbitWords = (kbit: number) => bitRateInWords(kbit * 1000);

/** netem's settings in people's units: "delay 10 ms ± 2 ms, loss 1%". */
function netemWords(q: Extract<QdiscSpec, { kind: 'netem' }>): string {
  return [
    q.delayMs > 0 && `delay ${msWords(q.delayMs)}${q.jitterMs ? ` ± ${msWords(q.jitterMs)}` : ''}`,
    q.lossPercent && `loss ${percentWords(q.lossPercent)}`,
    q.duplicatePercent && `duplicate ${percentWords(q.duplicatePercent)}`,
    q.corruptPercent && `corrupt ${percentWords(q.corruptPercent)}`,
    q.reorderPercent && `reorder ${percentWords(q.reorderPercent)}`,
    q.rateKbit && `rate ${kbitWords(q.rateKbit)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** "delay 10 ms ± 2 ms, loss 1%", "tbf 10 Mbit/s, latency 50 ms", "htb, default class 1:20". */
export function qdiscSpecInWords(q: AnyQdiscSpec): string {
  switch (q.kind) {
    case 'netem':
      return netemWords(q) || 'netem without delay or loss';
    case 'tbf':
      return ['tbf ' + kbitWords(q.rateKbit), q.burstBytes && `burst ${sizeInWords(q.burstBytes)}`, q.latencyMs && `latency ${msWords(q.latencyMs)}`].filter(Boolean).join(', ');
    case 'htb':
      return q.defaultClass ? `htb, default class 1:${defaultMinor(q.defaultClass)}` : 'htb, unclassified traffic unshaped';
    case 'fq_codel':
    case 'sfq':
      return q.kind;
    case 'pfifo':
      return q.limitPackets ? `pfifo, limit ${q.limitPackets} packets` : 'pfifo';
    case 'prio':
      return `prio, ${prioBands(q)} bands${q.priomap ? `, priorities to bands ${q.priomap.join(' ')}` : ''}`;
    case 'cake':
      return [
        `cake ${q.bandwidthKbit ? kbitWords(q.bandwidthKbit) : 'without a bandwidth limit'}`,
        cakeDiffserv(q),
        q.nat && 'flows told apart behind NAT',
        q.wash && 'DSCP marks cleared',
        q.rttMs !== undefined && `rtt ${msWords(q.rttMs)}`,
      ]
        .filter(Boolean)
        .join(', ');
  }
}

const cakeDiffserv = (q: z.output<typeof ZCakeSpec>) => q.diffserv ?? 'diffserv3';
/** cake's round trip when none is given (the "internet" preset). */
const CAKE_DEFAULT_RTT_US = 100_000;

const prioBands = (q: z.output<typeof ZPrioSpec>) => q.bands ?? 3;
/** Sent whole, so what the kernel holds is exactly what was asked (tc fills the map in otherwise). */
const prioMap = (q: z.output<typeof ZPrioSpec>): number[] => [...(q.priomap ?? DEFAULT_PRIOMAP)];

/** "1:20", "0020" -> "20": the minor as tc prints it. */
const defaultMinor = (v: string) => Number.parseInt(v.replace(/^1:/, ''), 16).toString(16);

// ---- tbf's sizes ----

/** Bytes of a full frame: the MTU and an Ethernet header (tbf drops a packet larger than its burst). */
const frameBytes = (i: NetInterface) => i.mtu + 14;
const rateBytes = (kbit: number) => kbit * 125;
/** tc's latency when none is given: a queue of 50 ms at the rate (a common choice; tc itself has no default). */
const DEFAULT_TBF_LATENCY_MS = 50;

/**
 * tbf's burst when none is given: 4 ms of traffic at the rate, the kernel timer's tick at HZ 250
 * (tc-tbf(8): at least rate/HZ), and never less than a full frame.
 */
export const defaultTbfBurst = (kbit: number, i: NetInterface) => Math.max(frameBytes(i), Math.ceil(rateBytes(kbit) / 250));
/** The least burst accepted: a full frame, and 1 ms of traffic at the rate (HZ 1000). */
const minimumTbfBurst = (kbit: number, i: NetInterface) => Math.max(frameBytes(i), Math.ceil(rateBytes(kbit) / 1000));

function tbfSizes(q: Extract<QdiscSpec, { kind: 'tbf' }>, i: NetInterface) {
  const burst = q.burstBytes ?? defaultTbfBurst(q.rateKbit, i);
  const latencyUs = Math.round((q.latencyMs ?? DEFAULT_TBF_LATENCY_MS) * 1000);
  return { rate: rateBytes(q.rateKbit), burst, latencyUs, limit: tbfLimitFor(rateBytes(q.rateKbit), burst, latencyUs) };
}

// ---- tc's arguments, and what tc -j will report ----

const us = (ms: number) => Math.round(ms * 1000);

/** The arguments after `tc qdisc replace dev D root handle 1:` (or `tc qdisc add dev D parent C handle H:`). */
export function qdiscSpecArgs(q: AnyQdiscSpec, i: NetInterface): string[] {
  switch (q.kind) {
    case 'netem': {
      const delay = q.delayMs > 0 ? ['delay', timeArg(us(q.delayMs)), ...(q.jitterMs ? [timeArg(us(q.jitterMs))] : [])] : [];
      // tc takes a bare number as a percentage ("%" is outside the runner's safe characters).
      const chance = (word: string, p: number | undefined) => (p ? [word, String(p)] : []);
      return [
        'netem',
        ...delay,
        ...chance('loss', q.lossPercent),
        ...chance('duplicate', q.duplicatePercent),
        ...chance('corrupt', q.corruptPercent),
        ...chance('reorder', q.reorderPercent),
        ...(q.rateKbit ? ['rate', rateArg(rateBytes(q.rateKbit))] : []),
      ];
    }
    case 'tbf': {
      const s = tbfSizes(q, i);
      return ['tbf', 'rate', rateArg(s.rate), 'burst', String(s.burst), 'latency', timeArg(s.latencyUs)];
    }
    case 'htb':
      return ['htb', ...(q.defaultClass ? ['default', defaultMinor(q.defaultClass)] : [])];
    case 'fq_codel':
    case 'sfq':
      return [q.kind];
    case 'pfifo':
      return ['pfifo', ...(q.limitPackets ? ['limit', String(q.limitPackets)] : [])];
    case 'prio':
      return ['prio', 'bands', String(prioBands(q)), 'priomap', ...prioMap(q).map(String)];
    case 'cake':
      // Each setting is sent, so the qdisc is exactly this whatever tc's defaults become.
      return [
        'cake',
        ...(q.bandwidthKbit ? ['bandwidth', rateArg(rateBytes(q.bandwidthKbit))] : ['unlimited']),
        cakeDiffserv(q),
        q.nat ? 'nat' : 'nonat',
        q.wash ? 'wash' : 'nowash',
        'rtt',
        timeArg(q.rttMs !== undefined ? us(q.rttMs) : CAKE_DEFAULT_RTT_US),
      ];
  }
}

const UINT32_MAX = 2 ** 32 - 1;
/** netem keeps a probability as a 32-bit fraction (rint(p × UINT32_MAX)); tc -j prints it with six digits. */
const netemFraction = (percent: number) => Number((Math.round((percent / 100) * UINT32_MAX) / UINT32_MAX).toPrecision(6));
/** A netem probability as tc -j reports it: the fraction and its correlation. */
const chanceOption = (name: string, percent: number | undefined) => (percent ? { [name]: { [name === 'loss-random' ? 'loss' : name]: netemFraction(percent), correlation: 0 } } : {});

/**
 * Unknown to the model, assumed: a device's transmit queue length (htb's direct_qlen and
 * pfifo's limit default to it), 1000 for Ethernet, veth, bridges and bonds (tun/tap: 500).
 */
const ASSUMED_TXQUEUELEN = 1000;

/** Where a qdisc goes: the root (handle 1:), or under a class (setHtbClass's leaf). */
export interface QdiscPlace {
  handle: string;
  /** The class it goes under; null for the root. */
  parent: string | null;
}
const ROOT_PLACE: QdiscPlace = { handle: ROOT_HANDLE, parent: null };

/**
 * The qdisc as the probe will read it (tc -j of iproute2 6.1, parse/tc.ts), and the class tbf
 * shows for its child. What the model cannot know is assumed and not verified (see
 * comparedOptions): fq_codel's and sfq's quantum (the MTU plus the link header), the transmit
 * queue length. sfq's and fq_codel's classes (their flows, listed while they hold packets) and
 * netem's (listed only with a child qdisc) are not read.
 */
export function projectedQdisc(dev: string, q: AnyQdiscSpec, i: NetInterface, t: Topology, place: QdiscPlace = ROOT_PLACE): { qdisc: Qdisc; classes: TcClass[] } {
  const a = tcArithmeticOf(t);
  const qdisc = (options: Record<string, unknown>): Qdisc => ({ dev, kind: q.kind, handle: place.handle, parent: place.parent, root: place.parent === null, options });
  switch (q.kind) {
    case 'netem': {
      const seconds = (ms: number) => netemPrintedSeconds(us(ms), a);
      return {
        qdisc: qdisc({
          limit: NETEM_DEFAULT_LIMIT,
          // tc prints no delay object when the delay is zero (its jitter alone is not kept).
          ...(q.delayMs > 0 ? { delay: { delay: seconds(q.delayMs), jitter: q.jitterMs ? seconds(q.jitterMs) : 0, correlation: 0 } } : {}),
          ...chanceOption('loss-random', q.lossPercent),
          ...chanceOption('duplicate', q.duplicatePercent),
          ...chanceOption('reorder', q.reorderPercent),
          ...chanceOption('corrupt', q.corruptPercent),
          ...(q.rateKbit ? { rate: { rate: rateBytes(q.rateKbit), packetoverhead: 0, cellsize: 0, celloverhead: 0 } } : {}),
          ecn: false,
          // tc sets a gap of 1 with any reordering.
          gap: q.reorderPercent ? 1 : 0,
        }),
        classes: [],
      };
    }
    case 'tbf': {
      const s = tbfSizes(q, i);
      const lat = tbfLatencyPrinted(s.rate, s.burst, s.limit, a);
      return {
        qdisc: qdisc({ rate: s.rate, burst: tbfBurstPrinted(s.rate, s.burst, a), ...(lat !== null ? { lat } : { limit: s.limit }) }),
        // tbf shows one class for its child qdisc (the probe reads classes where tbf is).
        classes: [{ dev, kind: 'tbf', classid: `${place.handle}1`, parent: place.handle, rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null }],
      };
    }
    case 'htb':
      // tc -j prints the default class with %#llx: "0x20", and 0 as "0".
      return { qdisc: qdisc({ r2q: 10, default: q.defaultClass ? `0x${defaultMinor(q.defaultClass)}` : '0', direct_qlen: ASSUMED_TXQUEUELEN }), classes: [] };
    case 'fq_codel':
      // The kernel's defaults; target and interval print as 4999 and 99999 µs (1024 ns units).
      return { qdisc: qdisc({ limit: 10240, flows: 1024, quantum: i.mtu + 14, target: 4999, interval: 99999, memory_limit: 33554432, ecn: true, drop_batch: 64 }), classes: [] };
    case 'pfifo':
      return { qdisc: qdisc({ limit: q.limitPackets ?? ASSUMED_TXQUEUELEN }), classes: [] };
    case 'sfq':
      // The kernel's defaults (sch_sfq.c): 127 packets, a quantum of one frame, 1024 hash buckets.
      return { qdisc: qdisc({ limit: 127, quantum: i.mtu + 14, depth: 127, divisor: 1024 }), classes: [] };
    case 'prio': {
      // Each band is a class (H:1 ... H:bands); the pfifo under each is the kernel's own and not listed.
      const bands = prioBands(q);
      const classes = Array.from({ length: bands }, (_, b): TcClass => ({ dev, kind: 'prio', classid: `${place.handle}${(b + 1).toString(16)}`, parent: place.handle, rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null }));
      return { qdisc: qdisc({ bands, priomap: prioMap(q) }), classes };
    }
    case 'cake':
      // As tc -j prints it (q_cake.c): the bandwidth in bytes/s or "unlimited", and the kernel's
      // defaults for what is not sent (no overhead compensation: "raw").
      return {
        qdisc: qdisc({
          bandwidth: q.bandwidthKbit ? rateBytes(q.bandwidthKbit) : 'unlimited',
          diffserv: cakeDiffserv(q),
          flowmode: 'triple-isolate',
          nat: q.nat ?? false,
          wash: q.wash ?? false,
          ingress: false,
          'ack-filter': 'disabled',
          split_gso: true,
          rtt: q.rttMs !== undefined ? us(q.rttMs) : CAKE_DEFAULT_RTT_US,
          raw: true,
          overhead: 0,
        }),
        classes: [],
      };
  }
}

/** The root qdisc as the probe will read it (projectedQdisc at the root). */
export const projectedRoot = (dev: string, q: QdiscSpec, i: NetInterface, t: Topology) => projectedQdisc(dev, q, i, t);

/** The options verify compares: those the operation decides, not the assumed ones. */
export function comparedOptions(q: AnyQdiscSpec): string[] {
  switch (q.kind) {
    case 'netem':
      return ['delay', 'loss-random', 'duplicate', 'reorder', 'corrupt', 'rate'];
    case 'tbf':
      return ['rate', 'burst', 'lat', 'limit'];
    case 'htb':
      return ['default'];
    case 'pfifo':
      return q.limitPackets ? ['limit'] : [];
    case 'fq_codel':
    case 'sfq':
      return [];
    case 'prio':
      return ['bands', 'priomap'];
    case 'cake':
      return ['bandwidth', 'diffserv', 'nat', 'wash', 'rtt'];
  }
}

/** netem's settings that contradict each other, in sentences; `where` says where it goes ("on eth2", "under class 1:10 on eth2"). */
export function netemProblems(q: z.output<typeof ZNetemSpec>, where: string): string[] {
  return [
    ...(q.jitterMs && q.jitterMs > q.delayMs ? [`netem's jitter ${where} (${msWords(q.jitterMs)}) is more than its delay (${msWords(q.delayMs)}); jitter is how far each packet's delay may stray from it.`] : []),
    ...(q.reorderPercent && q.delayMs <= 0 ? [`netem reorders packets ${where} by sending some without its delay, so reordering needs a delay above 0 ms.`] : []),
  ];
}

function validateSpec(op: SetQdisc, i: NetInterface, errors: string[]): void {
  const q = op.qdisc;
  if (q.kind === 'prio') {
    const beyond = prioMap(q).filter((band) => band >= prioBands(q));
    if (beyond.length) {
      errors.push(
        q.priomap
          ? `prio's map on ${op.dev} sends priorities to band ${Math.max(...beyond)}, but it has only ${prioBands(q)} bands (0-${prioBands(q) - 1}).`
          : `prio on ${op.dev} with ${prioBands(q)} bands needs its own priomap: the default map uses bands 0-2.`,
      );
    }
  }
  if (q.kind === 'netem') errors.push(...netemProblems(q, `on ${op.dev}`));
  if (q.kind === 'tbf') {
    const s = tbfSizes(q, i);
    const least = minimumTbfBurst(q.rateKbit, i);
    if (s.burst < least) {
      errors.push(`tbf's burst on ${op.dev} (${s.burst} bytes) is too small: it needs a full frame (${frameBytes(i)} bytes at MTU ${i.mtu}) and what ${kbitWords(q.rateKbit)} sends in 1 ms (${Math.ceil(rateBytes(q.rateKbit) / 1000)} bytes), so at least ${least} bytes; leave it out and Switchboard picks 4 ms of traffic (at least a full frame).`);
    }
    if (s.burst > s.rate * 60) errors.push(`tbf's burst on ${op.dev} (${sizeInWords(s.burst)}) is more than a minute of traffic at ${kbitWords(q.rateKbit)}; tc cannot hold a burst that long.`);
    if (s.limit > UINT32_MAX) errors.push(`tbf's queue on ${op.dev} (${kbitWords(q.rateKbit)} for ${msWords(s.latencyUs / 1000)}, plus the burst) would be over 4 GiB; lower the latency.`);
  }
}

export const setQdisc = defineKind({
  schema: setQdiscSchema,
  describe: (op) => `${qdiscSpecInWords(op.qdisc)} on ${op.dev}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    const i = checkTcDevice(c, op.dev);
    if (i) validateSpec(op, i, c.errors);
  },
  warnings: (op, before) => lostWithRoot(before, op.dev),
  project(op, t) {
    const i = t.interfaces.find((x) => x.name === op.dev);
    if (!i) return t;
    const { qdisc, classes } = projectedRoot(op.dev, op.qdisc, i, t);
    return withRootTree(t, op.dev, { qdiscs: [qdisc], classes, filters: [] });
  },
  render(op, t): PlannedCommand[] {
    const i = t.interfaces.find((x) => x.name === op.dev);
    const undo = undoOfRootChange(t, op.dev);
    if (!i || 'why' in undo) throw new Error(`render: ${op.dev}'s tc tree cannot be put back (validate first)`);
    const args = qdiscSpecArgs(op.qdisc, i);
    const restore: Argv[] = undo.kernelDefault ? [] : undo.argvs;
    // `replace` grafts a new root in one step, but only over a handle it does not find: a qdisc
    // already holding 1: (of another kind, or with classes that must go) is deleted first.
    if (!undo.kernelDefault && rootTreeOf(t, op.dev).qdiscs.some((q) => q.handle === ROOT_HANDLE)) {
      return [cmd(deleteRootArgv(op.dev), restore), cmd(['tc', 'qdisc', 'add', 'dev', op.dev, 'root', 'handle', ROOT_HANDLE, ...args], [deleteRootArgv(op.dev)])];
    }
    return [cmd(['tc', 'qdisc', 'replace', 'dev', op.dev, 'root', 'handle', ROOT_HANDLE, ...args], [deleteRootArgv(op.dev), ...restore])];
  },
  invert(op, before): Operation[] {
    const undo = undoOfRootChange(before, op.dev);
    if ('why' in undo) return [];
    return undo.kernelDefault ? [{ kind: 'removeQdisc', dev: op.dev }] : [{ kind: 'restoreQdiscTree', dev: op.dev, tree: rootTreeOf(before, op.dev) }];
  },
  verify(op, intended, after) {
    const want = rootQdiscOf(rootTreeOf(intended, op.dev));
    const have = rootQdiscOf(rootTreeOf(after, op.dev));
    // A later step of the same change replaced or removed it: that step says what it expected.
    if (!want || want.kind !== op.qdisc.kind) return [];
    if (!have || have.kind !== want.kind || have.handle !== want.handle) {
      return [`${op.dev}'s root qdisc is ${have ? `${have.kind} ${have.handle}` : "the kernel's default"}; the plan intended ${want.kind} ${want.handle}.`];
    }
    const keys = comparedOptions(op.qdisc);
    const pick = (q: Qdisc) => ({ ...q, options: Object.fromEntries(keys.filter((k) => k in q.options).map((k) => [k, q.options[k]])) });
    const [w, h] = [qdiscSettingsInWords(pick(want)), qdiscSettingsInWords(pick(have))];
    const out = w !== h ? [`${op.dev}'s ${have.kind} is set to ${h || 'nothing'}; the plan intended ${w || 'nothing'}.`] : [];
    // Nothing of the old tree may be left under the new root (tbf's own class is intended).
    return [...out, ...treeDifferences(op.dev, intended, after, true)];
  },
});
