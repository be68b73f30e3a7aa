import { describe, expect, it } from 'vitest';
import type { Topology } from '@/server/topology/model';
import { vmNicWith, vmWith } from '@/server/topology/model';
import { hostTopology, makeInterface } from './fixtures';
import type { Operation } from './ops';
import { warningsOf } from './warnings';

const withNetworkManager = (managed: string[]): Topology => {
  const t = hostTopology();
  return { ...t, host: { ...t.host, bootConfig: { backend: 'networkmanager', reason: 'x', files: [], nmManaged: managed } } };
};

describe('warningsOf', () => {
  it('warns that NetworkManager may undo a kernel change to a device it manages', () => {
    expect(warningsOf({ kind: 'setMtu', dev: 'eth2', mtu: 1400 }, withNetworkManager(['eth2']))).toEqual([
      'NetworkManager manages eth2: it may undo this change when it reconnects or restarts. Change it in NetworkManager, or make it unmanaged first.',
    ]);
    expect(warningsOf({ kind: 'setMtu', dev: 'veth-a', mtu: 1400 }, withNetworkManager(['eth2']))).toEqual([]);
    expect(warningsOf({ kind: 'setMtu', dev: 'eth2', mtu: 1400 }, hostTopology())).toEqual([]);
  });

  it('warns of a change to a device others ride on (a VXLAN underlay, a macvlan lower device)', () => {
    const t = hostTopology();
    t.interfaces.push(makeInterface(90, 'vx9', 'vxlan', { parent: 'eth2' }), makeInterface(91, 'mv9', 'macvlan', { parent: 'eth2' }));
    const lower = 'eth2';
    const ops: Operation[] = [
      { kind: 'setLinkState', dev: lower, up: false },
      { kind: 'removeAddress', dev: lower, address: '192.0.2.1/24' },
    ];
    for (const op of ops) expect(warningsOf(op, t)).toEqual(['eth2 carries vx9 (its underlay), mv9 (its lower device): this change moves their traffic too, and they may stop passing it.']);
    // Bringing it up, or an address added, disturbs nothing.
    expect(warningsOf({ kind: 'setLinkState', dev: lower, up: true }, t)).toEqual([]);
  });

  it('warns of a bridge MTU below its ports and of an address kept on a new bridge port', () => {
    const t = hostTopology();
    expect(warningsOf({ kind: 'setMtu', dev: 'br0', mtu: 1400 }, t)).toEqual([
      "br0's MTU 1400 is below its port's (eth1 1500): frames larger than 1400 bytes from it are dropped.",
    ]);
  });

  it('warns that deleting a bridge leaves a libvirt network that forwards to it, and stopped VMs with NICs on it, without it', () => {
    const t = hostTopology();
    t.interfaces.push(makeInterface(92, 'br7', 'bridge', { bridge: { stp: false, vlanFiltering: false, forwardDelayCs: 1500, vlans: [] } }));
    t.networks.push({ ...t.networks.find((n) => n.name === 'bridged')!, name: 'lan7', bridge: 'br7' });
    t.vms.push(vmWith('old1', '00000000-0000-4000-8000-0000000000a1', 'shut off', [vmNicWith('bridge', { source: 'br7', mac: '52:54:00:aa:00:01' })]));
    expect(warningsOf({ kind: 'deleteInterface', name: 'br7' }, t)).toEqual([
      'libvirt network lan7 forwards to br7: without it it cannot start, and VMs on it lose their network.',
      'old1 has a NIC on br7: it cannot start while br7 is gone.',
    ]);
  });
});
