// The libvirt parser against libvirt's own test documents (fixtures/real/libvirt/, sources in
// its SOURCES.md): the network modes, port settings and NIC settings the lab's four networks
// and five VMs never use.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { naturalPrefix, parseDomain, parseNetwork } from './virsh';

const doc = (name: string) => readFileSync(new URL(`./fixtures/real/libvirt/${name}`, import.meta.url), 'utf8');
const network = (name: string) => parseNetwork(doc(name));
const nics = (name: string) => parseDomain(`${doc(name)}`).nics;

describe('libvirt networks', () => {
  it('gives an <ip> without netmask or prefix libvirt\'s natural prefix, not /24', () => {
    const ips = network('nat-network.xml').ips.map((ip) => [ip.family, ip.address, ip.prefixLength]);
    expect(ips).toEqual([
      ['ipv4', '192.168.122.1', 24],
      ['ipv4', '192.168.123.1', 24],
      ['ipv6', '2001:db8:ac10:fe01::1', 64],
      ['ipv6', '2001:db8:ac10:fd01::1', 64],
      ['ipv4', '10.24.10.1', 8], // no netmask, no prefix: class A
    ]);
    expect([naturalPrefix('ipv4', '172.16.1.1'), naturalPrefix('ipv4', '192.0.2.1'), naturalPrefix('ipv4', '239.1.1.1'), naturalPrefix('ipv6', 'fd00::1')]).toEqual([16, 24, null, 64]);
  });

  it('keeps DHCPv6 hosts known only by their DUID', () => {
    const v6 = network('dhcp6host-routed-network.xml').ips.find((ip) => ip.family === 'ipv6')!;
    expect(v6.staticHosts).toEqual([
      { mac: null, id: '0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63', name: null, ip: '2001:db8:ac10:fd01::1:20' },
      { mac: null, id: null, name: 'paul', ip: '2001:db8:ac10:fd01::1:21' },
      { mac: null, id: '0:3:0:1:0:16:3e:11:22:33', name: 'peter.xyz', ip: '2001:db8:ac10:fd01::1:22' },
      { mac: null, id: '0:3:0:1:0:16:3e:44:55:33', name: null, ip: '2001:db8:ac10:fd01::1:23' },
      { mac: null, id: '0:1:0:1:18:aa:62:fe:0:16:3e:44:55:66', name: 'badbob', ip: '2001:db8:ac10:fd01::1:24' },
    ]);
    const v4 = network('dhcp6host-routed-network.xml').ips.find((ip) => ip.family === 'ipv4')!;
    expect(v4.staticHosts[0]).toEqual({ mac: '00:16:3e:77:e2:ed', id: null, name: 'a.example.com', ip: '192.168.122.10' });
  });

  it('reads the network MTU', () => {
    expect(network('set-mtu.xml')).toMatchObject({ name: 'private', mode: 'isolated', bridge: 'virbr2', mtu: 9000 });
    expect(network('nat-network.xml').mtu).toBeNull();
  });

  it('names the macvtap pool modes and their devices instead of "other"', () => {
    expect(network('vepa-net.xml')).toMatchObject({ mode: 'vepa', forwardDevices: ['eth1', 'eth2', 'eth3'], bridge: null });
    expect(network('8021Qbh-net.xml')).toMatchObject({
      mode: 'private',
      forwardDevices: ['eth1', 'eth2', 'eth3', 'eth4', 'eth5'],
      vlan: { trunk: false, tags: [{ id: 549, nativeMode: null }] },
      virtualport: { type: '802.1Qbh', parameters: { profileid: 'spongebob24' } },
    });
    expect(network('passthrough-pf.xml')).toMatchObject({ mode: 'passthrough', forwardDevices: ['eth0'] });
    expect(network('hostdev.xml')).toMatchObject({ mode: 'hostdev', forwardDevices: ['0000:03:00.1', '0000:03:00.2', '0000:03:00.3', '0000:03:00.4'] });
    // A NAT network's forward dev is its one uplink.
    expect(network('nat-network.xml')).toMatchObject({ mode: 'nat', forwardDevices: ['eth1'] });
  });

  it('reads a network-wide <bandwidth> (the example of libvirt\'s formatnetwork page), apart from its portgroups\' own', () => {
    const shaped = parseNetwork(
      `<network>
  <name>shaped</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <forward mode='nat'/>
  <bridge name='virbr9' stp='on' delay='0'/>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='1024'/>
    <outbound average='128'/>
  </bandwidth>
  <ip address='192.168.150.1' netmask='255.255.255.0'/>
  <portgroup name='slow'>
    <bandwidth>
      <outbound average='64'/>
    </bandwidth>
  </portgroup>
</network>`,
    );
    expect(shaped.bandwidth).toEqual({ inbound: { average: 1000, peak: 5000, burst: 1024, floor: null }, outbound: { average: 128, peak: null, burst: null, floor: null } });
    expect(shaped.portgroups[0]!.bandwidth).toEqual({ inbound: null, outbound: { average: 64, peak: null, burst: null, floor: null } });
    // No <bandwidth>, or only a portgroup's: none on the network itself.
    expect(network('nat-network.xml').bandwidth).toBeNull();
    expect(parseNetwork(`<network><name>pg</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9c</uuid><portgroup name='slow'><bandwidth><outbound average='64'/></bandwidth></portgroup></network>`).bandwidth).toBeNull();
  });

  it('reads portgroups with their VLAN tags, native VLAN and virtual port', () => {
    const ovs = network('openvswitch-net.xml');
    expect(ovs).toMatchObject({ mode: 'bridge', bridge: null, virtualport: { type: 'openvswitch', parameters: {} } });
    expect(ovs.portgroups).toEqual([
      { name: 'bob', isDefault: true, vlan: { trunk: true, tags: [{ id: 666, nativeMode: null }] }, virtualport: { type: null, parameters: { profileid: 'bob-profile' } }, bandwidth: null },
      {
        name: 'alice',
        isDefault: false,
        vlan: { trunk: true, tags: [777, 888, 999].map((id) => ({ id, nativeMode: null })) },
        virtualport: { type: null, parameters: { profileid: 'alice-profile' } },
        bandwidth: null,
      },
      {
        name: 'native',
        isDefault: false,
        vlan: { trunk: true, tags: [{ id: 123, nativeMode: 'tagged' }, { id: 444, nativeMode: null }] },
        virtualport: { type: null, parameters: { profileid: 'native-profile' } },
        bandwidth: null,
      },
    ]);
    const vepa = network('vepa-net.xml');
    expect(vepa.virtualport).toEqual({ type: '802.1Qbg', parameters: { managerid: '11', typeid: '1193047', typeidversion: '2' } });
    expect(vepa.portgroups.map((p) => [p.name, p.isDefault, p.virtualport?.parameters])).toEqual([
      ['bob', true, { typeid: '2193047', typeidversion: '3' }],
      ['alice', false, { managerid: '13' }],
    ]);
  });
});

