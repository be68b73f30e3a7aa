// The Open vSwitch kinds (issue 13): createOvsBridge, deleteOvsBridge, addOvsPort,
// addOvsTunnelPort, removeOvsPort, setOvsPortVlans and the two Revert puts back
// (restoreOvsBridge, restoreOvsPort). The API fields scripts rely on, the exact ovs-vsctl argv
// and their inverses, the refusals in words, Revert (invert, then apply: OVS's state as it was),
// the runner's rollback agreeing with Revert, the topology the kernel follows with, the planner
// (phases, no boot files, the panel's path), and the after-apply check.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZAddOperations } from '@/server/changes/changes.types';
import type { NetInterface, Topology } from '@/server/topology/model';
import { OVS_EXAMPLES } from '@/server/testing/kind-examples';
import { ovsHost, ovsPort } from '@/server/testing/ovs-host';
import { parseProbeOutput } from '@/server/topology/parse';
import { ifaceOf, MGMT_ADDRESS } from '../fixtures';
import { invertOperation, invertSequence } from '../invert';
import { describeOperation, interfacesOf, ZOperation, type Operation } from '../ops';
import { persistenceOf } from '../persistence';
import { dependencyOrder, managementInterfaces, planChange } from '../planner';
import { applyOperation, applyOperations } from '../project';
import { renderOperation } from '../render';
import { validateOperation, validateOperations } from '../validate';
import { differencesFromIntended } from '../verify';
import { warningsOf } from '../warnings';

const line = (argv: readonly string[]) => argv.join(' ');
const V = 'ovs-vsctl --timeout=5';
const parse = (o: Record<string, unknown>) => ZOperation.parse(o);
const commands = (op: Operation, t: Topology) => renderOperation(op, t).map((c) => ({ argv: line(c.argv), inverse: c.inverse.map(line) }));
const errors = (t: Topology, o: Record<string, unknown>) => validateOperation(t, parse(o)).join(' ');

/** What an operation can set of the kernel's interfaces (not what the kernel picks: index, MAC of a device it makes) and the static routes. */
function kernelConfiguration(t: Topology) {
  const iface = (i: NetInterface) => ({
    name: i.name,
    kind: i.kind,
    rawKind: i.rawKind,
    master: i.master,
    mtu: i.mtu,
    up: i.adminUp,
    addresses: i.addresses.filter((a) => !a.dynamic && a.scope !== 'link').map((a) => `${a.address}/${a.prefixLength}`).sort(),
  });
  return { interfaces: t.interfaces.map(iface).sort((a, b) => a.name.localeCompare(b.name)), routes: t.routes.filter((r) => r.protocol !== 'kernel') };
}

/** A host with Open vSwitch running and no bridge yet. */
function emptyOvsHost(): Topology {
  const t = ovsHost();
  return { ...t, ovs: { version: '3.1.0', bridges: [] }, interfaces: t.interfaces.filter((i) => i.rawKind !== 'openvswitch' && i.name !== 'vnet1' && i.name !== 'vxlan_sys_4789').map((i) => (i.master === 'ovs-system' ? { ...i, master: null } : i)) };
}

