import { LIBVIRT_EXAMPLES, NAT_EXAMPLES, OVS_EXAMPLES, TC_EXAMPLES } from '@/server/testing/kind-examples';
import { describe, expect, it } from 'vitest';
import type { Topology } from '@/server/topology/model';
import { hostTopology, ifaceOf } from './fixtures';
import { OPERATION_KINDS, ZOperation, type Operation } from './ops';
import { optionProblem, renderOperation, SAFE_ARG, UnsafeArgumentError, type PlannedCommand } from './render';
import { checked } from './commands';
import { withPolicing } from './ingress-police';
import { validateOperation } from './validate';

const link = (dev: string, ...rest: string[]) => ['ip', 'link', 'set', 'dev', dev, ...rest];
const del = (dev: string) => ['ip', 'link', 'del', 'dev', dev];
const vlanAdd = (dev: string, vid: number, ...flags: string[]) => ['bridge', 'vlan', 'add', 'dev', dev, 'vid', String(vid), ...flags];
const vlanDel = (dev: string, vid: number) => ['bridge', 'vlan', 'del', 'dev', dev, 'vid', String(vid)];

interface Row {
  name: string;
  op: Operation;
  /** Changes to the fixture before rendering (the state right before the operation). */
  setup?: (t: Topology) => void;
  commands: PlannedCommand[];
}

