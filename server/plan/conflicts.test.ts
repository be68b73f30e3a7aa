// Conflicts as they stand on hosts and across the fleet: each kind found with a sentence that
// names both sides, and what is not a conflict (bonds sharing MACs, every host's private
// 192.168.122.1) left alone.
import { describe, expect, it } from 'vitest';
import type { Topology } from '@/server/topology/model';
import { fleetConflicts, hostConflicts } from './conflicts';
import { hostTopology } from './fixtures';

const host = (id: string, change: (t: Topology) => void = () => {}) => {
  const topology = hostTopology();
  change(topology);
  return { id, name: id.replace('id-', ''), topology };
};
const sentences = (hosts: ReturnType<typeof host>[]) => fleetConflicts(hosts).map((c) => c.sentence);
const iface = (t: Topology, name: string) => t.interfaces.find((i) => i.name === name)!;

describe('fleetConflicts', () => {
  it('finds none on a clean host, nor between hosts that share only private network addresses', () => {
    const second = host('id-hv2', (t) => {
      // Another machine: its own MACs and host addresses; the same libvirt default network.
      t.interfaces = t.interfaces.map((i) => (i.mac && i.kind !== 'tap' ? { ...i, mac: i.mac.replace('02:5b:00:01', '02:5b:00:02').replace('52:54:00:0a', '52:54:00:0b'), addresses: i.name === 'virbr0' ? i.addresses : [] } : i));
      t.vms = [];
    });
    expect(sentences([host('id-hv1')])).toEqual([]);
    expect(sentences([host('id-hv1'), second])).toEqual([]);
  });

  it('finds a VM MAC on two hosts, naming both and where they show on each graph; the same VM defined on both is one', () => {
    const other = (t: Topology) => {
      t.interfaces = t.interfaces.filter((i) => i.kind === 'loopback');
      t.vms[0]!.uuid = '00000000-0000-4000-8000-0000000000b1';
    };
    expect(fleetConflicts([host('id-hv1'), host('id-hv2', (t) => (t.interfaces = t.interfaces.filter((i) => i.kind === 'loopback')))])).toEqual([]);
    const conflicts = fleetConflicts([host('id-hv1'), host('id-hv2', other)]);
    const mac = conflicts.find((c) => c.key === 'mac:52:54:00:01:01:01')!;
    expect(mac.sentence).toBe('MAC 52:54:00:01:01:01 is used by VM web1 on hv1 and VM web1 on hv2; one MAC on two NICs breaks both wherever their traffic meets.');
    expect(mac.places).toEqual([
      { hostId: 'id-hv1', ref: 'vm:web1' },
      { hostId: 'id-hv2', ref: 'vm:web1' },
    ]);
  });

  it('finds a VM NIC with a host interface’s MAC, but not a macvtap carrying its VM’s MAC or a bond sharing its member’s', () => {
    const t = host('id-hv1', (x) => (iface(x, 'dummy0').mac = '52:54:00:01:01:01'));
    expect(sentences([t])).toEqual(['MAC 52:54:00:01:01:01 is used by VM web1 on hv1 and interface dummy0 on hv1; one MAC on two NICs breaks both wherever their traffic meets.']);
    const macvtap = host('id-hv1', (x) => {
      iface(x, 'vnet0').mac = '52:54:00:01:01:01';
    });
    expect(sentences([macvtap])).toEqual([]);
  });

  it('finds a host address on two hosts, and one address on two interfaces of one host', () => {
    const clean = (t: Topology) => {
      t.interfaces = t.interfaces.map((i) => (i.mac && i.kind !== 'tap' ? { ...i, mac: i.mac.replace('02:5b:00:01', '02:5b:00:02').replace('52:54:00:0a', '52:54:00:0b') } : i));
      t.vms = [];
    };
    const conflicts = fleetConflicts([host('id-hv1'), host('id-hv2', clean)]);
    // dummy0's 10.255.0.1 is on both too, but a dummy reaches no wire.
    expect(conflicts.map((c) => c.key).sort()).toEqual(['ip:198.18.0.11', 'ip:198.18.1.11', 'ip:198.18.100.11', 'ip:2001:db8::11']);
    expect(conflicts.find((c) => c.key === 'ip:198.18.0.11')!.sentence).toBe('198.18.0.11 is on eth0 on hv1 and eth0 on hv2; an address in two places breaks both.');
    const twice = host('id-hv1', (t) => iface(t, 'eth2').addresses.push({ family: 'inet', address: '198.18.1.11', prefixLength: 24, scope: 'global', dynamic: false }));
    expect(sentences([twice])).toEqual(['198.18.1.11 is on eth2 on hv1 and br0 on hv1; an address in two places breaks both.']);
  });

  it('leaves out what repeats by design: a container bridge’s address, libvirt’s own bridge MACs, a passthrough device carrying its VM’s MAC', () => {
    const docker = (t: Topology) => {
      t.interfaces.push({ ...iface(t, 'brv'), name: 'docker0', index: 40, mac: '02:42:ac:11:00:01', addresses: [{ family: 'inet', address: '172.17.0.1', prefixLength: 16, scope: 'global', dynamic: false }] });
    };
    const clean = (t: Topology) => {
      docker(t);
      t.interfaces = t.interfaces.filter((i) => ['lo', 'virbr0', 'docker0'].includes(i.name));
      t.interfaces.find((i) => i.name === 'docker0')!.mac = '02:42:ac:11:00:02';
      t.vms = [];
    };
    expect(sentences([host('id-hv1', docker), host('id-hv2', clean)])).toEqual([]);
    const passthrough = host('id-hv1', (t) => {
      t.networks.push({ ...t.networks[1]!, name: 'pt', uuid: '00000000-0000-4000-8000-000000000003', mode: 'passthrough', bridge: null, forwardDevices: ['eth2'] });
      iface(t, 'eth2').mac = '52:54:00:01:01:01';
    });
    expect(sentences([passthrough])).toEqual([]);
  });
});

