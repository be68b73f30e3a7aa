// A device's traffic control (tc) as the model holds it, turned back into the `tc` commands
// that re-create it: the root qdisc with its options, its classes and the qdiscs under them,
// and its filters. What an undo of a qdisc change runs, and what Revert's restoreQdiscTree
// renders. Pure.
//
// Only what comes back exactly is re-created: a qdisc, class or filter this module cannot
// write so makes the whole tree refused, with a sentence that names it, before anything runs.
// "Exactly" is as exact as the read: the model holds what tc prints, and tc does not print
// everything (an HTB class's quantum, an inner HTB class's priority, netem's delay
// distribution, filters of qdiscs the probe does not ask, such as sfq's); those come back as
// tc's defaults.
import { LEGACY_OPTIONS_KEY, type Qdisc, type TcClass, type TcFilter, type Topology } from '@/server/topology/model';
import { parseTcRate, parseTcSize } from '@/server/topology/words';
import { SAFE_ARG, type Argv } from './commands';
import {
  htbBurstText,
  searchNear,
  tbfBurstPrinted,
  tbfLatencyPrinted,
  tbfLimitFor,
  tcArithmeticOf,
  tcMicrosecondsOf,
  tcRateText,
  tcTimeTicks,
  type TcArithmetic,
} from './tc-arithmetic';
import { flowerMatchArgs } from './tc-flower';
import { u32MatchArgs } from './tc-u32';

/** The handle Switchboard gives the root qdiscs it sets. */
export const ROOT_HANDLE = '1:';

/** Takes a device's root qdisc off; the kernel attaches its default again. Ingress stays. */
export const deleteRootArgv = (dev: string): Argv => ['tc', 'qdisc', 'del', 'dev', dev, 'root'];

/**
 * What hangs off a device's root: qdiscs (root first), classes and filters. Ingress and clsact
 * stand beside it (their own parent, ffff:fff1) and are no part of it.
 */
export interface RootTree {
  qdiscs: Qdisc[];
  classes: TcClass[];
  filters: TcFilter[];
}

/** ingress and clsact hang off ffff:fff1; their filters' parents are ffff:, ffff:fff2 and ffff:fff3. */
const INGRESS_PARENT = 'ffff:fff1';
const onIngressSide = (q: Qdisc) => q.parent === INGRESS_PARENT || q.kind === 'ingress' || q.kind === 'clsact';
const filterOnIngressSide = (f: TcFilter) => f.parent.startsWith('ffff:');

export function rootTreeOf(t: Topology, dev: string): RootTree {
  const qdiscs = t.qdiscs.filter((q) => q.dev === dev && !onIngressSide(q));
  return {
    qdiscs: [...qdiscs.filter((q) => q.root), ...qdiscs.filter((q) => !q.root)],
    classes: t.classes.filter((c) => c.dev === dev),
    filters: (t.filters ?? []).filter((f) => f.dev === dev && !filterOnIngressSide(f)),
  };
}

/** The topology with `dev`'s root tree taken away (what deleting or replacing its root does). */
export function withoutRootTree(t: Topology, dev: string): Topology {
  const tree = rootTreeOf(t, dev);
  const gone = <T>(xs: T[], of: T[]) => xs.filter((x) => !of.includes(x));
  return { ...t, qdiscs: gone(t.qdiscs, tree.qdiscs), classes: gone(t.classes, tree.classes), ...(t.filters ? { filters: gone(t.filters, tree.filters) } : {}) };
}

/** The topology with `tree` as `dev`'s root tree, in place of the one it has. */
export function withRootTree(t: Topology, dev: string, tree: RootTree): Topology {
  const bare = withoutRootTree(t, dev);
  return { ...bare, qdiscs: [...bare.qdiscs, ...tree.qdiscs], classes: [...bare.classes, ...tree.classes], filters: [...(bare.filters ?? []), ...tree.filters] };
}

const majorOf = (id: string) => `${id.split(':')[0] || '0'}:`;
const majorNumber = (id: string) => Number.parseInt(id.split(':')[0] || '0', 16);