describe('examples', () => {
  it.each(OVS_EXAMPLES)('$op.kind: "$description" is valid against the OVS host, renders ovs-vsctl with its timeout, and its Revert gives OVS and the kernel back', ({ op: o, description }) => {
    const op = parse(o);
    const before = ovsHost();
    expect(validateOperation(before, op)).toEqual([]);
    expect(describeOperation(op)).toBe(description);
    const rendered = renderOperation(op, before);
    expect(rendered.length).toBeGreaterThan(0);
    for (const c of rendered) expect(c.argv.slice(0, 2)).toEqual(['ovs-vsctl', '--timeout=5']);
    const after = applyOperation(before, op);
    expect(after.ovs).not.toEqual(before.ovs);
    const inverse = invertSequence([op], before);
    expect(validateOperations(after, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    const back = applyOperations(after, inverse);
    expect(back.ovs).toEqual(before.ovs);
    expect(kernelConfiguration(back)).toEqual(kernelConfiguration(before));
    // The runner's rollback and Revert are one description: the inverse commands are the commands of the inverse operations.
    expect(rendered.flatMap((c) => c.inverse).map(line)).toEqual(inverse.flatMap((inv, i) => renderOperation(inv, applyOperations(after, inverse.slice(0, i)))).map((c) => line(c.argv)));
    // The after-apply check is quiet when the host shows what was intended.
    expect(differencesFromIntended(after, after, [op])).toEqual([]);
  });
});

describe('the API outside tools script (issue 13): field names stay as they are', () => {
  const add = (operations: unknown[]) => ZAddOperations.safeParse({ hostId: 'hv1', operations });
  const messages = (r: ReturnType<typeof add>) => (r.error?.issues ?? []).map((i) => i.message);

  it.each<[string, Record<string, unknown>]>([
    ['a bridge', { kind: 'createOvsBridge', name: 'br-ovs' }],
    ['its deletion', { kind: 'deleteOvsBridge', name: 'br-ovs' }],
    ['an access port', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', tag: 10 }],
    ['a trunk port', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', trunks: [10, 20] }],
    ['an internal port', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'p1', internal: true }],
    ['a VXLAN tunnel', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12', key: 100, dstPort: 4790 }],
    ['a GRE tunnel', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'gre1', type: 'gre', remote: '198.18.0.12' }],
    ['a port removed', { kind: 'removeOvsPort', bridge: 'br-ovs', port: 'eth7' }],
    ['VLANs set', { kind: 'setOvsPortVlans', port: 'eth7', tag: 10 }],
    ['VLANs cleared with null', { kind: 'setOvsPortVlans', port: 'eth7', tag: null }],
    ['VLANs cleared by leaving them out', { kind: 'setOvsPortVlans', port: 'eth7' }],
  ])('%s is accepted', (_, op) => {
    expect(messages(add([op]))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['VLAN 4095', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', tag: 4095 }, 'A VLAN id is 1-4094.'],
    ['VLAN 0 in a trunk', { kind: 'setOvsPortVlans', port: 'eth7', trunks: [0, 10] }, 'A VLAN id is 1-4094.'],
    ['a trunk given as text', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', trunks: '10,20' }, 'Trunks are a list of VLAN ids'],
    ['a shell word for a port', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'p1;reboot' }, 'An interface name'],
    ['an option for a bridge name', { kind: 'createOvsBridge', name: '--log-file=x' }, 'An interface name'],
    ['a name too long for the kernel', { kind: 'createOvsBridge', name: 'br-ovs-with-a-long-name' }, 'An interface name is 1-15 characters'],
    ['an IPIP tunnel', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'ipip', remote: '198.18.0.12' }, 'A tunnel is vxlan, gre or geneve.'],
    ['an IPv6 far end', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '2001:db8::12' }, "A tunnel's far end is an IPv4 address"],
    ['a multicast far end', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '239.1.1.1' }, '239.1.1.1 cannot be a tunnel\'s far end: it is a multicast address'],
    ['a loopback far end', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '127.0.0.1' }, 'it is a loopback address'],
    ['a name for a far end', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: 'hv2' }, "A tunnel's far end is an IPv4 address"],
    ['a negative key', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12', key: -1 }, 'A tunnel key is 0 or more.'],
    ['UDP port 70000', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12', dstPort: 70000 }, 'A UDP port is 1-65535.'],
  ])('%s is refused in words', (_, op, message) => {
    expect(messages(add([op])).join(' ')).toContain(message);
  });

  it('keeps trunks ascending and once each, as OVS stores the set', () => {
    expect(parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', trunks: [30, 10, 20, 10] })).toEqual({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', trunks: [10, 20, 30] });
  });
});

describe('every OVS kind refuses a host without Open vSwitch, in a sentence', () => {
  const none: Topology = { ...ovsHost(), ovs: undefined };
  const unread: Topology = { ...none, missing: [{ section: 'ovs', reason: 'its database did not answer in time (ovs-vsctl gave up after 2 s)' }] };

  it.each(OVS_EXAMPLES)('$op.kind', ({ op }) => {
    expect(validateOperation(none, parse(op))).toEqual([
      'Open vSwitch is not installed or not running on hv-test; install it there (Debian: apt install openvswitch-switch), start it, and refresh the host.',
    ]);
    expect(validateOperation(unread, parse(op))).toEqual([
      'Open vSwitch on hv-test could not be read (its database did not answer in time (ovs-vsctl gave up after 2 s)), so it cannot be changed with an exact undo; refresh the host once its database answers.',
    ]);
  });
});

describe('createOvsBridge', () => {
  const op = parse({ kind: 'createOvsBridge', name: 'br-new' });

  it('is add-br, undone by del-br', () => {
    expect(commands(op, ovsHost())).toEqual([{ argv: `${V} add-br br-new`, inverse: [`${V} del-br br-new`] }]);
    expect(invertOperation(op, ovsHost())).toEqual([{ kind: 'deleteOvsBridge', name: 'br-new' }]);
    expect(interfacesOf(op)).toEqual(['br-new']);
  });

  it('projects the bridge with its own internal port, and its kernel device as the probe reads one (down, no master)', () => {
    const after = applyOperation(ovsHost(), op);
    expect(after.ovs!.bridges.map((b) => b.name)).toEqual(['br-new', 'br-ovs', 'br-vm']);
    expect(after.ovs!.bridges[0]).toEqual({ name: 'br-new', ports: [ovsPort('br-new', {}, { type: 'internal' })] });
    expect(ifaceOf(after, 'br-new')).toMatchObject({ kind: 'other', rawKind: 'openvswitch', master: null, adminUp: false, mtu: 1500, mac: null });
  });

  it("makes the kernel datapath (ovs-system) with the host's first bridge, and deleting the last takes it away", () => {
    const before = emptyOvsHost();
    const after = applyOperation(before, op);
    expect(ifaceOf(after, 'ovs-system')).toMatchObject({ kind: 'other', rawKind: 'openvswitch' });
    const gone = applyOperation(after, parse({ kind: 'deleteOvsBridge', name: 'br-new' }));
    expect(gone.interfaces.map((i) => i.name)).toEqual(before.interfaces.map((i) => i.name));
    expect(gone.ovs).toEqual(before.ovs);
  });

  it.each<[string, string, string]>([
    ['a kernel interface', 'eth7', 'An interface named eth7 already exists on this host.'],
    ['a tunnel port', 'vx0', 'vx0 is already a port of OVS bridge br-ovs; choose another name, or remove that first.'],
    ['a bond port', 'bond-ovs', 'bond-ovs is already a port of OVS bridge br-ovs'],
    ['another OVS bridge', 'br-vm', 'An interface named br-vm already exists on this host. br-vm is already OVS bridge br-vm'],
    ['a word ip reserves', 'all', 'all is a word ip reserves'],
  ])('refuses a name that is %s', (_, name, message) => {
    expect(errors(ovsHost(), { kind: 'createOvsBridge', name })).toContain(message);
  });

  it('checks after apply that OVS shows the bridge', () => {
    const intended = applyOperation(ovsHost(), op);
    expect(differencesFromIntended(intended, ovsHost(), [op])).toEqual(['br-new should exist but the host has no such interface.', 'Open vSwitch shows no bridge br-new.']);
    expect(differencesFromIntended(intended, { ...intended, ovs: undefined }, [op])).toContain('Open vSwitch on hv-test could not be read after the change, so bridge br-new is unconfirmed.');
  });
});

describe('deleteOvsBridge', () => {
  const op = parse({ kind: 'deleteOvsBridge', name: 'br-ovs' });

  it('is del-br, undone by one transaction that re-creates every port as it was, then what the kernel lost with the internal devices', () => {
    expect(commands(op, ovsHost())).toEqual([
      {
        argv: `${V} del-br br-ovs`,
        inverse: [
          [
            // The MAC it had, kept (OVS would pick another).
            `${V} add-br br-ovs -- set bridge br-ovs other-config:hwaddr=02:5b:00:01:00:1a`,
            '-- add-bond br-ovs bond-ovs eth5 eth6 bond_mode=balance-slb lacp=off',
            '-- add-port br-ovs eth4 tag=20',
            '-- add-port br-ovs int0 tag=10 -- set interface int0 type=internal',
            '-- add-port br-ovs patch-a -- set interface patch-a type=patch options:peer=patch-b',
            '-- add-port br-ovs trunk0 trunks=10,20 vlan_mode=trunk -- set interface trunk0 type=internal',
            '-- add-port br-ovs vx0 -- set interface vx0 type=vxlan options:remote_ip=198.18.0.14 options:key=100',
          ].join(' '),
          'ip address add 198.18.50.11/24 dev br-ovs',
          'ip link set dev br-ovs up',
          'ip route add 203.0.113.128/25 via 198.18.50.1 dev br-ovs proto static',
          'ip address add 198.18.60.11/24 dev int0',
          'ip link set dev int0 up',
        ],
      },
    ]);
  });

  it("puts a bridge's own VLAN back on its own port", () => {
    const t = ovsHost();
    t.ovs!.bridges[0]!.ports[1]!.tag = 5;
    expect(commands(op, t)[0]!.inverse[0]).toMatch(new RegExp(`^${V} add-br br-ovs -- set bridge br-ovs other-config:hwaddr=02:5b:00:01:00:1a -- set port br-ovs tag=5 -- add-bond `));
  });

  it('is reverted by restoreOvsBridge with every port, then the addresses, state and routes of its internal devices', () => {
    const inverse = invertOperation(op, ovsHost());
    expect(inverse.map((o) => o.kind)).toEqual(['restoreOvsBridge', 'addAddress', 'setLinkState', 'restoreRoutes', 'addAddress', 'setLinkState']);
    expect(inverse[0]).toMatchObject({ name: 'br-ovs', ports: expect.arrayContaining([{ name: 'trunk0', tag: null, trunks: [10, 20], vlanMode: 'trunk', bond: null, interfaces: [{ name: 'trunk0', type: 'internal', remote: null, local: null, key: null, dstPort: null, peer: null }] }]) });
  });

  it('projects the kernel as OVS leaves it: internal devices and their routes gone, the other ports free of the datapath', () => {
    const after = applyOperation(ovsHost(), op);
    expect(after.ovs!.bridges.map((b) => b.name)).toEqual(['br-vm']);
    for (const gone of ['br-ovs', 'int0', 'trunk0']) expect(after.interfaces.some((i) => i.name === gone), gone).toBe(false);
    for (const port of ['eth4', 'eth5', 'eth6']) expect(ifaceOf(after, port).master, port).toBeNull();
    expect(after.routes.filter((r) => r.dev === 'br-ovs' || r.dev === 'int0')).toEqual([]);
    // Another bridge is still there: so is the datapath.
    expect(ifaceOf(after, 'ovs-system')).toBeDefined();
  });

  it.each<[string, (t: Topology) => void, string, string]>([
    ['a VM tap on it', () => undefined, 'br-vm', "vnet1 is the tap of VM web1's NIC 52:54:00:01:01:05; libvirt put it on the bridge, so detach or move the NIC in libvirt first."],
    ['a Linux bridge', () => undefined, 'br0', 'br0 is a Linux bridge, not an Open vSwitch one; connect ports to it with setMaster.'],
    ['no such bridge', () => undefined, 'br9', 'There is no Open vSwitch bridge br9 on hv-test (or an earlier operation removes it); create it first.'],
    [
      'a port whose type it does not read',
      (t) => t.ovs!.bridges[0]!.ports.push(ovsPort('dpdk0', {}, { type: 'dpdk' })),
      'br-ovs',
      'Port dpdk0 on br-ovs is of type dpdk, whose settings Switchboard does not read, so it could not put it back; remove it by hand first.',
    ],
    [
      'a port named what Switchboard does not send back',
      (t) => t.ovs!.bridges[0]!.ports.push(ovsPort('sb"q;$(x)', {}, { type: 'vxlan', remote: '198.18.0.96' })),
      'br-ovs',
      'Port "sb\\"q;$(x)" on br-ovs has a setting Switchboard would not send back to the host (An interface name is 1-15 characters',
    ],
  ])('is refused with %s', (_, change, name, message) => {
    const t = ovsHost();
    change(t);
    expect(errors(t, { kind: 'deleteOvsBridge', name })).toContain(message);
  });

  it('warns of a libvirt network that uses the bridge', () => {
    const t = ovsHost();
    t.networks.push({ ...t.networks[1]!, name: 'ovsnet', bridge: 'br-ovs' });
    expect(warningsOf(op, t)).toEqual(['libvirt network ovsnet uses br-ovs: without it it cannot start, and VMs on it lose their network.']);
  });

  it('checks after apply that the bridge is gone', () => {
    const intended = applyOperation(ovsHost(), op);
    expect(differencesFromIntended(intended, ovsHost(), [op])).toEqual(['br-ovs should be gone but is still there.', 'Open vSwitch still has bridge br-ovs.']);
  });
});

describe('addOvsPort', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['an access port', { tag: 10 }, `${V} add-port br-ovs eth7 tag=10`],
    ['a trunk', { trunks: [20, 10] }, `${V} add-port br-ovs eth7 trunks=10,20`],
    ['a port of every VLAN', {}, `${V} add-port br-ovs eth7`],
  ])('adds %s, undone by del-port', (_, fields, argv) => {
    expect(commands(parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', ...fields }), ovsHost())).toEqual([{ argv, inverse: [`${V} del-port br-ovs eth7`] }]);
  });

  it('makes an internal port with its type set in the same transaction', () => {
    const op = parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'p1', internal: true, trunks: [10, 20] });
    expect(describeOperation(op)).toBe('add internal port p1 to br-ovs (trunk 10,20)');
    expect(commands(op, ovsHost())).toEqual([{ argv: `${V} add-port br-ovs p1 trunks=10,20 -- set interface p1 type=internal`, inverse: [`${V} del-port br-ovs p1`] }]);
    const after = applyOperation(ovsHost(), op);
    expect(ifaceOf(after, 'p1')).toMatchObject({ kind: 'other', rawKind: 'openvswitch', master: null, adminUp: false, mtu: 1500 });
    expect(invertOperation(op, ovsHost())).toEqual([{ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'p1' }]);
  });

  it("puts a NIC under the datapath, and OVS's internal ports follow its MTU (ofproto's smallest-port rule)", () => {
    const t = ovsHost();
    ifaceOf(t, 'eth7').mtu = 1400;
    const after = applyOperation(t, parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7' }));
    expect(ifaceOf(after, 'eth7')).toMatchObject({ master: 'ovs-system', mtu: 1400 });
    expect(['br-ovs', 'int0', 'trunk0'].map((n) => ifaceOf(after, n).mtu)).toEqual([1400, 1400, 1400]);
    // A new internal port is lowered to it as well; taking the NIC away raises them back to 1500.
    const internal = applyOperation(after, parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'p1', internal: true }));
    expect(ifaceOf(internal, 'p1').mtu).toBe(1400);
    const removed = applyOperation(internal, parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'eth7' }));
    expect(['br-ovs', 'int0', 'p1'].map((n) => ifaceOf(removed, n).mtu)).toEqual([1500, 1500, 1500]);
    expect(ifaceOf(removed, 'eth7').master).toBeNull();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a NIC that is not there', { port: 'eth9' }, 'There is no interface eth9 on this host (or an earlier operation removes it).'],
    ['a port of a Linux bridge', { port: 'eth1' }, 'eth1 is already a port of br0; an interface can be a port only once. Disconnect it first.'],
    ['a member of a bond', { port: 'eth3' }, 'eth3 is already a port of bond0'],
    ['a port of another OVS bridge', { port: 'vnet1' }, 'vnet1 is already a port of OVS bridge br-vm'],
    ['a VM\'s tap', { port: 'vnet0' }, 'vnet0 is already a port of virbr0'],
    ['the loopback interface', { port: 'lo' }, 'The loopback interface cannot be a port.'],
    ['the datapath', { port: 'ovs-system' }, 'ovs-system is a device of Open vSwitch itself; join two OVS bridges with a pair of patch ports, or a veth pair.'],
    ['a Linux bridge', { port: 'virbr0' }, 'virbr0 is a Linux bridge; join it to an OVS bridge with a veth pair'],
    ['an internal port named as a NIC', { port: 'eth7', internal: true }, 'An interface named eth7 already exists on this host.'],
    ['a tag and trunks together', { port: 'eth7', tag: 10, trunks: [20] }, 'With a tag, eth7 is an access port and Open vSwitch ignores its trunks'],
    ['a bridge that is not OVS', { bridge: 'br0', port: 'eth7' }, 'br0 is a Linux bridge, not an Open vSwitch one'],
  ])('is refused for %s', (_, fields, message) => {
    expect(errors(ovsHost(), { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', ...fields })).toContain(message);
  });

  it("refuses a VM's tap that is no other bridge's port, naming the VM", () => {
    const t = ovsHost();
    Object.assign(ifaceOf(t, 'vnet0'), { master: null, bridgePort: null });
    expect(errors(t, { kind: 'addOvsPort', bridge: 'br-ovs', port: 'vnet0' })).toContain("vnet0 belongs to VM web1; change the VM's NIC in libvirt instead.");
  });

  it('warns that the addresses of a NIC stop working on it', () => {
    expect(warningsOf(parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth2' }), ovsHost())).toEqual([]);
    const t = ovsHost();
    ifaceOf(t, 'eth7').addresses = [{ family: 'inet', address: '192.0.2.7', prefixLength: 24, scope: 'global', dynamic: false }];
    expect(warningsOf(parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7' }), t)).toEqual([
      'eth7 keeps 192.0.2.7/24: as a port of br-ovs that address stops working (Open vSwitch takes its traffic); move it to an internal port of br-ovs in the same change.',
    ]);
  });

  it('warns, as for any kind that moves a device, when a VXLAN rides on the NIC', () => {
    const t = ovsHost();
    t.interfaces.push({ ...ifaceOf(t, 'vxlan_sys_4789'), name: 'vxlan7', master: null, parent: 'eth7' });
    expect(warningsOf(parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7' }), t)).toEqual(['eth7 carries vxlan7 (its underlay): this change moves their traffic too, and they may stop passing it.']);
    expect(warningsOf(parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'p1', internal: true }), t)).toEqual([]);
  });

  it('reads the port back after apply: there, with its VLAN, and set up by OVS', () => {
    const op = parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', tag: 10 });
    const intended = applyOperation(ovsHost(), op);
    expect(differencesFromIntended(intended, ovsHost(), [op])).toContain('Open vSwitch shows no port eth7 on br-ovs.');
    const other = applyOperation(ovsHost(), parse({ kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', tag: 20 }));
    expect(differencesFromIntended(intended, other, [op])).toEqual(['OVS port eth7: VLAN tag is 20, the plan intended 10.']);
    const failed = structuredClone(intended);
    failed.ovs!.bridges[0]!.ports.find((p) => p.name === 'eth7')!.interfaces[0]!.error = 'could not open network device eth7 (No such device)';
    expect(differencesFromIntended(intended, failed, [op])).toEqual(['Open vSwitch could not set up eth7: could not open network device eth7 (No such device).']);
  });
});

describe('addOvsTunnelPort', () => {
  const vx1 = { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12', key: 100 };

  it.each<[string, Record<string, unknown>, string, string]>([
    ['VXLAN', {}, `${V} add-port br-ovs vx1 -- set interface vx1 type=vxlan options:remote_ip=198.18.0.12 options:key=100`, 'add VXLAN port vx1 to br-ovs → 198.18.0.12 (key 100)'],
    ['VXLAN on another UDP port', { dstPort: 4790 }, `${V} add-port br-ovs vx1 -- set interface vx1 type=vxlan options:remote_ip=198.18.0.12 options:key=100 options:dst_port=4790`, 'add VXLAN port vx1 to br-ovs → 198.18.0.12 (key 100, UDP port 4790)'],
    ['GRE without a key', { port: 'gre1', type: 'gre', key: undefined }, `${V} add-port br-ovs gre1 -- set interface gre1 type=gre options:remote_ip=198.18.0.12`, 'add GRE port gre1 to br-ovs → 198.18.0.12'],
    ['Geneve', { port: 'gnv1', type: 'geneve', key: 5000 }, `${V} add-port br-ovs gnv1 -- set interface gnv1 type=geneve options:remote_ip=198.18.0.12 options:key=5000`, 'add Geneve port gnv1 to br-ovs → 198.18.0.12 (key 5000)'],
  ])('%s: add-port with the interface set in the same transaction, undone by del-port', (_, fields, argv, words) => {
    const op = parse({ ...vx1, ...fields });
    const port = (op as { port: string }).port;
    expect(commands(op, ovsHost())).toEqual([{ argv, inverse: [`${V} del-port br-ovs ${port}`] }]);
    expect(describeOperation(op)).toBe(words);
    expect(invertOperation(op, ovsHost())).toEqual([{ kind: 'removeOvsPort', bridge: 'br-ovs', port }]);
  });

  it('projects the tunnel as the read shows one (the key as written), with no kernel device of its name', () => {
    const after = applyOperation(ovsHost(), parse({ ...vx1, dstPort: 4790 }));
    expect(after.ovs!.bridges[0]!.ports.find((p) => p.name === 'vx1')).toEqual(ovsPort('vx1', {}, { type: 'vxlan', remote: '198.18.0.12', key: '100', dstPort: 4790 }));
    expect(after.interfaces).toEqual(ovsHost().interfaces);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['the same far end, key and port as another tunnel', { remote: '198.18.0.14' }, 'vx0 on br-ovs already tunnels vxlan to 198.18.0.14 with key 100; Open vSwitch takes only one tunnel with the same far end, key and port. Give this one another key.'],
    ['a VNI of more than 24 bits', { key: 16777216 }, 'A VXLAN VNI is 0-16777215; 16777216 is too large.'],
    ['a GRE tunnel with a UDP port', { port: 'gre1', type: 'gre', dstPort: 4790 }, 'GRE runs over IP, not UDP: a GRE tunnel has no UDP port (dstPort).'],
    ['a name a kernel interface has', { port: 'eth7' }, 'An interface named eth7 already exists on this host.'],
    ['a name another port has', { port: 'patch-b' }, 'patch-b is already a port of OVS bridge br-vm'],
  ])('is refused for %s', (_, fields, message) => {
    expect(errors(ovsHost(), { ...vx1, ...fields })).toContain(message);
  });

  it("takes a tunnel to the same far end on another key (or port), and GRE's key may be 32 bits", () => {
    expect(validateOperation(ovsHost(), parse({ ...vx1, remote: '198.18.0.14', key: 101 }))).toEqual([]);
    expect(validateOperation(ovsHost(), parse({ ...vx1, remote: '198.18.0.14', dstPort: 4790 }))).toEqual([]);
    expect(validateOperation(ovsHost(), parse({ ...vx1, port: 'gre1', type: 'gre', key: 4294967295 }))).toEqual([]);
  });

  it('warns when a kernel VXLAN device holds the UDP port OVS needs', () => {
    const t = ovsHost();
    t.interfaces.push({ ...ifaceOf(t, 'vxlan_sys_4789'), name: 'vxlan100', master: null, vxlan: { vni: 100, local: null, group: null, remote: '198.18.0.99', port: 4790 } });
    expect(warningsOf(parse({ ...vx1, dstPort: 4790 }), t)).toEqual([
      'vxlan100 already uses UDP port 4790 for VXLAN: Open vSwitch may fail to open it for vx1 ("Address already in use"); give vx1 another dstPort.',
    ]);
    expect(warningsOf(parse(vx1), t)).toEqual([]);
  });

  it('reads the far end and key back after apply', () => {
    const op = parse(vx1);
    const intended = applyOperation(ovsHost(), op);
    const other = applyOperation(ovsHost(), parse({ ...vx1, remote: '198.18.0.13', key: 7 }));
    expect(differencesFromIntended(intended, other, [op])).toEqual(['OVS port vx1: remote is 198.18.0.13, the plan intended 198.18.0.12.', 'OVS port vx1: key is 7, the plan intended 100.']);
  });
});

describe('removeOvsPort', () => {
  it('is del-port, undone by adding it back with its VLANs, type and options, then its device\'s addresses and state', () => {
    expect(commands(parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'int0' }), ovsHost())).toEqual([
      { argv: `${V} del-port br-ovs int0`, inverse: [`${V} add-port br-ovs int0 tag=10 -- set interface int0 type=internal`, 'ip address add 198.18.60.11/24 dev int0', 'ip link set dev int0 up'] },
    ]);
    expect(commands(parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'bond-ovs' }), ovsHost())).toEqual([
      { argv: `${V} del-port br-ovs bond-ovs`, inverse: [`${V} add-bond br-ovs bond-ovs eth5 eth6 bond_mode=balance-slb lacp=off`] },
    ]);
    expect(commands(parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'trunk0' }), ovsHost())[0]!.inverse).toEqual([`${V} add-port br-ovs trunk0 trunks=10,20 vlan_mode=trunk -- set interface trunk0 type=internal`]);
  });

  it.each(['int0', 'bond-ovs', 'trunk0', 'patch-a', 'vx0', 'eth4'])('%s: Revert puts OVS and the kernel back as they were', (port) => {
    const op = parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port });
    const before = ovsHost();
    const after = applyOperation(before, op);
    expect(after.ovs).not.toEqual(before.ovs);
    const inverse = invertOperation(op, before);
    expect(inverse[0]).toMatchObject({ kind: 'restoreOvsPort', bridge: 'br-ovs', port: { name: port } });
    expect(validateOperations(after, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    const back = applyOperations(after, inverse);
    expect(back.ovs).toEqual(before.ovs);
    expect(kernelConfiguration(back)).toEqual(kernelConfiguration(before));
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["the bridge's own port", { port: 'br-ovs' }, "br-ovs is br-ovs's own port, which goes only with the bridge; delete the bridge instead."],
    ['a port of another bridge', { port: 'patch-b' }, 'patch-b is a port of br-vm, not of br-ovs.'],
    ['a port that is not there', { port: 'eth7' }, 'There is no OVS port eth7 on hv-test (or an earlier operation removes it).'],
    ["a VM's tap", { bridge: 'br-vm', port: 'vnet1' }, "vnet1 is the tap of VM web1's NIC 52:54:00:01:01:05; libvirt put it on the bridge, so detach or move the NIC in libvirt first."],
  ])('is refused for %s', (_, fields, message) => {
    expect(validateOperation(ovsHost(), parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'int0', ...fields }))).toEqual([message]);
  });

  it("refuses a libvirt tap known only by OVS's record of it", () => {
    const t = ovsHost();
    ifaceOf(t, 'vnet1').owner = null;
    expect(errors(t, { kind: 'removeOvsPort', bridge: 'br-vm', port: 'vnet1' })).toBe(
      "vnet1 is the tap of a VM NIC 52:54:00:01:01:05; libvirt put it on the bridge, so detach or move the NIC in libvirt first.",
    );
  });

  it('checks after apply that the port is gone', () => {
    const op = parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'vx0' });
    const intended = applyOperation(ovsHost(), op);
    expect(differencesFromIntended(intended, ovsHost(), [op])).toEqual(['Open vSwitch still has port vx0 on br-ovs.']);
  });
});

