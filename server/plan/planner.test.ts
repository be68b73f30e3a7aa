import { describe, expect, it } from 'vitest';
import { hostTopology, MGMT_ADDRESS } from './fixtures';
import type { Operation } from './ops';
import { dependencyOrder, managementInterfaces, planChange } from './planner';
import { applyOperations } from './project';
import { renderOperation } from './render';

const kinds = (ops: readonly Operation[], order: number[]) => order.map((i) => ops[i]!.kind);

describe('dependencyOrder', () => {
  it('takes away before adding, creates before configuring and joining, brings links up last', () => {
    const draft: Operation[] = [
      { kind: 'addAddress', dev: 'veth-b', address: '10.9.0.1/24' }, // 0: phase 7
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false }, // 1: phase 2
      { kind: 'setLinkState', dev: 'br9', up: true }, // 2: phase 8, after 1
      { kind: 'removeAddress', dev: 'dummy0', address: '10.255.0.1/32' }, // 3: phase 0
      { kind: 'createVlan', name: 'eth2.200', parent: 'eth2', vlanId: 200 }, // 4: phase 3
      { kind: 'unsetMaster', dev: 'eth1' }, // 5: phase 0
      { kind: 'setMaster', dev: 'veth-b', master: 'br9' }, // 6: phase 5, after 0, 1, 2
      { kind: 'setMtu', dev: 'eth3', mtu: 9000 }, // 7: phase 4
    ];
    const order = dependencyOrder(draft);
    expect(order).toEqual([3, 5, 1, 4, 7, 0, 2, 6]);
    expect(kinds(draft, order)).toEqual(['removeAddress', 'unsetMaster', 'createBridge', 'createVlan', 'setMtu', 'addAddress', 'setLinkState', 'setMaster']);
  });

  it('moves a link down to the front and a link up to the back', () => {
    const draft: Operation[] = [
      { kind: 'setLinkState', dev: 'veth-b', up: true },
      { kind: 'createDummy', name: 'd1' },
      { kind: 'setLinkState', dev: 'eth2', up: false },
    ];
    expect(dependencyOrder(draft)).toEqual([2, 1, 0]);
  });

  it('removes and disconnects before it creates', () => {
    const draft: Operation[] = [
      { kind: 'createVeth', name: 'v1', peer: 'v2' },
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'deleteInterface', name: 'dummy0' },
      { kind: 'unsetMaster', dev: 'eth1' },
      { kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' },
    ];
    expect(kinds(draft, dependencyOrder(draft))).toEqual(['unsetMaster', 'removeAddress', 'deleteInterface', 'createVeth', 'createBridge']);
  });

  it('keeps operations on a common interface in the order they were drafted', () => {
    // Each names br9, so none may pass another, whatever its phase.
    const draft: Operation[] = [
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'setLinkState', dev: 'br9', up: true },
      { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
    ];
    expect(dependencyOrder(draft)).toEqual([0, 1, 2]);
    const backwards: Operation[] = [
      { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'setLinkState', dev: 'br9', up: true },
    ];
    expect(dependencyOrder(backwards)).toEqual([0, 1, 2]);
  });

  it('is stable among independent operations of one phase, and handles an empty draft', () => {
    const draft: Operation[] = [
      { kind: 'setMtu', dev: 'eth2', mtu: 9000 },
      { kind: 'setMtu', dev: 'eth3', mtu: 9000 },
      { kind: 'setMac', dev: 'veth-b', mac: '02:00:5e:10:00:01' },
    ];
    expect(dependencyOrder(draft)).toEqual([0, 1, 2]);
    expect(dependencyOrder([])).toEqual([]);
  });
});

