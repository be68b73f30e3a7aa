import { describe, expect, it } from 'vitest';
import type { Topology } from '@/server/topology/model';
import { hostTopology, ifaceOf } from './fixtures';
import type { Operation } from './ops';
import { applyOperations } from './project';
import { differencesFromIntended } from './verify';

const ops: Operation[] = [
  { kind: 'setMtu', dev: 'eth2', mtu: 9000 },
  { kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: false },
  { kind: 'setMaster', dev: 'veth-b', master: 'br9' },
  { kind: 'addAddress', dev: 'br9', address: '2001:DB8:9::1/64' },
  { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
  { kind: 'setLinkState', dev: 'br9', up: true },
  { kind: 'deleteInterface', name: 'dummy0' },
  { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 30, pvid: true, untagged: true }] },
  { kind: 'setMac', dev: 'eth2', mac: '02:00:5e:10:00:01' },
];

/** The host as a probe would read it after a good apply: the kernel picked br9's MAC and index, and added link-local addresses. */
function hostAfter(intended: Topology): Topology {
  const after = structuredClone(intended);
  Object.assign(ifaceOf(after, 'br9'), { index: 40, mac: '02:aa:bb:cc:dd:ee', operstate: 'UP', rawKind: 'bridge' });
  const br9 = ifaceOf(after, 'br9');
  // Reported in lower case, in another order, with a kernel-made link-local address.
  br9.addresses = [
    { family: 'inet', address: '10.9.0.1', prefixLength: 24, scope: 'global', dynamic: false },
    { family: 'inet6', address: 'fe80::aa:bbff:fecc:ddee', prefixLength: 64, scope: 'link', dynamic: false },
    { family: 'inet6', address: '2001:db8:9::1', prefixLength: 64, scope: 'global', dynamic: false },
  ];
  ifaceOf(after, 'veth-b').bridgePort = { state: 'forwarding', vlans: [] };
  return after;
}

describe('differencesFromIntended', () => {
  const intended = applyOperations(hostTopology(), ops);

  it('finds none when the host looks as planned (kernel-chosen MAC, ifindex, link-local addresses aside)', () => {
    expect(differencesFromIntended(intended, hostAfter(intended), ops)).toEqual([]);
  });

  it.each<[string, (t: Topology) => void, string[]]>([
    ['an MTU that did not change', (t) => (ifaceOf(t, 'eth2').mtu = 1500), ['eth2: MTU is 1500, the plan intended 9000.']],
    ['a port that did not join', (t) => (ifaceOf(t, 'veth-b').master = null), ['veth-b: master is null, the plan intended "br9".']],
    ['a deleted interface still there', (t) => t.interfaces.push({ ...ifaceOf(hostTopology(), 'dummy0') }), ['dummy0 should be gone but is still there.']],
    ['a created interface missing', (t) => (t.interfaces = t.interfaces.filter((i) => i.name !== 'br9')), ['br9 should exist but the host has no such interface.']],
    [
      'a missing address',
      (t) => (ifaceOf(t, 'br9').addresses = ifaceOf(t, 'br9').addresses.filter((a) => a.address !== '10.9.0.1')),
      ['br9: addresses is "2001:db8:9::1/64", the plan intended "10.9.0.1/24, 2001:db8:9::1/64".'],
    ],
    ['a link still down', (t) => (ifaceOf(t, 'br9').adminUp = false), ['br9: admin state is "down", the plan intended "up".']],
    ['STP off', (t) => (ifaceOf(t, 'br9').bridge = { stp: false, vlanFiltering: false, forwardDelayCs: 1500, vlans: [] }), ['br9: STP is false, the plan intended true.']],
    [
      'port VLANs not set',
      (t) => (ifaceOf(t, 'veth-a').bridgePort = { state: 'forwarding', vlans: [{ vid: 10, pvid: true, untagged: true }] }),
      ['veth-a: port VLANs is "10 pvid untagged", the plan intended "30 pvid untagged".'],
    ],
    ['a MAC that did not change', (t) => (ifaceOf(t, 'eth2').mac = '02:5b:00:01:00:02'), ['eth2: MAC is "02:5b:00:01:00:02", the plan intended "02:00:5e:10:00:01".']],
    ['the wrong kind under the name', (t) => (ifaceOf(t, 'br9').kind = 'dummy'), ['br9: kind is "dummy", the plan intended "bridge".']],
  ])('names %s', (_, breakIt, expected) => {
    const after = hostAfter(intended);
    breakIt(after);
    expect(differencesFromIntended(intended, after, ops)).toEqual(expected);
  });

  it('ignores interfaces no operation touched, and runtime state', () => {
    const after = hostAfter(intended);
    ifaceOf(after, 'eth0').mtu = 1400;
    ifaceOf(after, 'br0').adminUp = false;
    ifaceOf(after, 'br9').operstate = 'DOWN';
    ifaceOf(after, 'br9').carrier = false;
    ifaceOf(after, 'eth2').addresses.push({ family: 'inet6', address: '2001:db8:2::5', prefixLength: 64, scope: 'global', dynamic: true });
    expect(differencesFromIntended(intended, after, ops)).toEqual([]);
  });

  it('lists differences of several interfaces in name order', () => {
    const after = hostAfter(intended);
    ifaceOf(after, 'veth-b').master = null;
    ifaceOf(after, 'eth2').mtu = 1500;
    expect(differencesFromIntended(intended, after, ops)).toEqual(['eth2: MTU is 1500, the plan intended 9000.', 'veth-b: master is null, the plan intended "br9".']);
  });
});