const rows: Row[] = [
  {
    // vlan_filtering is named only to turn it on (a kernel without it refuses even 0).
    name: 'createBridge with STP',
    op: { kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: false },
    commands: [{ argv: ['ip', 'link', 'add', 'name', 'br9', 'type', 'bridge', 'stp_state', '1'], inverse: [del('br9')] }],
  },
  {
    name: 'createBridge with VLAN filtering',
    op: { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: true },
    commands: [{ argv: ['ip', 'link', 'add', 'name', 'br9', 'type', 'bridge', 'stp_state', '0', 'vlan_filtering', '1'], inverse: [del('br9')] }],
  },
  {
    name: 'createBond of an up member (taken down to join, bond brings it up)',
    op: { kind: 'createBond', name: 'bond1', mode: 'active-backup', members: ['eth2'] },
    commands: [
      { argv: ['ip', 'link', 'add', 'name', 'bond1', 'type', 'bond', 'mode', 'active-backup'], inverse: [del('bond1')] },
      { argv: link('eth2', 'down'), inverse: [link('eth2', 'up')] },
      { argv: link('eth2', 'master', 'bond1'), inverse: [link('eth2', 'nomaster')] },
    ],
  },
  {
    name: 'createBond of a down member (no down command)',
    op: { kind: 'createBond', name: 'bond1', mode: '802.3ad', members: ['veth-b'] },
    commands: [
      { argv: ['ip', 'link', 'add', 'name', 'bond1', 'type', 'bond', 'mode', '802.3ad'], inverse: [del('bond1')] },
      { argv: link('veth-b', 'master', 'bond1'), inverse: [link('veth-b', 'nomaster')] },
    ],
  },
  {
    // A stable MAC instead of the kernel's random one (the same host and name give the same MAC).
    name: 'createBond without members',
    op: { kind: 'createBond', name: 'bond1', mode: 'balance-rr', members: [] },
    commands: [{ argv: ['ip', 'link', 'add', 'name', 'bond1', 'address', '02:2a:97:3e:c9:ef', 'type', 'bond', 'mode', 'balance-rr'], inverse: [del('bond1')] }],
  },
  {
    name: 'createVlan',
    op: { kind: 'createVlan', name: 'eth2.200', parent: 'eth2', vlanId: 200 },
    commands: [{ argv: ['ip', 'link', 'add', 'link', 'eth2', 'name', 'eth2.200', 'type', 'vlan', 'id', '200'], inverse: [del('eth2.200')] }],
  },
  {
    name: 'createVeth',
    op: { kind: 'createVeth', name: 'v1', peer: 'v2' },
    commands: [{ argv: ['ip', 'link', 'add', 'name', 'v1', 'type', 'veth', 'peer', 'name', 'v2'], inverse: [del('v1')] }],
  },
  {
    name: 'createDummy',
    op: { kind: 'createDummy', name: 'd1' },
    commands: [{ argv: ['ip', 'link', 'add', 'name', 'd1', 'type', 'dummy'], inverse: [del('d1')] }],
  },
  {
    name: 'deleteInterface of a bridge: re-created with MAC, MTU, STP, its port, address, up and static route',
    op: { kind: 'deleteInterface', name: 'br0' },
    commands: [
      {
        argv: del('br0'),
        inverse: [
          ['ip', 'link', 'add', 'name', 'br0', 'address', '02:5b:00:01:00:0a', 'mtu', '1500', 'type', 'bridge', 'stp_state', '1'],
          link('eth1', 'master', 'br0'),
          ['ip', 'address', 'add', '198.18.1.11/24', 'dev', 'br0'],
          link('br0', 'up'),
          ['ip', 'route', 'add', '203.0.113.0/24', 'via', '198.18.1.1', 'dev', 'br0', 'proto', 'static'],
        ],
      },
    ],
  },
  {
    name: 'deleteInterface of a VLAN-filtering bridge: its port rejoins with its VLANs (default VLAN 1 dropped)',
    op: { kind: 'deleteInterface', name: 'brv' },
    commands: [
      {
        argv: del('brv'),
        inverse: [
          ['ip', 'link', 'add', 'name', 'brv', 'address', '02:5b:00:01:00:0b', 'mtu', '1500', 'type', 'bridge', 'stp_state', '0', 'vlan_filtering', '1'],
          link('veth-a', 'master', 'brv'),
          vlanDel('veth-a', 1),
          vlanAdd('veth-a', 10, 'pvid', 'untagged'),
          vlanAdd('veth-a', 20),
          link('brv', 'up'),
        ],
      },
    ],
  },
  {
    name: 'deleteInterface of a bond: mode, miimon and MAC back, member down/enslaved/up',
    op: { kind: 'deleteInterface', name: 'bond0' },
    commands: [
      {
        argv: del('bond0'),
        inverse: [
          ['ip', 'link', 'add', 'name', 'bond0', 'address', '02:5b:00:01:00:03', 'mtu', '1500', 'type', 'bond', 'mode', '802.3ad', 'miimon', '100'],
          link('eth3', 'down'),
          link('eth3', 'master', 'bond0'),
          link('eth3', 'up'),
          link('bond0', 'up'),
        ],
      },
    ],
  },
  {
    name: 'deleteInterface of a VLAN',
    op: { kind: 'deleteInterface', name: 'eth1.100' },
    commands: [
      {
        argv: del('eth1.100'),
        inverse: [
          ['ip', 'link', 'add', 'link', 'eth1', 'name', 'eth1.100', 'address', '02:5b:00:01:00:01', 'mtu', '1500', 'type', 'vlan', 'id', '100'],
          ['ip', 'address', 'add', '198.18.100.11/24', 'dev', 'eth1.100'],
          link('eth1.100', 'up'),
        ],
      },
    ],
  },
  {
    name: 'deleteInterface of a dummy',
    op: { kind: 'deleteInterface', name: 'dummy0' },
    commands: [
      {
        argv: del('dummy0'),
        inverse: [
          ['ip', 'link', 'add', 'name', 'dummy0', 'address', '02:5b:00:01:00:0c', 'mtu', '9000', 'type', 'dummy'],
          ['ip', 'address', 'add', '10.255.0.1/32', 'dev', 'dummy0'],
          link('dummy0', 'up'),
        ],
      },
    ],
  },
  {
    name: 'deleteInterface of one veth end: both ends back, the peer rejoins its bridge with VLANs',
    op: { kind: 'deleteInterface', name: 'veth-b' },
    commands: [
      {
        argv: del('veth-b'),
        inverse: [
          ['ip', 'link', 'add', 'name', 'veth-b', 'address', '02:5b:00:01:00:0e', 'mtu', '1500', 'type', 'veth', 'peer', 'name', 'veth-a', 'address', '02:5b:00:01:00:0d', 'mtu', '1500'],
          link('veth-a', 'master', 'brv'),
          vlanDel('veth-a', 1),
          vlanAdd('veth-a', 10, 'pvid', 'untagged'),
          vlanAdd('veth-a', 20),
          link('veth-a', 'up'),
        ],
      },
    ],
  },
  {
    name: 'setMaster to a bridge',
    op: { kind: 'setMaster', dev: 'veth-b', master: 'br0' },
    commands: [{ argv: ['ip', 'link', 'set', 'dev', 'veth-b', 'master', 'br0'], inverse: [['ip', 'link', 'set', 'dev', 'veth-b', 'nomaster']] }],
  },
  {
    name: 'setMaster of an up interface to a bond',
    op: { kind: 'setMaster', dev: 'eth2', master: 'bond0' },
    commands: [
      { argv: link('eth2', 'down'), inverse: [link('eth2', 'up')] },
      { argv: link('eth2', 'master', 'bond0'), inverse: [link('eth2', 'nomaster')] },
      { argv: link('eth2', 'up'), inverse: [link('eth2', 'down')] },
    ],
  },
  {
    name: 'unsetMaster from a bridge',
    op: { kind: 'unsetMaster', dev: 'eth1' },
    commands: [{ argv: link('eth1', 'nomaster'), inverse: [link('eth1', 'master', 'br0')] }],
  },
  {
    name: 'unsetMaster from a VLAN-filtering bridge: rejoin restores the port VLANs',
    op: { kind: 'unsetMaster', dev: 'veth-a' },
    commands: [
      {
        argv: link('veth-a', 'nomaster'),
        inverse: [link('veth-a', 'master', 'brv'), vlanDel('veth-a', 1), vlanAdd('veth-a', 10, 'pvid', 'untagged'), vlanAdd('veth-a', 20)],
      },
    ],
  },
  {
    name: 'unsetMaster from a VLAN-filtering bridge of a port that keeps VLAN 1',
    op: { kind: 'unsetMaster', dev: 'veth-a' },
    setup: (t) => {
      ifaceOf(t, 'veth-a').bridgePort!.vlans = [{ vid: 1, pvid: true, untagged: true }, { vid: 30, pvid: false, untagged: true }];
    },
    commands: [{ argv: link('veth-a', 'nomaster'), inverse: [link('veth-a', 'master', 'brv'), vlanAdd('veth-a', 1, 'pvid', 'untagged'), vlanAdd('veth-a', 30, 'untagged')] }],
  },
  {
    name: 'unsetMaster from a bond (the bond closes a released member)',
    op: { kind: 'unsetMaster', dev: 'eth3' },
    commands: [{ argv: link('eth3', 'nomaster'), inverse: [link('eth3', 'down'), link('eth3', 'master', 'bond0'), link('eth3', 'up')] }],
  },
  {
    name: 'setMtu',
    op: { kind: 'setMtu', dev: 'eth2', mtu: 9000 },
    commands: [{ argv: link('eth2', 'mtu', '9000'), inverse: [link('eth2', 'mtu', '1500')] }],
  },
  {
    name: 'setLinkState up of a down interface',
    op: { kind: 'setLinkState', dev: 'veth-b', up: true },
    commands: [{ argv: link('veth-b', 'up'), inverse: [link('veth-b', 'down')] }],
  },
  {
    name: 'setLinkState down of an up interface',
    op: { kind: 'setLinkState', dev: 'eth2', up: false },
    commands: [{ argv: link('eth2', 'down'), inverse: [link('eth2', 'up')] }],
  },
  {
    name: 'setMac',
    op: { kind: 'setMac', dev: 'eth2', mac: '02:00:5e:10:00:01' },
    commands: [{ argv: link('eth2', 'address', '02:00:5e:10:00:01'), inverse: [link('eth2', 'address', '02:5b:00:01:00:02')] }],
  },
  {
    name: 'addAddress',
    op: { kind: 'addAddress', dev: 'veth-b', address: '10.9.0.1/24' },
    commands: [{ argv: ['ip', 'address', 'add', '10.9.0.1/24', 'dev', 'veth-b'], inverse: [['ip', 'address', 'del', '10.9.0.1/24', 'dev', 'veth-b']] }],
  },
  {
    name: 'addAddress IPv6',
    op: { kind: 'addAddress', dev: 'veth-b', address: '2001:db8:9::1/64' },
    commands: [{ argv: ['ip', 'address', 'add', '2001:db8:9::1/64', 'dev', 'veth-b'], inverse: [['ip', 'address', 'del', '2001:db8:9::1/64', 'dev', 'veth-b']] }],
  },
  {
    name: "removeAddress of a link's last IPv4 address: the kernel flushes its static routes, the inverse puts them back",
    op: { kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' },
    setup: (t) => {
      t.routes.push({ dst: '192.0.2.0/24', gateway: null, dev: 'br0', protocol: 'static', scope: 'link', prefsrc: null, metric: 50 });
    },
    commands: [
      {
        argv: ['ip', 'address', 'del', '198.18.1.11/24', 'dev', 'br0'],
        inverse: [
          ['ip', 'address', 'add', '198.18.1.11/24', 'dev', 'br0'],
          ['ip', 'route', 'add', '203.0.113.0/24', 'via', '198.18.1.1', 'dev', 'br0', 'proto', 'static'],
          ['ip', 'route', 'add', '192.0.2.0/24', 'dev', 'br0', 'proto', 'static', 'metric', '50'],
        ],
      },
    ],
  },
  {
    name: 'removeAddress of the management address: the default route comes back with its protocol and metric',
    op: { kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/24' },
    commands: [
      {
        argv: ['ip', 'address', 'del', '198.18.0.11/24', 'dev', 'eth0'],
        inverse: [['ip', 'address', 'add', '198.18.0.11/24', 'dev', 'eth0'], ['ip', 'route', 'add', 'default', 'via', '198.18.0.1', 'dev', 'eth0', 'proto', 'static', 'metric', '100']],
      },
    ],
  },
  {
    // Checked in a network namespace: with another IPv4 address left, the kernel keeps routes
    // via a gateway (re-adding one fails with "File exists") and drops only those whose source
    // was the removed address.
    name: 'removeAddress with another IPv4 address left: only routes with that source come back',
    op: { kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' },
    setup: (t) => {
      ifaceOf(t, 'br0').addresses.push({ family: 'inet', address: '198.18.9.11', prefixLength: 24, scope: 'global', dynamic: false });
      t.routes.push({ dst: '198.51.100.0/24', gateway: '198.18.9.1', dev: 'br0', protocol: 'static', scope: null, prefsrc: '198.18.1.11', metric: null });
    },
    commands: [
      {
        argv: ['ip', 'address', 'del', '198.18.1.11/24', 'dev', 'br0'],
        inverse: [['ip', 'address', 'add', '198.18.1.11/24', 'dev', 'br0'], ['ip', 'route', 'add', '198.51.100.0/24', 'via', '198.18.9.1', 'dev', 'br0', 'proto', 'static']],
      },
    ],
  },
  {
    // IPv6 routes stay when an address goes (checked in a network namespace); IPv4 ones are untouched.
    name: 'removeAddress IPv6: no route is re-added',
    op: { kind: 'removeAddress', dev: 'br0', address: '2001:db8:5::1/64' },
    setup: (t) => {
      ifaceOf(t, 'br0').addresses.push({ family: 'inet6', address: '2001:db8:5::1', prefixLength: 64, scope: 'global', dynamic: false });
      t.routes.push({ dst: '2001:db8:99::/48', gateway: '2001:db8:5::fe', dev: 'br0', protocol: 'static', scope: null, prefsrc: null, metric: 1024 });
    },
    commands: [{ argv: ['ip', 'address', 'del', '2001:db8:5::1/64', 'dev', 'br0'], inverse: [['ip', 'address', 'add', '2001:db8:5::1/64', 'dev', 'br0']] }],
  },
  {
    name: 'setBridgeVlans: a VLAN dropped and one added',
    op: { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 30, pvid: false, untagged: false }] },
    commands: [
      { argv: vlanDel('veth-a', 20), inverse: [vlanAdd('veth-a', 20)] },
      { argv: vlanAdd('veth-a', 30), inverse: [vlanDel('veth-a', 30)] },
    ],
  },
  {
    name: 'setBridgeVlans: PVID moved from one VLAN to another (flags re-added, inverses restore them)',
    op: { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: false, untagged: false }, { vid: 20, pvid: true, untagged: true }] },
    commands: [
      { argv: vlanAdd('veth-a', 10), inverse: [vlanAdd('veth-a', 10, 'pvid', 'untagged')] },
      { argv: vlanAdd('veth-a', 20, 'pvid', 'untagged'), inverse: [vlanAdd('veth-a', 20)] },
    ],
  },
  {
    name: 'restoreRoutes: each route added back, deleted by its inverse',
    op: { kind: 'restoreRoutes', dev: 'eth0', routes: [{ dst: '203.0.113.0/24', gateway: '198.18.0.1', dev: 'eth0', protocol: 'static', scope: null, prefsrc: null, metric: 50 }] },
    commands: [
      {
        argv: ['ip', 'route', 'add', '203.0.113.0/24', 'via', '198.18.0.1', 'dev', 'eth0', 'proto', 'static', 'metric', '50'],
        inverse: [['ip', 'route', 'del', '203.0.113.0/24', 'dev', 'eth0', 'metric', '50']],
      },
    ],
  },
  {
    name: 'createBridge and createBond with the settings a revert restores',
    op: { kind: 'createBridge', name: 'br9', stp: true, vlanFiltering: false, forwardDelayCs: 400 },
    commands: [{ argv: ['ip', 'link', 'add', 'name', 'br9', 'type', 'bridge', 'stp_state', '1', 'forward_delay', '400'], inverse: [['ip', 'link', 'del', 'dev', 'br9']] }],
  },
  {
    name: 'setQdisc netem over the kernel default: one replace, undone by deleting the root',
    op: { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'netem', delayMs: 10, jitterMs: 2, lossPercent: 1 } },
    commands: [{ argv: ['tc', 'qdisc', 'replace', 'dev', 'eth2', 'root', 'handle', '1:', 'netem', 'delay', '10ms', '2ms', 'loss', '1'], inverse: [['tc', 'qdisc', 'del', 'dev', 'eth2', 'root']] }],
  },
  {
    // The tree's own commands are in kinds/qdisc-kinds.test.ts (an HTB tree with classes, leaf qdiscs and filters).
    name: 'setQdisc over a root at 1: (deleted first, its undo puts it back with the burst that prints as read)',
    op: { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'htb', defaultClass: '1:20' } },
    setup: (t) => {
      t.qdiscs = [{ dev: 'eth2', kind: 'tbf', handle: '1:', parent: null, root: true, options: { rate: 1250000, burst: 32767, lat: 50000 } }];
      t.classes = [{ dev: 'eth2', kind: 'tbf', classid: '1:1', parent: '1:', rate: null, ceil: null, burst: null, cburst: null, prio: null, leaf: null }];
    },
    commands: [
      { argv: ['tc', 'qdisc', 'del', 'dev', 'eth2', 'root'], inverse: [['tc', 'qdisc', 'add', 'dev', 'eth2', 'root', 'handle', '1:', 'tbf', 'rate', '10Mbit', 'burst', '32768', 'latency', '50ms']] },
      { argv: ['tc', 'qdisc', 'add', 'dev', 'eth2', 'root', 'handle', '1:', 'htb', 'default', '20'], inverse: [['tc', 'qdisc', 'del', 'dev', 'eth2', 'root']] },
    ],
  },
  {
    name: 'setIngressPolicing on a device without an ingress qdisc: the qdisc, then u32 with police; deleting the qdisc undoes both',
    op: { kind: 'setIngressPolicing', dev: 'eth2', rateKbit: 10000, burstBytes: 16384 },
    setup: (t) => {
      t.filters = [];
    },
    commands: [
      { argv: ['tc', 'qdisc', 'add', 'dev', 'eth2', 'handle', 'ffff:', 'ingress'], inverse: [['tc', 'qdisc', 'del', 'dev', 'eth2', 'ingress']] },
      { argv: ['tc', 'filter', 'add', 'dev', 'eth2', 'parent', 'ffff:', 'protocol', 'all', 'pref', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'police', 'rate', '10Mbit', 'burst', '16384', 'mtu', '64kb', 'drop'], inverse: [] },
    ],
  },
  {
    name: 'setIngressPolicing over its own: one replace, undone by the rate and burst tc printed',
    op: { kind: 'setIngressPolicing', dev: 'eth2', rateKbit: 20000 },
    setup: (t) => Object.assign(t, withPolicing({ ...t, filters: [] }, 'eth2', { rate: '10Mbit', burst: '16Kb' })),
    commands: [
      {
        argv: ['tc', 'filter', 'replace', 'dev', 'eth2', 'parent', 'ffff:', 'protocol', 'all', 'pref', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'police', 'rate', '20Mbit', 'burst', '250000', 'mtu', '64kb', 'drop'],
        inverse: [['tc', 'filter', 'replace', 'dev', 'eth2', 'parent', 'ffff:', 'protocol', 'all', 'pref', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'police', 'rate', '10Mbit', 'burst', '16Kb', 'mtu', '64kb', 'drop']],
      },
    ],
  },
  {
    name: 'removeIngressPolicing: the ingress qdisc off, undone by both as read',
    op: { kind: 'removeIngressPolicing', dev: 'eth2' },
    setup: (t) => Object.assign(t, withPolicing({ ...t, filters: [] }, 'eth2', { rate: '10Mbit', burst: '16Kb' })),
    commands: [
      {
        argv: ['tc', 'qdisc', 'del', 'dev', 'eth2', 'ingress'],
        inverse: [
          ['tc', 'qdisc', 'add', 'dev', 'eth2', 'handle', 'ffff:', 'ingress'],
          ['tc', 'filter', 'add', 'dev', 'eth2', 'parent', 'ffff:', 'protocol', 'all', 'pref', '1', 'u32', 'match', 'u32', '0', '0', 'action', 'police', 'rate', '10Mbit', 'burst', '16Kb', 'mtu', '64kb', 'drop'],
        ],
      },
    ],
  },
  {
    name: 'removeQdisc: the root off, undone by the tree',
    op: { kind: 'removeQdisc', dev: 'eth2' },
    setup: (t) => {
      t.qdiscs = [{ dev: 'eth2', kind: 'pfifo', handle: '1:', parent: null, root: true, options: { limit: 100 } }];
    },
    commands: [{ argv: ['tc', 'qdisc', 'del', 'dev', 'eth2', 'root'], inverse: [['tc', 'qdisc', 'add', 'dev', 'eth2', 'root', 'handle', '1:', 'pfifo', 'limit', '100']] }],
  },
  {
    name: 'restoreQdiscTree over the kernel default: the tree, its root undone by deleting it',
    op: {
      kind: 'restoreQdiscTree',
      dev: 'eth2',
      tree: {
        qdiscs: [
          { dev: 'eth2', kind: 'htb', handle: '1:', parent: null, root: true, options: { r2q: 10, default: '0x10', direct_qlen: 1000 } },
          { dev: 'eth2', kind: 'pfifo', handle: '10:', parent: '1:10', root: false, options: { limit: 50 } },
        ],
        classes: [{ dev: 'eth2', kind: 'htb', classid: '1:10', parent: null, rate: '10Mbit', ceil: '10Mbit', burst: '1600b', cburst: '1600b', prio: 0, leaf: '10:' }],
        filters: [{ dev: 'eth2', parent: '1:', protocol: 'ip', pref: 1, kind: 'u32', handle: '800::800', classid: '1:10', match: 'IPv4 dst 10.0.0.0/24', actions: [] }],
      },
    },
    commands: [
      { argv: ['tc', 'qdisc', 'add', 'dev', 'eth2', 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '10', 'direct_qlen', '1000'], inverse: [['tc', 'qdisc', 'del', 'dev', 'eth2', 'root']] },
      { argv: ['tc', 'class', 'add', 'dev', 'eth2', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10Mbit', 'ceil', '10Mbit', 'burst', '1600', 'cburst', '1600', 'prio', '0'], inverse: [] },
      { argv: ['tc', 'qdisc', 'add', 'dev', 'eth2', 'parent', '1:10', 'handle', '10:', 'pfifo', 'limit', '50'], inverse: [] },
      { argv: ['tc', 'filter', 'add', 'dev', 'eth2', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', '10.0.0.0/24', 'flowid', '1:10'], inverse: [] },
    ],
  },
  {
    name: 'setBridgeVlans to none',
    op: { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [] },
    commands: [
      { argv: vlanDel('veth-a', 10), inverse: [vlanAdd('veth-a', 10, 'pvid', 'untagged')] },
      { argv: vlanDel('veth-a', 20), inverse: [vlanAdd('veth-a', 20)] },
    ],
  },
];

describe('a port VLAN setting that changes nothing', () => {
  const op = { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 20, pvid: false, untagged: false }, { vid: 10, pvid: true, untagged: true }] } as const;
  it('renders no command, so the validator refuses it (a step with no command would never report)', () => {
    const t = hostTopology();
    expect(renderOperation(ZOperation.parse(op), t)).toEqual([]);
    expect(validateOperation(t, ZOperation.parse(op))).toEqual(['veth-a already has exactly these VLANs.']);
  });
});

describe('renderOperation', () => {
  it.each(rows)('$name', ({ op, setup, commands }) => {
    const t = hostTopology();
    setup?.(t);
    // Every row is an operation the validator lets through, parsed the way the API parses it.
    expect(validateOperation(t, op)).toEqual([]);
    expect(renderOperation(ZOperation.parse(op), t)).toEqual(commands);
  });

  it('has a row for every operation kind', () => {
    // The libvirt and forwarding kinds render documents; their rows are in kinds/libvirt-kinds.test.ts
    // (the Open vSwitch kinds' commands are in kinds/ovs-kinds.test.ts, the HTB class and filter kinds' in kinds/htb-kinds.test.ts),
    // the boot files' in kinds/write-boot-files.test.ts.
    expect(new Set([...rows.map((r) => r.op.kind), ...LIBVIRT_EXAMPLES.map((e) => e.op.kind), ...NAT_EXAMPLES.map((e) => e.op.kind), ...OVS_EXAMPLES.map((e) => e.op.kind), ...TC_EXAMPLES.map((e) => e.op.kind), 'writeBootFiles', 'persistInterfaces', 'keepAtBoot'])).toEqual(new Set(OPERATION_KINDS));
    // The boot-file kinds are tested in their own files (kinds/write-boot-files.test.ts, kinds/persist-interfaces.test.ts).
  });

  it('renders only ip, bridge and tc, with every argument inside SAFE_ARG', () => {
    for (const { op, setup } of rows) {
      const t = hostTopology();
      setup?.(t);
      for (const c of renderOperation(op, t)) {
        for (const argv of [c.argv, ...c.inverse]) {
          expect(['ip', 'bridge', 'tc']).toContain(argv[0]);
          for (const a of argv) expect(a).toMatch(SAFE_ARG);
        }
      }
    }
  });

  it('does not change the topology it renders against', () => {
    const t = hostTopology();
    const before = structuredClone(t);
    for (const { op } of rows) renderOperation(op, t);
    expect(t).toEqual(before);
  });
});

describe('SAFE_ARG and the render-time check', () => {
  it.each(['eth1.100', 'veth-b', 'br_0', '02:00:5e:10:00:01', '2001:db8::1/64', '198.18.0.11/24', 'vlan_filtering', 'tag=10', 'trunks=10,20', 'options:remote_ip=198.18.0.12'])('accepts %j', (a) => {
    expect(SAFE_ARG.test(a)).toBe(true);
  });

  it.each(['', 'a b', 'a;b', 'a#b', '$(touch /tmp/x)', '`id`', "a'b", 'a"b', 'a\nb', 'a>b', 'a|b', 'a&b', 'a\\b', 'a*', '~root'])('refuses %j', (a) => {
    expect(SAFE_ARG.test(a)).toBe(false);
  });

  // `=` and `,` are plain characters on an argv, but must not carry an option and its value in one
  // word (`--log-file=/etc/x`), and ovs-vsctl takes no option but its timeout (optionProblem).
  it.each<[string, string[]]>([
    ['an option with its value in one word', ['ip', '--color=always', 'link', 'show']],
    ['a short option with a value after a comma', ['tc', '-o,x', 'qdisc', 'show']],
    ['ovs-vsctl without its timeout', ['ovs-vsctl', 'add-br', 'br9']],
    ['ovs-vsctl with another timeout', ['ovs-vsctl', '--timeout=50', 'add-br', 'br9']],
    ['ovs-vsctl writing a log file', ['ovs-vsctl', '--timeout=5', '--log-file=/etc/cron.d/x', 'add-br', 'br9']],
    ['ovs-vsctl with a command option', ['ovs-vsctl', '--timeout=5', '--', '--may-exist', 'add-br', 'br9']],
    ['ovs-vsctl with a timeout and no command', ['ovs-vsctl', '--timeout=5']],
  ])('refuses %s', (_, argv) => {
    expect(() => checked(argv)).toThrow(UnsafeArgumentError);
    expect(optionProblem(argv)).not.toBeNull();
  });

  it('takes ovs-vsctl with its timeout and commands joined by --', () => {
    const argv = ['ovs-vsctl', '--timeout=5', 'add-port', 'br9', 'p1', 'tag=10', '--', 'set', 'interface', 'p1', 'type=internal'];
    expect(checked(argv)).toBe(argv);
  });

  // Zod stops these at the API; the renderer refuses them again if they ever get past it.
  it.each<[string, Operation]>([
    ['a name with ;', { kind: 'createBridge', name: 'br9;reboot', stp: false, vlanFiltering: false }],
    ['a command substitution', { kind: 'createDummy', name: '$(touch /tmp/x)' }],
    ['an address with #', { kind: 'addAddress', dev: 'veth-b', address: '10.0.0.1/24 #' }],
    ['a space in a peer name', { kind: 'createVeth', name: 'v1', peer: 'v2 type dummy' }],
  ])('throws UnsafeArgumentError on %s', (_, op) => {
    expect(() => renderOperation(op, hostTopology())).toThrow(UnsafeArgumentError);
  });

  it('refuses a hostile value read from the host (in an inverse)', () => {
    const t = hostTopology();
    ifaceOf(t, 'eth2').mac = '02:00:00:00:00:01;x';
    expect(() => renderOperation({ kind: 'setMac', dev: 'eth2', mac: '02:00:5e:10:00:01' }, t)).toThrow(/has characters the runner refuses/);
  });

  it('refuses to render against an interface the topology does not have', () => {
    expect(() => renderOperation({ kind: 'setMtu', dev: 'eth9', mtu: 1400 }, hostTopology())).toThrow(/eth9 is not in the topology/);
  });
});
