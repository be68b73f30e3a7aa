import { LIBVIRT_EXAMPLES, NAT_EXAMPLES, OVS_EXAMPLES, TC_EXAMPLES } from '@/server/testing/kind-examples';
import { describe, expect, it } from 'vitest';
import { describeOperation, interfacesOf, OPERATION_KINDS, ZCidr, ZIfName, ZMac, ZOperation, type Operation } from './ops';

const issues = (r: { success: boolean; error?: { issues: { message: string }[] } }) => (r.error?.issues ?? []).map((i) => i.message).join(' | ');

describe('ZIfName', () => {
  it.each(['eth0', 'veth-b', 'eth1.100', 'br_0', 'a', '0', 'x'.repeat(15), 'vnet0'])('accepts %j', (n) => {
    expect(ZIfName.safeParse(n).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['16 characters', 'x'.repeat(16)],
    ['.', '.'],
    ['..', '..'],
    ['a leading dash (an ip option)', '-x'],
    ['a leading dot', '.x'],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a colon', 'a:b'],
    ['a semicolon', 'br0;reboot'],
    ['a hash', 'br0#x'],
    ['a command substitution', '$(id)'],
    ['a newline', 'a\nb'],
    ['a non-ASCII letter', 'brü'],
  ])('refuses %s', (_, n) => {
    const r = ZIfName.safeParse(n);
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(/1-15 characters/);
  });
});

describe('ZMac', () => {
  it('accepts a unicast MAC and lowercases it', () => {
    expect(ZMac.parse('02:00:5E:10:00:AB')).toBe('02:00:5e:10:00:ab');
  });

  it.each([
    ['02:00:5e:10:00', /looks like/],
    ['02-00-5e-10-00-01', /looks like/],
    ['0200.5e10.0001', /looks like/],
    ['01:00:5e:00:00:01', /multicast/],
    ['ff:ff:ff:ff:ff:ff', /multicast/],
    ['00:00:00:00:00:00', /all-zero/],
  ])('refuses %j', (mac, message) => {
    const r = ZMac.safeParse(mac);
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(message);
  });
});

describe('ZCidr', () => {
  it.each(['192.0.2.10/24', '10.0.0.1/32', '0.0.0.0/0', '2001:db8::1/64', 'fe80::1/128'])('accepts %j', (c) => {
    expect(ZCidr.safeParse(c).success).toBe(true);
  });

  it.each([
    ['192.0.2.10', /needs a prefix length/],
    ['192.0.2.10/33', /not a prefix length/],
    ['2001:db8::1/129', /not a prefix length/],
    ['2001:db8::1', /needs a prefix length/],
    ['256.0.0.1/24', /256 is more than 255/],
    ['eth0', /is not an IPv4 address/],
    ['', /is not an IPv4 address/],
    ['192.0.2.10/24 dev eth0', /not a prefix length/],
  ])('refuses %j, saying what is wrong with it', (c, message) => {
    const r = ZCidr.safeParse(c);
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(message);
  });
});

describe('ZOperation', () => {
  it('has the 57 operation kinds', () => {
    expect(OPERATION_KINDS).toEqual([
      'createBridge', 'createBond', 'createVlan', 'createVeth', 'createDummy', 'deleteInterface', 'setMaster',
      'unsetMaster', 'setMtu', 'setLinkState', 'setMac', 'addAddress', 'removeAddress', 'setBridgeVlans', 'restoreRoutes',
      'setIpForward', 'createNetwork', 'deleteNetwork', 'restoreNetwork', 'setNetworkActive', 'setNetworkAutostart', 'editNetwork', 'redefineNetwork', 'addDhcpHost', 'removeDhcpHost',
      'attachNic', 'detachNic', 'restoreNic', 'moveNic', 'setNicLink', 'setNicBandwidth', 'setQdisc', 'removeQdisc', 'restoreQdiscTree',
      'setIngressPolicing', 'removeIngressPolicing', 'setHtbClass', 'removeHtbClass', 'restoreHtbClass', 'addTcFilter', 'removeTcFilter', 'restoreTcFilter',
      'addPortForward', 'removePortForward', 'addMasquerade', 'removeMasquerade',
      'createOvsBridge', 'deleteOvsBridge', 'restoreOvsBridge', 'addOvsPort', 'addOvsTunnelPort', 'removeOvsPort', 'restoreOvsPort', 'setOvsPortVlans',
      'writeBootFiles', 'persistInterfaces', 'keepAtBoot',
    ]);
  });

  it('fills defaults', () => {
    expect(ZOperation.parse({ kind: 'createBridge', name: 'br9' })).toEqual({ kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false });
    expect(ZOperation.parse({ kind: 'createBond', name: 'bond1', mode: '802.3ad' })).toEqual({ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: [] });
    expect(ZOperation.parse({ kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10 }] })).toEqual({
      kind: 'setBridgeVlans',
      dev: 'veth-a',
      vlans: [{ vid: 10, pvid: false, untagged: false }],
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['VLAN id 0', { kind: 'createVlan', name: 'eth2.0', parent: 'eth2', vlanId: 0 }, /VLAN id is 1-4094/],
    ['VLAN id 4095', { kind: 'createVlan', name: 'eth2.4095', parent: 'eth2', vlanId: 4095 }, /VLAN id is 1-4094/],
    ['a fractional VLAN id', { kind: 'createVlan', name: 'eth2.5', parent: 'eth2', vlanId: 1.5 }, /whole number/],
    ['a bridge VLAN 4095', { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 4095 }] }, /VLAN id is 1-4094/],
    ['MTU 67', { kind: 'setMtu', dev: 'eth2', mtu: 67 }, /MTU is 68-65535/],
    ['MTU 65536', { kind: 'setMtu', dev: 'eth2', mtu: 65536 }, /MTU is 68-65535/],
    ['an unknown bond mode', { kind: 'createBond', name: 'bond1', mode: 'fastest' }, /./],
    ['a bad parent name', { kind: 'createVlan', name: 'v5', parent: 'eth2;x', vlanId: 5 }, /1-15 characters/],
    ['a bad member name', { kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['eth2', '-x'] }, /1-15 characters/],
    ['more than 16 bond members', { kind: 'createBond', name: 'bond1', mode: '802.3ad', members: Array.from({ length: 17 }, (_, i) => `eth${i}`) }, /./],
    ['a multicast MAC', { kind: 'setMac', dev: 'eth2', mac: '03:00:00:00:00:01' }, /multicast/],
    ['an address without prefix', { kind: 'addAddress', dev: 'eth2', address: '192.0.2.1' }, /prefix length/],
    ['an unknown kind', { kind: 'rebootHost' }, /./],
    ['a missing field', { kind: 'setLinkState', dev: 'eth2' }, /./],
  ])('refuses %s', (_, input, message) => {
    const r = ZOperation.safeParse(input);
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(message);
  });
});