describe('setOvsPortVlans', () => {
  it.each<[string, Record<string, unknown>, { argv: string; inverse: string[] }[], string]>([
    ['another access VLAN', { tag: 30 }, [{ argv: `${V} set port eth4 tag=30`, inverse: [`${V} set port eth4 tag=20`] }], 'set VLANs of OVS port eth4 to VLAN 30'],
    [
      'a trunk instead',
      { tag: null, trunks: [20, 10] },
      [
        { argv: `${V} clear port eth4 tag`, inverse: [`${V} set port eth4 tag=20`] },
        { argv: `${V} set port eth4 trunks=10,20`, inverse: [`${V} clear port eth4 trunks`] },
      ],
      'set VLANs of OVS port eth4 to trunk 10,20',
    ],
    ['none at all', {}, [{ argv: `${V} clear port eth4 tag`, inverse: [`${V} set port eth4 tag=20`] }], 'set VLANs of OVS port eth4 to none (untagged, every VLAN)'],
  ])('%s: only the columns that change, each undone by its value before', (_, fields, expected, words) => {
    const op = parse({ kind: 'setOvsPortVlans', port: 'eth4', ...fields });
    expect(commands(op, ovsHost())).toEqual(expected);
    expect(describeOperation(op)).toBe(words);
  });

  it("is reverted by the port's VLANs before, written as a person would", () => {
    expect(invertOperation(parse({ kind: 'setOvsPortVlans', port: 'eth4', trunks: [10] }), ovsHost())).toEqual([{ kind: 'setOvsPortVlans', port: 'eth4', tag: 20 }]);
    expect(invertOperation(parse({ kind: 'setOvsPortVlans', port: 'trunk0', trunks: [30] }), ovsHost())).toEqual([{ kind: 'setOvsPortVlans', port: 'trunk0', trunks: [10, 20] }]);
    const op = parse({ kind: 'setOvsPortVlans', port: 'trunk0', trunks: [30] });
    expect(applyOperations(applyOperation(ovsHost(), op), invertOperation(op, ovsHost())).ovs).toEqual(ovsHost().ovs);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['the VLANs it has', { port: 'eth4', tag: 20 }, 'eth4 already has exactly these VLANs.'],
    ['a tag on a trunk', { port: 'trunk0', tag: 10, trunks: [10, 20] }, 'trunk0 is a trunk (VLAN mode trunk), which ignores a tag; give it trunks only.'],
    ['a tag and trunks without a VLAN mode', { port: 'eth4', tag: 10, trunks: [20] }, 'With a tag, eth4 is an access port and Open vSwitch ignores its trunks'],
    ['a port that is not there', { port: 'eth7', tag: 10 }, 'There is no OVS port eth7 on hv-test (or an earlier operation removes it).'],
  ])('is refused for %s', (_, fields, message) => {
    expect(errors(ovsHost(), { kind: 'setOvsPortVlans', ...fields })).toContain(message);
  });

  it('takes a tag with trunks on a native-VLAN port', () => {
    const t = ovsHost();
    t.ovs!.bridges[0]!.ports.find((p) => p.name === 'trunk0')!.vlanMode = 'native-untagged';
    expect(validateOperation(t, parse({ kind: 'setOvsPortVlans', port: 'trunk0', tag: 40, trunks: [41, 42] }))).toEqual([]);
  });

  it("warns that libvirt resets a VM's tap when the VM starts", () => {
    expect(warningsOf(parse({ kind: 'setOvsPortVlans', port: 'vnet1', tag: 31 }), ovsHost())).toEqual([
      "vnet1 is a VM's NIC: libvirt sets its VLANs from the VM's definition when the VM next starts, and this setting is lost then; set the VLAN on the VM's NIC to keep it.",
    ]);
  });

  it('reads the VLANs back after apply (not an error OVS had before)', () => {
    const op = parse({ kind: 'setOvsPortVlans', port: 'eth4', tag: 30 });
    const intended = applyOperation(ovsHost(), op);
    expect(differencesFromIntended(intended, ovsHost(), [op])).toEqual(['OVS port eth4: VLAN tag is 20, the plan intended 30.']);
    const erred = structuredClone(intended);
    erred.ovs!.bridges[0]!.ports.find((p) => p.name === 'eth4')!.interfaces[0]!.error = 'could not open network device eth4 (No such device)';
    expect(differencesFromIntended(intended, erred, [op])).toEqual([]);
  });
});

