import { describe, expect, it } from 'vitest';
import type { Topology } from '@/server/topology/model';
import { hostTopology, ifaceOf } from './fixtures';
import { ZOperation, type Operation } from './ops';
import { validateOperation, validateOperations } from './validate';

interface Invalid {
  name: string;
  /** Validated in order; the last one is the one that must fail. */
  ops: Operation[];
  setup?: (t: Topology) => void;
  message: RegExp;
}

const invalid: Invalid[] = [
  // Names and collisions
  { name: 'creating a name that exists', ops: [{ kind: 'createBridge', name: 'br0', stp: false, vlanFiltering: false }], message: /An interface named br0 already exists/ },
  { name: 'a name ip reserves', ops: [{ kind: 'createDummy', name: 'all' }], message: /all is a word ip reserves/ },
  { name: 'a veth end that exists', ops: [{ kind: 'createVeth', name: 'v1', peer: 'veth-b' }], message: /An interface named veth-b already exists/ },
  { name: 'a veth pair with one name', ops: [{ kind: 'createVeth', name: 'v1', peer: 'v1' }], message: /need different names/ },
  {
    name: 'a name an earlier operation in the draft creates',
    ops: [{ kind: 'createDummy', name: 'd1' }, { kind: 'createBridge', name: 'd1', stp: false, vlanFiltering: false }],
    message: /An interface named d1 already exists/,
  },
  // VLANs
  { name: 'a VLAN on a missing parent', ops: [{ kind: 'createVlan', name: 'eth9.5', parent: 'eth9', vlanId: 5 }], message: /There is no parent interface eth9/ },
  { name: 'a VLAN id the parent already carries', ops: [{ kind: 'createVlan', name: 'vl100', parent: 'eth1', vlanId: 100 }], message: /eth1\.100 already is VLAN 100 on eth1/ },
  { name: 'a VLAN on a tap', ops: [{ kind: 'createVlan', name: 'vnet0.5', parent: 'vnet0', vlanId: 5 }], message: /vnet0 is a tap; a VLAN needs an Ethernet-like parent/ },
  // Enslaving
  { name: 'a port enslaved twice', ops: [{ kind: 'setMaster', dev: 'eth1', master: 'brv' }], message: /eth1 is already a port of br0; an interface can be enslaved only once/ },
  { name: 'a bond member already in a bond', ops: [{ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['eth3'] }], message: /eth3 is already a port of bond0/ },
  { name: 'a bond member listed twice', ops: [{ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['eth2', 'eth2'] }], message: /eth2 is listed twice as a member/ },
  { name: 'a bond member that does not exist', ops: [{ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['eth9'] }], message: /There is no member interface eth9/ },
  { name: 'a bridge as a bond member', ops: [{ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['brv'] }], message: /brv is a bridge; a bond's members are Ethernet-like/ },
  { name: 'a VM tap as a bond member', ops: [{ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['vnet0'] }], message: /vnet0 belongs to VM web1/ },
  { name: 'a master that is not a bridge or bond', ops: [{ kind: 'setMaster', dev: 'veth-b', master: 'eth2' }], message: /eth2 is an ethernet; only a bridge or a bond can take ports/ },
  { name: 'a missing master', ops: [{ kind: 'setMaster', dev: 'veth-b', master: 'br9' }], message: /There is no bridge or bond br9/ },
  { name: 'a bridge into a bridge', ops: [{ kind: 'setMaster', dev: 'br0', master: 'brv' }], message: /br0 is a bridge; Linux does not let a bridge be a port of another bridge/ },
  { name: 'an interface into itself', ops: [{ kind: 'setMaster', dev: 'br0', master: 'br0' }], message: /Connecting br0 to br0 would make a loop of masters/ },
  {
    name: 'a loop of masters through a bond',
    ops: [{ kind: 'setMaster', dev: 'bond0', master: 'br0' }, { kind: 'setMaster', dev: 'br0', master: 'bond0' }],
    message: /Connecting br0 to bond0 would make a loop of masters/,
  },
  { name: 'the loopback as a port', ops: [{ kind: 'setMaster', dev: 'lo', master: 'br0' }], message: /loopback interface cannot be a port/ },
  { name: "a VM's tap moved to another bridge", ops: [{ kind: 'unsetMaster', dev: 'vnet0' }], message: /vnet0 belongs to VM web1; change the VM's NIC in libvirt/ },
  { name: 'a libvirt bridge as a port', ops: [{ kind: 'setMaster', dev: 'virbr0', master: 'bond0' }], message: /virbr0 is managed by libvirt network default/ },
  { name: 'an interface with addresses into a bond', ops: [{ kind: 'setMaster', dev: 'dummy0', master: 'bond0' }], message: /dummy0 has addresses; a bond member loses them/ },
  { name: 'disconnecting an interface that is no port', ops: [{ kind: 'unsetMaster', dev: 'veth-b' }], message: /veth-b is not a port of any bridge or bond/ },
  // MTU
  { name: 'an MTU below the range (past zod)', ops: [{ kind: 'setMtu', dev: 'eth2', mtu: 67 }], message: /An MTU is 68-65535/ },
  { name: 'an MTU above the range (past zod)', ops: [{ kind: 'setMtu', dev: 'eth2', mtu: 65536 }], message: /An MTU is 68-65535/ },
  { name: "a VLAN MTU above its parent's", ops: [{ kind: 'setMtu', dev: 'eth1.100', mtu: 9000 }], message: /VLAN eth1\.100's MTU \(9000\) cannot exceed its parent eth1's \(1500\)/ },
  {
    name: "a parent MTU below its VLAN's",
    ops: [{ kind: 'setMtu', dev: 'eth1', mtu: 1400 }],
    message: /eth1\.100 \(1500\) would exceed eth1's new MTU 1400; lower it first/,
  },
  { name: 'the loopback MTU', ops: [{ kind: 'setMtu', dev: 'lo', mtu: 1500 }], message: /Leave the loopback MTU alone/ },
  // Addresses
  { name: 'an address already on the host (other link)', ops: [{ kind: 'addAddress', dev: 'eth2', address: '198.18.0.11/24' }], message: /198\.18\.0\.11 is already on eth0; an address may be on the host only once/ },
  { name: 'an address already on the host (other prefix)', ops: [{ kind: 'addAddress', dev: 'veth-b', address: '198.18.1.11/16' }], message: /198\.18\.1\.11 is already on br0/ },
  { name: 'an IPv6 address spelled differently', ops: [{ kind: 'addAddress', dev: 'veth-b', address: '2001:DB8::11/64' }], message: /2001:DB8::11 is already on eth0/ },
  {
    name: 'an address an earlier operation in the draft adds',
    ops: [{ kind: 'addAddress', dev: 'veth-b', address: '10.9.9.9/24' }, { kind: 'addAddress', dev: 'eth2', address: '10.9.9.9/24' }],
    message: /10\.9\.9\.9 is already on veth-b/,
  },
  { name: 'an address on a bond member', ops: [{ kind: 'addAddress', dev: 'eth3', address: '10.9.9.9/24' }], message: /eth3 is a member of bond bond0; put the address on the bond/ },
  { name: 'an address on a missing link', ops: [{ kind: 'addAddress', dev: 'eth9', address: '10.9.9.9/24' }], message: /There is no interface eth9/ },
  { name: 'removing an address the link does not have', ops: [{ kind: 'removeAddress', dev: 'eth0', address: '198.18.0.99/24' }], message: /eth0 has no address 198\.18\.0\.99\/24/ },
  { name: 'removing an address with the wrong prefix', ops: [{ kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/16' }], message: /eth0 has no address 198\.18\.0\.11\/16/ },
  { name: "removing another link's address", ops: [{ kind: 'removeAddress', dev: 'eth2', address: '198.18.0.11/24' }], message: /eth2 has no address 198\.18\.0\.11\/24/ },
  { name: 'removing a SLAAC address', ops: [{ kind: 'removeAddress', dev: 'eth0', address: '2001:db8::11/64' }], message: /was assigned by DHCP or SLAAC/ },
  // Deletes
  { name: "deleting a VM's tap", ops: [{ kind: 'deleteInterface', name: 'vnet0' }], message: /vnet0 belongs to VM web1/ },
  { name: "deleting a libvirt network's bridge", ops: [{ kind: 'deleteInterface', name: 'virbr0' }], message: /virbr0 is managed by libvirt network default/ },
  { name: 'deleting a bridge a running VM uses', ops: [{ kind: 'deleteInterface', name: 'virbr0' }], message: /Running VM web1 use virbr0/ },
  { name: 'deleting an Ethernet NIC', ops: [{ kind: 'deleteInterface', name: 'eth0' }], message: /eth0 is an ethernet interface; Switchboard deletes only bridges, bonds, VLANs, veth pairs and dummies/ },
  { name: 'deleting the loopback', ops: [{ kind: 'deleteInterface', name: 'lo' }], message: /lo is a loopback interface; Switchboard deletes only/ },
  { name: 'deleting what is not there', ops: [{ kind: 'deleteInterface', name: 'br9' }], message: /There is no interface br9/ },
  {
    name: 'deleting a parent with a VLAN on it',
    ops: [{ kind: 'createVlan', name: 'veth-b.7', parent: 'veth-b', vlanId: 7 }, { kind: 'deleteInterface', name: 'veth-b' }],
    message: /veth-b\.7 sits on veth-b; delete it first/,
  },
  {
    name: 'deleting a veth whose peer is in another namespace',
    ops: [{ kind: 'deleteInterface', name: 'veth-b' }],
    setup: (t) => {
      Object.assign(ifaceOf(t, 'veth-b'), { peer: null, peerIfindexElsewhere: 7 });
    },
    message: /veth-b's peer is in another namespace/,
  },
  {
    name: 'using an interface an earlier operation deleted',
    ops: [{ kind: 'deleteInterface', name: 'dummy0' }, { kind: 'setMtu', dev: 'dummy0', mtu: 1500 }],
    message: /There is no interface dummy0 on this host \(or an earlier operation removes it\)/,
  },
  {
    name: 'using the peer of a deleted veth end',
    ops: [{ kind: 'deleteInterface', name: 'veth-a' }, { kind: 'setLinkState', dev: 'veth-b', up: true }],
    message: /There is no interface veth-b/,
  },
  // Link state, MAC
  { name: 'the loopback down', ops: [{ kind: 'setLinkState', dev: 'lo', up: false }], message: /Setting loopback down breaks local services/ },
  { name: "another interface's MAC", ops: [{ kind: 'setMac', dev: 'eth2', mac: '02:5b:00:01:00:00' }], message: /eth0 already has MAC 02:5b:00:01:00:00/ },
  { name: "a VM tap's MAC", ops: [{ kind: 'setMac', dev: 'vnet0', mac: '02:00:5e:10:00:01' }], message: /vnet0 belongs to VM web1/ },
  { name: 'a MAC on an interface without one', ops: [{ kind: 'setMac', dev: 'lo', mac: '02:00:5e:10:00:01' }], message: /lo has no MAC address to change/ },
  // Bridge VLANs
  {
    name: 'port VLANs on a bridge without VLAN filtering',
    ops: [{ kind: 'setBridgeVlans', dev: 'eth1', vlans: [{ vid: 10, pvid: true, untagged: true }] }],
    message: /Bridge br0 does not filter VLANs, so port VLANs have no effect/,
  },
  { name: 'port VLANs on an interface that is no port', ops: [{ kind: 'setBridgeVlans', dev: 'veth-b', vlans: [{ vid: 10, pvid: false, untagged: false }] }], message: /veth-b is not a bridge port/ },
  { name: 'port VLANs on a bond member', ops: [{ kind: 'setBridgeVlans', dev: 'eth3', vlans: [{ vid: 10, pvid: false, untagged: false }] }], message: /eth3 is not a bridge port/ },
  {
    name: 'two PVIDs',
    ops: [{ kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: true, untagged: false }] }],
    message: /A port has at most one PVID/,
  },
  {
    name: 'a VLAN listed twice',
    ops: [{ kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 10, pvid: false, untagged: false }] }],
    message: /VLAN 10 is listed twice/,
  },
  {
    name: 'any change on a host whose addresses could not be read',
    ops: [{ kind: 'createDummy', name: 'dummy9' }],
    setup: (t) => t.missing.push({ section: 'addr', reason: 'its output could not be read (x)', unreadable: true }),
    message: /^This host's addresses could not be read \(its output could not be read \(x\)\), so an exact undo cannot be planned/,
  },
  {
    name: 'any change on a host whose bridge VLANs could not be read',
    ops: [{ kind: 'setMtu', dev: 'veth-a', mtu: 1400 }],
    setup: (t) => t.missing.push({ section: 'bridge_vlan', reason: 'the command failed with exit code 1', unreadable: false }),
    message: /bridge VLANs could not be read/,
  },
];

describe('validateOperations refuses', () => {
  it.each(invalid)('$name', ({ ops, setup, message }) => {
    const t = hostTopology();
    setup?.(t);
    const result = validateOperations(t, ops);
    expect(result.valid).toBe(false);
    const last = result.checks[ops.length - 1]!;
    expect(last.index).toBe(ops.length - 1);
    expect(last.errors.join(' ')).toMatch(message);
    // The operations before it are fine: the error belongs to the one that causes it.
    for (const c of result.checks.slice(0, -1)) expect(c.errors).toEqual([]);
  });
});

describe('zod refuses at the boundary', () => {
  it.each<[string, unknown, RegExp]>([
    ['a name over 15 characters', { kind: 'createBridge', name: 'br-with-a-long-name' }, /1-15 characters/],
    ['a name with a semicolon', { kind: 'createDummy', name: 'd1;reboot' }, /1-15 characters/],
    ['a name starting with a dash', { kind: 'createDummy', name: '-d1' }, /1-15 characters/],
    ['..', { kind: 'createDummy', name: '..' }, /1-15 characters/],
    ['VLAN id 0', { kind: 'createVlan', name: 'eth2.0', parent: 'eth2', vlanId: 0 }, /A VLAN id is 1-4094/],
    ['VLAN id 4095', { kind: 'createVlan', name: 'eth2.4095', parent: 'eth2', vlanId: 4095 }, /A VLAN id is 1-4094/],
    ['MTU 40', { kind: 'setMtu', dev: 'eth2', mtu: 40 }, /An MTU is 68-65535/],
  ])('%s', (_, input, message) => {
    const r = ZOperation.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join(' ')).toMatch(message);
  });
});

