// Test scaffolding: the plan fixture host (plan/fixtures.ts) with Open vSwitch, shaped like the
// kv1 capture (topology/parse/fixtures/real/ovs/): the kernel shows each bridge and internal
// port as a device of rawKind openvswitch with no master, every other port's device under the
// datapath (ovs-system), and tunnels only as the datapath's own device (vxlan_sys_4789).
//
//   br-ovs  own port (up, 198.18.50.11/24, a static route via it), int0 (internal, VLAN 10, up,
//           198.18.60.11/24), trunk0 (internal trunk of 10,20, VLAN mode trunk, down), eth4
//           (VLAN 20), bond-ovs (eth5 + eth6, balance-slb, LACP off), patch-a (to patch-b),
//           vx0 (VXLAN to 198.18.0.14, key 100)
//   br-vm   own port (down), patch-b (to patch-a), vnet1 (VM web1's tap, VLAN 30)
//   eth7    a free NIC; eth1 stays a port of the Linux bridge br0
import { hostTopology, makeInterface } from '@/server/plan/fixtures';
import type { OvsInterface, OvsPort, Topology } from '@/server/topology/model';

const v4 = (cidr: string) => {
  const [address, prefix] = cidr.split('/');
  return { family: 'inet' as const, address: address!, prefixLength: Number(prefix), scope: 'global', dynamic: false };
};

export const ovsInterface = (name: string, type: OvsInterface['type'], extra: Partial<OvsInterface> = {}): OvsInterface => ({
  name,
  type,
  remote: null,
  local: null,
  key: null,
  dstPort: null,
  peer: null,
  attachedMac: null,
  error: null,
  ...extra,
});

export const ovsPort = (name: string, extra: Partial<OvsPort> = {}, iface: Partial<OvsInterface> & { type?: OvsInterface['type'] } = {}): OvsPort => ({
  name,
  tag: null,
  trunks: [],
  vlanMode: null,
  bond: null,
  interfaces: [ovsInterface(name, iface.type ?? 'system', iface)],
  ...extra,
});

/** A fresh copy each call, so a test may change it freely. */
export function ovsHost(): Topology {
  const t = hostTopology();
  const ovsDevice = (index: number, name: string, extra: Parameters<typeof makeInterface>[3] = {}) => makeInterface(index, name, 'other', { rawKind: 'openvswitch', operstate: 'UNKNOWN', ...extra });
  const port = (index: number, name: string, mac: string) => makeInterface(index, name, 'ethernet', { mac, master: 'ovs-system' });
  t.interfaces.push(
    port(20, 'eth4', '02:5b:00:01:00:04'),
    port(21, 'eth5', '02:5b:00:01:00:05'),
    port(22, 'eth6', '02:5b:00:01:00:06'),
    makeInterface(23, 'eth7', 'ethernet', { mac: '02:5b:00:01:00:07' }),
    ovsDevice(24, 'ovs-system', { mac: '7a:f3:a4:9b:90:9a', adminUp: false, operstate: 'DOWN', carrier: false }),
    ovsDevice(25, 'br-ovs', { mac: '02:5b:00:01:00:1a', addresses: [v4('198.18.50.11/24')] }),
    ovsDevice(26, 'int0', { mac: '02:5b:00:01:00:1b', addresses: [v4('198.18.60.11/24')] }),
    ovsDevice(27, 'trunk0', { mac: '4a:93:b7:a8:11:37', adminUp: false, operstate: 'DOWN', carrier: false }),
    ovsDevice(28, 'br-vm', { mac: '86:3c:e4:d6:ac:45', adminUp: false, operstate: 'DOWN', carrier: false }),
    makeInterface(29, 'vnet1', 'tap', { rawKind: 'tun', mac: 'fe:54:00:01:01:05', master: 'ovs-system', owner: { vm: 'web1', mac: '52:54:00:01:01:05' } }),
    makeInterface(30, 'vxlan_sys_4789', 'vxlan', { rawKind: 'vxlan', mac: '42:f2:20:fa:02:30', master: 'ovs-system', mtu: 65000, operstate: 'UNKNOWN', vxlan: { vni: 0, local: null, group: null, remote: null, port: 4789 } }),
  );
  const route = (dst: string, r: Partial<Topology['routes'][number]>) => ({ dst, gateway: null, dev: null, protocol: null, scope: null, prefsrc: null, metric: null, ...r });
  t.routes.push(route('198.18.50.0/24', { dev: 'br-ovs', protocol: 'kernel', scope: 'link', prefsrc: '198.18.50.11' }), route('203.0.113.128/25', { gateway: '198.18.50.1', dev: 'br-ovs', protocol: 'static' }));
  t.routes.push(route('198.18.60.0/24', { dev: 'int0', protocol: 'kernel', scope: 'link', prefsrc: '198.18.60.11' }));
  t.ovs = {
    version: '3.1.0',
    bridges: [
      {
        name: 'br-ovs',
        ports: [
          { ...ovsPort('bond-ovs'), bond: { mode: 'balance-slb', lacp: 'off' }, interfaces: [ovsInterface('eth5', 'system'), ovsInterface('eth6', 'system')] },
          ovsPort('br-ovs', {}, { type: 'internal' }),
          ovsPort('eth4', { tag: 20 }),
          ovsPort('int0', { tag: 10 }, { type: 'internal' }),
          ovsPort('patch-a', {}, { type: 'patch', peer: 'patch-b' }),
          ovsPort('trunk0', { trunks: [10, 20], vlanMode: 'trunk' }, { type: 'internal' }),
          ovsPort('vx0', {}, { type: 'vxlan', remote: '198.18.0.14', key: '100' }),
        ],
      },
      {
        name: 'br-vm',
        ports: [ovsPort('br-vm', {}, { type: 'internal' }), ovsPort('patch-b', {}, { type: 'patch', peer: 'patch-a' }), ovsPort('vnet1', { tag: 30 }, { attachedMac: '52:54:00:01:01:05' })],
      },
    ],
  };
  return t;
}
