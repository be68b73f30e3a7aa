import { describe, expect, it } from 'vitest';
import { hostTopology } from '../fixtures';
import { applyOperations } from '../project';
import { stanzaFor } from './ifupdown';

describe('stanzaFor: an interface as /etc/network/interfaces brings it up at boot', () => {
  it('a bridge with its address, ports, STP, forward delay and a static route', () => {
    expect(stanzaFor(hostTopology(), 'br0', 'ifupdown2')).toEqual([
      'auto br0',
      'iface br0 inet static',
      '    address 198.18.1.11/24',
      '    bridge-ports eth1',
      '    bridge-stp on',
      '    bridge-fd 15',
      '    post-up ip route add 203.0.113.0/24 via 198.18.1.1 dev br0',
      '    pre-down ip route del 203.0.113.0/24 via 198.18.1.1 dev br0',
    ]);
  });

  it('a VLAN-aware bridge without ports or addresses; a bond with its members; a VLAN on its parent', () => {
    const t = hostTopology();
    expect(stanzaFor(t, 'brv', 'ifupdown2')).toEqual(['auto brv', 'iface brv inet manual', '    bridge-ports veth-a', '    bridge-stp off', '    bridge-fd 15', '    bridge-vlan-aware yes']);
    expect(stanzaFor(t, 'bond0', 'ifupdown')).toEqual(['auto bond0', 'iface bond0 inet manual', '    bond-slaves eth3', '    bond-mode 802.3ad', '    bond-miimon 100', '    hwaddress 02:5b:00:01:00:03']);
    expect(stanzaFor(t, 'eth1.100', 'ifupdown')).toEqual(['auto eth1.100', 'iface eth1.100 inet static', '    address 198.18.100.11/24', '    vlan-raw-device eth1']);
    expect(stanzaFor(t, 'eth1.100', 'ifupdown2')).toContain('    vlan-id 100');
  });

  it('a dummy and a veth pair: ifupdown2 creates them itself, classic ifupdown with ip link', () => {
    const t = hostTopology();
    expect(stanzaFor(t, 'dummy0', 'ifupdown2')).toEqual(['auto dummy0', 'iface dummy0 inet static', '    address 10.255.0.1/32', '    mtu 9000', '    link-type dummy']);
    expect(stanzaFor(t, 'dummy0', 'ifupdown')).toContain('    pre-up ip link add dummy0 type dummy');
    expect(stanzaFor(t, 'veth-a', 'ifupdown2')).toEqual(['auto veth-a', 'iface veth-a inet manual', '    link-type veth', '    veth-peer-name veth-b']);
    // The pair is created once, by its first end; veth-b (down) only gets its own stanza.
    expect(stanzaFor(t, 'veth-b', 'ifupdown')).toEqual(['iface veth-b inet manual']);
  });

  it('several addresses: one stanza in ifupdown2, a stanza per further address in classic ifupdown; IPv6 in an inet6 stanza', () => {
    const t = hostTopology();
    const br0 = t.interfaces.find((i) => i.name === 'br0')!;
    br0.addresses.push(
      { family: 'inet', address: '198.18.1.12', prefixLength: 24, scope: 'global', dynamic: false },
      { family: 'inet6', address: 'fd00:1::11', prefixLength: 64, scope: 'global', dynamic: false },
    );
    const two = stanzaFor(t, 'br0', 'ifupdown2')!;
    expect(two.filter((l) => l.includes('address '))).toEqual(['    address 198.18.1.11/24', '    address 198.18.1.12/24', '    address fd00:1::11/64']);
    expect(two).toContain('iface br0 inet6 static');
    const classic = stanzaFor(t, 'br0', 'ifupdown')!;
    expect(classic.slice(-4)).toEqual(['iface br0 inet static', '    address 198.18.1.12/24', 'iface br0 inet6 static', '    address fd00:1::11/64']);
  });

  it('nothing for what a boot file does not create: loopback, a VM’s tap, libvirt’s own bridge', () => {
    const t = hostTopology();
    expect(stanzaFor(t, 'lo', 'ifupdown')).toBeNull();
    expect(stanzaFor(t, 'vnet0', 'ifupdown')).toBeNull();
    expect(stanzaFor(t, 'virbr0', 'ifupdown')).toBeNull();
    expect(stanzaFor(t, 'nosuch', 'ifupdown')).toBeNull();
  });

  it('the default route with a metric as a route of its own, the dynamic IPv6 address left to its source', () => {
    expect(stanzaFor(hostTopology(), 'eth0', 'ifupdown2')).toEqual([
      'auto eth0',
      'iface eth0 inet static',
      '    address 198.18.0.11/24',
      '    post-up ip route add default via 198.18.0.1 dev eth0 metric 100',
      '    pre-down ip route del default via 198.18.0.1 dev eth0 metric 100',
    ]);
  });

  it('an address from DHCP stays DHCP: no lease written as static, no DHCP route as a hook; a static address beside it gets its own stanza', () => {
    const t = hostTopology();
    const eth1 = t.interfaces.find((i) => i.name === 'eth1')!;
    eth1.master = null;
    eth1.addresses = [
      { family: 'inet', address: '192.0.2.50', prefixLength: 24, scope: 'global', dynamic: true },
      { family: 'inet', address: '192.0.2.200', prefixLength: 24, scope: 'global', dynamic: false },
    ];
    t.routes.push({ dst: 'default', gateway: '192.0.2.1', dev: 'eth1', protocol: 'dhcp', scope: null, prefsrc: '192.0.2.50', metric: 1024 });
    for (const flavour of ['ifupdown', 'ifupdown2'] as const) {
      expect(stanzaFor(t, 'eth1', flavour)).toEqual(['auto eth1', 'iface eth1 inet dhcp', 'iface eth1 inet static', '    address 192.0.2.200/24']);
    }
  });

  it('a veth pair the draft creates (no indexes yet): only one end creates it', () => {
    const t = applyOperations(hostTopology(), [{ kind: 'createVeth', name: 'vz-b', peer: 'vz-a' }]);
    const creating = ['vz-a', 'vz-b'].filter((n) => stanzaFor(t, n, 'ifupdown')!.some((l) => l.includes('ip link add')));
    expect(creating).toEqual(['vz-a']);
  });
});
