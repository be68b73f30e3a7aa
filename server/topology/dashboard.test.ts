import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Counters, Topology } from './model';
import { parseProbeOutput } from './parse';
import { quietBecause, summarizeInterfaces } from './dashboard';

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

describe('quietBecause: no carrier that is normal is not an alarm', () => {
  const hv1 = parseProbeOutput(readFileSync(new URL('./parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;

  it("says why: a paused VM's tap, a libvirt network's bridge with no VM running on it", () => {
    const tap = hv1.interfaces.find((i) => i.owner)!;
    const vm = hv1.vms.find((v) => v.name === tap.owner!.vm)!;
    const paused: Topology = { ...hv1, vms: hv1.vms.map((v) => (v.name === vm.name ? { ...v, state: 'paused' } : v)) };
    expect(quietBecause(paused, tap.name)).toBe(`${vm.name} is paused`);
    const routed = hv1.networks.find((n) => n.name === 'routed')!;
    const allIdle: Topology = { ...hv1, vms: hv1.vms.map((v) => ({ ...v, state: 'shut off' })) };
    expect(quietBecause(allIdle, routed.bridge!)).toBe('no VM on network routed is running');
  });

  it('says nothing for a physical link or a network a running VM uses', () => {
    expect(quietBecause(hv1, 'eth1')).toBeNull();
    const running: Topology = { ...hv1, vms: hv1.vms.map((v) => ({ ...v, state: 'running', nics: v.nics.map((n) => ({ ...n, bridge: 'virbr0' })) })) };
    expect(quietBecause(running, 'virbr0')).toBeNull();
    expect(quietBecause(null, 'eth1')).toBeNull();
  });

  it('is only given for a link that is down', () => {
    const rows = summarizeInterfaces([{ at: 0, counters: { virbr2: c(0) }, up: { virbr2: true } }], { ...hv1, vms: [] });
    expect(rows.find((r) => r.name === 'virbr2')!.quietBecause).toBeNull();
    const down = summarizeInterfaces([{ at: 0, counters: { virbr2: c(0) }, up: { virbr2: false } }], { ...hv1, vms: [] });
    expect(down.find((r) => r.name === 'virbr2')!.quietBecause).toBe('no VM on network routed is running');
  });
});
