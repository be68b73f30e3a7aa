// A small hand-written host for the change pipeline's unit tests: one of each thing the planner
// treats specially (the management NIC, a bridge with a port and an address, a VLAN-filtering
// bridge, a veth pair, a VLAN, a bond, a dummy, a VM's tap, a libvirt bridge). MACs follow the
// kernel's defaults where it has them: a VLAN and a bond carry their lower device's MAC.
import { interfaceWith, MODEL_VERSION, networkWith, vmNicWith, vmWith, type BridgeVlan, type NetInterface, type Topology } from '@/server/topology/model';

/** The address the panel's SSH connection uses (on eth0). */
export const MGMT_ADDRESS = '198.18.0.11';

export function makeInterface(index: number, name: string, kind: NetInterface['kind'], extra: Partial<NetInterface> = {}): NetInterface {
  return interfaceWith(name, kind, { index, rawKind: kind, operstate: 'UP', adminUp: true, carrier: true, ...extra });
}

const v4 = (cidr: string, scope = 'global') => {
  const [address, prefix] = cidr.split('/');
  return { family: 'inet' as const, address: address!, prefixLength: Number(prefix), scope, dynamic: false };
};
const v6 = (cidr: string, scope = 'global', dynamic = false) => {
  const [address, prefix] = cidr.split('/');
  return { family: 'inet6' as const, address: address!, prefixLength: Number(prefix), scope, dynamic };
};
const port = (vlans: BridgeVlan[] = []) => ({ state: 'forwarding', vlans });

/** web1's NIC as libvirt writes it while web1 runs, and in its kept definition. */
export const WEB1_LIVE_NIC = `<interface type='network'>
      <mac address='52:54:00:01:01:01'/>
      <source network='default' portid='5d5e2b4e-1c27-4d5f-9e1e-0a0b0c0d0e0f' bridge='virbr0'/>
      <target dev='vnet0'/>
      <model type='virtio'/>
      <alias name='net0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>`;
export const WEB1_KEPT_NIC = `<interface type='network'>
      <mac address='52:54:00:01:01:01'/>
      <source network='default'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>`;

