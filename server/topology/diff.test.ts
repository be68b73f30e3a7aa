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
    expect(changes.map(describeChange)).toContain('eth3: MTU 1500 → 9000');
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

  it("does not count what a class has sent (tc -s) as a change: the counters move with traffic", () => {
    const after = clone();
    for (const c of after.classes) Object.assign(c, { sentBytes: 1210, sentPackets: 5 });
    expect(diffTopology(qos, after)).toEqual([]);
    expect(topologyHash(after)).toBe(topologyHash(qos));
    const busier = structuredClone(after);
    busier.classes[0]!.sentBytes = 99_999;
    expect(diffTopology(after, busier)).toEqual([]);
    expect(topologyHash(busier)).toBe(topologyHash(after));
    // A class's configuration still is one.
    busier.classes[0]!.rate = '11Mbit';
    expect(diffTopology(after, busier).map(describeChange)).toEqual([`class eth2 ${busier.classes[0]!.classid}: rate 10 Mbit/s → 11 Mbit/s`]);
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

describe('Open vSwitch in the history (kv1 with scratch bridges)', () => {
  const probe = readFileSync(new URL('./parse/fixtures/real/ovs/kv1-scratch.probe.txt', import.meta.url), 'utf8');
  const ovs = parseProbeOutput(probe).topology;
  const clone = (): Topology => structuredClone(ovs);
  const portOf = (t: Topology, name: string) => t.ovs!.bridges.flatMap((b) => b.ports).find((p) => p.name === name)!;
  const without = (t: Topology, port: string) => {
    for (const b of t.ovs!.bridges) b.ports = b.ports.filter((p) => p.name !== port);
    return t;
  };

  it('says an added or removed tunnel port in a sentence, with where it goes', () => {
    const before = without(clone(), 'vx9');
    expect(diffTopology(before, ovs).map(describeChange)).toEqual(['OVS port vx9 added to sbscratch (VXLAN to 198.18.0.99, key 100)']);
    expect(diffTopology(ovs, before)).toEqual([{ entity: 'ovs-port', name: 'vx9', change: 'removed', summary: 'OVS port vx9 removed from sbscratch' }]);
    expect(describeChange(diffTopology(without(clone(), 'sbtap9'), ovs)[0]!)).toBe('OVS port sbtap9 added to sbscratch (VLAN 30)');
  });

  it('says a changed tag, trunk list, tunnel end or bridge as the field that moved', () => {
    const after = clone();
    portOf(after, 'ovsint0').tag = 20;
    portOf(after, 'sbtrunk').trunks = [10, 20, 30];
    portOf(after, 'vx9').interfaces[0]!.remote = '198.18.0.12';
    const changes = diffTopology(ovs, after);
    expect(changes.map(describeChange)).toEqual(['tag of port ovsint0 10 → 20', 'trunks of port sbtrunk 10, 20 → 10, 20, 30', 'remote of port vx9 198.18.0.99 → 198.18.0.12']);
    expect(changes[0]).toMatchObject({ entity: 'ovs-port', name: 'ovsint0', change: 'changed', fields: { tag: [10, 20] } });
    expect(topologyHash(after)).not.toBe(topologyHash(ovs));

    const moved = clone();
    const [, scratch, scratch2] = moved.ovs!.bridges;
    scratch2!.ports.push(scratch!.ports.find((p) => p.name === 'gre9')!);
    scratch!.ports = scratch!.ports.filter((p) => p.name !== 'gre9');
    expect(diffTopology(ovs, moved).map(describeChange)).toEqual(['port gre9 moved from sbscratch to sbscratch2']);
  });

  it('names a bond member\'s change by its interface, and one that left by the list', () => {
    const changed = clone();
    portOf(changed, 'sbbond').interfaces[1]!.type = 'dpdk';
    expect(diffTopology(ovs, changed).map(describeChange)).toEqual(['sbd2 type of port sbbond system → dpdk']);
    const after = clone();
    portOf(after, 'sbbond').interfaces = portOf(after, 'sbbond').interfaces.slice(0, 1);
    portOf(after, 'sbbond').bond = null;
    expect(diffTopology(ovs, after).map(describeChange)).toEqual(['bond mode of port sbbond balance-slb → none; LACP of port sbbond off → none; interfaces of port sbbond sbd1, sbd2 → sbd1']);
  });

  it('says a bridge that came or went, and its ports', () => {
    const before = clone();
    before.ovs!.bridges = before.ovs!.bridges.filter((b) => b.name !== 'sbscratch2');
    expect(diffTopology(before, ovs).map(describeChange)).toEqual([
      'OVS bridge sbscratch2 added',
      'OVS port patch-b added to sbscratch2 (patch to patch-a)',
      `OVS port sb"q;$(x)\n@@sb-end:ovs:0@@é added to sbscratch2 (VXLAN to 198.18.0.96)`,
      'OVS port sbmissing added to sbscratch2',
    ]);
    // Open vSwitch installed between two reads: everything it has is new.
    expect(diffTopology({ ...clone(), ovs: undefined }, ovs).filter((c) => c.entity === 'ovs-bridge').map((c) => c.name)).toEqual(['ovsbr0', 'sbscratch', 'sbscratch2']);
  });

  it('does not count OVS\'s errors (runtime state) as configuration', () => {
    const after = clone();
    portOf(after, 'sbmissing').interfaces[0]!.error = null;
    expect(diffTopology(ovs, after)).toEqual([]);
    expect(topologyHash(after)).toBe(topologyHash(ovs));
  });

  it('does not report ports as removed when a read could not see Open vSwitch', () => {
    const blind = parseProbeOutput(probe.replace(/(@@sb:ovs@@\n)[\s\S]*?(\n@@sb-end:ovs:)0@@/, '$1ovs-vsctl: unix:/var/run/openvswitch/db.sock: database connection failed (Connection refused)$21@@')).topology;
    expect(blind.missing.map((m) => m.section)).toEqual(['ovs']);
    expect(diffTopology(ovs, blind)).toEqual([]);
    expect(diffTopology(blind, ovs)).toEqual([]);
  });
});

describe('NAT in the history', () => {
  const base = (): Topology => ({
    modelVersion: 9,
    host: { hostname: 'hv1', kernel: null, iproute2: null, libvirtVersion: null, libvirtAvailable: false, ipForward: true, ip6Forward: null, forwardingFile: null },
    interfaces: [],
    routes: [],
    qdiscs: [],
    classes: [],
    networks: [],
    vms: [],
    missing: [],
    firewall: { tools: { nft: true, iptables: 'nft' }, masquerades: [], portForwards: [], forwardAccepts: [], libvirtRejects: ['iptables'], unknownOwnRules: [], tables: [] },
  });
  const forward = (changeId: string) => ({ protocol: 'tcp' as const, hostPort: 8080, toAddress: '192.168.122.10', toPort: 80, inInterface: 'eth0', source: null, owner: 'switchboard' as const, changeId, tool: 'nft' as const, table: 'inet switchboard', chain: 'prerouting' });
  const masquerade = { source: '10.9.0.0/24', outInterface: 'eth0', exceptDestination: null, owner: 'other' as const, changeId: null, tool: 'iptables' as const, table: 'nat', chain: 'POSTROUTING' };

  it('says each rule added or removed in a sentence, with who wrote it', () => {
    const before = base();
    const after = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], masquerades: [masquerade] } };
    expect(diffTopology(before, after).map(describeChange)).toEqual([
      'masquerade of 10.9.0.0/24 out of eth0 added (iptables nat)',
      'port forward tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0) added (Switchboard)',
    ]);
    expect(diffTopology(after, before).map(describeChange)).toEqual([
      'masquerade of 10.9.0.0/24 out of eth0 removed (iptables nat)',
      'port forward tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0) removed (Switchboard)',
    ]);
  });

  it("says when a forward's accept becomes blocked by a rule before it, and when it is on top again", () => {
    const accept = { tool: 'iptables' as const, protocol: 'tcp' as const, toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'c1' };
    const onTop = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], forwardAccepts: [accept] } };
    const below = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], forwardAccepts: [{ ...accept, shadowedBy: 'LIBVIRT_FWI' }] } };
    expect(diffTopology(onTop, below).map(describeChange)).toEqual(["port forward of tcp to 192.168.122.10 port 80 blocked: LIBVIRT_FWI now comes before Switchboard's accept in FORWARD"]);
    expect(diffTopology(below, onTop).map(describeChange)).toEqual(["port forward of tcp to 192.168.122.10 port 80 no longer blocked: Switchboard's accept is on top in FORWARD again"]);
    // Another accept for the same target on top: not blocked.
    const both = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], forwardAccepts: [{ ...accept, shadowedBy: 'LIBVIRT_FWI' }, { ...accept, changeId: 'c2' }] } };
    expect(diffTopology(onTop, both)).toEqual([]);
    // libvirt's nftables backend: its reject in its own chain, after it restarted the network.
    const nft = { ...accept, tool: 'nft' as const };
    const nftOnTop = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], forwardAccepts: [nft] } };
    const nftBelow = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], forwardAccepts: [{ ...nft, shadowedBy: 'reject -o virbr0' }] } };
    expect(diffTopology(nftOnTop, nftBelow).map(describeChange)).toEqual(["port forward of tcp to 192.168.122.10 port 80 blocked: libvirt's reject -o virbr0 now comes before Switchboard's accept in libvirt's nft chain"]);
    // On a host that changed backends, an accept on top in one place does not hide a blocked one in the other.
    const mixed = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')], forwardAccepts: [accept, { ...nft, shadowedBy: 'reject -o virbr0' }] } };
    expect(diffTopology(onTop, mixed).map(describeChange)).toEqual(["port forward of tcp to 192.168.122.10 port 80 blocked: libvirt's reject -o virbr0 now comes before Switchboard's accept in libvirt's nft chain"]);
  });

  it('does not count a rule put back by another change as a change, nor a firewall one read could not see', () => {
    const a = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c1')] } };
    const b = { ...base(), firewall: { ...base().firewall!, portForwards: [forward('c2')] } };
    expect(diffTopology(a, b)).toEqual([]);
    expect(diffTopology(a, { ...base(), firewall: undefined, missing: [{ section: 'firewall', reason: 'nft failed' }] })).toEqual([]);
  });
});
