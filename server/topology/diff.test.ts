import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, describeChange, diffTopology, topologyHash } from './diff';
import type { Topology } from './model';
import { parseProbeOutput } from './parse';

const base = parseProbeOutput(readFileSync(new URL('./parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;
const copy = (): Topology => structuredClone(base);

describe('topology hash', () => {
  it('is the same for the same content in any key order, and differs on any change', () => {
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const reordered = reverseKeys(base) as Topology;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(base));
    expect(topologyHash(reordered)).toBe(topologyHash(base));
    const changed = copy();
    changed.interfaces[0]!.mtu += 1;
    expect(topologyHash(changed)).not.toBe(topologyHash(base));
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });
});

describe('diffTopology', () => {
  it('finds nothing between equal topologies', () => {
    expect(diffTopology(base, copy())).toEqual([]);
  });

  it('does not report what a read could not see as removed', () => {
    const probe = readFileSync(new URL('./parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
    const breakSection = (section: string) => parseProbeOutput(probe.replace(new RegExp(`(@@sb:${section}@@\\n)[\\s\\S]*?(\\n@@sb-end:${section}:)`), '$1{"not":"understood"}$2')).topology;
    for (const section of ['addr', 'route', 'qdisc', 'bridge_vlan', 'virsh_xml']) {
      const blind = breakSection(section);
      expect(blind.missing.map((m) => m.section)).toEqual([section]);
      // Neither when the section goes unreadable nor when it comes back.
      expect(diffTopology(base, blind)).toEqual([]);
      expect(diffTopology(blind, base)).toEqual([]);
    }
    // What the read did see still counts.
    const blind = breakSection('addr');
    blind.interfaces.find((i) => i.name === 'eth3')!.mtu = 9000;
    expect(diffTopology(base, blind)).toEqual([{ entity: 'interface', name: 'eth3', change: 'changed', fields: { mtu: [1500, 9000] } }]);
  });

  it('does not compare reads by different parser versions (a newly read field is not a change)', () => {
    const older = { ...copy(), modelVersion: undefined } as unknown as Topology;
    for (const n of older.networks) n.mtu = null;
    const now = copy();
    now.networks[0]!.mtu = 9000;
    expect(diffTopology(older, now)).toEqual([]);
    expect(diffTopology({ ...older, modelVersion: now.modelVersion }, now)).toHaveLength(1);
  });

  it('ignores link runtime state (operstate, carrier, STP port state) in changes and in the hash', () => {
    const after = copy();
    const eth1 = after.interfaces.find((i) => i.name === 'eth1')!;
    eth1.operstate = 'DOWN';
    eth1.carrier = false;
    eth1.bridgePort!.state = 'listening';
    expect(diffTopology(base, after)).toEqual([]);
    expect(topologyHash(after)).toBe(topologyHash(base));
    eth1.mtu = 9000;
    expect(topologyHash(after)).not.toBe(topologyHash(base));
  });

  it('names added, removed and changed interfaces, VMs and networks with the fields that moved', () => {
    const after = copy();
    after.interfaces.find((i) => i.name === 'eth3')!.mtu = 9000;
    after.interfaces = after.interfaces.filter((i) => i.name !== 'veth-b');
    after.vms = after.vms.filter((v) => v.name !== 'build1');
    after.vms.find((v) => v.name === 'web1')!.state = 'running';
    after.networks.push({ ...after.networks[0]!, name: 'extra', uuid: 'x' });
    const changes = diffTopology(base, after);
    expect(changes).toEqual(
      expect.arrayContaining([
        { entity: 'interface', name: 'eth3', change: 'changed', fields: { mtu: [1500, 9000] } },
        { entity: 'interface', name: 'veth-b', change: 'removed' },
        { entity: 'vm', name: 'build1', change: 'removed' },
        { entity: 'vm', name: 'web1', change: 'changed', fields: { state: ['paused', 'running'] } },
        { entity: 'network', name: 'extra', change: 'added' },
      ]),
    );
    expect(changes).toHaveLength(5);
    expect(changes.map(describeChange)).toContain('interface eth3: mtu 1500 → 9000');
  });
});

describe('tc filters in the history', () => {
  const probe = readFileSync(new URL('./parse/fixtures/scratch-qos1.probe.txt', import.meta.url), 'utf8');
  const qos = parseProbeOutput(probe).topology;
  const clone = (): Topology => structuredClone(qos);
  const eth2Web = (t: Topology) => t.filters!.find((f) => f.dev === 'eth2' && f.pref === 2)!;

  it('reports a filter steered elsewhere, named by its device, place and match', () => {
    const after = clone();
    eth2Web(after).classid = '1:10';
    expect(diffTopology(qos, after)).toEqual([{ entity: 'filter', name: 'eth2 1: pref 2 u32: TCP dst port 80', change: 'changed', fields: { classid: ['1:20', '1:10'] } }]);
    expect(topologyHash(after)).not.toBe(topologyHash(qos));
  });

  it('reports a filter that matches something else as one removed and one added', () => {
    const after = clone();
    eth2Web(after).match = 'TCP dst port 443';
    expect(diffTopology(qos, after).map(describeChange)).toEqual(['filter eth2 1: pref 2 u32: TCP dst port 443 added', 'filter eth2 1: pref 2 u32: TCP dst port 80 removed']);
  });

  it('does not count a handle the kernel picked (the same filter made again) as a change', () => {
    const after = clone();
    eth2Web(after).handle = '80a::800';
    expect(diffTopology(qos, after)).toEqual([]);
    expect(topologyHash(after)).toBe(topologyHash(qos));
  });

  it('does not report filters as removed when a read could not see them', () => {
    const blind = parseProbeOutput(probe.replace('@@filters eth2 1:@@\n', '@@filters eth2 1:@@\nnot json\n')).topology;
    expect(blind.missing.map((m) => m.section)).toContain('filter');
    expect(diffTopology(qos, blind)).toEqual([]);
  });
});