/** A handle the kernel chose (0:, or 8000: and up for a qdisc created without one), as topology/diff.ts treats them. */
export const kernelPickedHandle = (handle: string) => majorNumber(handle) === 0 || majorNumber(handle) >= 0x8000;

/** Qdiscs the kernel attaches by itself: noqueue on virtual devices, mq on multiqueue NICs, and net.core.default_qdisc (pfifo_fast, fq_codel, fq). */
const KERNEL_DEFAULT_KINDS = new Set(['noqueue', 'noop', 'pfifo_fast', 'fq_codel', 'fq', 'mq']);

/**
 * A qdisc the kernel attached itself: handle 0: (tc cannot give a qdisc that handle, so any
 * default_qdisc the host chose counts), or a default kind with a handle it picked.
 */
const kernelAttached = (q: Qdisc) => majorNumber(q.handle) === 0 || (kernelPickedHandle(q.handle) && KERNEL_DEFAULT_KINDS.has(q.kind));

/**
 * Whether a device's root tree is the kernel's own (what `tc qdisc del dev D root` brings back):
 * nothing read at all (a down device's noop is not listed), or qdiscs the kernel attached, mq's
 * per-queue classes, and no filters.
 */
export function isKernelDefault(tree: RootTree): boolean {
  return tree.qdiscs.every(kernelAttached) && tree.classes.every((c) => c.kind === 'mq') && !tree.filters.length;
}

/** The root qdisc of a tree that is not the kernel's default. */
export const rootQdiscOf = (tree: RootTree): Qdisc | undefined => tree.qdiscs.find((q) => q.root);

// ---- Arguments tc takes back ----

/** A rate of `bytes` per second as tc takes it: its own printed form when that is exact ("10Mbit"), else in bits. */
export function rateArg(bytes: number): string {
  const text = tcRateText(bytes);
  return parseTcRate(text) === bytes * 8 ? text : `${bytes * 8}bit`;
}

/** A time in µs as tc takes it ("50ms", "2500us"). */
export const timeArg = (us: number) => (us % 1000 === 0 ? `${us / 1000}ms` : `${us}us`);

/**
 * netem's percentages: tc takes the number alone as a percentage (parse_percent: "%" is
 * optional, and outside the runner's safe characters). tc prints a fraction with six
 * significant digits, so six give it back.
 */
export const percentArg = (fraction: number) => String(Number((fraction * 100).toPrecision(6)));

/** tc's arguments for one part of a tree, or why Switchboard cannot write it exactly (a phrase: "a flower filter"). */
export type Args = { args: string[] } | { why: string };
const fail = (why: string): Args => ({ why });

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const record = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Keys of `o` beyond `known`: options tc printed that Switchboard does not set. */
const unknownKeys = (o: Record<string, unknown>, known: readonly string[]) => Object.keys(o).filter((k) => !known.includes(k));

// One function per qdisc kind: its options as tc -j reports them, back to tc's arguments.
// `what` names the qdisc in a refusal ("a tbf qdisc (1:)").

