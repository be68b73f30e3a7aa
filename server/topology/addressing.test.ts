import { describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { addressesOfVms, nicAddresses, nicAddressInWords } from './addressing';
import { vmNicWith, vmWith } from './model';

describe('where a VM NIC’s addresses come from', () => {
  const t = hostTopology();
  const net = t.networks.find((n) => n.name === 'default')!;
  net.ips[0]!.staticHosts = [{ mac: '52:54:00:01:01:01', id: null, name: 'web1', ip: '192.168.122.10' }];
  net.leases = [{ mac: '52:54:00:01:01:01', ip: '192.168.122.10', prefixLength: 24, hostname: 'web1', expires: '2026-12-01 23:10:04' }];
  t.neighbours = [
    { ip: '192.168.122.77', dev: 'virbr0', mac: '52:54:00:01:01:01' },
    { ip: 'fe80::5054:ff:fe01:101', dev: 'virbr0', mac: '52:54:00:01:01:01' },
    { ip: '198.18.0.1', dev: 'eth0', mac: '02:00:00:00:00:01' },
  ];
  const nic = t.vms[0]!.nics[0]!;

  it('combines the reservation, the lease and addresses the guest set itself (seen in the neighbour table)', () => {
    expect(nicAddresses(t, nic).map(nicAddressInWords)).toEqual(['192.168.122.10 (reserved, leased until 2026-12-01 23:10:04)', '192.168.122.77 (seen on virbr0)']);
  });

  it('adds what the guest agent reports, with the guest’s interface name (link-local left out)', () => {
    const withAgent = {
      ...t,
      guestAddresses: [
        { vm: 'web1', mac: '52:54:00:01:01:01', ip: '192.168.122.10', prefixLength: 24, guestInterface: 'enp1s0' },
        { vm: 'web1', mac: '52:54:00:01:01:01', ip: 'fd00:122::10', prefixLength: 64, guestInterface: 'enp1s0' },
        { vm: 'web1', mac: '52:54:00:01:01:01', ip: 'fe80::5054:ff:fe01:101', prefixLength: 64, guestInterface: 'enp1s0' },
      ],
    };
    expect(nicAddresses(withAgent, nic).map(nicAddressInWords)).toEqual([
      '192.168.122.10 (reserved, leased until 2026-12-01 23:10:04, set on enp1s0 in the guest, says its agent)',
      'fd00:122::10 (set on enp1s0 in the guest, says its agent)',
      '192.168.122.77 (seen on virbr0)',
    ]);
  });

  it('a NIC with nothing known has no addresses', () => {
    expect(nicAddresses({ ...t, neighbours: [], networks: [] }, nic)).toEqual([]);
  });
});

describe('every VM\'s addresses', () => {
  it('gathers each VM\'s NICs\' addresses once, running VMs first', () => {
    const t = hostTopology();
    const net = t.networks.find((n) => n.name === 'default')!;
    net.leases = [
      { mac: '52:54:00:01:01:01', ip: '192.168.122.10', prefixLength: 24, hostname: 'web1', expires: '2026-12-01 23:10:04' },
      { mac: '52:54:00:0b:0b:01', ip: '192.168.122.20', prefixLength: 24, hostname: 'old1', expires: '2026-12-01 23:10:04' },
    ];
    net.ips[0]!.staticHosts = [{ mac: '52:54:00:01:01:01', id: null, name: 'web1', ip: '192.168.122.10' }];
    t.vms.unshift(vmWith('old1', '00000000-0000-4000-8000-0000000000b1', 'shut off', [vmNicWith('network', { mac: '52:54:00:0b:0b:01', source: 'default' })]));
    expect(addressesOfVms(t)).toEqual([
      { vm: 'web1', ips: ['192.168.122.10'] },
      { vm: 'old1', ips: ['192.168.122.20'] },
    ]);
  });
});
