import { LIBVIRT_EXAMPLES, NAT_EXAMPLES, OVS_EXAMPLES, TC_EXAMPLES } from '@/server/testing/kind-examples';
import { describe, expect, it } from 'vitest';
import type { NetInterface, Topology } from '@/server/topology/model';
import { hostTopology, ifaceOf } from './fixtures';
import { OPERATION_KINDS, type Operation } from './ops';
import { applyOperation, applyOperations } from './project';
import { invertOperation, invertSequence } from './invert';
import { validateOperation, validateOperations } from './validate';
import { renderOperation, type PlannedCommand } from './render';
import { policingFor, withPolicing } from './ingress-police';

/** The commands of a sequence of operations, each against the state the ones before it leave. */
function renderOperations(t: Topology, ops: readonly Operation[]): PlannedCommand[] {
  let state = t;
  return ops.flatMap((op) => {
    const commands = renderOperation(op, state);
    state = applyOperation(state, op);
    return commands;
  });
}

/**
 * The configuration of every interface, as far as operations can set it, and the static
 * routes. Left out: what the kernel chooses (ifindex), runtime state (operstate, carrier, STP
 * port state) and addresses the kernel or DHCP/SLAAC bring back by themselves.
 */
/**
 * The round trip's result with the MACs the projection cannot know (null: a bond member's, set
 * by the kernel on enslave) taken from `before`; verify skips those the same way.
 */
function knownAs(t: Topology, before: Topology): Topology {
  const macOf = new Map(before.interfaces.map((i) => [i.name, i.mac]));
  return { ...t, interfaces: t.interfaces.map((i) => (i.mac === null ? { ...i, mac: macOf.get(i.name) ?? null } : i)) };
}

function configuration(t: Topology) {
  const one = (i: NetInterface) => ({
    name: i.name,
    kind: i.kind,
    mac: i.mac,
    mtu: i.mtu,
    adminUp: i.adminUp,
    master: i.master,
    parent: i.parent,
    peer: i.peer,
    vlan: i.vlan,
    bridge: i.bridge && { stp: i.bridge.stp, vlanFiltering: i.bridge.vlanFiltering, forwardDelay: i.bridge.forwardDelayCs === 1500 ? null : i.bridge.forwardDelayCs },
    bondMode: i.bond?.mode ?? null,
    miimon: i.bond?.miimon || null,
    portVlans: i.bridgePort ? [...i.bridgePort.vlans].sort((a, b) => a.vid - b.vid) : null,
    addresses: i.addresses
      .filter((a) => !a.dynamic && !(a.family === 'inet6' && a.scope === 'link'))
      .map((a) => `${a.address}/${a.prefixLength}`)
      .sort(),
    owner: i.owner,
  });
  const routes = t.routes
    .filter((r) => r.protocol !== 'kernel')
    .map((r) => `${r.dst} via ${r.gateway} dev ${r.dev} metric ${r.metric}`)
    .sort();
  // Traffic control, each part as the model holds it (the qdisc kinds' round trips).
  const tc = [...t.qdiscs, ...t.classes, ...(t.filters ?? [])].map((x) => JSON.stringify(x)).sort();
  return { interfaces: [...t.interfaces].sort((a, b) => a.name.localeCompare(b.name)).map(one), routes, tc };
}

interface Row {
  name: string;
  op: Operation;
  setup?: (t: Topology) => void;
}

