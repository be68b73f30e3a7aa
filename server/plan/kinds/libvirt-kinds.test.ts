// The libvirt network, VM NIC and IP forwarding kinds: validation in words, commands with documents and
// inverses, projection, and Revert's round trip. Pure; the lab tests run them against libvirt.
import { describe, expect, it } from 'vitest';
import { FORWARDING_FILE, type Topology, type VmNic } from '@/server/topology/model';
import { checkDocument } from '../documents';
import { hostTopology } from '../fixtures';
import { invertSequence } from '../invert';
import { describeOperation, ZOperation, type Operation } from '../ops';
import { planChange } from '../planner';
import { applyOperation, applyOperations } from '../project';
import { renderOperation } from '../render';
import { validateOperation, validateOperations } from '../validate';
import { networkDifferences, networkSettingsOf } from '../libvirt';
import { parseNetwork } from '@/server/topology/parse/virsh';
import { LIBVIRT_EXAMPLES } from '@/server/testing/kind-examples';

const DEFAULT_DEFINITION = "<network>\n  <name>default</name>\n  <uuid>00000000-0000-4000-8000-000000000001</uuid>\n  <forward mode='nat'/>\n  <bridge name='virbr0' stp='on' delay='0'/>\n  <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n      <range start='192.168.122.2' end='192.168.122.254'/>\n      <host mac='52:54:00:01:01:01' name='web1' ip='192.168.122.10'/>\n      <host mac='52:54:00:01:01:02' name='db1' ip='192.168.122.11'/>\n    </dhcp>\n  </ip>\n</network>";

/** The fixture host as libvirt would report it: the default network's definition kept, and its reservations. */
function host(): Topology {
  const t = hostTopology();
  const n = t.networks.find((x) => x.name === 'default')!;
  n.definition = DEFAULT_DEFINITION;
  n.ips[0]!.dhcpRanges = [{ start: '192.168.122.2', end: '192.168.122.254' }];
  n.leases = [{ mac: '52:54:00:0a:0b:0c', ip: '192.168.122.57', prefixLength: 24, hostname: 'pc9', expires: '2026-12-01 23:00:00' }];
  n.ips[0]!.staticHosts = [
    { mac: '52:54:00:01:01:01', id: null, name: 'web1', ip: '192.168.122.10' },
    { mac: '52:54:00:01:01:02', id: null, name: 'db1', ip: '192.168.122.11' },
  ];
  return t;
}