describe('restoreOvsBridge and restoreOvsPort (what Revert drafts)', () => {
  it('restoreOvsBridge is one add-br transaction, undone by del-br; it needs its system ports free and its names unused', () => {
    const op = parse(OVS_EXAMPLES.find((e) => e.op.kind === 'restoreOvsBridge')!.op);
    expect(commands(op, ovsHost())).toEqual([{ argv: `${V} add-br br-old -- add-port br-old eth7 tag=40`, inverse: [`${V} del-br br-old`] }]);
    expect(invertOperation(op, ovsHost())).toEqual([{ kind: 'deleteOvsBridge', name: 'br-old' }]);
    expect(interfacesOf(op)).toEqual(['br-old', 'eth7']);
    expect(errors(ovsHost(), { ...op, ports: [{ name: 'eth4', interfaces: [{ name: 'eth4', type: 'system' }] }] })).toContain('eth4 is already a port of OVS bridge br-ovs');
    expect(errors(ovsHost(), { ...op, ports: [{ name: 'p1', interfaces: [{ name: 'p1', type: 'internal' }] }, { name: 'p1', interfaces: [{ name: 'p1', type: 'internal' }] }] })).toContain(
      'p1 is named more than once among the ports of br-old; each port and interface name is unique.',
    );
    expect(errors(ovsHost(), { ...op, ports: [{ name: 'br-old', interfaces: [{ name: 'br-old', type: 'vxlan', remote: '198.18.0.1' }] }] })).toContain("The port named as the bridge is br-old's own internal port");
  });

  it('restoreOvsPort puts a bond back with add-bond and its settings, undone by del-port', () => {
    const op = parse({ kind: 'restoreOvsPort', bridge: 'br-ovs', port: { name: 'bond2', bond: { mode: 'active-backup', lacp: null }, interfaces: [{ name: 'eth7', type: 'system' }, { name: 'eth2', type: 'system' }] } });
    expect(describeOperation(op)).toBe('put back port bond2 on br-ovs as it was (bond of eth7, eth2 (active-backup))');
    expect(commands(op, ovsHost())).toEqual([{ argv: `${V} add-bond br-ovs bond2 eth7 eth2 bond_mode=active-backup`, inverse: [`${V} del-port br-ovs bond2`] }]);
    expect(errors(ovsHost(), { ...op, port: { name: 'p9', interfaces: [{ name: 'p8', type: 'internal' }] } })).toContain("A port with one interface has the interface's name (p9)");
  });

  it('a revert of a whole sequence (a bridge made, a port added, its VLANs changed) takes it all away', () => {
    const draft = [
      parse({ kind: 'createOvsBridge', name: 'br-new' }),
      parse({ kind: 'addOvsPort', bridge: 'br-new', port: 'eth7', tag: 10 }),
      parse({ kind: 'addOvsTunnelPort', bridge: 'br-new', port: 'vx1', type: 'geneve', remote: '198.18.0.12' }),
      parse({ kind: 'setOvsPortVlans', port: 'eth7', trunks: [10, 20] }),
    ];
    const before = ovsHost();
    const checked = validateOperations(before, draft);
    expect(checked.valid).toBe(true);
    const inverse = invertSequence(draft, before);
    expect(inverse.map((o) => o.kind)).toEqual(['setOvsPortVlans', 'removeOvsPort', 'removeOvsPort', 'deleteOvsBridge']);
    expect(validateOperations(checked.projected, inverse).valid).toBe(true);
    const back = applyOperations(checked.projected, inverse);
    expect(back.ovs).toEqual(before.ovs);
    expect(kernelConfiguration(back)).toEqual(kernelConfiguration(before));
  });
});