describe('VM NICs', () => {
  it('reads the NIC MTU', () => {
    expect(nics('qemuxml2argv-net-mtu.xml').map((n) => [n.mac, n.mtu])).toEqual([
      ['52:54:00:e5:48:58', 1500],
      ['52:54:00:e5:48:59', 9000],
    ]);
  });

  it('reads portgroup, VLAN tag and the 802.1Qbg / 802.1Qbh / untyped virtual ports', () => {
    const [red, blue, qbh] = nics('qemuxml2argv-net-virtio-network-portgroup.xml');
    expect(red).toMatchObject({
      type: 'network',
      source: 'rednet',
      portgroup: 'bob',
      vlan: { trunk: false, tags: [{ id: 4095, nativeMode: null }] },
      virtualport: { type: '802.1Qbg', parameters: { managerid: '11', typeid: '1193047', typeidversion: '2', instanceid: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' } },
    });
    expect(blue).toMatchObject({
      source: 'blue',
      portgroup: 'sam',
      vlan: null,
      virtualport: { type: null, parameters: { instanceid: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f', interfaceid: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f' } },
    });
    expect(qbh!.virtualport).toEqual({ type: '802.1Qbh', parameters: { profileid: 'testhis99' } });
  });

  it('reads an Open vSwitch port with a VLAN trunk', () => {
    expect(nics('qemuxml2argv-net-openvswitch.xml')).toMatchObject([
      {
        source: 'ovs-net',
        vlan: { trunk: true, tags: [42, 48, 456].map((id) => ({ id, nativeMode: null })) },
        virtualport: { type: 'openvswitch', parameters: { interfaceid: '09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f', profileid: 'bob' } },
      },
    ]);
  });

  it('reads direct (macvtap) NICs in VEPA mode with their port profiles', () => {
    const direct = nics('portprofile.xml');
    expect(direct.map((n) => [n.type, n.source, n.directMode, n.virtualport?.type ?? null])).toEqual([
      ['direct', 'eth0', 'vepa', '802.1Qbg'],
      ['direct', 'eth0', 'vepa', '802.1Qbg'],
      ['direct', 'eth0', 'vepa', '802.1Qbh'],
      ['direct', 'eth0', 'vepa', null],
      ['direct', 'eth0', 'vepa', null],
    ]);
    expect(direct[0]!.virtualport?.parameters).toEqual({ managerid: '12', typeid: '1193046', typeidversion: '1', instanceid: 'fa9b7fff-b0a0-4893-8e0e-beef4ff18f8f' });
  });

  it('reads multiqueue', () => {
    expect(nics('qemuxml2argv-tap-vhost.xml')).toMatchObject([{ mac: '52:54:00:e5:48:58', queues: 5 }]);
    expect(nics('qemuxml2argv-net-mtu.xml')[0]!.queues).toBeNull();
  });

  it('keeps a bandwidth with only a floor, and reads floor next to average, peak and burst', () => {
    expect(nics('qemuxml2argv-net-bandwidth2.xml')[0]!.bandwidth).toEqual({ inbound: { average: null, peak: null, burst: null, floor: 200 }, outbound: null });
    expect(nics('qemuxml2argv-console-compat-2.xml')[0]!.bandwidth).toEqual({
      inbound: { average: 4000, peak: 8000, burst: 1024, floor: 200 },
      outbound: { average: 4000, peak: 8000, burst: 1024, floor: null },
    });
  });
});