/** A fresh copy each call, so a test may change it freely. */
export function hostTopology(): Topology {
  const interfaces: NetInterface[] = [
    makeInterface(1, 'lo', 'loopback', { mtu: 65536, operstate: 'UNKNOWN', addresses: [v4('127.0.0.1/8', 'host'), v6('::1/128', 'host')] }),
    makeInterface(2, 'eth0', 'ethernet', {
      mac: '02:5b:00:01:00:00',
      addresses: [v4('198.18.0.11/24'), v6('2001:db8::11/64', 'global', true), v6('fe80::5b:ff:fe01:0/64', 'link')],
    }),
    makeInterface(3, 'eth1', 'ethernet', { mac: '02:5b:00:01:00:01', master: 'br0', bridgePort: port() }),
    makeInterface(4, 'eth2', 'ethernet', { mac: '02:5b:00:01:00:02' }),
    makeInterface(5, 'eth3', 'ethernet', { mac: '02:5b:00:01:00:03', master: 'bond0' }),
    makeInterface(6, 'br0', 'bridge', {
      mac: '02:5b:00:01:00:0a',
      bridge: { stp: true, vlanFiltering: false, forwardDelayCs: 1500, vlans: [] },
      addresses: [v4('198.18.1.11/24'), v6('fe80::5b:ff:fe01:a/64', 'link')],
    }),
    makeInterface(7, 'brv', 'bridge', { mac: '02:5b:00:01:00:0b', bridge: { stp: false, vlanFiltering: true, forwardDelayCs: 1500, vlans: [] } }),
    makeInterface(8, 'veth-a', 'veth', {
      mac: '02:5b:00:01:00:0d',
      peer: 'veth-b',
      master: 'brv',
      bridgePort: port([
        { vid: 10, pvid: true, untagged: true },
        { vid: 20, pvid: false, untagged: false },
      ]),
    }),
    makeInterface(9, 'veth-b', 'veth', { mac: '02:5b:00:01:00:0e', peer: 'veth-a', adminUp: false, operstate: 'DOWN', carrier: false }),
    makeInterface(10, 'eth1.100', 'vlan', {
      mac: '02:5b:00:01:00:01',
      parent: 'eth1',
      vlan: { id: 100, protocol: '802.1Q' },
      addresses: [v4('198.18.100.11/24')],
    }),
    makeInterface(11, 'bond0', 'bond', { mac: '02:5b:00:01:00:03', bond: { mode: '802.3ad', miimon: 100 } }),
    makeInterface(12, 'dummy0', 'dummy', { mac: '02:5b:00:01:00:0c', mtu: 9000, addresses: [v4('10.255.0.1/32')] }),
    makeInterface(13, 'virbr0', 'bridge', {
      mac: '52:54:00:0a:de:ed',
      bridge: { stp: true, vlanFiltering: false, forwardDelayCs: 200, vlans: [] },
      addresses: [v4('192.168.122.1/24')],
    }),
    makeInterface(14, 'vnet0', 'tap', {
      mac: 'fe:54:00:01:01:01',
      master: 'virbr0',
      bridgePort: port(),
      owner: { vm: 'web1', mac: '52:54:00:01:01:01' },
    }),
  ];
  const route = (dst: string, r: Partial<Topology['routes'][number]>) => ({ dst, gateway: null, dev: null, protocol: null, scope: null, prefsrc: null, metric: null, ...r });
  return {
    modelVersion: MODEL_VERSION,
    host: { hostname: 'hv-test', kernel: '6.1.0', iproute2: '6.1.0', libvirtVersion: '9.0.0', libvirtAvailable: true, ipForward: true, ip6Forward: false, forwardingFile: null },
    interfaces,
    routes: [
      route('default', { gateway: '198.18.0.1', dev: 'eth0', protocol: 'static', metric: 100 }),
      route('198.18.0.0/24', { dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '198.18.0.11' }),
      route('198.18.1.0/24', { dev: 'br0', protocol: 'kernel', scope: 'link', prefsrc: '198.18.1.11' }),
      route('203.0.113.0/24', { gateway: '198.18.1.1', dev: 'br0', protocol: 'static' }),
      route('198.18.100.0/24', { dev: 'eth1.100', protocol: 'kernel', scope: 'link', prefsrc: '198.18.100.11' }),
      route('192.168.122.0/24', { dev: 'virbr0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.122.1' }),
    ],
    qdiscs: [],
    classes: [],
    networks: [
      networkWith('default', '00000000-0000-4000-8000-000000000001', 'nat', {
        bridge: 'virbr0',
        ips: [{ family: 'ipv4', address: '192.168.122.1', prefixLength: 24, dhcpRanges: [], staticHosts: [] }],
      }),
      // A libvirt network that only names an existing bridge: libvirt does not manage br0 itself.
      networkWith('bridged', '00000000-0000-4000-8000-000000000002', 'bridge', { bridge: 'br0' }),
    ],
    vms: [
      vmWith('web1', '00000000-0000-4000-8000-0000000000a1', 'running', [vmNicWith('network', { mac: '52:54:00:01:01:01', model: 'virtio', source: 'default', bridge: 'virbr0', target: 'vnet0', xml: WEB1_LIVE_NIC })], {
        persistent: true,
        configNics: [vmNicWith('network', { mac: '52:54:00:01:01:01', model: 'virtio', source: 'default', xml: WEB1_KEPT_NIC })],
      }),
    ],
    missing: [],
  };
}

/** A scratch network namespace as the probe would see it: lo, plus `extra` interfaces. */
export function namespaceTopology(extra: NetInterface[] = []): Topology {
  return {
    modelVersion: MODEL_VERSION,
    host: { hostname: 'netns', kernel: null, iproute2: null, libvirtVersion: null, libvirtAvailable: false, ipForward: null, ip6Forward: null, forwardingFile: null },
    interfaces: [makeInterface(1, 'lo', 'loopback', { mtu: 65536 }), ...extra],
    routes: [],
    qdiscs: [],
    classes: [],
    networks: [],
    vms: [],
    missing: [],
  };
}

export function ifaceOf(t: Topology, name: string): NetInterface {
  const i = t.interfaces.find((x) => x.name === name);
  if (!i) throw new Error(`fixture has no interface ${name}`);
  return i;
}