describe('the planner', () => {
  it('orders independent OVS steps by phase: ports taken away first, bridges made before ports join, VLANs last', () => {
    const draft = [
      parse({ kind: 'setOvsPortVlans', port: 'eth4', tag: 30 }),
      parse({ kind: 'addOvsPort', bridge: 'br-vm', port: 'eth7' }),
      parse({ kind: 'createOvsBridge', name: 'br-new' }),
      parse({ kind: 'removeOvsPort', bridge: 'br-ovs', port: 'vx0' }),
    ];
    expect(dependencyOrder(draft).map((i) => draft[i]!.kind)).toEqual(['removeOvsPort', 'createOvsBridge', 'addOvsPort', 'setOvsPortVlans']);
    // A port taken off a bridge before the bridge is deleted, drafted either way round (a bridge name in common keeps the draft's order).
    expect(dependencyOrder([parse({ kind: 'removeOvsPort', bridge: 'br-vm', port: 'patch-b' }), parse({ kind: 'deleteOvsBridge', name: 'br-ovs' })]).map(String)).toEqual(['0', '1']);
    expect(dependencyOrder([parse({ kind: 'deleteOvsBridge', name: 'br-ovs' }), parse({ kind: 'removeOvsPort', bridge: 'br-vm', port: 'patch-b' })]).map(String)).toEqual(['1', '0']);
  });

  it('writes no boot files for ovs-vsctl steps (OVS keeps its own database across reboots) and says they last', () => {
    const t = ovsHost();
    t.host.bootConfig = { backend: 'ifupdown', reason: 'test', files: [{ path: '/etc/network/interfaces', content: 'auto lo\niface lo inet loopback\n' }] };
    const planned = planChange(t, [parse({ kind: 'createOvsBridge', name: 'br-new' }), parse({ kind: 'addOvsPort', bridge: 'br-new', port: 'eth7', tag: 10 })], MGMT_ADDRESS);
    if (!planned.ok) throw new Error(JSON.stringify(planned.checks));
    expect(planned.plan.steps.map((s) => s.operation.kind)).toEqual(['createOvsBridge', 'addOvsPort']);
    expect(planned.plan.bootNotWritten).toBeUndefined();
    expect(persistenceOf(planned.plan.steps, 'hv-test', t.host.bootConfig, planned.plan.bootNotWritten)).toEqual({ runtimeOnlySteps: [], sentence: null });
    expect(planned.plan.diff.map((c) => c.summary ?? `${c.entity} ${c.name} ${c.change}`)).toEqual(expect.arrayContaining(['OVS bridge br-new added', 'OVS port eth7 added to br-new (VLAN 10)']));
  });

  describe("the panel's own path through an OVS bridge (its address on br-ovs)", () => {
    const path = '198.18.50.11';

    it('holds the bridge, every port of it (tunnels and bonds by name) and their devices, not the other bridge behind the datapath', () => {
      const mgmt = managementInterfaces(ovsHost(), path);
      for (const name of ['br-ovs', 'int0', 'trunk0', 'eth4', 'eth5', 'eth6', 'bond-ovs', 'vx0', 'patch-a']) expect(mgmt.has(name), name).toBe(true);
      for (const name of ['br-vm', 'vnet1', 'patch-b', 'ovs-system', 'eth7']) expect(mgmt.has(name), name).toBe(false);
    });

    it.each<[string, Record<string, unknown>, boolean]>([
      ['its uplink VLANs changed', { kind: 'setOvsPortVlans', port: 'eth4', tag: 30 }, true],
      ['the bridge deleted', { kind: 'deleteOvsBridge', name: 'br-ovs' }, true],
      ['its tunnel removed', { kind: 'removeOvsPort', bridge: 'br-ovs', port: 'vx0' }, true],
      ['a new port on it', { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7' }, false],
      ['a new tunnel on it', { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12' }, false],
      ['a port of the other bridge', { kind: 'setOvsPortVlans', port: 'patch-b', tag: 5 }, false],
    ])('%s: disruptive %s', (_, o, disruptive) => {
      const planned = planChange(ovsHost(), [parse(o)], path);
      if (!planned.ok) throw new Error(JSON.stringify(planned.checks));
      expect(planned.plan.disruptive).toBe(disruptive);
    });
  });
});

describe('against the real kv1 capture (topology/parse/fixtures/real/ovs/)', () => {
  const kv1 = () => parseProbeOutput(readFileSync(new URL('../../topology/parse/fixtures/real/ovs/kv1-scratch.probe.txt', import.meta.url), 'utf8')).topology;

  it('a new bridge is projected as the probe read an unconfigured one (sbscratch2: down, openvswitch, no master, MTU 1500)', () => {
    const t = kv1();
    const made = applyOperation(t, parse({ kind: 'createOvsBridge', name: 'sbnew' }));
    const read = ifaceOf(t, 'sbscratch2');
    const projected = ifaceOf(made, 'sbnew');
    for (const field of ['kind', 'rawKind', 'master', 'mtu', 'adminUp'] as const) expect(projected[field], field).toEqual(read[field]);
    expect(made.ovs!.bridges.find((b) => b.name === 'sbnew')).toEqual({ ...t.ovs!.bridges.find((b) => b.name === 'sbscratch2')!, name: 'sbnew', ports: [ovsPort('sbnew', {}, { type: 'internal' })] });
  });

  it('ovsbr0 is deleted and put back exactly; sbscratch, with a VM tap and a hostile port name, is refused in words', () => {
    const t = kv1();
    const op = parse({ kind: 'deleteOvsBridge', name: 'ovsbr0' });
    expect(validateOperation(t, op)).toEqual([]);
    expect(commands(op, t)[0]!.inverse).toEqual([
      `${V} add-br ovsbr0 -- set bridge ovsbr0 other-config:hwaddr=02:5b:00:c9:00:1a -- add-port ovsbr0 ovsint0 tag=10 -- set interface ovsint0 type=internal -- add-port ovsbr0 ovsv0 tag=20`,
      ...commands(op, t)[0]!.inverse.slice(1),
    ]);
    expect(commands(op, t)[0]!.inverse.slice(1).filter((l) => l.includes('ovsint0'))).toContain('ip link set dev ovsint0 up');
    const after = applyOperation(t, op);
    const back = applyOperations(after, invertOperation(op, t));
    expect(back.ovs).toEqual(t.ovs);
    expect(kernelConfiguration(back)).toEqual(kernelConfiguration(t));
    expect(errors(t, { kind: 'deleteOvsBridge', name: 'sbscratch' })).toContain('sbtap9 is the tap of a VM NIC 52:54:00:5b:09:01');
    expect(errors(t, { kind: 'deleteOvsBridge', name: 'sbscratch2' })).toContain('has a setting Switchboard would not send back to the host');
  });
});
