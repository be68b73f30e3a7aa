// How tc and the kernel round the sizes and times of traffic control, so that what Switchboard
// sends reads back as what it means to restore. Pure.
//
// The model holds a qdisc's or class's numbers as tc printed them, and tc does not print what it
// was given: it converts a burst in bytes to a transmit time in psched ticks (what the kernel
// keeps) and converts the ticks back when it prints, truncating on the way. Sending the printed
// burst again therefore reads back smaller (seen here with iproute2 6.1 on a 6.18 kernel: an HTB
// class burst printed as 1597b came back as 1595b; at 1 Gbit/s 1375b came back as 1250b; a tbf
// burst of 32767 came back as 32766). To restore exactly, Switchboard looks for the value whose
// printed form is the one it read, with the same arithmetic, taken from iproute2's tc_core.c
// and the kernel's sch_generic.c.
import type { Topology } from '@/server/topology/model';

/**
 * iproute2 before 6.15 converts through whole microseconds (tc_core_time2tick and
 * tc_core_tick2time take and return unsigned int); 6.15 does it in floating point and rounds the
 * transmit time up (commit d947f365, "tc: Fix rounding in tc_calc_xmittime and tc_calc_xmitsize").
 */
export type TcArithmetic = 'whole-microseconds' | 'fractional';

/**
 * The host's tc, from the version `ip -V` printed ("iproute2-6.1.0, libbpf 1.1.2"; "6.1.0").
 * Unknown and date-stamped releases ("iproute2-ss200127", before 5.x) are the older kind.
 */
export function tcArithmeticOf(t: Pick<Topology, 'host'>): TcArithmetic {
  const m = /(?:^|iproute2-)(\d+)\.(\d+)/.exec(t.host.iproute2 ?? '');
  if (!m) return 'whole-microseconds';
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 6 || (major === 6 && minor >= 15) ? 'fractional' : 'whole-microseconds';
}

/**
 * Psched ticks per microsecond as tc computes it from /proc/net/psched: every kernel since
 * 2.6.31 reports 1000 ns per µs and 64 ns per tick (PSCHED_SHIFT 6), so 1000/64.
 */
const TICKS_PER_US = 15.625;
const UINT_MAX = 2 ** 32 - 1;
const US_PER_S = 1e6;

/** tc_calc_xmittime: the ticks tc sends for `bytes` at `rate` bytes/s (HTB's buffer and cbuffer). */
export function tcTicksFor(rate: number, bytes: number, a: TcArithmetic): number {
  const us = US_PER_S * (bytes / rate);
  if (a === 'fractional') return Math.min(Math.ceil(us * TICKS_PER_US), UINT_MAX);
  return Math.trunc(Math.trunc(us) * TICKS_PER_US);
}

/** tc_core_time2tick of a time tc was given in whole µs (netem's delay and jitter: get_ticks). */
export function tcTimeTicks(us: number, a: TcArithmetic): number {
  return a === 'fractional' ? us * TICKS_PER_US : Math.trunc(Math.trunc(us) * TICKS_PER_US);
}

/** tc_core_tick2time: microseconds from ticks (truncated to whole ones by the older tc). */
export function tcMicrosecondsOf(ticks: number, a: TcArithmetic): number {
  return a === 'fractional' ? ticks / TICKS_PER_US : Math.trunc(ticks / TICKS_PER_US);
}

/** tc_calc_xmitsize: the bytes tc prints for `ticks` at `rate` bytes/s. */
export function tcBytesOf(rate: number, ticks: number, a: TcArithmetic): number {
  return Math.trunc((rate * tcMicrosecondsOf(ticks, a)) / US_PER_S);
}

/**
 * The ticks the kernel keeps for a tbf burst: since Linux 3.13 tc also sends the burst in bytes
 * (TCA_TBF_BURST) and tbf converts it itself (psched_l2t_ns with the rate's precomputed
 * multiplier and shift, then PSCHED_NS2TICKS).
 */
export function kernelTbfTicks(rate: number, bytes: number): number {
  const r = BigInt(Math.trunc(rate));
  let factor = 1_000_000_000n;
  let mult = 1n;
  let shift = 0n;
  // psched_ratecfg_precompute__: the largest shift whose multiplier still fits 32 bits.
  for (;;) {
    mult = factor / r;
    if (mult & (1n << 31n) || factor & (1n << 63n)) break;
    factor <<= 1n;
    shift++;
  }
  const ns = (BigInt(bytes) * (mult & 0xffffffffn)) >> shift;
  return Number((ns >> 6n) & 0xffffffffn);
}

/** C's rint: halves to even. */
const rint = (v: number) => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** sprint_size: how tc's text prints a size ("1600b", "16Kb" for 16369-16399 bytes, "3Mb"). */
export function tcSizeText(bytes: number): string {
  const kilo = 1024;
  const mega = kilo * kilo;
  if (bytes >= mega && Math.abs(mega * rint(bytes / mega) - bytes) < 1024) return `${rint(bytes / mega)}Mb`;
  if (bytes >= kilo && Math.abs(kilo * rint(bytes / kilo) - bytes) < 16) return `${rint(bytes / kilo)}Kb`;
  return `${Math.trunc(bytes)}b`;
}

/** print_rate: how tc's text prints a rate of `bytesPerSecond` ("10Mbit", "1234Kbit" for 1234567 bit/s). */
export function tcRateText(bytesPerSecond: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let rate = bytesPerSecond * 8;
  let i = 0;
  for (; i < units.length - 1; i++) {
    if (rate < 1000) break;
    if (rate % 1000 !== 0 && rate < 1000 * 1000) break;
    rate = Math.trunc(rate / 1000);
  }
  return `${rate}${units[i]}bit`;
}

/** The printed burst of an HTB class of `rate` bytes/s given `bytes` (tc computes the ticks). */
export const htbBurstText = (rate: number, bytes: number, a: TcArithmetic) => tcSizeText(tcBytesOf(rate, tcTicksFor(rate, bytes, a), a));

/** The burst tc -j prints for a tbf of `rate` bytes/s given `bytes` (the kernel computes the ticks). */
export const tbfBurstPrinted = (rate: number, bytes: number, a: TcArithmetic) => tcBytesOf(rate, kernelTbfTicks(rate, bytes), a);

/**
 * tbf's `limit` as tc computes it from a latency in µs (rate × latency + burst, truncated), and
 * the latency tc -j prints back from it (the queue's time beyond the burst); null when negative
 * (tc then prints the limit instead).
 */
export const tbfLimitFor = (rate: number, burstBytes: number, latencyUs: number) => Math.trunc((rate * latencyUs) / US_PER_S + burstBytes);
export function tbfLatencyPrinted(rate: number, burstBytes: number, limit: number, a: TcArithmetic): number | null {
  const lat = US_PER_S * (limit / rate) - tcMicrosecondsOf(kernelTbfTicks(rate, burstBytes), a);
  return lat >= 0 ? Math.trunc(lat) : null;
}

/**
 * The smallest whole number near `around` for which `printed` gives `want`, or null. Sizes print
 * smaller than given, and by more at high rates (a microsecond is 125 bytes at 1 Gbit/s), so the
 * search reaches `above` higher and `below` lower.
 */
export function searchNear<T>(around: number, above: number, want: T, printed: (n: number) => T, below = 4): number | null {
  // The value itself first: when it prints as read, it is also what a person would have typed.
  if (around >= 1 && printed(around) === want) return around;
  for (let n = Math.max(1, Math.floor(around - below)); n <= Math.ceil(around + above); n++) if (printed(n) === want) return n;
  return null;
}
