// Parsers against probe outputs captured from lab hosts (fixtures/), and malformed inputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput, ProbeParseError } from './index';
import { qdiscKey } from '../model';
import { parseClasses, parseQdiscs } from './tc';
import { parseBridgeVlans } from './bridge';
import { prefixOfNetmask } from './virsh';
import { splitSections } from './sections';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const full = fixture('lab-full-hv1.probe.txt');
const light = fixture('lab-light-hv1.probe.txt');
/** `text` with a section's body replaced (a function replacement: `$` in a body stays as it is). */
const replaceSection = (text: string, section: string, body: string) =>
  text.replace(new RegExp(`(@@sb:${section}@@\\n)[\\s\\S]*?(\\n@@sb-end:${section}:)`), (_m, start: string, end: string) => `${start}${body}${end}`);

describe('a full lab host (captured from hv1)', () => {
  const { topology: t, counters, qdiscStats } = parseProbeOutput(full);
  const iface = (name: string) => {
    const i = t.interfaces.find((x) => x.name === name);
    if (!i) throw new Error(`no ${name}`);
    return i;
  };

  it('reads the host facts', () => {
    expect(t.host).toEqual({
      hostname: 'hv1',
      kernel: expect.stringMatching(/^6\./),
      iproute2: 'iproute2-6.1.0, libbpf 1.1.2',
      libvirtVersion: '9.0.0',
      libvirtAvailable: true,
      ipForward: true,
      // Captured before the probe read these: not read, and not reported missing.
      ip6Forward: null,
      forwardingFile: null,
    });
    expect(t.missing).toEqual([]);
  });

  it('types every interface by kind with its relations', () => {
    expect(iface('lo').kind).toBe('loopback');
    expect(iface('br0')).toMatchObject({ kind: 'bridge', bridge: { stp: true, vlanFiltering: false }, mac: '02:5b:00:01:00:0a' });
    expect(iface('eth1')).toMatchObject({ kind: 'veth', master: 'br0', peer: null, bridgePort: { state: 'forwarding' } });
    expect(iface('eth1').peerIfindexElsewhere).toBeGreaterThan(0); // its peer is on the lab switch
    expect(iface('vxlan100')).toMatchObject({ kind: 'vxlan', parent: 'eth2', vxlan: { vni: 100, local: '198.18.2.11', group: '239.1.1.100', port: 4789 } });
    expect(iface('mvlan0')).toMatchObject({ kind: 'macvlan', parent: 'eth3', macvlanMode: 'bridge' });
    expect(iface('veth-a')).toMatchObject({ kind: 'veth', peer: 'veth-b', peerIfindexElsewhere: null });
    expect(iface('veth-b')).toMatchObject({ kind: 'veth', peer: 'veth-a' });
    expect(iface('eth2').mtu).toBe(1550);
    expect(iface('br0').addresses).toContainEqual({ family: 'inet', address: '198.18.1.11', prefixLength: 24, scope: 'global', dynamic: false });
  });

  it('ties each VM tap and macvtap to its VM, network, bridge or parent NIC', () => {
    const byName = Object.fromEntries(t.vms.map((v) => [v.name, v]));
    expect(Object.keys(byName).sort()).toEqual(['app1', 'build1', 'db1', 'web1']);
    expect(byName.web1!.state).toBe('paused');
    expect(byName.build1!.state).toBe('shut off');
    const web1Nic = byName.web1!.nics[0]!;
    expect(web1Nic).toMatchObject({ type: 'network', source: 'default', bridge: 'virbr0', model: 'virtio', mac: '52:54:00:01:01:01' });
    expect(iface(web1Nic.target!)).toMatchObject({ kind: 'tap', master: 'virbr0', owner: { vm: 'web1', mac: '52:54:00:01:01:01' } });
    expect(byName.db1!.nics.map((n) => [n.type, n.source, n.bridge])).toEqual([
      ['network', 'isolated', 'virbr1'],
      ['bridge', 'br0', 'br0'],
    ]);
    const app1Nic = byName.app1!.nics[0]!;
    expect(app1Nic).toMatchObject({ type: 'direct', source: 'eth2', directMode: 'bridge' });
    expect(iface(app1Nic.target!)).toMatchObject({ kind: 'macvtap', parent: 'eth2', owner: { vm: 'app1' } });
    expect(byName.build1!.nics[0]!.target).toBeNull();
  });

  it('reads the four libvirt networks with their modes, bridges, DHCP and static hosts', () => {
    expect(t.networks.map((n) => [n.name, n.mode, n.bridge, n.active, n.autostart])).toEqual([
      ['bridged', 'bridge', 'br0', true, true],
      ['default', 'nat', 'virbr0', true, true],
      ['isolated', 'isolated', 'virbr1', true, true],
      ['routed', 'route', 'virbr2', true, true],
    ]);
    const def = t.networks.find((n) => n.name === 'default')!;
    expect(def.ips).toEqual([
      {
        family: 'ipv4',
        address: '198.19.122.1',
        prefixLength: 24,
        dhcpRanges: [{ start: '198.19.122.100', end: '198.19.122.200' }],
        staticHosts: [{ mac: '52:54:00:01:01:01', id: null, name: 'web1', ip: '198.19.122.10' }],
      },
    ]);
  });

  it('reads qdiscs, HTB classes and routes; keeps counters apart from the topology', () => {
    const on = (dev: string) => t.qdiscs.filter((q) => q.dev === dev).map((q) => q.kind);
    expect(on('eth2')).toEqual(['htb']);
    expect(on('eth1')).toContain('ingress');
    expect(t.qdiscs.find((q) => q.dev === 'eth2')).toMatchObject({ handle: '1:', root: true, options: { default: '0x20' } });
    // htb's direct_packets_stat is a counter that moves with traffic, not configuration.
    expect(full).toMatch(/"direct_packets_stat":\d+/);
    expect(t.qdiscs.find((q) => q.dev === 'eth2')!.options).not.toHaveProperty('direct_packets_stat');
    expect(t.classes.filter((c) => c.dev === 'eth2')).toEqual([
      { dev: 'eth2', kind: 'htb', classid: '1:10', parent: null, rate: '600Mbit', ceil: '1Gbit', burst: '1500b', cburst: '1375b', prio: 0, leaf: null },
      { dev: 'eth2', kind: 'htb', classid: '1:20', parent: null, rate: '400Mbit', ceil: '1Gbit', burst: '1600b', cburst: '1375b', prio: 0, leaf: null },
    ]);
    expect(t.routes).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '198.18.0.1', dev: 'eth0' }));
    expect(counters.eth0!.rxBytes).toBeGreaterThan(0);
    expect(qdiscStats['eth2 root 1:']).toMatchObject({ packets: expect.any(Number) });
    expect(JSON.stringify(t)).not.toMatch(/"rxBytes"|"packets"/);
  });
});

