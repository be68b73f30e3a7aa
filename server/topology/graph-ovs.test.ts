// Open vSwitch on the graph, from the probe run on kv1 with scratch bridges (parse/fixtures/real/ovs/).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topologyToGraph, type Graph } from './graph';
import { vmNicWith, vmWith, networkWith, type Topology } from './model';
import { parseProbeOutput } from './parse';

const t = parseProbeOutput(readFileSync(new URL('./parse/fixtures/real/ovs/kv1-scratch.probe.txt', import.meta.url), 'utf8')).topology;
const HOSTILE = 'sb"q;$(x)\n@@sb-end:ovs:0@@é';

const lookup = (g: Graph) => ({
  node: (id: string) => g.nodes.find((n) => n.id === id),
  edge: (id: string) => g.edges.find((e) => e.id === id),
});

function expectWellFormed(g: Graph) {
  const ids = new Set(g.nodes.map((n) => n.id));
  expect(ids.size).toBe(g.nodes.length);
  expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
  for (const e of g.edges) {
    expect(ids.has(e.source), `${e.id} source`).toBe(true);
    expect(ids.has(e.target), `${e.id} target`).toBe(true);
  }
}

describe('Open vSwitch on the graph (kv1 with scratch bridges)', () => {
  const g = topologyToGraph(t);
  const { node, edge } = lookup(g);

  it('draws each OVS bridge once, as its kernel device\'s node, and not the datapath or its tunnel devices', () => {
    expect(g.nodes.filter((n) => n.data.kind === 'ovs-bridge').map((n) => n.id)).toEqual(['if:ovsbr0', 'if:sbscratch', 'if:sbscratch2']);
    expect(node('if:ovsbr0')?.data).toMatchObject({ label: 'ovsbr0', column: 'switch', subtitle: 'Open vSwitch', status: 'ok' });
    // The kernel has them (ovs-system; vxlan_sys_4790, gre_sys, genev_sys_6081): the OVS nodes stand for them.
    for (const dev of ['ovs-system', 'vxlan_sys_4790', 'gre_sys', 'genev_sys_6081']) {
      expect(t.interfaces.some((i) => i.name === dev), dev).toBe(true);
      expect(node(`if:${dev}`), dev).toBeUndefined();
    }
    expect(g.edges.filter((e) => e.target === 'if:ovs-system' || e.source === 'if:ovs-system')).toEqual([]);
    expectWellFormed(g);
  });

  it('joins a tap, a veth and internal ports to their bridge, with their VLANs', () => {
    expect(edge('ovsport:sbtap9')).toEqual({ id: 'ovsport:sbtap9', source: 'if:sbtap9', target: 'if:sbscratch', kind: 'ovs-port', label: 'VLAN 30' });
    expect(node('if:sbtap9')?.data.badges).toContain('VLAN 30');
    expect(edge('ovsport:ovsv0')).toMatchObject({ source: 'if:ovsv0', target: 'if:ovsbr0', label: 'VLAN 20' });
    expect(edge('member:ovsv0')).toBeUndefined();
    expect(node('if:ovsint0')?.data).toMatchObject({ kind: 'ovs-port', column: 'port', subtitle: 'internal port of ovsbr0' });
    expect(node('if:ovsint0')?.data.badges).toEqual(['VLAN 10', '198.18.60.211/24']);
    expect(edge('ovsport:sbtrunk')?.label).toBe('trunk 10,20');
    expect(node('if:sbnative')?.data.badges).toEqual(['native VLAN 40', 'trunk 41,42']);
    // The bridge's own internal port is the bridge: no edge to itself.
    expect(edge('ovsport:ovsbr0')).toBeUndefined();
  });

  it('draws tunnels as nodes of their own, badged with their far end and key', () => {
    expect(node('ovs:vx9')?.data).toMatchObject({ kind: 'ovs-port', column: 'link', status: 'ok', subtitle: 'VXLAN tunnel via vxlan_sys_4790', badges: ['VXLAN → 198.18.0.99 (key 100)'] });
    expect(node('ovs:gre9')?.data.badges).toEqual(['GRE → 198.18.0.98']);
    expect(node('ovs:gnv9')?.data.badges).toEqual(['Geneve → 198.18.0.97 (key flow)']);
    expect(edge('ovsport:vx9')).toMatchObject({ source: 'ovs:vx9', target: 'if:sbscratch', kind: 'ovs-port' });
  });

  it('draws a bond with its member devices, one patch edge per pair, and what OVS could not set up', () => {
    expect(node('ovs:sbbond')?.data).toMatchObject({ subtitle: 'OVS bond', badges: ['bond balance-slb'] });
    expect(g.edges.filter((e) => e.target === 'ovs:sbbond').map((e) => [e.id, e.source])).toEqual([
      ['ovsbond:sbd1', 'if:sbd1'],
      ['ovsbond:sbd2', 'if:sbd2'],
    ]);
    expect(edge('ovsport:sbbond')).toMatchObject({ source: 'ovs:sbbond', target: 'if:sbscratch' });
    expect(g.edges.filter((e) => e.kind === 'ovs-patch')).toEqual([{ id: 'ovspatch:patch-a:patch-b', source: 'ovs:patch-a', target: 'ovs:patch-b', kind: 'ovs-patch' }]);
    expect(node('ovs:sbmissing')?.data).toMatchObject({ status: 'down', subtitle: 'OVS port, device missing', badges: ['error'] });
    expect(node(`ovs:${HOSTILE}`)?.data).toMatchObject({ label: HOSTILE, status: 'down' });
    expect(edge(`ovsport:${HOSTILE}`)).toMatchObject({ target: 'if:sbscratch2' });
  });

  it('leaves the kernel\'s picture as it was when Open vSwitch was not read', () => {
    const unread = topologyToGraph({ ...t, ovs: undefined });
    expect(unread.nodes.some((n) => n.data.kind === 'ovs-bridge' || n.data.kind === 'ovs-port')).toBe(false);
    expect(lookup(unread).edge('member:sbtap9')).toMatchObject({ target: 'if:ovs-system' });
    expectWellFormed(unread);
  });
});