const rows: Row[] = [
  { name: 'createBridge', op: { kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: true } },
  { name: 'createBond of an up NIC (released members are closed by the bond)', op: { kind: 'createBond', name: 'bond1', mode: 'active-backup', members: ['eth2'] } },
  { name: 'createBond of a down veth', op: { kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['veth-b'] } },
  { name: 'createVlan', op: { kind: 'createVlan', name: 'eth2.200', parent: 'eth2', vlanId: 200 } },
  { name: 'createVeth', op: { kind: 'createVeth', name: 'v1', peer: 'v2' } },
  { name: 'createDummy', op: { kind: 'createDummy', name: 'd1' } },
  { name: 'deleteInterface of a bridge with a port and an address', op: { kind: 'deleteInterface', name: 'br0' } },
  {
    // A bridge made by `ip link add` takes its first port's MAC: the re-created bridge may not
    // be refused for "sharing" it with the port that is about to rejoin.
    name: "deleteInterface of a bridge that carries its port's MAC",
    op: { kind: 'deleteInterface', name: 'br0' },
    setup: (t) => {
      ifaceOf(t, 'br0').mac = ifaceOf(t, 'eth1').mac;
    },
  },
  { name: 'deleteInterface of a VLAN-filtering bridge', op: { kind: 'deleteInterface', name: 'brv' } },
  { name: 'deleteInterface of a bond', op: { kind: 'deleteInterface', name: 'bond0' } },
  { name: "deleteInterface of a VLAN (carrying its parent's MAC)", op: { kind: 'deleteInterface', name: 'eth1.100' } },
  { name: 'deleteInterface of a dummy with MTU 9000', op: { kind: 'deleteInterface', name: 'dummy0' } },
  { name: 'deleteInterface of a veth end whose peer is a filtering-bridge port', op: { kind: 'deleteInterface', name: 'veth-b' } },
  { name: 'deleteInterface of the veth end in the bridge', op: { kind: 'deleteInterface', name: 'veth-a' } },
  { name: 'setMaster to a bridge', op: { kind: 'setMaster', dev: 'veth-b', master: 'br0' } },
  { name: 'setMaster to a VLAN-filtering bridge', op: { kind: 'setMaster', dev: 'veth-b', master: 'brv' } },
  { name: 'setMaster of an up NIC to a bond', op: { kind: 'setMaster', dev: 'eth2', master: 'bond0' } },
  { name: 'setMaster of a down veth to a bond', op: { kind: 'setMaster', dev: 'veth-b', master: 'bond0' } },
  { name: 'unsetMaster from a bridge', op: { kind: 'unsetMaster', dev: 'eth1' } },
  { name: 'unsetMaster from a VLAN-filtering bridge', op: { kind: 'unsetMaster', dev: 'veth-a' } },
  { name: 'unsetMaster from a bond', op: { kind: 'unsetMaster', dev: 'eth3' } },
  { name: 'setMtu', op: { kind: 'setMtu', dev: 'dummy0', mtu: 1500 } },
  { name: 'setLinkState up', op: { kind: 'setLinkState', dev: 'veth-b', up: true } },
  { name: 'setLinkState down', op: { kind: 'setLinkState', dev: 'eth2', up: false } },
  { name: 'setMac', op: { kind: 'setMac', dev: 'eth2', mac: '02:00:5e:10:00:01' } },
  { name: 'addAddress', op: { kind: 'addAddress', dev: 'veth-b', address: '10.9.0.1/24' } },
  { name: 'removeAddress', op: { kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/24' } },
  { name: 'setBridgeVlans', op: { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 30, pvid: true, untagged: true }] } },
  // The HTB tree's round trips (classes, leaf qdiscs, u32 filters) are in kinds/qdisc-kinds.test.ts.
  { name: 'setQdisc over the kernel default', op: { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 10, jitterMs: 2, lossPercent: 1 } } },
  { name: 'setQdisc over a tbf root', op: { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'htb', defaultClass: '10' } }, setup: (t) => withTbfRoot(t) },
  { name: 'removeQdisc', op: { kind: 'removeQdisc', dev: 'eth2' }, setup: (t) => withTbfRoot(t) },
  { name: 'setIngressPolicing over nothing', op: { kind: 'setIngressPolicing', dev: 'eth2', rateKbit: 10000 }, setup: (t) => void (t.filters = []) },
  { name: 'setIngressPolicing over its own', op: { kind: 'setIngressPolicing', dev: 'eth2', rateKbit: 20000 }, setup: (t) => void Object.assign(t, withPolicing({ ...t, filters: [] }, 'eth2', policingFor(t, 10000, 16384))) },
  { name: 'removeIngressPolicing', op: { kind: 'removeIngressPolicing', dev: 'eth2' }, setup: (t) => void Object.assign(t, withPolicing({ ...t, filters: [] }, 'eth2', policingFor(t, 10000, 16384))) },
  {
    name: 'restoreQdiscTree over the kernel default',
    op: { kind: 'restoreQdiscTree', dev: 'eth2', tree: { qdiscs: [{ dev: 'eth2', kind: 'pfifo', handle: '1:', parent: null, root: true, options: { limit: 100 } }], classes: [], filters: [] } },
  },
];

/** eth2 with a tbf root and the class tbf shows for its child. */
function withTbfRoot(t: Topology): void {
  t.qdiscs = [{ dev: 'eth2', kind: 'tbf', handle: '1:', parent: null, root: true, options: { rate: 1250000, burst: 32767, lat: 50000 } }];
  t.classes = [{ dev: 'eth2', kind: 'tbf', classid: '1:1', parent: '1:', rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null }];
  t.filters = [];
}