const examples: [Operation, string, string[]][] = [
  [{ kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: true }, 'create bridge br9 with STP, VLAN filtering on', ['br9']],
  [{ kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false }, 'create bridge br9', ['br9']],
  [{ kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['eth2', 'eth3'] }, 'create bond bond1 (802.3ad) of eth2, eth3', ['bond1', 'eth2', 'eth3']],
  [{ kind: 'createBond', name: 'bond1', mode: 'balance-rr', members: [] }, 'create bond bond1 (balance-rr)', ['bond1']],
  [{ kind: 'createVlan', name: 'eth2.200', parent: 'eth2', vlanId: 200 }, 'create VLAN 200 eth2.200 on eth2', ['eth2.200', 'eth2']],
  [{ kind: 'createVeth', name: 'v1', peer: 'v2' }, 'create veth pair v1 ↔ v2', ['v1', 'v2']],
  [{ kind: 'createDummy', name: 'd1' }, 'create dummy d1', ['d1']],
  [{ kind: 'deleteInterface', name: 'br0' }, 'delete br0', ['br0']],
  [{ kind: 'setMaster', dev: 'veth-b', master: 'br0' }, 'connect veth-b to br0', ['veth-b', 'br0']],
  [{ kind: 'unsetMaster', dev: 'eth1' }, 'disconnect eth1 from its bridge or bond', ['eth1']],
  [{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }, 'set MTU of eth2 to 9000', ['eth2']],
  [{ kind: 'setLinkState', dev: 'eth2', up: false }, 'set eth2 down', ['eth2']],
  [{ kind: 'setLinkState', dev: 'eth2', up: true }, 'set eth2 up', ['eth2']],
  [{ kind: 'setMac', dev: 'eth2', mac: '02:00:5e:10:00:01' }, 'set MAC of eth2 to 02:00:5e:10:00:01', ['eth2']],
  [{ kind: 'addAddress', dev: 'br0', address: '192.0.2.1/24' }, 'add address 192.0.2.1/24 to br0', ['br0']],
  [{ kind: 'removeAddress', dev: 'br0', address: '192.0.2.1/24' }, 'remove address 192.0.2.1/24 from br0', ['br0']],
  [
    { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }] },
    'set VLANs of port veth-a to 10 pvid untagged, 20',
    ['veth-a'],
  ],
  [{ kind: 'setBridgeVlans', dev: 'veth-a', vlans: [] }, 'set VLANs of port veth-a to none', ['veth-a']],
  [
    { kind: 'restoreRoutes', dev: 'eth0', routes: [{ dst: 'default', gateway: '198.18.0.1', dev: 'eth0', protocol: 'static', scope: null, prefsrc: null, metric: 100 }] },
    'put back the route to default via eth0',
    ['eth0'],
  ],
  [{ kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: false, forwardDelayCs: 400 }, 'create bridge br9 with STP, forward delay 4 s', ['br9']],
  [{ kind: 'createBond', name: 'bond9', mode: 'active-backup', members: [], miimon: 100 }, 'create bond bond9 (active-backup, link checked every 100 ms)', ['bond9']],
  [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 10, jitterMs: 2, lossPercent: 1 } }, 'delay 10 ms ± 2 ms, loss 1% on eth1', ['eth1']],
  [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 10000, burstBytes: 32768, latencyMs: 50 } }, 'tbf 10 Mbit/s, burst 32 KiB, latency 50 ms on eth1', ['eth1']],
  [{ kind: 'removeQdisc', dev: 'eth1' }, "take the root qdisc off eth1 (the kernel's default comes back)", ['eth1']],
  [{ kind: 'setIngressPolicing', dev: 'eth1', rateKbit: 10000, burstBytes: 16384 }, 'police traffic arriving on eth1 at 10 Mbit/s (burst 16 KiB), dropping the excess', ['eth1']],
  [{ kind: 'setIngressPolicing', dev: 'eth1', rateKbit: 500 }, 'police traffic arriving on eth1 at 500 kbit/s, dropping the excess', ['eth1']],
  [{ kind: 'removeIngressPolicing', dev: 'eth1' }, 'stop policing traffic arriving on eth1', ['eth1']],
  [
    { kind: 'restoreQdiscTree', dev: 'eth1', tree: { qdiscs: [{ dev: 'eth1', kind: 'tbf', handle: '1:', parent: null, root: true, options: { rate: 1250000, burst: 32767, lat: 50000 } }], classes: [], filters: [] } },
    "put back eth1's tc tree as it was (tbf 1:)",
    ['eth1'],
  ],
];

describe('describeOperation and interfacesOf', () => {
  it.each(examples)('%j', (op, description, names) => {
    expect(describeOperation(op)).toBe(description);
    expect(interfacesOf(op)).toEqual(names);
  });

  it('cover every kind', () => {
    // The libvirt, forwarding, NAT, Open vSwitch and HTB class/filter kinds' examples are described in their own tests (kinds/libvirt-kinds.test.ts, kinds/nat-kinds.test.ts, kinds/ovs-kinds.test.ts, kinds/htb-kinds.test.ts),
    // and the boot files (which only the planner writes) in kinds/write-boot-files.test.ts.
    expect(new Set([...examples.map(([op]) => op.kind), ...LIBVIRT_EXAMPLES.map((e) => e.op.kind), ...NAT_EXAMPLES.map((e) => e.op.kind), ...OVS_EXAMPLES.map((e) => e.op.kind), ...TC_EXAMPLES.map((e) => e.op.kind), 'writeBootFiles', 'persistInterfaces', 'keepAtBoot'])).toEqual(new Set(OPERATION_KINDS));
  });
});