function htbArgs(o: Record<string, unknown>, what: string): Args {
  const extra = unknownKeys(o, ['r2q', 'default', 'direct_qlen', 'direct_packets_stat']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const def = typeof o.default === 'string' ? /^(?:0x([0-9a-f]+)|0)$/.exec(o.default) : null;
  if (!def) return fail(`${what} without a default class in the read`);
  const r2q = num(o.r2q);
  const directQlen = num(o.direct_qlen);
  // tc reads htb's default class in hex (class 1:20 is "default 20").
  return { args: ['htb', 'default', def[1] ?? '0', ...(r2q !== null ? ['r2q', String(r2q)] : []), ...(directQlen !== null ? ['direct_qlen', String(directQlen)] : [])] };
}

function tbfArgs(o: Record<string, unknown>, what: string, a: TcArithmetic): Args {
  const extra = unknownKeys(o, ['rate', 'burst', 'lat', 'limit']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const rate = num(o.rate);
  const burst = num(o.burst);
  if (rate === null || rate <= 0 || burst === null) return fail(`${what} without a rate or burst in the read`);
  // The burst whose printed form is the one read (tc-arithmetic.ts): up to two microseconds' worth larger.
  const bytes = searchNear(burst, (2 * rate) / 1e6 + 2, burst, (n) => tbfBurstPrinted(rate, n, a));
  if (bytes === null) return fail(`${what} whose burst (${burst} bytes)`);
  const lat = num(o.lat);
  const limit = num(o.limit);
  if (lat !== null) {
    // A latency gives the same printed latency when it is the one read; else the limit behind it.
    const printed = (latencyUs: number) => tbfLatencyPrinted(rate, bytes, tbfLimitFor(rate, bytes, latencyUs), a);
    const latencyUs = searchNear(lat, 2, lat, printed);
    if (latencyUs !== null) return { args: ['tbf', 'rate', rateArg(rate), 'burst', String(bytes), 'latency', timeArg(latencyUs)] };
    const queue = searchNear(tbfLimitFor(rate, bytes, lat), rate / 1e6 + 2, lat, (n) => tbfLatencyPrinted(rate, bytes, n, a));
    if (queue === null) return fail(`${what} whose latency (${lat} µs)`);
    return { args: ['tbf', 'rate', rateArg(rate), 'burst', String(bytes), 'limit', String(queue)] };
  }
  if (limit === null) return fail(`${what} without a latency or limit in the read`);
  return { args: ['tbf', 'rate', rateArg(rate), 'burst', String(bytes), 'limit', String(limit)] };
}

/** netem's probabilities, each `{<name>: fraction, correlation: fraction}`: "loss 1 25" (percent, then correlation). */
function netemChance(o: Record<string, unknown>, key: string, field: string, word: string): string[] | null {
  const r = record(o[key]);
  const f = num(r?.[field]);
  if (!r || f === null) return null;
  const corr = num(r.correlation) ?? 0;
  return [word, percentArg(f), ...(corr > 0 ? [percentArg(corr)] : [])];
}

/** tc -j's netem times: seconds with six significant digits (%g), from whole microseconds before iproute2 6.15 (tc-arithmetic.ts). */
export const netemPrintedSeconds = (us: number, a: TcArithmetic) => Number((tcMicrosecondsOf(tcTimeTicks(us, a), a) / 1e6).toPrecision(6));

/** The microseconds to send for a netem time tc printed as `seconds`, or null. */
const netemTimeUs = (seconds: number, a: TcArithmetic) => searchNear(Math.round(seconds * 1e6), 2 + seconds * 10, seconds, (us) => netemPrintedSeconds(us, a), 4 + seconds * 10);

function netemArgs(o: Record<string, unknown>, what: string, a: TcArithmetic): Args {
  const extra = unknownKeys(o, ['limit', 'delay', 'loss-random', 'duplicate', 'reorder', 'corrupt', 'rate', 'ecn', 'gap']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const args = ['netem'];
  const limit = num(o.limit);
  if (limit !== null && limit !== NETEM_DEFAULT_LIMIT) args.push('limit', String(limit));
  const delay = record(o.delay);
  if (delay) {
    const d = num(delay.delay);
    if (d === null) return fail(`${what} without a delay in the read`);
    const jitter = num(delay.jitter) ?? 0;
    const corr = num(delay.correlation) ?? 0;
    const [delayUs, jitterUs] = [netemTimeUs(d, a), jitter > 0 ? netemTimeUs(jitter, a) : 0];
    if (delayUs === null || jitterUs === null) return fail(`${what} whose delay (${d} s ± ${jitter} s)`);
    args.push('delay', timeArg(delayUs), ...(jitter > 0 || corr > 0 ? [timeArg(jitterUs)] : []), ...(corr > 0 ? [percentArg(corr)] : []));
  }
  for (const [key, field, word] of [['loss-random', 'loss', 'loss'], ['duplicate', 'duplicate', 'duplicate'], ['corrupt', 'corrupt', 'corrupt'], ['reorder', 'reorder', 'reorder']] as const) {
    const chance = netemChance(o, key, field, word);
    if (chance) args.push(...chance);
  }
  // tc sets gap 1 with any reorder (q_netem.c), and refuses a gap without one.
  const gap = num(o.gap) ?? 0;
  if (o.reorder !== undefined ? gap > 1 : gap > 0) {
    if (o.reorder === undefined) return fail(`${what} with a gap but no reordering`);
    args.push('gap', String(gap));
  }
  const rate = record(o.rate);
  if (rate) {
    const bytes = num(rate.rate);
    if (bytes === null) return fail(`${what} without a rate in the read`);
    const [packet, cell, cellOverhead] = [num(rate.packetoverhead) ?? 0, num(rate.cellsize) ?? 0, num(rate.celloverhead) ?? 0];
    // Positional after the rate: packet overhead, cell size, cell overhead.
    const tail = cellOverhead ? [packet, cell, cellOverhead] : cell ? [packet, cell] : packet ? [packet] : [];
    args.push('rate', rateArg(bytes), ...tail.map(String));
  }
  if (o.ecn === true) args.push('ecn');
  return { args };
}

/** netem's queue when none is given (q_netem.c). */
export const NETEM_DEFAULT_LIMIT = 1000;

/**
 * fq_codel keeps its times in 1024 ns units (CODEL_SHIFT): 5 ms prints as 4999 µs and 4999 µs
 * sent back prints as 4998, so the time whose printed form is the one read is looked for.
 */
export const codelPrintedUs = (us: number) => Math.trunc((Math.trunc((us * 1000) / 1024) * 1024) / 1000);
const codelTimeArg = (printed: number) => {
  const us = searchNear(printed, 2, printed, codelPrintedUs);
  return us === null ? null : timeArg(us);
};

function fqCodelArgs(o: Record<string, unknown>, what: string): Args {
  const extra = unknownKeys(o, ['limit', 'flows', 'quantum', 'target', 'interval', 'memory_limit', 'ecn', 'drop_batch', 'ce_threshold']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const args = ['fq_codel'];
  for (const key of ['limit', 'flows', 'quantum', 'memory_limit', 'drop_batch'] as const) {
    const v = num(o[key]);
    if (v !== null) args.push(key, String(v));
  }
  for (const key of ['target', 'interval', 'ce_threshold'] as const) {
    const v = num(o[key]);
    if (v === null) continue;
    const time = codelTimeArg(v);
    if (time === null) return fail(`${what} whose ${key} (${v} µs)`);
    args.push(key, time);
  }
  // tc prints ecn only when it is on (the kernel's default).
  args.push(o.ecn === true ? 'ecn' : 'noecn');
  return { args };
}

function fifoArgs(kind: 'pfifo' | 'bfifo', o: Record<string, unknown>, what: string): Args {
  const extra = unknownKeys(o, ['limit']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const limit = num(o.limit);
  return { args: [kind, ...(limit !== null ? ['limit', String(limit)] : [])] };
}

function prioArgs(o: Record<string, unknown>, what: string): Args {
  const extra = unknownKeys(o, ['bands', 'priomap', 'multiqueue']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  if (o.multiqueue === true) return fail(`${what} in multiqueue mode`);
  const bands = num(o.bands);
  const priomap = Array.isArray(o.priomap) && o.priomap.every((p) => num(p) !== null) ? (o.priomap as number[]) : null;
  if (bands === null || !priomap) return fail(`${what} without its bands in the read`);
  return { args: ['prio', 'bands', String(bands), 'priomap', ...priomap.map(String)] };
}

function sfqArgs(o: Record<string, unknown>, what: string): Args {
  const extra = unknownKeys(o, ['limit', 'quantum', 'depth', 'headdrop', 'divisor', 'perturb', 'flows']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const args = ['sfq'];
  for (const key of ['limit', 'quantum', 'depth', 'divisor', 'perturb', 'flows'] as const) {
    const v = num(o[key]);
    if (v !== null) args.push(key, String(v));
  }
  if (o.headdrop === true) args.push('headdrop');
  return { args };
}

/** cake's modes as tc -j prints them are the words tc takes back; ack-filter's are not (q_cake.c). */
const CAKE_WORDS: Record<string, readonly string[]> = {
  diffserv: ['besteffort', 'diffserv3', 'diffserv4', 'diffserv8', 'precedence'],
  flowmode: ['flowblind', 'srchost', 'dsthost', 'hosts', 'flows', 'dual-srchost', 'dual-dsthost', 'triple-isolate'],
  atm: ['atm', 'ptm', 'noatm'],
};
const CAKE_ACK_FILTER: Record<string, string> = { disabled: 'no-ack-filter', enabled: 'ack-filter', aggressive: 'ack-filter-aggressive' };

function cakeArgs(o: Record<string, unknown>, what: string): Args {
  const extra = unknownKeys(o, ['bandwidth', 'autorate', 'diffserv', 'flowmode', 'nat', 'wash', 'ingress', 'ack-filter', 'split_gso', 'rtt', 'raw', 'atm', 'overhead', 'mpu', 'memlimit', 'fwmark']);
  if (extra.length) return fail(`${what} with settings Switchboard does not set (${extra.join(', ')})`);
  const args = ['cake'];
  const bandwidth = num(o.bandwidth);
  if (o.autorate === 'autorate-ingress') args.push('autorate-ingress');
  else if (o.autorate !== undefined) return fail(`${what} whose rate estimate (${String(o.autorate)})`);
  if (bandwidth !== null && bandwidth > 0) args.push('bandwidth', rateArg(bandwidth));
  else if (o.bandwidth === 'unlimited' || o.bandwidth === undefined) args.push('unlimited');
  else return fail(`${what} whose bandwidth (${String(o.bandwidth)})`);
  for (const key of ['diffserv', 'flowmode'] as const) {
    if (o[key] === undefined) continue;
    if (typeof o[key] !== 'string' || !CAKE_WORDS[key]!.includes(o[key])) return fail(`${what} whose ${key} (${String(o[key])})`);
    args.push(o[key]);
  }
  args.push(o.nat === true ? 'nat' : 'nonat', o.wash === true ? 'wash' : 'nowash', o.ingress === true ? 'ingress' : 'egress', o.split_gso === false ? 'no-split-gso' : 'split-gso');
  const ack = CAKE_ACK_FILTER[String(o['ack-filter'] ?? 'disabled')];
  if (!ack) return fail(`${what} whose ack filter (${String(o['ack-filter'])})`);
  args.push(ack);
  const rtt = num(o.rtt);
  if (rtt !== null && rtt > 0) args.push('rtt', timeArg(rtt));
  // "raw" is no overhead compensation at all; otherwise the overhead and the cell framing.
  if (o.raw === true) args.push('raw');
  else {
    const atm = o.atm ?? 'noatm';
    if (typeof atm !== 'string' || !CAKE_WORDS.atm!.includes(atm)) return fail(`${what} whose framing (${String(atm)})`);
    args.push(atm, 'overhead', String(num(o.overhead) ?? 0));
  }
  const mpu = num(o.mpu);
  if (mpu !== null && mpu > 0) args.push('mpu', String(mpu));
  const memlimit = num(o.memlimit);
  if (memlimit !== null && memlimit > 0) args.push('memlimit', String(memlimit));
  // A firewall mark that picks the tin: tc takes it back as a number.
  const fwmark = typeof o.fwmark === 'string' ? Number.parseInt(o.fwmark, o.fwmark.startsWith('0x') ? 16 : 10) : num(o.fwmark);
  if (o.fwmark !== undefined && (fwmark === null || Number.isNaN(fwmark))) return fail(`${what} whose fwmark (${String(o.fwmark)})`);
  if (fwmark) args.push('fwmark', `0x${fwmark.toString(16)}`);
  return { args };
}

/** A qdisc's kind and options as tc's arguments, or why Switchboard cannot write them exactly. */
export function qdiscArgs(q: Qdisc, a: TcArithmetic): Args {
  const what = `a ${q.kind} qdisc (${q.handle})`;
  const o = q.options;
  if (typeof o[LEGACY_OPTIONS_KEY] === 'string') return fail(`${what} whose settings this host's tc prints only as text`);
  switch (q.kind) {
    case 'htb':
      return htbArgs(o, what);
    case 'tbf':
      return tbfArgs(o, what, a);
    case 'netem':
      return netemArgs(o, what, a);
    case 'fq_codel':
      return fqCodelArgs(o, what);
    case 'pfifo':
    case 'bfifo':
      return fifoArgs(q.kind, o, what);
    case 'prio':
      return prioArgs(o, what);
    case 'sfq':
      return sfqArgs(o, what);
    case 'cake':
      return cakeArgs(o, what);
    case 'ingress':
      return Object.keys(o).length ? fail(`${what} with settings Switchboard does not set`) : { args: ['ingress'] };
    default:
      return fail(what);
  }
}

/** The bytes a printed size stands for may be a little more or less ("16Kb" is 16369-16399; "3Mb" within 1023 bytes). */
const sizeSlack = (text: string) => (/Mb$/i.test(text) ? 1024 : /Kb$/i.test(text) ? 16 : 0);

/** An HTB class's rate and burst as tc takes them back, or why not. */
export function htbClassArgs(c: TcClass, a: TcArithmetic): Args {
  const what = `an HTB class (${c.classid})`;
  if (c.burst === undefined || c.cburst === undefined) return fail(`${what} without a burst in the read`);
  const rates: string[] = [];
  const bursts: string[] = [];
  for (const [word, rateText, burstWord, burstText] of [['rate', c.rate, 'burst', c.burst], ['ceil', c.ceil, 'cburst', c.cburst]] as const) {
    const bits = rateText ? parseTcRate(rateText) : null;
    // tc prints a rate it was given back the same only in its own form ("1234Kbit" for 1234567 bit/s).
    if (bits === null || !Number.isInteger(bits / 8) || tcRateText(bits / 8) !== rateText) return fail(`${what} whose ${word} (${rateText ?? 'none'})`);
    const rate = bits / 8;
    const size = burstText ? parseTcSize(burstText) : null;
    const slack = burstText ? sizeSlack(burstText) : 0;
    const bytes = size === null ? null : searchNear(size, (2 * rate) / 1e6 + slack + 2, burstText, (n) => htbBurstText(rate, n, a), slack + 4);
    if (bytes === null) return fail(`${what} whose ${burstWord} (${burstText ?? 'none'})`);
    rates.push(word, rateText!);
    bursts.push(burstWord, String(bytes));
  }
  return { args: ['htb', ...rates, ...bursts, ...(c.prio !== null && c.prio !== undefined ? ['prio', String(c.prio)] : [])] };
}

/**
 * Classes a qdisc makes by itself, which come with it: tbf's and netem's one (for a child
 * qdisc), prio's bands, and the flows sfq and fq_codel list while they hold packets.
 */
const IMPLICIT_CLASS_KINDS = new Set(['tbf', 'netem', 'prio', 'sfq', 'fq_codel']);
/** Qdiscs whose one implicit class (H:1) holds a child qdisc; the probe does not list netem's classes. */
const ONE_CHILD_KINDS = new Set(['tbf', 'netem']);

/** u32's own hash tables (800: and up, one per priority) hold plain filters; lower ones are tables people made. */
function inOwnHashTable(f: TcFilter): boolean {
  if (!f.handle) return true;
  const [table = '', bucket = ''] = f.handle.split(':');
  return Number.parseInt(table, 16) >= 0x800 && (bucket === '' || Number.parseInt(bucket, 16) === 0);
}

/** A filter's classifier and match as tc takes them back (after `prio N`), or why not. */
export function filterArgs(f: TcFilter): Args {
  if (f.kind === 'fw') return fwFilterArgs(f);
  if (f.kind === 'flower') return flowerFilterArgs(f);
  if (f.kind !== 'u32') return fail(`a ${f.kind} filter`);
  if (f.actions.length) return fail(`a u32 filter with actions (${f.actions.join(', then ')})`);
  if (!inOwnHashTable(f)) return fail(`a u32 filter in a hash table of its own (${f.handle})`);
  const match = u32MatchArgs(f.protocol, f.match);
  if (!match) return fail(`a u32 filter whose match (${f.match})`);
  return { args: ['u32', ...match, ...(f.classid ? ['flowid', f.classid] : [])] };
}

/** "[IPv6, ]firewall mark 0x7[/0xff]": an fw filter's match as the parser words it, mark and mask as tc printed them. */
const FW_MATCH = /^(?:\S+, )?firewall mark (0x[0-9a-f]+)(?:\/(0x[0-9a-f]+))?$/;

/** An fw filter: the mark (and mask) is its handle, given before the classifier's name. */
function fwFilterArgs(f: TcFilter): Args {
  if (f.actions.length) return fail(`an fw filter with actions (${f.actions.join(', then ')})`);
  const m = FW_MATCH.exec(f.match);
  if (!m) return fail(`an fw filter whose match (${f.match})`);
  return { args: ['handle', m[2] ? `${m[1]}/${m[2]}` : m[1]!, 'fw', ...(f.classid ? ['classid', f.classid] : [])] };
}

/** A flower filter: its handle, and the match as flower's keys (tc-flower.ts). */
function flowerFilterArgs(f: TcFilter): Args {
  if (f.actions.length) return fail(`a flower filter with actions (${f.actions.join(', then ')})`);
  // Its handle as read: one the kernel picked anew could be one a later filter of the tree names.
  if (!f.handle) return fail('a flower filter without a handle');
  const match = flowerMatchArgs(f.protocol, f.match);
  if (!match) return fail(`a flower filter whose match (${f.match})`);
  return { args: ['handle', f.handle, 'flower', ...match, ...(f.classid ? ['classid', f.classid] : [])] };
}

/** A refusal in people's words: what is in the way, and what to do. */
export const cannotRestore = (dev: string, what: string) => `${dev}'s current tc tree holds ${what} Switchboard cannot put back exactly; remove it by hand first.`;

/**
 * The commands that build `tree` on `dev` once its root is the kernel's default again, in
 * order (each qdisc before its classes, each class before what hangs under it, filters last),
 * or why they cannot be written exactly. The tree must not be the kernel's default.
 */
export function restoreCommands(dev: string, tree: RootTree, a: TcArithmetic): { argvs: Argv[] } | { why: string } {
  const no = (what: string) => ({ why: cannotRestore(dev, what) });
  const root = rootQdiscOf(tree);
  if (!root) return no(`qdiscs without a root qdisc (${tree.qdiscs.map((q) => `${q.kind} ${q.handle}`).join(', ')})`);
  const out: Argv[] = [];
  const placed = new Set<string>();
  const qdiscByMajor = new Map(tree.qdiscs.map((q) => [majorOf(q.handle), q]));
  // A qdisc's parent exists once placed; tbf's and netem's one class (H:1) exists with its qdisc.
  const parentPlaced = (parent: string) => placed.has(parent) || (parent.endsWith(':1') && placed.has(majorOf(parent)) && ONE_CHILD_KINDS.has(qdiscByMajor.get(majorOf(parent))?.kind ?? ''));
  const queue: Qdisc[] = [root];
  while (queue.length) {
    const q = queue.shift()!;
    if (majorNumber(q.handle) === 0) return no(`a ${q.kind} qdisc without a handle of its own`);
    const args = qdiscArgs(q, a);
    if ('why' in args) return no(args.why);
    out.push(['tc', 'qdisc', 'add', 'dev', dev, ...(q.root ? ['root'] : ['parent', q.parent ?? '']), 'handle', q.handle, ...args.args]);
    placed.add(q.handle);
    // Its classes, each after its parent.
    let pending = tree.classes.filter((c) => majorOf(c.classid) === q.handle);
    while (pending.length) {
      const ready = pending.filter((c) => placed.has(c.parent ?? q.handle));
      if (!ready.length) break;
      for (const c of ready) {
        if (c.kind === 'htb' && q.kind === 'htb') {
          const classArgs = htbClassArgs(c, a);
          if ('why' in classArgs) return no(classArgs.why);
          out.push(['tc', 'class', 'add', 'dev', dev, 'parent', c.parent ?? q.handle, 'classid', c.classid, ...classArgs.args]);
        } else if (!(c.kind === q.kind && IMPLICIT_CLASS_KINDS.has(c.kind) && !c.rate)) {
          return no(`a ${c.kind} class (${c.classid})`);
        }
        placed.add(c.classid);
      }
      pending = pending.filter((c) => !ready.includes(c));
    }
    queue.push(...tree.qdiscs.filter((child) => !child.root && !placed.has(child.handle) && !queue.includes(child) && child.parent !== null && parentPlaced(child.parent)));
  }
  const stray = [
    ...tree.qdiscs.filter((q) => !placed.has(q.handle)).map((q) => `a ${q.kind} qdisc (${q.handle}) under ${q.parent ?? 'nothing'}`),
    ...tree.classes.filter((c) => !placed.has(c.classid)).map((c) => `a ${c.kind} class (${c.classid}) under ${c.parent ?? 'nothing'}`),
  ];
  if (stray.length) return no(`${stray.join(', ')}, a parent the read does not have, which`);
  const byPlace = (x: TcFilter, y: TcFilter) => majorNumber(x.parent) - majorNumber(y.parent) || x.parent.localeCompare(y.parent) || x.pref - y.pref;
  for (const f of [...tree.filters].sort(byPlace)) {
    if (!parentPlaced(f.parent)) return no(`a ${f.kind} filter on ${f.parent}, a parent the read does not have, which`);
    const args = filterArgs(f);
    if ('why' in args) return no(args.why);
    out.push(['tc', 'filter', 'add', 'dev', dev, 'parent', f.parent, 'protocol', f.protocol, 'prio', String(f.pref), ...args.args]);
  }
  // Values read from the host go on a command line: refused here, in words, rather than when rendered.
  const unsafe = out.flat().find((arg) => !SAFE_ARG.test(arg));
  if (unsafe !== undefined) return no(`a value Switchboard will not send to the host (${JSON.stringify(unsafe)}), which`);
  return { argvs: out };
}

/**
 * How to put `dev`'s current root tree back after its root is replaced or deleted: nothing
 * beyond deleting the new root when the kernel's default was there, else the tree's commands;
 * or why that cannot be done exactly.
 */
export function undoOfRootChange(t: Topology, dev: string): { kernelDefault: true } | { kernelDefault: false; argvs: Argv[] } | { why: string } {
  const tree = rootTreeOf(t, dev);
  if (isKernelDefault(tree)) return { kernelDefault: true };
  const root = rootQdiscOf(tree);
  // Under a default root (mq), a qdisc someone put on one queue would not come back with it.
  if (root && kernelAttached(root)) {
    const odd = tree.qdiscs.filter((q) => !kernelAttached(q));
    return { why: cannotRestore(dev, `${odd.map((q) => `a ${q.kind} qdisc (${q.handle})`).join(', ') || 'classes or filters'} under the kernel's default root, which`) };
  }
  const restored = restoreCommands(dev, tree, tcArithmeticOf(t));
  return 'why' in restored ? restored : { kernelDefault: false, argvs: restored.argvs };
}

/** Probe sections a qdisc change relies on for its undo. */
const TC_SECTIONS: Record<string, string> = { qdisc: 'queueing disciplines', class: 'tc classes', filter: 'tc filters' };

/** Why this read cannot plan an exact undo of a qdisc change on `dev`, or null. */
export function tcReadProblem(t: Topology, dev: string): string | null {
  const m = t.missing.find((x) => TC_SECTIONS[x.section]);
  if (m) return `This host's ${TC_SECTIONS[m.section]} could not be read (${m.reason}), so the tc tree of ${dev} cannot be put back exactly; refresh the host.`;
  const tree = rootTreeOf(t, dev);
  // Reads before filters were read hold none: a qdisc that classifies may have some.
  if (t.filters === undefined && tree.qdiscs.some((q) => q.kind === 'htb' || q.kind === 'prio')) return `This read of the host has no tc filters, so the tc tree of ${dev} cannot be put back exactly; refresh the host.`;
  // Reads before classes' bursts were read: an HTB class comes back only with them.
  if (tree.classes.some((c) => c.kind === 'htb' && c.burst === undefined)) return `This read of the host has no burst for ${dev}'s HTB classes, so its tc tree cannot be put back exactly; refresh the host.`;
  return null;
}