describe('planChange', () => {
  it('orders the steps, renders each against the state before it, and projects the result', () => {
    const live = hostTopology();
    const draft: Operation[] = [
      { kind: 'addAddress', dev: 'veth-b', address: '10.9.0.1/24' },
      { kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: false },
      { kind: 'setMaster', dev: 'veth-b', master: 'br9' },
      { kind: 'removeAddress', dev: 'dummy0', address: '10.255.0.1/32' },
    ];
    const result = planChange(live, draft, MGMT_ADDRESS);
    if (!result.ok) throw new Error(JSON.stringify(result.checks));
    const { steps, intended, diff, disruptive } = result.plan;
    expect(steps.map((s) => s.draftIndex)).toEqual([3, 1, 0, 2]);
    expect(steps.map((s) => s.description)).toEqual(['remove address 10.255.0.1/32 from dummy0', 'create bridge br9 with STP', 'add address 10.9.0.1/24 to veth-b', 'connect veth-b to br9']);
    let state = live;
    for (const s of steps) {
      expect(s.commands).toEqual(renderOperation(s.operation, state));
      state = applyOperations(state, [s.operation]);
    }
    expect(steps[3]!.commands).toEqual([{ argv: ['ip', 'link', 'set', 'dev', 'veth-b', 'master', 'br9'], inverse: [['ip', 'link', 'set', 'dev', 'veth-b', 'nomaster']] }]);
    expect(intended).toEqual(state);
    expect(diff).toEqual(
      expect.arrayContaining([
        { entity: 'interface', name: 'br9', change: 'added' },
        expect.objectContaining({ entity: 'interface', name: 'veth-b', change: 'changed' }),
        expect.objectContaining({ entity: 'interface', name: 'dummy0', change: 'changed' }),
      ]),
    );
    expect(disruptive).toBe(false);
    expect(steps.every((s) => s.disruptive === null)).toBe(true);
  });

  it('refuses a draft that is invalid in the order it was drafted, naming the operation', () => {
    // Dependent operations keep their drafted order (the draft panel validates in that order),
    // so an address on a bridge drafted before the bridge is an error, not a reordering.
    const result = planChange(
      hostTopology(),
      [
        { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
        { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
        { kind: 'setLinkState', dev: 'br9', up: true },
      ],
      MGMT_ADDRESS,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.checks[0]!.errors.join(' ')).toMatch(/There is no interface br9/);
    expect(result.checks.slice(1).map((c) => c.errors)).toEqual([[], []]);
  });

  it('keeps the drafted order when reordering would make the sequence invalid', () => {
    // Deleting veth-a deletes veth-b too, which the names alone do not say: moving the delete
    // (phase 1) before the address (phase 7) would address a deleted interface.
    const draft: Operation[] = [
      { kind: 'addAddress', dev: 'veth-b', address: '10.8.8.8/24' },
      { kind: 'deleteInterface', name: 'veth-a' },
    ];
    expect(dependencyOrder(draft)).toEqual([1, 0]);
    const result = planChange(hostTopology(), draft, MGMT_ADDRESS);
    if (!result.ok) throw new Error(JSON.stringify(result.checks));
    expect(result.plan.steps.map((s) => s.draftIndex)).toEqual([0, 1]);
    // The delete's inverse re-creates veth-b with the address it had just before.
    expect(result.plan.steps[1]!.commands[0]!.inverse).toContainEqual(['ip', 'address', 'add', '10.8.8.8/24', 'dev', 'veth-b']);
  });
});

describe('disruptive marking (the panel reaches the host at 198.18.0.11 on eth0)', () => {
  it.each<[Operation, RegExp | null]>([
    [{ kind: 'setMtu', dev: 'eth0', mtu: 1400 }, /changes eth0, which carries the panel's SSH connection/],
    [{ kind: 'setLinkState', dev: 'eth0', up: false }, /changes eth0/],
    [{ kind: 'setMac', dev: 'eth0', mac: '02:00:5e:10:00:01' }, /changes eth0/],
    [{ kind: 'setMaster', dev: 'eth0', master: 'br0' }, /changes eth0/],
    [{ kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/24' }, /removes 198\.18\.0\.11, the address the panel connects to/],
    [{ kind: 'setLinkState', dev: 'eth0', up: true }, null],
    [{ kind: 'addAddress', dev: 'eth0', address: '198.18.0.12/24' }, null],
    [{ kind: 'setMtu', dev: 'veth-b', mtu: 1400 }, null],
    [{ kind: 'setLinkState', dev: 'veth-b', up: false }, null],
    [{ kind: 'setMaster', dev: 'veth-b', master: 'br0' }, null],
    [{ kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' }, null],
    [{ kind: 'deleteInterface', name: 'veth-b' }, null],
  ])('%j', (op, expected) => {
    const result = planChange(hostTopology(), [op], MGMT_ADDRESS);
    if (!result.ok) throw new Error(JSON.stringify(result.checks));
    const [step] = result.plan.steps;
    if (expected) expect(step!.disruptive).toMatch(expected);
    else expect(step!.disruptive).toBeNull();
    expect(result.plan.disruptive).toBe(expected !== null);
  });

  it('marks only the steps that touch the management path', () => {
    const result = planChange(
      hostTopology(),
      [
        { kind: 'setLinkState', dev: 'veth-b', up: true },
        { kind: 'setMtu', dev: 'eth0', mtu: 1400 },
      ],
      MGMT_ADDRESS,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.checks));
    expect(result.plan.steps.map((s) => [s.operation.kind, s.disruptive !== null])).toEqual([
      ['setMtu', true],
      ['setLinkState', false],
    ]);
    expect(result.plan.disruptive).toBe(true);
  });

  it('through a bridge: the bridge and its uplink are the management path, a new port is not', () => {
    const t = hostTopology();
    expect(managementInterfaces(t, '198.18.1.11')).toEqual(new Set(['br0', 'eth1']));
    const plan = (op: Operation) => {
      const r = planChange(hostTopology(), [op], '198.18.1.11');
      if (!r.ok) throw new Error(JSON.stringify(r.checks));
      return r.plan.steps[0]!.disruptive;
    };
    expect(plan({ kind: 'setMaster', dev: 'veth-b', master: 'br0' })).toBeNull();
    expect(plan({ kind: 'unsetMaster', dev: 'eth1' })).toMatch(/changes eth1/);
    expect(plan({ kind: 'setMtu', dev: 'eth1', mtu: 1600 })).toMatch(/changes eth1/);
    expect(plan({ kind: 'deleteInterface', name: 'br0' })).toMatch(/changes br0/);
    expect(plan({ kind: 'setLinkState', dev: 'eth0', up: false })).toBeNull();
  });

  it('through a VLAN: the VLAN, its parent and the bridge above the parent', () => {
    expect(managementInterfaces(hostTopology(), '198.18.100.11')).toEqual(new Set(['eth1.100', 'eth1', 'br0']));
  });

  it('an address the host does not hold marks nothing', () => {
    expect(managementInterfaces(hostTopology(), '203.0.113.99')).toEqual(new Set());
  });

  it('follows the path the host reports: a DNS name or NAT address in the inventory still finds eth0', () => {
    // The inventory says "hv1.example.org" (or a NAT address); the host's session says it
    // arrived on 198.18.0.11 and routes back to the panel through eth0.
    expect(managementInterfaces(hostTopology(), 'hv1.example.org')).toEqual(new Set());
    const path = { hostAddress: '198.18.0.11', panelAddress: '198.18.0.1', device: 'eth0', gateway: null };
    expect(managementInterfaces(hostTopology(), path)).toEqual(new Set(['eth0']));
    const r = planChange(hostTopology(), [{ kind: 'setMtu', dev: 'eth0', mtu: 1400 }], path);
    if (!r.ok) throw new Error('refused');
    expect(r.plan.steps[0]!.disruptive).toMatch(/changes eth0, which carries the panel's SSH connection/);
  });

  it('the device of the route back counts even when the session arrived on another address', () => {
    // Asymmetric: the panel connects to br0's address but the host answers through eth0.
    const path = { hostAddress: '198.18.1.11', panelAddress: '203.0.113.5', device: 'eth0', gateway: '198.18.0.1' };
    expect(managementInterfaces(hostTopology(), path)).toEqual(new Set(['br0', 'eth1', 'eth0']));
  });

  it('matches an IPv6 host address however the inventory spells it', () => {
    const t = hostTopology();
    t.interfaces.find((i) => i.name === 'eth0')!.addresses.push({ family: 'inet6', address: '2001:db8:5::11', prefixLength: 64, scope: 'global', dynamic: false });
    expect(managementInterfaces(t, '2001:DB8:5:0:0:0:0:11')).toEqual(new Set(['eth0']));
    const r = planChange(t, [{ kind: 'removeAddress', dev: 'eth0', address: '2001:db8:5::11/64' }], '2001:0db8:5::0011');
    if (!r.ok) throw new Error(JSON.stringify(r.checks));
    expect(r.plan.steps[0]!.disruptive).toMatch(/removes 2001:0db8:5::0011, the address the panel connects to/);
  });

  it('adding the panel\'s own address, or the gateway toward it, on this host is disruptive', () => {
    const path = { hostAddress: '198.18.0.11', panelAddress: '198.18.0.1', device: 'eth0', gateway: '203.0.113.1' };
    const plan = (address: string) => {
      const r = planChange(hostTopology(), [{ kind: 'addAddress', dev: 'veth-b', address }], path);
      if (!r.ok) throw new Error(JSON.stringify(r.checks));
      return r.plan.steps[0]!.disruptive;
    };
    expect(plan('198.18.0.1/32')).toMatch(/adds 198\.18\.0\.1, the panel's own address/);
    expect(plan('203.0.113.1/24')).toMatch(/adds 203\.0\.113\.1, the gateway the host reaches the panel through/);
    expect(plan('10.77.0.1/24')).toBeNull();
  });
});
