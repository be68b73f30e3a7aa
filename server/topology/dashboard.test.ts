import { describe, expect, it } from 'vitest';
import type { Counters } from './model';
import { summarizeInterfaces } from './dashboard';

const c = (bytes: number): Counters => ({ rxBytes: bytes, txBytes: bytes, rxPackets: 0, txPackets: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0 });

describe('summarizeInterfaces', () => {
  const points = [
    { at: 0, counters: { eth0: c(0), eth1: c(0), lo: c(0) }, up: { eth0: true, eth1: true, lo: true } },
    { at: 5000, counters: { eth0: c(5000), eth1: c(0), lo: c(0) }, up: { eth0: true, eth1: false, lo: true } },
    { at: 10000, counters: { eth0: c(10000), eth1: c(0), lo: c(0) }, up: { eth0: true, eth1: true, lo: true } },
    { at: 15000, counters: { eth0: c(15000), eth1: c(0), lo: c(0) }, up: { eth0: true, eth1: false, lo: true } },
  ];

  it('gives latest rates and a series per interface, without loopback', () => {
    const rows = summarizeInterfaces(points, null);
    expect(rows.map((r) => r.name)).toEqual(['eth0', 'eth1']);
    const eth0 = rows[0]!;
    expect(eth0.series).toHaveLength(3);
    expect(eth0.latest).toMatchObject({ rxBps: 8000, txBps: 8000 });
    expect(eth0).toMatchObject({ up: true, transitions: 0, flapping: false });
  });

  it('marks a link that went down and up repeatedly as flapping, and reports it down now', () => {
    const eth1 = summarizeInterfaces(points, null)[1]!;
    expect(eth1).toMatchObject({ up: false, transitions: 3, flapping: true });
  });
});
