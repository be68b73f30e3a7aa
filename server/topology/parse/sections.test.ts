// A kernel read (KERNEL_SECTIONS only) laid over the last full read: what the host's watch
// parses after a kernel event (live/host-watch.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_SECTIONS, SECTION_END, SECTION_MARK } from '../probe';
import { parseProbeOutput } from './index';
import { overlaySections, splitSections } from './sections';

const full = readFileSync(new URL('./fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');

/** The kernel's sections of a full output, as the kernel-only probe prints them. */
const kernelPart = (output: string, edit: (name: string, body: string) => string = (_, b) => b) =>
  [...splitSections(output)]
    .filter(([name]) => KERNEL_SECTIONS.includes(name))
    .map(([name, s]) => `\n${SECTION_MARK}${name}@@\n${edit(name, s.body)}\n${SECTION_END}${name}:${s.exitCode}@@\n`)
    .join('');

describe('overlaySections', () => {
  it('laid over itself, the kernel part changes nothing the parser reads', () => {
    expect(parseProbeOutput(overlaySections(full, kernelPart(full))).topology).toEqual(parseProbeOutput(full).topology);
  });

  it("takes the kernel's sections from the partial read and everything else from the full one", () => {
    // The partial read sees veth-b at MTU 1400; libvirt, the host's name and the firewall come from the full read.
    const partial = kernelPart(full, (name, body) => (name === 'link' ? body.replace(/("ifname":"veth-b"[^}]*?"mtu":)1500/, '$11400') : body));
    expect(partial).toContain('1400');
    const before = parseProbeOutput(full).topology;
    const after = parseProbeOutput(overlaySections(full, partial)).topology;
    expect(after.interfaces.find((i) => i.name === 'veth-b')?.mtu).toBe(1400);
    expect(after.host.hostname).toBe(before.host.hostname);
    expect(after.vms).toEqual(before.vms);
    expect(after.networks).toEqual(before.networks);
    expect(after.interfaces.filter((i) => i.name !== 'veth-b')).toEqual(before.interfaces.filter((i) => i.name !== 'veth-b'));
  });

  it('refuses a partial read cut short, as it refuses a full one', () => {
    const cut = kernelPart(full).slice(0, -40);
    expect(() => overlaySections(full, cut)).toThrow(/ended inside this section/);
  });
});

describe('overlaySections across the probe change of December 2026', () => {
  it('does not keep the counters of an older full read when the kernel read carries them in its link read', () => {
    // The watch's last full read is from before the upgrade (link_stats of its own); the kernel
    // read after it has the counters inside `link`. The old link_stats must not stand beside it.
    const sections = splitSections(full);
    const links = (JSON.parse(sections.get('link')!.body) as { ifname: string }[]).map((l) => ({ ...l, stats64: { rx: { bytes: 7, packets: 1 }, tx: { bytes: 9, packets: 1 } } }));
    const partial = kernelPart(full, (name, body) => (name === 'link' ? JSON.stringify(links) : body))
      .replace(/\n@@sb:link_stats@@\n[\s\S]*?\n@@sb-end:link_stats:\d+@@\n/, '\n');
    expect(partial).not.toContain('link_stats');
    const laid = overlaySections(full, partial);
    expect(laid).not.toContain('@@sb:link_stats@@');
    const { counters } = parseProbeOutput(laid);
    expect(counters.lo).toMatchObject({ rxBytes: 7, txBytes: 9 });
  });
});