describe('validateOperations accepts', () => {
  const valid: [string, Operation[]][] = [
    ['create br9, then connect veth-b to br9', [{ kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: false }, { kind: 'setMaster', dev: 'veth-b', master: 'br9' }]],
    [
      'a VLAN-filtering bridge with a new veth port, its VLANs, an address and up',
      [
        { kind: 'createVeth', name: 'v1', peer: 'v2' },
        { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: true },
        { kind: 'setMaster', dev: 'v1', master: 'br9' },
        { kind: 'setBridgeVlans', dev: 'v1', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }] },
        { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
        { kind: 'setLinkState', dev: 'br9', up: true },
        { kind: 'setLinkState', dev: 'v1', up: true },
      ],
    ],
    ['move a port from one bridge to another', [{ kind: 'unsetMaster', dev: 'eth1' }, { kind: 'setMaster', dev: 'eth1', master: 'brv' }]],
    ['move an address from one link to another', [{ kind: 'removeAddress', dev: 'dummy0', address: '10.255.0.1/32' }, { kind: 'addAddress', dev: 'veth-b', address: '10.255.0.1/32' }]],
    ['delete a bridge and re-use its name', [{ kind: 'deleteInterface', name: 'br0' }, { kind: 'createBridge', name: 'br0', stp: false, vlanFiltering: false }]],
    ['a bond of a free NIC', [{ kind: 'createBond', name: 'bond1', mode: 'active-backup', members: ['eth2'] }, { kind: 'setMtu', dev: 'bond1', mtu: 9000 }]],
    ['a VLAN on a new bond, with a larger MTU after the parent', [
      { kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['eth2'] },
      { kind: 'createVlan', name: 'bond1.30', parent: 'bond1', vlanId: 30 },
      { kind: 'setMtu', dev: 'bond1', mtu: 9000 },
      { kind: 'setMtu', dev: 'bond1.30', mtu: 9000 },
    ]],
    ['the same VLAN id on another parent', [{ kind: 'createVlan', name: 'eth2.100', parent: 'eth2', vlanId: 100 }]],
    ['a bridge in a libvirt network of mode bridge may be deleted', [{ kind: 'deleteInterface', name: 'br0' }]],
    ['delete both ends of a veth pair by naming one', [{ kind: 'deleteInterface', name: 'veth-a' }]],
    ['a new port of a VLAN-filtering bridge, then its VLANs', [{ kind: 'setMaster', dev: 'veth-b', master: 'brv' }, { kind: 'setBridgeVlans', dev: 'veth-b', vlans: [{ vid: 30, pvid: true, untagged: true }] }]],
    // A VLAN carries its parent's MAC by default, so giving it back must not count as a clash.
    ['a VLAN back to its parent MAC', [{ kind: 'setMac', dev: 'eth1.100', mac: '02:00:5e:10:00:09' }, { kind: 'setMac', dev: 'eth1.100', mac: '02:5b:00:01:00:01' }]],
    ['a MAC equal to a bridge MAC', [{ kind: 'setMac', dev: 'eth2', mac: '02:5b:00:01:00:0a' }]],
  ];

  it.each(valid)('%s', (_, ops) => {
    const t = hostTopology();
    const result = validateOperations(t, ops);
    expect(result.checks).toEqual(ops.map((__, index) => ({ index, errors: [] })));
    expect(result.valid).toBe(true);
  });

  it('checks each operation against the state the earlier ones leave (order matters)', () => {
    const t = hostTopology();
    const reversed = validateOperations(t, [{ kind: 'setMaster', dev: 'veth-b', master: 'br9' }, { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false }]);
    expect(reversed.valid).toBe(false);
    expect(reversed.checks[0]!.errors.join(' ')).toMatch(/There is no bridge or bond br9/);
    expect(reversed.checks[1]!.errors).toEqual([]);
  });

  it('leaves invalid operations out of the projection so one error does not cascade', () => {
    const t = hostTopology();
    const result = validateOperations(t, [
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'setMaster', dev: 'eth1', master: 'br9' }, // eth1 is in br0: invalid
      { kind: 'setMaster', dev: 'veth-b', master: 'br9' },
    ]);
    expect(result.checks.map((c) => c.errors.length > 0)).toEqual([false, true, false]);
    expect(ifaceOf(result.projected, 'eth1').master).toBe('br0');
    expect(ifaceOf(result.projected, 'veth-b').master).toBe('br9');
    expect(ifaceOf(result.projected, 'br9').kind).toBe('bridge');
  });

  it('does not change the topology it validates against', () => {
    const t = hostTopology();
    const before = structuredClone(t);
    validateOperations(t, [{ kind: 'deleteInterface', name: 'br0' }, { kind: 'setMtu', dev: 'eth2', mtu: 9000 }]);
    expect(t).toEqual(before);
  });

  it('collects several problems of one operation', () => {
    expect(validateOperation(hostTopology(), { kind: 'setMaster', dev: 'br0', master: 'bond0' })).toEqual([
      "br0 is a bridge; a bond's members are Ethernet-like interfaces.",
      'br0 has addresses; a bond member loses them. Remove them first.',
    ]);
    const many = validateOperation(hostTopology(), { kind: 'createBond', name: 'br0', mode: '802.3ad', members: ['eth3', 'eth9'] });
    expect(many).toEqual([
      'An interface named br0 already exists on this host.',
      'eth3 is already a port of bond0; an interface can be enslaved only once. Disconnect it first.',
      'There is no member interface eth9 on this host (or an earlier operation removes it).',
    ]);
  });
});