describe('hostConflicts', () => {
  it('finds a reservation outside its subnet, and one leased to another NIC', () => {
    const h = host('id-hv1', (t) => {
      const ip = t.networks[0]!.ips[0]!;
      ip.dhcpRanges = [{ start: '192.168.122.100', end: '192.168.122.200' }];
      ip.staticHosts = [
        { mac: '52:54:00:01:01:01', id: null, name: 'web1', ip: '192.168.122.10' },
        { mac: '52:54:00:01:01:09', id: null, name: 'lost', ip: '10.9.9.9' },
      ];
      t.networks[0]!.leases = [{ mac: '52:54:00:07:07:07', ip: '192.168.122.10', prefixLength: 24, hostname: 'intruder', expires: '2026-12-02 10:00:00' }];
    });
    expect(hostConflicts(h).map((c) => c.sentence)).toEqual([
      'On hv1, network default reserves 192.168.122.10 for 52:54:00:01:01:01 (web1), but dnsmasq leased it to 52:54:00:07:07:07 (intruder).',
      'On hv1, network default reserves 10.9.9.9 for lost, outside its subnet 192.168.122.0/24.',
    ]);
  });

  it('finds a host address inside a DHCP range, and two networks whose subnets overlap (once per pair)', () => {
    const h = host('id-hv1', (t) => {
      t.networks[0]!.ips[0]!.dhcpRanges = [{ start: '192.168.122.100', end: '192.168.122.200' }];
      iface(t, 'eth2').addresses.push({ family: 'inet', address: '192.168.122.150', prefixLength: 32, scope: 'global', dynamic: false });
      t.networks[1]!.ips = [{ family: 'ipv4', address: '192.168.122.129', prefixLength: 25, dhcpRanges: [], staticHosts: [] }];
    });
    const found = hostConflicts(h);
    expect(found.map((c) => c.sentence)).toEqual([
      "On hv1, default's subnet 192.168.122.0/24 overlaps network bridged's 192.168.122.128/25.",
      "On hv1, default's subnet 192.168.122.0/24 overlaps eth2's address 192.168.122.150/32; VMs could not reach that part of the host's network.",
      "On hv1, bridged's subnet 192.168.122.128/25 overlaps eth2's address 192.168.122.150/32; VMs could not reach that part of the host's network.",
      "On hv1, eth2's address 192.168.122.150 is inside network default's DHCP range 192.168.122.100-192.168.122.200: dnsmasq could hand it to a VM too.",
    ]);
    expect(found.at(-1)!.places).toEqual([
      { hostId: 'id-hv1', ref: 'if:eth2' },
      { hostId: 'id-hv1', ref: 'net:default' },
    ]);
  });
});
