// Rates from counter samples: bits and packets per second, drops and errors per second, per
// interface. Pure. A counter that went backwards (interface re-created, counter reset) gives
// no rate for that interval rather than a huge negative or wrapped one.
import type { Counters } from './model';

export interface RatePoint {
  at: number;
  rxBps: number;
  txBps: number;
  rxPps: number;
  txPps: number;
  /** Drops and errors per second, both directions. */
  dropsPs: number;
  errorsPs: number;
}

export interface CounterPointLike {
  at: Date | string | number;
  counters: Record<string, Counters>;
}

export function interfaceRates(points: readonly CounterPointLike[]): Record<string, RatePoint[]> {
  const out: Record<string, RatePoint[]> = {};
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1]!;
    const cur = points[i]!;
    const t0 = new Date(prev.at).getTime();
    const t1 = new Date(cur.at).getTime();
    const dt = (t1 - t0) / 1000;
    if (dt <= 0) continue;
    for (const [name, c] of Object.entries(cur.counters)) {
      const p = prev.counters[name];
      if (!p) continue;
      const d = (a: number, b: number) => a - b;
      const deltas = [d(c.rxBytes, p.rxBytes), d(c.txBytes, p.txBytes), d(c.rxPackets, p.rxPackets), d(c.txPackets, p.txPackets)];
      if (deltas.some((x) => x < 0)) continue;
      (out[name] ??= []).push({
        at: t1,
        rxBps: (deltas[0]! * 8) / dt,
        txBps: (deltas[1]! * 8) / dt,
        rxPps: deltas[2]! / dt,
        txPps: deltas[3]! / dt,
        dropsPs: Math.max(0, c.rxDropped + c.txDropped - p.rxDropped - p.txDropped) / dt,
        errorsPs: Math.max(0, c.rxErrors + c.txErrors - p.rxErrors - p.txErrors) / dt,
      });
    }
  }
  return out;
}

/** "1.2 Mbit/s" style, for badges and tooltips. */
export function formatBits(bps: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bps;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}