describe('a light lab host (no libvirt)', () => {
  it('reports libvirt as missing, not as an error, and reads the rest', () => {
    const { topology: t } = parseProbeOutput(light);
    expect(t.host.libvirtAvailable).toBe(false);
    expect(t.vms).toEqual([]);
    expect(t.missing).toEqual([{ section: 'libvirt', reason: 'libvirt is not installed or not running (failed to connect to the hypervisor)' }]);
    expect(t.interfaces.map((i) => i.name)).toEqual(expect.arrayContaining(['eth0', 'br0', 'vxlan100', 'mvlan0', 'veth-a', 'veth-b']));
  });
});

describe('malformed probe output gives errors that name the section and the problem', () => {
  const parsedFull = parseProbeOutput(full).topology;

  it.each([
    ['empty output', '', /probe section "hostname": missing from the probe output/],
    ['truncated inside a section', full.slice(0, full.indexOf('@@sb-end:link')), /probe section "link": output ended inside this section/],
    ['link is not JSON', replaceSection(full, 'link', 'Error: something'), /probe section "link": not valid JSON/],
    ['link entry without ifname', replaceSection(full, 'link', '[{"ifindex":1,"mtu":1500}]'), /section "link": unexpected shape at 0.ifname/],
  ])('the essential sections: %s', (_name, text, message) => {
    expect(() => parseProbeOutput(text)).toThrow(ProbeParseError);
    expect(() => parseProbeOutput(text)).toThrow(message);
  });

  // A secondary section that cannot be understood is reported and the rest of the host is kept.
  it.each([
    ['addr is an object', 'addr', '{"a":1}', 'its output could not be read (unexpected shape at (top): Invalid input: expected array, received object)'],
    ['bridge VLANs are not JSON', 'bridge_vlan', 'Error: Unknown device', /^its output could not be read \(not valid JSON/],
    ['qdiscs in a shape nobody printed', 'qdisc', '[{"kind":7}]', /^its output could not be read \(unexpected shape at 0\.kind/],
    ['a class line that is not a class', 'class', 'dev eth2\nqdisc htb 1: root', 'its output could not be read (line 2 is not a tc class: "qdisc htb 1: root")'],
    ['routes cut short', 'route', '[{"dst":"default"', /^its output could not be read \(not valid JSON/],
    ['counters of another shape', 'link_stats', '{}', /^its output could not be read \(unexpected shape/],
  ])('a secondary section: %s', (_name, section, body, reason) => {
    const { topology: t } = parseProbeOutput(replaceSection(full, section, body));
    expect(t.missing).toEqual([{ section, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason), unreadable: true }]);
    // Everything else is still there.
    expect(t.interfaces.length).toBe(parsedFull.interfaces.length);
    expect(t.vms.map((v) => v.name)).toEqual(['app1', 'build1', 'db1', 'web1']);
    if (section !== 'addr') expect(t.interfaces.find((i) => i.name === 'br0')?.addresses.length).toBeGreaterThan(0);
    if (section !== 'route') expect(t.routes.length).toBe(parsedFull.routes.length);
  });

  it('keeps the other VMs and networks when one libvirt document is broken, naming it', () => {
    const xml = /@@sb:virsh_xml@@\n([\s\S]*?)\n@@sb-end:virsh_xml:/.exec(full)![1]!;
    // Cut the first domain's document short (as a libvirt bug or a hand-edited file might).
    const broken = xml.replace(/<\/domain>/, '');
    const { topology: t } = parseProbeOutput(replaceSection(full, 'virsh_xml', broken));
    expect(t.vms).toHaveLength(parsedFull.vms.length - 1);
    expect(t.networks).toHaveLength(parsedFull.networks.length);
    expect(t.missing).toEqual([
      { section: 'virsh_xml', reason: expect.stringMatching(/^the VM \S+ could not be read \(a domain block has no <\/domain>/), unreadable: true },
    ]);
  });

  it('reports libvirt lists it cannot read as libvirt unavailable, keeping the kernel side', () => {
    const { topology: t } = parseProbeOutput(replaceSection(full, 'virsh_lists', 'no markers here'));
    expect(t.host.libvirtAvailable).toBe(false);
    expect(t.missing).toEqual([{ section: 'virsh_lists', reason: 'its output could not be read (the lists end marker is missing (truncated?))', unreadable: true }]);
    expect(t.interfaces.length).toBe(parsedFull.interfaces.length);
  });

  it('reports a failing command as a missing section with its reason', () => {
    const text = full.replace('@@sb-end:qdisc:0@@', '@@sb-end:qdisc:127@@');
    const { topology } = parseProbeOutput(text);
    expect(topology.missing).toEqual([{ section: 'qdisc', reason: 'the command is not installed on the host' }]);
    expect(topology.qdiscs).toEqual([]);
  });

  it('refuses sections out of order', () => {
    expect(() => splitSections('@@sb:link@@\n[]\n@@sb:addr@@\n')).toThrow(/"link": not closed before section "addr" began/);
  });
});

describe('small parsers', () => {
  it('expands bridge VLAN ranges and flags', () => {
    const vlans = parseBridgeVlans('[{"ifname":"eth1","vlans":[{"vlan":1,"flags":["PVID","Egress Untagged"]},{"vlan":10,"vlanEnd":12}]}]');
    expect(vlans.get('eth1')).toEqual([
      { vid: 1, pvid: true, untagged: true },
      { vid: 10, pvid: false, untagged: false },
      { vid: 11, pvid: false, untagged: false },
      { vid: 12, pvid: false, untagged: false },
    ]);
  });

  it('reads nested classes', () => {
    expect(parseClasses('dev eth2\nclass htb 1:10 parent 1:1 prio 0 rate 10Mbit ceil 20Mbit burst 1600b')).toEqual([
      { dev: 'eth2', kind: 'htb', classid: '1:10', parent: '1:1', rate: '10Mbit', ceil: '20Mbit', burst: '1600b', cburst: null, prio: 0, leaf: null },
    ]);
  });

  it('reads a leaf class\'s qdisc, priority, burst and cburst (not burst inside cburst)', () => {
    // tc 6.1 on this machine's kernel: `tc class show dev eth2` of the scratch host (fixtures/real/tc).
    const [leaf] = parseClasses('dev eth2\nclass htb 1:10 parent 1:1 leaf 10: prio 1 rate 10Mbit ceil 20Mbit burst 16Kb cburst 1600b ');
    expect(leaf).toMatchObject({ classid: '1:10', parent: '1:1', leaf: '10:', prio: 1, rate: '10Mbit', ceil: '20Mbit', burst: '16Kb', cburst: '1600b' });
    const [inner] = parseClasses('dev eth2\nclass htb 1:1 root rate 20Mbit ceil 20Mbit burst 16Kb cburst 1600b ');
    expect(inner).toMatchObject({ parent: null, leaf: null, prio: null });
  });

  it('reads what each class has sent from `tc -s class show` (a capture of tc 6.1 on this machine, fixtures/real/tc)', () => {
    const stats = parseClasses(`dev eth2\n${fixture('real/tc/class-show-stats-htb.txt')}`);
    expect(stats[0]).toEqual({ dev: 'eth2', kind: 'htb', classid: '1:10', parent: '1:1', rate: '10Mbit', ceil: '20Mbit', burst: '1600b', cburst: '1600b', prio: 1, leaf: '10:', sentBytes: 1210, sentPackets: 5 });
    // Five 242-byte ICMP frames steered into 1:10, three of 98 bytes to the default 1:20; 1:1 sent both. tbf prints no statistics for its class.
    expect(stats.map((c) => [c.classid, c.sentBytes, c.sentPackets])).toEqual([['1:10', 1210, 5], ['1:1', 1504, 8], ['1:20', 294, 3], ['20:1', undefined, undefined]]);
    expect(stats[3]).not.toHaveProperty('sentBytes');
  });

  it('reads a capture without statistics (an older probe) as before: no counters', () => {
    const plain = parseClasses(`dev eth2\n${fixture('real/tc/class-show-htb.txt')}`);
    expect(plain.map((c) => c.classid)).toEqual(['1:10', '1:1', '1:20', '10:1']);
    for (const c of plain) expect(Object.keys(c)).toEqual(['dev', 'kind', 'classid', 'parent', 'rate', 'ceil', 'burst', 'cburst', 'prio', 'leaf']);
  });

  it('refuses statistics before any class, and keeps what is not "Sent" out of the model', () => {
    expect(() => parseClasses('dev eth2\n Sent 1 bytes 1 pkt (dropped 0, overlimits 0 requeues 0)')).toThrow('line 2 is not a tc class: "Sent 1 bytes 1 pkt (dropped 0, overlimits 0 requeues 0)"');
    // Indented lines that are not "Sent …" (a queue, fq_codel's deficit; written here, not captured) are skipped: a class without one has no counters.
    const [flow] = parseClasses('dev eth0\nclass fq_codel 8001:3c1 parent 8001: \n (dropped 0, overlimits 0 requeues 0) \n backlog 0b 0p requeues 0\n  deficit 1514 count 0 lastcount 0 ldelay 3us\n');
    expect(flow).toEqual({ dev: 'eth0', kind: 'fq_codel', classid: '8001:3c1', parent: '8001:', rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null });
  });

  it('keeps the counters of each of several qdiscs with the automatic handle 0: (mq children)', () => {
    const q = (parent: string | null, handle: string, packets: number) =>
      ({ kind: parent ? 'fq_codel' : 'mq', handle, dev: 'eth0', ...(parent ? { parent } : { root: true }), options: {}, bytes: packets * 100, packets, drops: 0, overlimits: 0, requeues: 0 });
    const { qdiscs, stats } = parseQdiscs(JSON.stringify([q(null, '0:', 30), q(':1', '0:', 10), q(':2', '0:', 20)]));
    expect(qdiscs).toHaveLength(3);
    expect(qdiscs.map((x) => stats[qdiscKey(x)]?.packets)).toEqual([30, 10, 20]);
  });

  it('converts netmasks', () => {
    expect(prefixOfNetmask('255.255.255.0')).toBe(24);
    expect(prefixOfNetmask('255.255.240.0')).toBe(20);
  });
});

/**
 * The capture as the probe reads it since December 2026: one `ip -j -s -d link` (each link entry
 * with its stats64) and no link_stats section.
 */
function withCountersInLinkRead(output: string): string {
  const sections = splitSections(output);
  const stats = new Map((JSON.parse(sections.get('link_stats')!.body) as { ifname: string; stats64: unknown }[]).map((l) => [l.ifname, l.stats64]));
  const links = (JSON.parse(sections.get('link')!.body) as { ifname: string }[]).map((l) => ({ ...l, stats64: stats.get(l.ifname) }));
  return withLinkBody(output, JSON.stringify(links)).replace(/\n@@sb:link_stats@@\n[\s\S]*?\n@@sb-end:link_stats:\d+@@/, '');
}

const withLinkBody = (output: string, body: string) => replaceSection(output, 'link', body);

describe('counters in the link read (ip -j -s -d link, no link_stats section)', () => {
  const merged = withCountersInLinkRead(full);

  it('reads the same interfaces, counters and link states as the two reads did', () => {
    expect(merged).not.toContain('@@sb:link_stats@@');
    const before = parseProbeOutput(full);
    const after = parseProbeOutput(merged);
    expect(Object.keys(after.counters).length).toBeGreaterThan(5);
    expect(after.counters).toEqual(before.counters);
    expect(after.linkUp).toEqual(before.linkUp);
    expect(after.topology).toEqual(before.topology);
  });

  it('names counters of another shape as unreadable and keeps the interfaces', () => {
    const odd = withLinkBody(merged, JSON.stringify((JSON.parse(splitSections(merged).get('link')!.body) as object[]).map((l) => ({ ...l, stats64: { rx: 'many' } }))));
    const { topology: t, counters } = parseProbeOutput(odd);
    expect(counters).toEqual({});
    expect(t.interfaces.length).toBe(parseProbeOutput(full).topology.interfaces.length);
    expect(t.missing).toEqual([{ section: 'link_stats', reason: expect.stringMatching(/^its output could not be read \(unexpected shape at 0\.stats64\.rx/), unreadable: true }]);
  });
});
