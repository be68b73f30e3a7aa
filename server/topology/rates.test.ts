import { describe, expect, it } from 'vitest';
import type { Counters } from './model';
import { formatBits, interfaceRates } from './rates';

const c = (rxBytes: number, txBytes: number, extra: Partial<Counters> = {}): Counters => ({
  rxBytes,
  txBytes,
  rxPackets: rxBytes / 100,
  txPackets: txBytes / 100,
  rxErrors: 0,
  txErrors: 0,
  rxDropped: 0,
  txDropped: 0,
  ...extra,
});

describe('interfaceRates', () => {
  it('computes bits and packets per second between samples', () => {
    const rates = interfaceRates([
      { at: 0, counters: { eth0: c(0, 0) } },
      { at: 5000, counters: { eth0: c(625_000, 125_000, { rxDropped: 10 }) } },
    ]);
    expect(rates.eth0).toEqual([{ at: 5000, rxBps: 1_000_000, txBps: 200_000, rxPps: 1250, txPps: 250, dropsPs: 2, errorsPs: 0 }]);
  });

  it('skips an interval where a counter went backwards (reset) and interfaces that just appeared', () => {
    const rates = interfaceRates([
      { at: 0, counters: { eth0: c(1000, 1000) } },
      { at: 1000, counters: { eth0: c(10, 10), eth1: c(5, 5) } },
      { at: 2000, counters: { eth0: c(1010, 10), eth1: c(5, 5) } },
    ]);
    expect(rates.eth0!.map((r) => r.at)).toEqual([2000]);
    expect(rates.eth0![0]!.rxBps).toBe(8000);
    expect(rates.eth1).toEqual([{ at: 2000, rxBps: 0, txBps: 0, rxPps: 0, txPps: 0, dropsPs: 0, errorsPs: 0 }]);
  });
});

describe('formatBits', () => {
  it.each([
    [0, '0 bit/s'],
    [999, '999 bit/s'],
    [1_500, '1.5 kbit/s'],
    [250_000_000, '250 Mbit/s'],
    [10_000_000_000, '10.0 Gbit/s'],
  ])('%d -> %s', (bps, text) => expect(formatBits(bps)).toBe(text));
});