describe('invertOperation: applying an operation and then its inverse gives the configuration back', () => {
  it.each(rows)('$name', ({ op, setup }) => {
    const before = hostTopology();
    setup?.(before);
    expect(validateOperation(before, op)).toEqual([]);
    const after = applyOperation(before, op);
    // The operation changed something, so getting it back is not trivially true.
    expect(configuration(after)).not.toEqual(configuration(before));
    const inverse = invertOperation(op, before);
    expect(inverse.length).toBeGreaterThan(0);
    // The inverse is a draft the planner accepts against the state the operation left.
    expect(validateOperations(after, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    expect(configuration(knownAs(applyOperations(after, inverse), before))).toEqual(configuration(before));
  });

  it('has a row for every operation kind (restoreRoutes only ever follows what it depends on; below)', () => {
    // The libvirt and forwarding kinds' round trips are in kinds/libvirt-kinds.test.ts, the NAT and
    // Open vSwitch kinds' in kinds/nat-kinds.test.ts and kinds/ovs-kinds.test.ts, the HTB class and filter kinds' in kinds/htb-kinds.test.ts.
    // writeBootFiles', persistInterfaces' and keepAtBoot's Revert (the files as they were) are tested in their kinds' own test files.
    expect(new Set([...rows.map((r) => r.op.kind), ...LIBVIRT_EXAMPLES.map((e) => e.op.kind), ...NAT_EXAMPLES.map((e) => e.op.kind), ...OVS_EXAMPLES.map((e) => e.op.kind), ...TC_EXAMPLES.map((e) => e.op.kind)])).toEqual(new Set(OPERATION_KINDS.filter((k) => k !== 'restoreRoutes' && k !== 'writeBootFiles' && k !== 'persistInterfaces' && k !== 'keepAtBoot')));
  });

  it('restoreRoutes has no inverse of its own: undoing what it follows takes the routes with it', () => {
    const before = hostTopology();
    const removed = applyOperation(before, { kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/24' });
    const route = before.routes.find((r) => r.dst === 'default')!;
    expect(removed.routes).not.toContainEqual(route); // the kernel flushed it with eth0's last IPv4 address
    expect(invertOperation({ kind: 'restoreRoutes', dev: 'eth0', routes: [route] }, removed)).toEqual([]);
  });
});

describe('invertOperation gives', () => {
  it.each<[string, Operation, Operation[]]>([
    ['a delete for a create', { kind: 'createVeth', name: 'v1', peer: 'v2' }, [{ kind: 'deleteInterface', name: 'v1' }]],
    ['a disconnect for a connect to a bridge', { kind: 'setMaster', dev: 'veth-b', master: 'br0' }, [{ kind: 'unsetMaster', dev: 'veth-b' }]],
    ['the old MTU', { kind: 'setMtu', dev: 'dummy0', mtu: 1500 }, [{ kind: 'setMtu', dev: 'dummy0', mtu: 9000 }]],
    ['the old state', { kind: 'setLinkState', dev: 'veth-b', up: true }, [{ kind: 'setLinkState', dev: 'veth-b', up: false }]],
    ['the old MAC', { kind: 'setMac', dev: 'eth2', mac: '02:00:5e:10:00:01' }, [{ kind: 'setMac', dev: 'eth2', mac: '02:5b:00:01:00:02' }]],
    ['a remove for an add', { kind: 'addAddress', dev: 'veth-b', address: '10.9.0.1/24' }, [{ kind: 'removeAddress', dev: 'veth-b', address: '10.9.0.1/24' }]],
    [
      'an add for a remove, with the static route the kernel flushed with it',
      { kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' },
      [
        { kind: 'addAddress', dev: 'br0', address: '198.18.1.11/24' },
        { kind: 'restoreRoutes', dev: 'br0', routes: [{ dst: '203.0.113.0/24', gateway: '198.18.1.1', dev: 'br0', protocol: 'static', scope: null, prefsrc: null, metric: null }] },
      ],
    ],
    [
      'the old port VLANs',
      { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [] },
      [{ kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }] }],
    ],
    [
      'a reconnect with the port VLANs for a disconnect from a filtering bridge',
      { kind: 'unsetMaster', dev: 'veth-a' },
      [
        { kind: 'setMaster', dev: 'veth-a', master: 'brv' },
        { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }] },
      ],
    ],
    [
      'a bridge re-created with its settings, address, state and port',
      { kind: 'deleteInterface', name: 'br0' },
      [
        { kind: 'createBridge', name: 'br0', stp: true, vlanFiltering: false },
        { kind: 'setMaster', dev: 'eth1', master: 'br0' },
        { kind: 'setMac', dev: 'br0', mac: '02:5b:00:01:00:0a' },
        { kind: 'addAddress', dev: 'br0', address: '198.18.1.11/24' },
        { kind: 'setLinkState', dev: 'br0', up: true },
        { kind: 'restoreRoutes', dev: 'br0', routes: [{ dst: '203.0.113.0/24', gateway: '198.18.1.1', dev: 'br0', protocol: 'static', scope: null, prefsrc: null, metric: null }] },
      ],
    ],
  ])('%s', (_, op, expected) => {
    expect(invertOperation(op, hostTopology())).toEqual(expected);
  });

  it('nothing for an operation on an interface the topology does not know', () => {
    expect(invertOperation({ kind: 'deleteInterface', name: 'br9' }, hostTopology())).toEqual([]);
    expect(invertOperation({ kind: 'unsetMaster', dev: 'veth-b' }, hostTopology())).toEqual([]);
  });
});

describe('invertSequence', () => {
  it('undoes the newest step first, each against the state before it', () => {
    const before = hostTopology();
    const ops: Operation[] = [
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'setMaster', dev: 'veth-b', master: 'br9' },
      { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
      { kind: 'setMtu', dev: 'eth2', mtu: 9000 },
      { kind: 'setMtu', dev: 'eth2', mtu: 4000 },
    ];
    const inverse = invertSequence(ops, before);
    expect(inverse).toEqual([
      { kind: 'setMtu', dev: 'eth2', mtu: 9000 },
      { kind: 'setMtu', dev: 'eth2', mtu: 1500 },
      { kind: 'removeAddress', dev: 'br9', address: '10.9.0.1/24' },
      { kind: 'unsetMaster', dev: 'veth-b' },
      { kind: 'deleteInterface', name: 'br9' },
    ]);
    const after = applyOperations(before, ops);
    expect(validateOperations(after, inverse).valid).toBe(true);
    expect(configuration(knownAs(applyOperations(after, inverse), before))).toEqual(configuration(before));
  });

  it('re-creates a deleted bridge before reconnecting what was moved out of it', () => {
    const before = hostTopology();
    const ops: Operation[] = [
      { kind: 'unsetMaster', dev: 'eth1' },
      { kind: 'setMaster', dev: 'eth1', master: 'brv' },
      { kind: 'deleteInterface', name: 'br0' },
    ];
    expect(validateOperations(before, ops).valid).toBe(true);
    const inverse = invertSequence(ops, before);
    expect(inverse.map((o) => o.kind)).toEqual(['createBridge', 'setMac', 'addAddress', 'setLinkState', 'restoreRoutes', 'unsetMaster', 'setMaster']);
    const after = applyOperations(before, ops);
    expect(validateOperations(after, inverse).valid).toBe(true);
    expect(configuration(knownAs(applyOperations(after, inverse), before))).toEqual(configuration(before));
  });

  it('is empty for an empty sequence', () => {
    expect(invertSequence([], hostTopology())).toEqual([]);
  });
});

describe('Revert puts back what the rollback puts back (one description: restore.ts)', () => {
  it('a reverted bond delete keeps miimon; a reverted bridge delete keeps the forward delay', () => {
    const before = hostTopology();
    const back = applyOperations(applyOperation(before, { kind: 'deleteInterface', name: 'bond0' }), invertOperation({ kind: 'deleteInterface', name: 'bond0' }, before));
    expect(ifaceOf(back, 'bond0').bond).toEqual({ mode: '802.3ad', miimon: ifaceOf(before, 'bond0').bond!.miimon });
    ifaceOf(before, 'br0').bridge!.forwardDelayCs = 400; // not the kernel's default of 15 s
    const back2 = applyOperations(applyOperation(before, { kind: 'deleteInterface', name: 'br0' }), invertOperation({ kind: 'deleteInterface', name: 'br0' }, before));
    expect(ifaceOf(back2, 'br0').bridge?.forwardDelayCs).toBe(400);
    // The rollback re-creates it with the same value.
    expect(renderOperation({ kind: 'deleteInterface', name: 'br0' }, before)[0]!.inverse[0]).toEqual(expect.arrayContaining(['forward_delay', '400']));
  });

  it('a reverted address removal puts back the static routes the kernel flushed, as the rollback does', () => {
    const before = hostTopology();
    const op: Operation = { kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/24' };
    const inverse = invertOperation(op, before);
    expect(inverse).toEqual([
      { kind: 'addAddress', dev: 'eth0', address: '198.18.0.11/24' },
      { kind: 'restoreRoutes', dev: 'eth0', routes: [before.routes.find((r) => r.dst === 'default')] },
    ]);
    // The runner's rollback of the same operation re-adds the same routes, in the same words.
    const rollback = renderOperation(op, before)[0]!.inverse;
    const revert = renderOperations(applyOperation(before, op), inverse).map((c) => c.argv);
    expect(revert).toEqual(rollback);
  });
});