const op = (o: unknown): Operation => ZOperation.parse(o);
const errors = (t: Topology, o: unknown) => validateOperation(t, op(o));
const lab = { kind: 'createNetwork', name: 'lab', mode: 'nat', ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.100', end: '10.77.0.199' }], hosts: [{ mac: '52:54:00:aa:00:01', name: 'db1', ip: '10.77.0.10' }] } };

describe('examples', () => {
  it.each(LIBVIRT_EXAMPLES)('$op.kind: "$description" is valid against the fixture host and renders what it says', ({ op: o, description }) => {
    const t = host();
    expect(validateOperation(t, op(o))).toEqual([]);
    expect(describeOperation(op(o))).toBe(description);
    // Every document is of the shape its command expects, and every command names only documents it has.
    for (const c of renderOperation(op(o), t)) for (const d of c.documents ?? []) expect(() => checkDocument(d)).not.toThrow();
  });
});

describe('createNetwork', () => {
  it('defines the network from a document, starts it and sets autostart, each undone in reverse', () => {
    const [define, autostart, start] = renderOperation(op(lab), host());
    expect(define!.argv).toEqual(['virsh', '-q', '-c', 'qemu:///system', 'net-define', '@doc1']);
    expect(define!.inverse).toEqual([['virsh', '-q', '-c', 'qemu:///system', 'net-undefine', 'lab']]);
    expect(define!.documents![0]!.text).toBe(
      [
        '<network>',
        '  <name>lab</name>',
        '  <forward mode="nat"/>',
        '  <bridge name="virbr1" stp="on" delay="0"/>',
        '  <ip address="10.77.0.1" prefix="24">',
        '    <dhcp>',
        '      <range start="10.77.0.100" end="10.77.0.199"/>',
        '      <host mac="52:54:00:aa:00:01" name="db1" ip="10.77.0.10"/>',
        '    </dhcp>',
        '  </ip>',
        '</network>',
        '',
      ].join('\n'),
    );
    expect(autostart!.argv.slice(4)).toEqual(['net-autostart', 'lab']);
    expect(autostart!.inverse.map((a) => a.slice(4))).toEqual([['net-autostart', '--disable', 'lab']]);
    expect(start!.argv.slice(4)).toEqual(['net-start', 'lab']);
    expect(start!.inverse.map((a) => a.slice(4))).toEqual([['net-destroy', 'lab']]);
  });

  it('projects the network and, once started, its bridge with the gateway address (what verify compares)', () => {
    const after = applyOperation(host(), op(lab));
    expect(after.networks.find((n) => n.name === 'lab')).toMatchObject({ mode: 'nat', bridge: 'virbr1', active: true, autostart: true });
    expect(after.interfaces.find((i) => i.name === 'virbr1')).toMatchObject({ kind: 'bridge', adminUp: true, addresses: [{ address: '10.77.0.1', prefixLength: 24 }] });
  });

  it('a name is never markup: the document escapes it, and the schema refuses what is not a name', () => {
    expect(() => op({ ...lab, name: 'a b' })).toThrow(/network name/);
    expect(() => op({ ...lab, name: '--help' })).toThrow(/not starting with a dot or dash/);
    expect(() => op({ ...lab, ipv4: { ...lab.ipv4, hosts: [{ mac: '52:54:00:aa:00:01', name: 'x"/><evil', ip: '10.77.0.10' }] } })).toThrow(/host name is a DNS label/);
  });

  it.each<[string, unknown, string]>([
    ['a taken name', { ...lab, name: 'default' }, 'A libvirt network named default already exists on this host.'],
    ['a bridge name in use', { ...lab, bridge: 'br0' }, 'An interface named br0 already exists on this host.'],
    ['NAT without IPv4', { kind: 'createNetwork', name: 'x', mode: 'nat' }, 'A NAT network needs an IPv4 address: VMs are translated to the host\'s address from it.'],
    ['a subnet another network has', { ...lab, ipv4: { address: '192.168.122.50', prefixLength: 24 } }, "lab's subnet 192.168.122.0/24 overlaps network default's 192.168.122.0/24."],
    ['a subnet on a host interface', { ...lab, ipv4: { address: '198.18.0.200', prefixLength: 24 } }, "lab's subnet 198.18.0.0/24 overlaps eth0's address 198.18.0.11/24; VMs could not reach that part of the host's network."],
    ['a subnet a host route covers', { ...lab, ipv4: { address: '203.0.113.1', prefixLength: 25 } }, "lab's subnet 203.0.113.0/25 overlaps the host's route to 203.0.113.0/24 via br0."],
    ['the network address as the gateway', { ...lab, ipv4: { address: '10.77.0.0', prefixLength: 24 } }, "lab's IPv4 address 10.77.0.0 is the network or broadcast address of 10.77.0.0/24; the host needs a host address, like 10.77.0.1."],
    ['a range outside the subnet', { ...lab, ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.100', end: '10.77.1.10' }] } }, 'DHCP range 10.77.0.100-10.77.1.10 of lab is not inside its subnet 10.77.0.0/24.'],
    ['a range holding the gateway', { ...lab, ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.1', end: '10.77.0.9' }] } }, "DHCP range 10.77.0.1-10.77.0.9 of lab holds the host's own address 10.77.0.1; start the range after it."],
    ['a backwards range', { ...lab, ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.9', end: '10.77.0.5' }] } }, 'DHCP range 10.77.0.9-10.77.0.5 of lab ends before it starts.'],
    ['a static host outside the subnet', { ...lab, ipv4: { address: '10.77.0.1', prefixLength: 24, hosts: [{ mac: '52:54:00:aa:00:01', ip: '10.78.0.5' }] } }, 'The static host 52:54:00:aa:00:01 of lab has 10.78.0.5, outside the network\'s subnet 10.77.0.0/24.'],
    ['a MAC reserved twice', { ...lab, ipv4: { address: '10.77.0.1', prefixLength: 24, hosts: [{ mac: '52:54:00:aa:00:01', ip: '10.77.0.5' }, { mac: '52:54:00:aa:00:01', ip: '10.77.0.6' }] } }, 'MAC 52:54:00:aa:00:01 is reserved twice on lab: for 10.77.0.5 and for 10.77.0.6.'],
    ['addresses on a macvtap pool', { kind: 'createNetwork', name: 'pool', mode: 'vepa', devices: ['eth2'], ipv4: { address: '10.9.0.1', prefixLength: 24 } }, 'A macvtap (VEPA) network connects VMs to the host\'s own LAN; it takes no addresses, DHCP or domain of its own.'],
    ['a macvtap pool without devices', { kind: 'createNetwork', name: 'pool', mode: 'private' }, 'A macvtap (private) network needs at least one host device to hand out.'],
    ['a bridged network on a non-bridge', { kind: 'createNetwork', name: 'onl', mode: 'bridge', bridge: 'eth2' }, 'eth2 is an ethernet, not a bridge; a bridged network needs a Linux or Open vSwitch bridge.'],
  ])('refuses %s, saying why', (_, o, message) => {
    expect(errors(host(), o)).toContain(message);
  });

  it('refuses every libvirt change on a host where libvirt does not answer', () => {
    const t = host();
    t.host.libvirtAvailable = false;
    expect(errors(t, lab)).toEqual(['libvirt does not answer on hv-test; start libvirtd there (or install it) before changing its networks or VMs.']);
  });
});

describe('deleteNetwork and stopping a network', () => {
  it('stops, then undefines; undone by defining the kept document, autostart, starting it and putting the running VMs\' taps back', () => {
    const [stop, undefine] = renderOperation(op({ kind: 'deleteNetwork', name: 'default' }), host());
    expect(stop!.argv.slice(4)).toEqual(['net-destroy', 'default']);
    expect(stop!.inverse).toEqual([['virsh', '-q', '-c', 'qemu:///system', 'net-start', 'default'], ['ip', 'link', 'set', 'dev', 'vnet0', 'master', 'virbr0']]);
    expect(undefine!.argv.slice(4)).toEqual(['net-undefine', 'default']);
    expect(undefine!.inverse.map((a) => a.slice(4))).toEqual([['net-define', '@doc1'], ['net-autostart', 'default']]);
    expect(undefine!.documents).toEqual([{ shape: 'libvirt-network', text: DEFAULT_DEFINITION }]);
  });

  it('a running VM on the network makes it a step to confirm, naming the VM', () => {
    for (const o of [{ kind: 'deleteNetwork', name: 'default' }, { kind: 'setNetworkActive', name: 'default', active: false }]) {
      const r = planChange(host(), [op(o)], '198.18.0.11');
      expect(r.ok && r.plan.disruptive).toBe(true);
      expect(r.ok && r.plan.steps[0]!.disruptive).toMatch(/network default, which running VM web1 is on: they lose it$/);
    }
    const quiet = host();
    quiet.vms = [];
    const r = planChange(quiet, [op({ kind: 'deleteNetwork', name: 'default' })], '198.18.0.11');
    expect(r.ok && r.plan.disruptive).toBe(false);
  });

  it('refuses a network whose definition could not be read, or a transient one', () => {
    const t = host();
    t.networks[0]!.definition = null;
    expect(errors(t, { kind: 'deleteNetwork', name: 'default' })).toEqual(["Network default's definition could not be read, so an exact undo cannot be planned; refresh the host."]);
    t.networks[0]!.persistent = false;
    expect(errors(t, { kind: 'deleteNetwork', name: 'default' })).toEqual(['Network default is transient (libvirt keeps no definition of it), so Switchboard could not put it back; stop it instead.']);
    expect(errors(t, { kind: 'deleteNetwork', name: 'nosuch' })).toEqual(['There is no libvirt network nosuch on this host (or an earlier operation removes it).']);
  });

  it('stopping removes the bridge libvirt made and leaves the taps unattached; starting puts both back', () => {
    const stoppedT = applyOperation(host(), op({ kind: 'setNetworkActive', name: 'default', active: false }));
    expect(stoppedT.interfaces.find((i) => i.name === 'virbr0')).toBeUndefined();
    expect(stoppedT.interfaces.find((i) => i.name === 'vnet0')!.master).toBeNull();
    const start = renderOperation(op({ kind: 'setNetworkActive', name: 'default', active: true }), stoppedT);
    expect(start.map((c) => c.argv)).toEqual([['virsh', '-q', '-c', 'qemu:///system', 'net-start', 'default'], ['ip', 'link', 'set', 'dev', 'vnet0', 'master', 'virbr0']]);
    const again = applyOperation(stoppedT, op({ kind: 'setNetworkActive', name: 'default', active: true }));
    expect(again.interfaces.find((i) => i.name === 'vnet0')!.master).toBe('virbr0');
  });
});

describe('editNetwork', () => {
  const edit = { kind: 'editNetwork', name: 'default', mode: 'nat', ipv4: { address: '192.168.122.1', prefixLength: 24, dhcpRanges: [{ start: '192.168.122.100', end: '192.168.122.150' }], hosts: [] } };

  it('stops, defines, starts and puts the taps back; the old definition is the undo, and the UUID stays', () => {
    const cmds = renderOperation(op(edit), host());
    expect(cmds.map((c) => c.argv.join(' '))).toEqual([
      'virsh -q -c qemu:///system net-destroy default',
      'virsh -q -c qemu:///system net-define @doc1',
      'virsh -q -c qemu:///system net-start default',
      'ip link set dev vnet0 master virbr0',
    ]);
    expect(cmds[1]!.inverse.map((a) => a.slice(4))).toEqual([['net-define', '@doc2']]);
    expect(cmds[1]!.documents![1]!.text).toBe(DEFAULT_DEFINITION);
    expect(cmds[1]!.documents![0]!.text).toContain('<uuid>00000000-0000-4000-8000-000000000001</uuid>');
    expect(cmds[1]!.documents![0]!.text).toContain('<range start="192.168.122.100" end="192.168.122.150"/>');
  });

  it('a running VM on it makes the restart a step to confirm', () => {
    const r = planChange(host(), [op(edit)], '198.18.0.11');
    expect(r.ok && r.plan.steps[0]!.disruptive).toBe('restarts network default, which running VM web1 is on: they lose it');
  });
});

describe('a network\'s bandwidth (libvirt shapes its bridge with tc when it starts)', () => {
  /** The default network shaped as libvirt's documentation shows it: 8 Mbit/s in (peak 40, burst 1 MiB), 1 Mbit/s out. */
  const SHAPED_DEFINITION = DEFAULT_DEFINITION.replace(
    "  <ip address=",
    "  <bandwidth>\n    <inbound average='1000' peak='5000' burst='1024'/>\n    <outbound average='128'/>\n  </bandwidth>\n  <ip address=",
  );
  const shapedHost = (): Topology => {
    const t = host();
    const n = t.networks.find((x) => x.name === 'default')!;
    n.definition = SHAPED_DEFINITION;
    n.bandwidth = parseNetwork(SHAPED_DEFINITION).bandwidth;
    return t;
  };
  const SHAPED = { inbound: { average: 1000, peak: 5000, burst: 1024, floor: null }, outbound: { average: 128, peak: null, burst: null, floor: null } };
  const defineDocument = (o: unknown, t: Topology) => renderOperation(op(o), t).flatMap((c) => c.documents ?? []).find((d) => d.shape === 'libvirt-network')!.text;
  const defaultOf = (t: Topology) => t.networks.find((n) => n.name === 'default')!;
  const rangeEdit = (t: Topology) => {
    const settings = networkSettingsOf(defaultOf(t));
    return { kind: 'editNetwork', name: 'default', mode: 'nat', ...settings, ipv4: { ...settings.ipv4!, dhcpRanges: [{ start: '192.168.122.100', end: '192.168.122.150' }] } };
  };

  it('createNetwork writes <bandwidth> where libvirt does (before the addresses), says it in bit/s, and the model after has it', () => {
    const shaped = { ...lab, bandwidth: { inbound: { average: 1000, peak: 5000, burst: 1024 }, outbound: { average: 128 } } };
    expect(validateOperation(host(), op(shaped))).toEqual([]);
    expect(defineDocument(shaped, host())).toBe(
      [
        '<network>',
        '  <name>lab</name>',
        '  <forward mode="nat"/>',
        '  <bridge name="virbr1" stp="on" delay="0"/>',
        '  <bandwidth>',
        '    <inbound average="1000" peak="5000" burst="1024"/>',
        '    <outbound average="128"/>',
        '  </bandwidth>',
        '  <ip address="10.77.0.1" prefix="24">',
        '    <dhcp>',
        '      <range start="10.77.0.100" end="10.77.0.199"/>',
        '      <host mac="52:54:00:aa:00:01" name="db1" ip="10.77.0.10"/>',
        '    </dhcp>',
        '  </ip>',
        '</network>',
        '',
      ].join('\n'),
    );
    expect(describeOperation(op(shaped))).toBe('create NAT network lab, 10.77.0.1/24, DHCP 10.77.0.100-10.77.0.199, inbound 8.0 Mbit/s (peak 40.0 Mbit/s, burst 1024 KiB), outbound 1.0 Mbit/s');
    const after = applyOperation(host(), op(shaped));
    expect(after.networks.find((n) => n.name === 'lab')!.bandwidth).toEqual(SHAPED);
    // What libvirt will report once it is defined reads back the same: verify has nothing to say.
    expect(parseNetwork(defineDocument(shaped, host()).replace('<name>lab</name>', '<name>lab</name><uuid>00000000-0000-4000-8000-0000000000ff</uuid>')).bandwidth).toEqual(SHAPED);
    // Without it, no element at all (not an empty one).
    expect(defineDocument(lab, host())).not.toContain('bandwidth');
    expect(applyOperation(host(), op(lab)).networks.find((n) => n.name === 'lab')!.bandwidth).toBeNull();
  });

  it('editNetwork redefines the network with its new limit, exactly', () => {
    const edit = { kind: 'editNetwork', name: 'default', mode: 'nat', ...networkSettingsOf(defaultOf(host())), bandwidth: { inbound: { average: 1250 } } };
    expect(validateOperation(host(), op(edit))).toEqual([]);
    expect(describeOperation(op(edit))).toBe('change network default to NAT, 192.168.122.1/24, DHCP 192.168.122.2-192.168.122.254, inbound 10.0 Mbit/s (redefined and restarted)');
    expect(defineDocument(edit, host())).toBe(
      [
        '<network>',
        '  <name>default</name>',
        '  <uuid>00000000-0000-4000-8000-000000000001</uuid>',
        '  <forward mode="nat"/>',
        '  <bridge name="virbr0" stp="on" delay="0"/>',
        '  <bandwidth>',
        '    <inbound average="1250"/>',
        '  </bandwidth>',
        '  <ip address="192.168.122.1" prefix="24">',
        '    <dhcp>',
        '      <range start="192.168.122.2" end="192.168.122.254"/>',
        '      <host mac="52:54:00:01:01:01" name="web1" ip="192.168.122.10"/>',
        '      <host mac="52:54:00:01:01:02" name="db1" ip="192.168.122.11"/>',
        '    </dhcp>',
        '  </ip>',
        '</network>',
        '',
      ].join('\n'),
    );
    expect(defaultOf(applyOperation(host(), op(edit))).bandwidth).toEqual({ inbound: { average: 1250, peak: null, burst: null, floor: null }, outbound: null });
  });

  it('an edit of something else, started from networkSettingsOf, keeps the limits as they were', () => {
    const t = shapedHost();
    expect(networkSettingsOf(defaultOf(t)).bandwidth).toEqual({ inbound: { average: 1000, peak: 5000, burst: 1024 }, outbound: { average: 128 } });
    const edit = rangeEdit(t);
    expect(validateOperation(t, op(edit))).toEqual([]);
    const redefinition = defineDocument(edit, t);
    expect(redefinition).toContain('  <bandwidth>\n    <inbound average="1000" peak="5000" burst="1024"/>\n    <outbound average="128"/>\n  </bandwidth>\n');
    expect(redefinition).toContain('<range start="192.168.122.100" end="192.168.122.150"/>');
    const intended = applyOperation(t, op(edit));
    expect(defaultOf(intended).bandwidth).toEqual(SHAPED);
    // After apply, a network that lost its limits is a difference in words; one that kept them is not.
    expect(networkDifferences('default', intended, intended)).toEqual([]);
    const lost = { ...intended, networks: intended.networks.map((n) => (n.name === 'default' ? { ...n, bandwidth: null } : n)) };
    expect(networkDifferences('default', intended, lost)).toEqual([
      'Network default: bandwidth is "no limit", the plan intended "in: average 8.0 Mbit/s, peak 40.0 Mbit/s, burst 1 MiB; out: average 1.0 Mbit/s".',
    ]);
  });

  it('Revert of a limit change gives the earlier definition back, exactly', () => {
    const before = shapedHost();
    const edit = op({ ...rangeEdit(before), bandwidth: { outbound: { average: 500 } } });
    const after = applyOperation(before, edit);
    expect(defaultOf(after).bandwidth).toEqual({ inbound: null, outbound: { average: 500, peak: null, burst: null, floor: null } });
    const inverse = invertSequence([edit], before);
    expect(inverse).toEqual([{ kind: 'redefineNetwork', name: 'default', definition: SHAPED_DEFINITION }]);
    expect(validateOperations(after, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    const define = renderOperation(inverse[0]!, after).find((c) => c.argv.includes('net-define'))!;
    expect(define.documents![0]!.text).toBe(SHAPED_DEFINITION);
    const reverted = applyOperations(after, inverse);
    expect(defaultOf(reverted).bandwidth).toEqual(SHAPED);
    expect(defaultOf(reverted).definition).toBe(SHAPED_DEFINITION);
  });

  it('an older read that did not carry the limits refuses an edit that would drop them', () => {
    const t = shapedHost();
    delete defaultOf(t).bandwidth;
    expect(errors(t, rangeEdit(t))).toEqual(["Network default's bandwidth limits were not read (an older read of the host), so an edit could drop them; refresh the host."]);
  });

  it.each<[string, unknown, string]>([
    ['a floor, which only a VM NIC takes', { inbound: { average: 1000, floor: 200 } }, 'A network takes no guaranteed rate (floor): libvirt guarantees a floor to a VM NIC on the network, out of the network’s inbound average. Set the floor on the NIC.'],
    ['an average of 0', { outbound: { average: 0 } }, 'An average rate is at least 1 kB/s (8 kbit/s).'],
  ])('the schema refuses %s, saying why', (_, bandwidth, message) => {
    for (const o of [{ ...lab, bandwidth }, { kind: 'editNetwork', name: 'default', mode: 'nat', ...networkSettingsOf(defaultOf(host())), bandwidth }]) {
      const r = ZOperation.safeParse(o);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.message)).toContain(message);
    }
  });

  it.each<[string, unknown, string]>([
    [
      'a limit on a macvtap pool',
      { kind: 'createNetwork', name: 'pool', mode: 'vepa', devices: ['eth2'], bandwidth: { inbound: { average: 1000 } } },
      "A macvtap (VEPA) network takes no bandwidth limit: libvirt shapes only NAT, routed, open and isolated networks, on the bridge it makes for them. Limit the VMs' NICs instead.",
    ],
    ['a peak below the average', { ...lab, bandwidth: { outbound: { average: 1000, peak: 500 } } }, 'The outbound peak of network lab (4.0 Mbit/s) is below its average (8.0 Mbit/s); a peak is the most it may send in a burst.'],
  ])('refuses %s, saying why', (_, o, message) => {
    expect(errors(host(), o)).toContain(message);
  });

  it('refuses taking the inbound limit off while a VM NIC on the network has a guaranteed rate (floor) from it', () => {
    const t = shapedHost();
    t.vms[0]!.configNics![0]!.bandwidth = { inbound: { average: 500, peak: null, burst: null, floor: 200 }, outbound: null };
    const edit = { ...rangeEdit(t), bandwidth: { outbound: { average: 128 } } };
    expect(errors(t, edit)).toEqual([
      "web1's NIC 52:54:00:01:01:01 has a guaranteed rate (floor) on network default, which libvirt shares out of the network's inbound average; keep an inbound limit on default, or take the floor off the NIC first.",
    ]);
    expect(errors(t, rangeEdit(t))).toEqual([]);
  });
});

describe('static DHCP hosts', () => {
  const add = { kind: 'addDhcpHost', network: 'default', mac: '52:54:00:01:01:03', name: 'app1', ip: '192.168.122.12' };

  it('change live and in the kept definition, without a restart, by net-update with the host as a document', () => {
    const [c] = renderOperation(op(add), host());
    expect(c!.argv.slice(4)).toEqual(['net-update', 'default', 'add-last', 'ip-dhcp-host', '@doc1', '--parent-index', '0', '--live', '--config']);
    expect(c!.inverse.map((a) => a.slice(4))).toEqual([['net-update', 'default', 'delete', 'ip-dhcp-host', '@doc1', '--parent-index', '0', '--live', '--config']]);
    expect(c!.documents).toEqual([{ shape: 'libvirt-dhcp-host', text: '<host mac="52:54:00:01:01:03" name="app1" ip="192.168.122.12"/>\n' }]);
  });

  it('a removal deletes the entry exactly as libvirt has it, and puts the first one back first', () => {
    const [c] = renderOperation(op({ kind: 'removeDhcpHost', network: 'default', mac: '52:54:00:01:01:01', ip: '192.168.122.10' }), host());
    expect(c!.documents![0]!.text).toBe('<host mac="52:54:00:01:01:01" name="web1" ip="192.168.122.10"/>\n');
    expect(c!.inverse[0]!.slice(4, 7)).toEqual(['net-update', 'default', 'add-first']);
  });

  it.each<[string, unknown, string]>([
    ['a MAC already reserved', { ...add, mac: '52:54:00:01:01:01' }, 'MAC 52:54:00:01:01:01 is reserved twice on default: for 192.168.122.10 and for 192.168.122.12.'],
    ['an address already reserved', { ...add, ip: '192.168.122.11' }, '192.168.122.11 is reserved twice on default: for 52:54:00:01:01:02 and for 52:54:00:01:01:03.'],
    ['an address outside every subnet', { ...add, ip: '10.1.1.1' }, "10.1.1.1 is not inside network default's subnet (192.168.122.1/24)."],
    ['the gateway', { ...add, ip: '192.168.122.1' }, "The static host app1 of default has 192.168.122.1, the host's own address on the network."],
    ['a name already reserved', { ...add, name: 'db1' }, 'Host name db1 is already reserved on default.'],
    ['an address leased to another MAC now', { ...add, ip: '192.168.122.57' }, '192.168.122.57 is leased to 52:54:00:0a:0b:0c (pc9) on default now; reserve a free address, or reserve this one for that MAC.'],
  ])('refuses %s', (_, o, message) => {
    expect(errors(host(), o)).toContain(message);
  });
});

describe('IPv6 static hosts, by DUID or name', () => {
  const v6 = () => {
    const t = host();
    t.networks[0]!.ips.push({ family: 'ipv6', address: 'fd00:122::1', prefixLength: 64, dhcpRanges: [{ start: 'fd00:122::100', end: 'fd00:122::1ff' }], staticHosts: [{ mac: null, id: '00:03:00:01:52:54:00:01:01:01', name: 'web1', ip: 'fd00:122::10' }] });
    return t;
  };
  const add = { kind: 'addDhcpHost', network: 'default', id: '00:03:00:01:52:54:00:01:01:03', name: 'app1', ip: 'fd00:122::12' };

  it('goes into the IPv6 element (parent index 1) with the DUID as libvirt takes it, and is undone by its removal', () => {
    const [c] = renderOperation(op(add), v6());
    expect(c!.argv.slice(4)).toEqual(['net-update', 'default', 'add-last', 'ip-dhcp-host', '@doc1', '--parent-index', '1', '--live', '--config']);
    expect(c!.documents).toEqual([{ shape: 'libvirt-dhcp-host', text: '<host id="00:03:00:01:52:54:00:01:01:03" name="app1" ip="fd00:122::12"/>\n' }]);
    expect(describeOperation(op(add))).toBe('reserve fd00:122::12 for DUID 00:03:00:01:52:54:00:01:01:03 (app1) on network default');
    expect(validateOperation(v6(), op(add))).toEqual([]);
    const removal = op({ kind: 'removeDhcpHost', network: 'default', id: '00:03:00:01:52:54:00:01:01:01', ip: 'fd00:122::10' });
    expect(validateOperation(v6(), removal)).toEqual([]);
    expect(renderOperation(removal, v6())[0]!.documents![0]!.text).toBe('<host id="00:03:00:01:52:54:00:01:01:01" name="web1" ip="fd00:122::10"/>\n');
  });

  it.each<[string, unknown, string]>([
    ['a MAC, which libvirt refuses for IPv6', { ...add, id: undefined, mac: '52:54:00:01:01:03' }, 'The static host app1 of default has a MAC; DHCPv6 knows hosts by DUID or name, and libvirt refuses a MAC in an IPv6 reservation.'],
    ['neither DUID nor name', { kind: 'addDhcpHost', network: 'default', ip: 'fd00:122::12' }, 'The static host fd00:122::12 of default needs a DUID or a name (DHCPv6 knows hosts by them).'],
    ['a DUID reserved twice', { ...add, id: '00:03:00:01:52:54:00:01:01:01' }, 'DUID 00:03:00:01:52:54:00:01:01:01 is reserved twice on default: for fd00:122::10 and for fd00:122::12.'],
    ['a DUID on IPv4', { kind: 'addDhcpHost', network: 'default', id: '00:03:00:01:52:54:00:01:01:03', ip: '192.168.122.12' }, 'The static host DUID 00:03:00:01:52:54:00:01:01:03 of default has a DUID; DHCPv4 knows hosts by MAC, so give its MAC instead.'],
  ])('refuses %s', (_, o, message) => {
    expect(errors(v6(), o)).toContain(message);
  });

  it('an edit of the IPv4 part started from networkSettingsOf keeps IPv6, its DUID hosts, the domain and NAT ports', () => {
    const t = v6();
    const n = t.networks[0]!;
    n.definition = DEFAULT_DEFINITION.replace("<forward mode='nat'/>", "<forward mode='nat'>\n    <nat>\n      <port start='2000' end='3000'/>\n    </nat>\n  </forward>\n  <domain name='lab.example'/>");
    const settings = networkSettingsOf(n);
    expect(settings.domain).toBe('lab.example');
    expect(settings.natPorts).toEqual({ start: 2000, end: 3000 });
    const edit = op({ kind: 'editNetwork', name: 'default', mode: 'nat', ...settings, ipv4: { ...settings.ipv4!, dhcpRanges: [{ start: '192.168.122.100', end: '192.168.122.200' }] } });
    const redefinition = renderOperation(edit, t).flatMap((c) => c.documents ?? []).find((d) => d.shape === 'libvirt-network')!.text;
    expect(redefinition).toContain('<domain name="lab.example"/>');
    expect(redefinition).toContain('<port start="2000" end="3000"/>');
    expect(redefinition).toContain('<host id="00:03:00:01:52:54:00:01:01:01" name="web1" ip="fd00:122::10"/>');
    expect(redefinition).toContain('<range start="192.168.122.100" end="192.168.122.200"/>');
  });

  it('a DUID that is not hex bytes is refused by the schema, in words', () => {
    const r = ZOperation.safeParse({ ...add, id: 'not-a-duid' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('A DUID is 4 to 130 hex bytes separated by colons');
  });
});

describe('an interface address inside a DHCP range', () => {
  it('is refused: dnsmasq could hand it to a VM', () => {
    expect(errors(host(), { kind: 'addAddress', dev: 'eth2', address: '192.168.122.150/24' })).toContain(
      "192.168.122.150 is inside network default's DHCP range 192.168.122.2-192.168.122.254: dnsmasq could hand it to a VM too. Pick an address outside the range.",
    );
  });
});

describe('setIpForward', () => {
  it('sets the kernel value from a document and keeps it for boot in its own sysctl.d file, both undone exactly', () => {
    const t = host();
    t.host.ipForward = false;
    const [now, boot] = renderOperation(op({ kind: 'setIpForward', family: 'ipv4', enabled: true }), t);
    expect(now).toEqual({
      argv: ['sysctl', '-q', '-p', '@doc1'],
      inverse: [['sysctl', '-q', '-p', '@doc2']],
      documents: [
        { shape: 'sysctl', text: 'net.ipv4.ip_forward = 1\n' },
        { shape: 'sysctl', text: 'net.ipv4.ip_forward = 0\n' },
      ],
    });
    expect(boot!.argv).toEqual(['sb-write-file', FORWARDING_FILE, '@doc1']);
    expect(boot!.inverse).toEqual([['sb-remove-file', FORWARDING_FILE]]);
    // Only what Switchboard keeps: IPv6 was never set here, so the file leaves it to the host.
    expect(boot!.documents![0]!.text).toBe('# Kept by Switchboard: IP forwarding at boot. Changes made here are overwritten.\nnet.ipv4.ip_forward = 1\n');
    t.host.forwardingFile = 'net.ipv6.conf.all.forwarding = 1\n';
    const [, rewrite] = renderOperation(op({ kind: 'setIpForward', family: 'ipv4', enabled: true }), t);
    expect(rewrite!.inverse).toEqual([['sb-write-file', FORWARDING_FILE, '@doc2']]);
    expect(rewrite!.documents!.map((d) => d.text)).toEqual([
      '# Kept by Switchboard: IP forwarding at boot. Changes made here are overwritten.\nnet.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n',
      'net.ipv6.conf.all.forwarding = 1\n',
    ]);
  });

  it('its Revert leaves boot to the host again when Switchboard kept nothing before: the file goes', () => {
    const t = host();
    t.host.ipForward = false;
    const inverse = invertSequence([op({ kind: 'setIpForward', family: 'ipv4', enabled: true })], t);
    expect(inverse).toEqual([{ kind: 'setIpForward', family: 'ipv4', enabled: false, atBoot: false }]);
    const after = applyOperation(t, op({ kind: 'setIpForward', family: 'ipv4', enabled: true }));
    expect(renderOperation(inverse[0]!, after).map((c) => c.argv[0])).toEqual(['sysctl', 'sb-remove-file']);
    expect(applyOperations(after, inverse).host).toEqual(t.host);
  });

  it('refuses a change that changes nothing', () => {
    expect(errors(host(), { kind: 'setIpForward', family: 'ipv6', enabled: false, atBoot: false })).toEqual(['IPv6 forwarding is already off.']);
  });

  it('refuses a file edited by hand, and a family that could not be read', () => {
    const t = host();
    t.host.forwardingFile = 'kernel.panic = 1\n';
    expect(errors(t, { kind: 'setIpForward', family: 'ipv4', enabled: false })[0]).toMatch(/99-switchboard-forwarding.conf was edited by hand \(it sets kernel.panic, which Switchboard does not manage\)/);
    const u = host();
    u.host.ip6Forward = null;
    expect(errors(u, { kind: 'setIpForward', family: 'ipv6', enabled: true })).toEqual(['IPv6 forwarding could not be read on hv-test (is IPv6 turned off there?), so it cannot be changed with an exact undo.']);
  });
});

const nicConfig = (n: VmNic) => `${n.mac} ${n.type} ${n.source} link ${n.linkUp ? 'up' : 'down'}`;

describe('Revert of each example gives the configuration back', () => {
  /** What these kinds set: networks (without what libvirt fills in on define) and forwarding. */
  const configuration = (t: Topology) => ({
    networks: [...t.networks].sort((a, b) => a.name.localeCompare(b.name)).map((n) => ({ name: n.name, mode: n.mode, bridge: n.bridge, active: n.active, autostart: n.autostart, bandwidth: n.bandwidth, ips: n.ips })),
    forward: [t.host.ipForward, t.host.ip6Forward, t.host.forwardingFile],
    // VM taps are named by libvirt when a NIC is plugged in; the NICs themselves are compared below.
    bridges: t.interfaces.filter((i) => !i.owner).map((i) => `${i.name} ${i.master}`).sort(),
    nics: t.vms.map((vm) => ({ vm: vm.name, live: vm.nics.map(nicConfig), kept: vm.configNics?.map(nicConfig) })),
  });

  it.each(LIBVIRT_EXAMPLES)('$op.kind', ({ op: o }) => {
    const before = host();
    const after = applyOperation(before, op(o));
    // libvirt gives what it defines a UUID and keeps its definition; the re-read the revert is planned against has both.
    const reread = { ...after, networks: after.networks.map((n) => ({ ...n, uuid: n.uuid || '00000000-0000-4000-8000-0000000000ff', definition: n.definition ?? before.networks.find((b) => b.name === n.name)?.definition ?? `<network><name>${n.name}</name></network>` })) };
    const inverse = invertSequence([op(o)], before);
    expect(validateOperations(reread, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    expect(configuration(applyOperations(reread, inverse))).toEqual(configuration(before));
  });
});