describe('VMs and libvirt networks on an OVS bridge', () => {
  const uuid = '6b1f4c38-2a0e-4d59-8d1e-4f1f5e6a7b02';
  const withVms: Topology = {
    ...t,
    vms: [
      // Running: its tap is the OVS port libvirt added (the scratch tap stands in for vnet0).
      vmWith('web1', uuid, 'running', [vmNicWith('bridge', { mac: '52:54:00:5b:09:01', source: 'sbscratch', bridge: 'sbscratch', target: 'sbtap9', virtualport: { type: 'openvswitch', parameters: {} } })]),
      // Shut off: drawn to the bridge its NIC names.
      vmWith('db1', `${uuid.slice(0, -1)}3`, 'shut off', [vmNicWith('bridge', { mac: '52:54:00:5b:09:02', source: 'ovsbr0' })]),
    ],
    networks: [networkWith('ovs-net', `${uuid.slice(0, -1)}4`, 'bridge', { bridge: 'ovsbr0', virtualport: { type: 'openvswitch', parameters: {} } })],
  };
  const g = topologyToGraph(withVms);
  const { edge } = lookup(g);

  it('connects a running VM through its tap to the OVS bridge node', () => {
    expect(edge('vnic:web1:52:54:00:5b:09:01')).toMatchObject({ source: 'if:sbtap9', target: 'vm:web1' });
    expect(edge('ovsport:sbtap9')).toMatchObject({ source: 'if:sbtap9', target: 'if:sbscratch' });
  });

  it('connects a stopped VM and a libvirt network to the OVS bridge node', () => {
    expect(edge('vnicconf:db1:52:54:00:5b:09:02')).toMatchObject({ source: 'if:ovsbr0', target: 'vm:db1' });
    expect(edge('netbr:ovs-net')).toMatchObject({ source: 'if:ovsbr0', target: 'net:ovs-net' });
    expectWellFormed(g);
  });

  it('draws a bridge the kernel does not have (ovs-vswitchd down) from the database alone, still once', () => {
    const daemonDown = topologyToGraph({ ...withVms, interfaces: withVms.interfaces.filter((i) => i.rawKind !== 'openvswitch' && i.master !== 'ovs-system') });
    const bridges = daemonDown.nodes.filter((n) => n.data.kind === 'ovs-bridge');
    expect(bridges.map((n) => [n.id, n.data.status])).toEqual([
      ['if:ovsbr0', 'idle'],
      ['if:sbscratch', 'idle'],
      ['if:sbscratch2', 'idle'],
    ]);
    // Its ports have no devices now: drawn from the database, with OVS's say.
    expect(lookup(daemonDown).edge('ovsport:ovsint0')).toMatchObject({ source: 'ovs:ovsint0', target: 'if:ovsbr0' });
    // A bond's interfaces are named apart from ports (OVS keeps the two names apart too).
    expect(lookup(daemonDown).edge('ovsbond:sbd1')).toMatchObject({ source: 'ovsif:sbd1', target: 'ovs:sbbond' });
    expect(lookup(daemonDown).node('ovsif:sbd1')?.data).toMatchObject({ kind: 'ovs-port', subtitle: 'OVS port, device missing' });
    expect(lookup(daemonDown).edge('netbr:ovs-net')).toMatchObject({ source: 'if:ovsbr0' });
    expectWellFormed(daemonDown);
  });
});
