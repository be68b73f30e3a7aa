// Test scaffolding: one valid example of each libvirt (networks, VM NICs), IP forwarding, NAT, Open vSwitch and HTB class/filter kind against the plan
// fixture host, with the sentence that describes it. The kind-wide tables (ops, render, invert)
// take these in, so "every kind has a row" holds while each kind's own tests live apart.
import type { OperationKind } from '@/server/plan/ops';

export interface KindExample {
  op: { kind: OperationKind } & Record<string, unknown>;
  description: string;
}

export const LIBVIRT_EXAMPLES: KindExample[] = [
  { op: { kind: 'setIpForward', family: 'ipv6', enabled: true }, description: 'turn IPv6 forwarding on (now and at boot)' },
  {
    op: { kind: 'createNetwork', name: 'lab', mode: 'nat', ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.100', end: '10.77.0.199' }] } },
    description: 'create NAT network lab, 10.77.0.1/24, DHCP 10.77.0.100-10.77.0.199',
  },
  { op: { kind: 'createNetwork', name: 'pool', mode: 'vepa', devices: ['eth2'], active: false }, description: 'create macvtap (VEPA) network pool over eth2 (not started)' },
  { op: { kind: 'deleteNetwork', name: 'default' }, description: 'delete network default' },
  { op: { kind: 'setNetworkActive', name: 'default', active: false }, description: 'stop network default' },
  { op: { kind: 'setNetworkAutostart', name: 'default', autostart: false }, description: 'do not start network default at boot' },
  { op: { kind: 'addDhcpHost', network: 'default', mac: '52:54:00:01:01:09', name: 'app9', ip: '192.168.122.19' }, description: 'reserve 192.168.122.19 for 52:54:00:01:01:09 (app9) on network default' },
  { op: { kind: 'removeDhcpHost', network: 'default', mac: '52:54:00:01:01:02', ip: '192.168.122.11' }, description: 'release the reservation of 192.168.122.11 for 52:54:00:01:01:02 on network default' },
  {
    op: { kind: 'restoreNetwork', name: 'old', definition: "<network><name>old</name><uuid>00000000-0000-4000-8000-0000000000b1</uuid><bridge name='virbr7'/><ip address='10.88.0.1' prefix='24'/></network>", active: true, autostart: false },
    description: 'put back network old as it was',
  },
  {
    op: { kind: 'editNetwork', name: 'default', mode: 'nat', ipv4: { address: '192.168.122.1', prefixLength: 24, dhcpRanges: [{ start: '192.168.122.100', end: '192.168.122.150' }], hosts: [] } },
    description: 'change network default to NAT, 192.168.122.1/24, DHCP 192.168.122.100-192.168.122.150 (redefined and restarted)',
  },
  { op: { kind: 'redefineNetwork', name: 'default', definition: "<network><name>default</name><uuid>00000000-0000-4000-8000-000000000001</uuid><forward mode='nat'/><bridge name='virbr0'/><ip address='192.168.122.1' prefix='24'/></network>" }, description: 'give network default back its earlier definition (redefined and restarted)' },
  { op: { kind: 'attachNic', vm: 'web1', network: 'default', mac: '52:54:00:01:01:07' }, description: 'attach a virtio NIC 52:54:00:01:01:07 to web1 on network default' },
  { op: { kind: 'detachNic', vm: 'web1', mac: '52:54:00:01:01:01' }, description: 'detach NIC 52:54:00:01:01:01 from web1' },
  { op: { kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', bridge: 'br0' }, description: "move web1's NIC 52:54:00:01:01:01 to bridge br0" },
  { op: { kind: 'setNicLink', vm: 'web1', mac: '52:54:00:01:01:01', up: false }, description: "set the link of web1's NIC 52:54:00:01:01:01 down" },
  {
    op: { kind: 'setNicBandwidth', vm: 'web1', mac: '52:54:00:01:01:01', bandwidth: { inbound: { average: 1250, burst: 512 }, outbound: { average: 625 } } },
    description: "shape web1's NIC 52:54:00:01:01:01: in: average 10.0 Mbit/s, burst 512 KiB; out: average 5.0 Mbit/s",
  },
  {
    op: { kind: 'restoreNic', vm: 'web1', mac: '52:54:00:01:01:08', kept: "<interface type='network'><mac address='52:54:00:01:01:08'/><source network='default'/><model type='virtio'/></interface>" },
    description: 'put back NIC 52:54:00:01:01:08 of web1 as it was',
  },
];

/**
 * One example of each NAT kind, against the plan fixture host with its firewall read
 * (kinds/nat-kinds.test.ts adds it): Switchboard already forwards tcp 2222 to web1's SSH and
 * masquerades 198.18.100.0/24 out of eth0.
 */
export const NAT_EXAMPLES: KindExample[] = [
  { op: { kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80, inInterface: 'eth0' }, description: 'forward tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0)' },
  { op: { kind: 'removePortForward', protocol: 'tcp', hostPort: 2222, toAddress: '192.168.122.10', toPort: 22 }, description: 'stop forwarding tcp port 2222 → 192.168.122.10 port 22' },
  { op: { kind: 'addMasquerade', source: '198.18.1.0/24', outInterface: 'eth0' }, description: 'masquerade 198.18.1.0/24 out of eth0' },
  { op: { kind: 'removeMasquerade', source: '198.18.100.0/24', outInterface: 'eth0' }, description: 'stop masquerading 198.18.100.0/24 out of eth0' },
];

/**
 * One example of each Open vSwitch kind, against the plan fixture host with Open vSwitch
 * (testing/ovs-host.ts; kinds/ovs-kinds.test.ts takes them in).
 */
export const OVS_EXAMPLES: KindExample[] = [
  { op: { kind: 'createOvsBridge', name: 'br-new' }, description: 'create OVS bridge br-new' },
  { op: { kind: 'deleteOvsBridge', name: 'br-ovs' }, description: 'delete OVS bridge br-ovs' },
  {
    op: { kind: 'restoreOvsBridge', name: 'br-old', ports: [{ name: 'br-old', interfaces: [{ name: 'br-old', type: 'internal' }] }, { name: 'eth7', tag: 40, interfaces: [{ name: 'eth7', type: 'system' }] }] },
    description: 'put back OVS bridge br-old as it was (1 port)',
  },
  { op: { kind: 'addOvsPort', bridge: 'br-ovs', port: 'eth7', tag: 10 }, description: 'add port eth7 to br-ovs (VLAN 10)' },
  { op: { kind: 'addOvsTunnelPort', bridge: 'br-ovs', port: 'vx1', type: 'vxlan', remote: '198.18.0.12', key: 100 }, description: 'add VXLAN port vx1 to br-ovs → 198.18.0.12 (key 100)' },
  { op: { kind: 'removeOvsPort', bridge: 'br-ovs', port: 'int0' }, description: 'remove port int0 from br-ovs' },
  { op: { kind: 'restoreOvsPort', bridge: 'br-ovs', port: { name: 'p9', tag: 10, interfaces: [{ name: 'p9', type: 'internal' }] } }, description: 'put back port p9 on br-ovs as it was (internal port, VLAN 10)' },
  { op: { kind: 'setOvsPortVlans', port: 'eth4', tag: 30 }, description: 'set VLANs of OVS port eth4 to VLAN 30' },
];

/**
 * One example of each HTB class and tc filter kind, against the plan fixture host with eth2's
 * HTB tree (testing/tc-examples.ts htbHost; kinds/htb-kinds.test.ts takes them in). The root
 * qdisc kinds (setQdisc, removeQdisc, restoreQdiscTree) have rows in the kind-wide tables.
 */
export const TC_EXAMPLES: KindExample[] = [
  {
    op: { kind: 'setHtbClass', dev: 'eth2', classid: '1:30', parent: '1:1', rateKbit: 2000, ceilKbit: 20000, prio: 3, leaf: { kind: 'fq_codel' } },
    description: 'HTB class 1:30 under 1:1 on eth2: 2 Mbit/s, up to 20 Mbit/s, priority 3, fq_codel under it',
  },
  { op: { kind: 'removeHtbClass', dev: 'eth2', classid: '1:40' }, description: 'remove HTB class 1:40 from eth2' },
  {
    op: {
      kind: 'restoreHtbClass',
      dev: 'eth2',
      class: { dev: 'eth2', kind: 'htb', classid: '1:50', parent: '1:1', rate: '2Mbit', ceil: '20Mbit', burst: '1600b', cburst: '1600b', prio: 0, leaf: '50:' },
      leaf: { qdisc: { dev: 'eth2', kind: 'pfifo', handle: '50:', parent: '1:50', root: false, options: { limit: 10 } }, classes: [] },
    },
    description: 'put back HTB class 1:50 on eth2 as it was (rate 2 Mbit/s, ceil 20 Mbit/s, burst 1.6 KiB, pfifo under it)',
  },
  { op: { kind: 'addTcFilter', dev: 'eth2', parent: '1:', protocol: 'ip', match: { dst: '10.0.0.0/24', ipProto: 'tcp', dstPort: 80 }, classid: '1:10' }, description: 'steer tcp to 10.0.0.0/24 port 80 on eth2 into class 1:10' },
  { op: { kind: 'removeTcFilter', dev: 'eth2', parent: '1:', pref: 2 }, description: 'remove the tc filter at pref 2 on eth2 (1:)' },
  {
    op: { kind: 'restoreTcFilter', dev: 'eth2', parent: '1:', pref: 20, filters: [{ dev: 'eth2', parent: '1:', protocol: 'ip', pref: 20, kind: 'u32', handle: '814::800', classid: '1:20', match: 'UDP dst port 53', actions: [] }] },
    description: "put back eth2's tc filter at pref 20 on 1: as it was (u32: UDP dst port 53 → class 1:20)",
  },
];
