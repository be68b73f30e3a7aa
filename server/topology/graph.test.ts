import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topologyToGraph } from './graph';
import { parseProbeOutput } from './parse';

const t = parseProbeOutput(readFileSync(new URL('./parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;

describe('topologyToGraph on a full lab host', () => {
  const g = topologyToGraph(t);
  const node = (id: string) => g.nodes.find((n) => n.id === id);
  const edge = (id: string) => g.edges.find((e) => e.id === id);

  it('has a node per interface (loopback hidden), network and VM, each in its column', () => {
    expect(node('if:lo')).toBeUndefined();
    expect(topologyToGraph(t, { showLoopback: true }).nodes.some((n) => n.id === 'if:lo')).toBe(true);
    expect(node('if:eth1')?.data).toMatchObject({ column: 'uplink', kind: 'veth', subtitle: 'uplink' });
    expect(node('if:br0')?.data).toMatchObject({ column: 'switch', kind: 'bridge', status: 'ok' });
    expect(node('if:br0')?.data.badges).toEqual(expect.arrayContaining(['198.18.1.11/24', 'STP']));
    expect(node('if:vxlan100')?.data.badges).toContain('VNI 100');
    expect(node('if:eth2')?.data.badges).toEqual(expect.arrayContaining(['MTU 1550', 'htb']));
    // tc's JSON says rate 12500000 (bytes/s): people read 100 Mbit/s.
    expect(node('if:vnet0')?.data.badges).toContain('tbf 100 Mbit/s');
    expect(node('if:eth1')?.data.badges).toContain('ingress');
    expect(node('net:default')?.data).toMatchObject({ column: 'network', subtitle: 'forward nat' });
    expect(node('vm:build1')?.data).toMatchObject({ column: 'vm', status: 'idle', subtitle: 'shut off' });
    expect(node('if:macvtap0')?.data).toMatchObject({ column: 'port', subtitle: 'app1', status: 'down' });
  });

  it('draws membership, lower-device, veth, VM NIC and network edges', () => {
    expect(edge('member:eth1')).toMatchObject({ source: 'if:eth1', target: 'if:br0', kind: 'member' });
    expect(edge('parent:vxlan100')).toMatchObject({ source: 'if:eth2', target: 'if:vxlan100' });
    expect(edge('parent:mvlan0')).toMatchObject({ source: 'if:eth3', target: 'if:mvlan0' });
    expect(edge('parent:macvtap0')).toMatchObject({ source: 'if:eth2', target: 'if:macvtap0' });
    expect(edge('peer:veth-a:veth-b')).toMatchObject({ kind: 'peer' });
    expect(g.edges.filter((e) => e.kind === 'peer')).toHaveLength(1);
    expect(edge('netbr:default')).toMatchObject({ source: 'if:virbr0', target: 'net:default' });
    expect(edge('netbr:bridged')).toMatchObject({ source: 'if:br0', target: 'net:bridged' });
    expect(g.edges.filter((e) => e.kind === 'vnic').map((e) => e.target).sort()).toEqual(['vm:app1', 'vm:db1', 'vm:db1', 'vm:web1']);
    expect(g.edges.find((e) => e.target === 'vm:build1')).toMatchObject({ source: 'net:default', kind: 'vnic-config' });
  });

  it('gives every edge endpoints that exist and unique ids', () => {
    const ids = new Set(g.nodes.map((n) => n.id));
    for (const e of g.edges) {
      expect(ids.has(e.source), e.id).toBe(true);
      expect(ids.has(e.target), e.id).toBe(true);
    }
    expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(g.nodes.length);
  });
});

describe('tc badges on a host whose filters were read (scratch capture)', () => {
  const qos = parseProbeOutput(readFileSync(new URL('./parse/fixtures/scratch-qos1.probe.txt', import.meta.url), 'utf8')).topology;
  const g = topologyToGraph(qos);
  const badges = (id: string) => g.nodes.find((n) => n.id === id)?.data.badges;

  it('says the root qdisc in people\'s units and counts the filters', () => {
    expect(badges('if:eth2')).toEqual(['198.18.9.11/24', 'htb', '10 filters']);
    expect(badges('if:vnet0')).toEqual(['tbf 100 Mbit/s']);
    expect(badges('if:eth1')).toEqual(['1 filter', 'ingress']);
    expect(badges('if:eth3')).toEqual(['2 filters', 'clsact']);
    expect(badges('if:eth2-peer')).toEqual([]);
  });

  it('says ingress policing as its cap, not as an ingress qdisc and a filter', () => {
    const policed = { ...qos, filters: (qos.filters ?? []).map((f) => (f.dev === 'eth1' ? { ...f, match: 'all traffic', police: { rate: '2Mbit', burst: '16Kb', mtu: '64Kb' } } : f)) };
    expect(topologyToGraph(policed).nodes.find((n) => n.id === 'if:eth1')?.data.badges).toEqual(['receives ≤ 2 Mbit/s']);
  });

  it('counts no filters where none were read (an older snapshot)', () => {
    const older = { ...qos, filters: undefined };
    expect(topologyToGraph(older).nodes.find((n) => n.id === 'if:eth2')?.data.badges).toEqual(['198.18.9.11/24', 'htb']);
  });
});
