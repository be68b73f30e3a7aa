// What the NIC and address kinds plan from: each NIC's element as libvirt wrote it, its link
// state, the VM's kept definition (the NICs at its next start), and the networks' DHCP leases.
import { describe, expect, it } from 'vitest';
import { configurationOf } from '../diff';
import { networkWith, type Topology } from '../model';
import { parseLeases, parseVirshLists, parseVirshXml } from './virsh';

const uuid = '11111111-2222-4333-8444-555555555555';
const netUuid = '6f1c2a9e-0d6b-4d0e-9d55-2b1d3f0c7a11';
const nic = (mac: string, extra = '') => `    <interface type='network'>\n      <mac address='${mac}'/>\n      <source network='default' bridge='virbr0'/>\n${extra}      <model type='virtio'/>\n    </interface>`;
const domain = (nics: string[]) => `<domain type='qemu'>\n  <name>web1</name>\n  <uuid>${uuid}</uuid>\n  <devices>\n${nics.join('\n')}\n  </devices>\n</domain>`;

describe('VM NICs as libvirt keeps them', () => {
  const lists = parseVirshLists(`@@sb-list:domains@@ ${uuid} @@sb-list:running@@ ${uuid} @@sb-list:paused@@ @@sb-list:shutoff@@ @@sb-list:dompersistent@@ ${uuid} @@sb-list:networks@@ @@sb-list:active@@ @@sb-list:autostart@@ @@sb-list:persistent@@ @@sb-list:end@@`);
  const live = domain([nic('52:54:00:00:00:01', "      <target dev='vnet0'/>\n      <link state='down'/>\n"), nic('52:54:00:00:00:02')]);
  const kept = domain([nic('52:54:00:00:00:01', "      <link state='down'/>\n")]);
  const r = parseVirshXml(`${live}\n@@sb-dom-end@@\n${kept}\n@@sb-domdef-end@@\n`, lists);

  it('keeps each element as written, in order, with its link state', () => {
    const [a, b] = r.vms[0]!.nics;
    expect(a).toMatchObject({ mac: '52:54:00:00:00:01', linkUp: false, target: 'vnet0' });
    expect(a!.xml).toBe(nic('52:54:00:00:00:01', "      <target dev='vnet0'/>\n      <link state='down'/>\n").trim());
    expect(b).toMatchObject({ mac: '52:54:00:00:00:02', linkUp: true });
  });

  it('reads the kept definition apart from the live one: a NIC attached live only is not in it', () => {
    expect(r.vms[0]!.persistent).toBe(true);
    expect(r.vms[0]!.configNics!.map((n) => n.mac)).toEqual(['52:54:00:00:00:01']);
  });

  it('an older capture without the persistent list says "not read", not "transient"', () => {
    const old = parseVirshXml(`${live}\n@@sb-dom-end@@\n`, parseVirshLists(`@@sb-list:domains@@ ${uuid} @@sb-list:running@@ ${uuid} @@sb-list:end@@`));
    expect(old.vms[0]).toMatchObject({ persistent: null, configNics: null });
  });
});

describe('a running VM’s NIC on a macvtap pool network', () => {
  it('is on the network it names, with the macvtap mode libvirt chose, not on the device', () => {
    // As libvirt 9 shows it live: the actual type and the pool's device, the network kept in the source.
    const pool = `    <interface type='direct'>\n      <mac address='52:54:00:5b:00:04'/>\n      <source network='labvepa' portid='0c3c2d7e-1b7f-4c2b-9d1e-3f5a6b7c8d9e' dev='eth2' mode='vepa'/>\n      <target dev='macvtap1'/>\n      <model type='virtio'/>\n    </interface>`;
    const lists = parseVirshLists(`@@sb-list:domains@@ ${uuid} @@sb-list:running@@ ${uuid} @@sb-list:paused@@ @@sb-list:shutoff@@ @@sb-list:end@@`);
    const [n] = parseVirshXml(`${domain([pool])}\n@@sb-dom-end@@\n`, lists).vms[0]!.nics;
    expect(n).toMatchObject({ type: 'network', source: 'labvepa', directMode: 'vepa', target: 'macvtap1', bridge: null });
  });
});

describe('addresses a guest agent reports', () => {
  const lists = parseVirshLists(`@@sb-list:domains@@ ${uuid} @@sb-list:running@@ ${uuid} @@sb-list:paused@@ @@sb-list:shutoff@@ @@sb-list:end@@`);
  const live = domain([nic('52:54:00:00:00:01', "      <target dev='vnet0'/>\n")]);
  // `virsh domifaddr --source agent --full` as libvirt 9 prints it for a Debian guest.
  const table = ` Name       MAC address          Protocol     Address
-------------------------------------------------------------------------------
 lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
 lo         00:00:00:00:00:00    ipv6         ::1/128
 enp1s0     52:54:00:00:00:01    ipv4         192.168.122.93/24
 enp1s0     52:54:00:00:00:01    ipv6         fe80::5054:ff:fe00:1/64
`;

  it('reads the guest’s addresses on the VM’s own NICs, not its loopback', () => {
    const r = parseVirshXml(`${live}\n@@sb-dom-end@@\n@@sb-agent:${uuid}@@\n${table}@@sb-agent-end@@\n`, lists);
    expect(r.guestAddresses).toEqual([
      { vm: 'web1', mac: '52:54:00:00:00:01', ip: '192.168.122.93', prefixLength: 24, guestInterface: 'enp1s0' },
      { vm: 'web1', mac: '52:54:00:00:00:01', ip: 'fe80::5054:ff:fe00:1', prefixLength: 64, guestInterface: 'enp1s0' },
    ]);
  });

  it('a guest’s interface name cannot end a block: the probe replaces its "@", and the name is kept as sent', () => {
    const hostile = ` __sb-dom-end__ 52:54:00:00:00:01    ipv4         10.0.0.5/24\n`;
    const r = parseVirshXml(`${live}\n@@sb-dom-end@@\n@@sb-agent:${uuid}@@\n${hostile}@@sb-agent-end@@\n`, lists);
    expect(r.vms.map((v) => v.name)).toEqual(['web1']);
    expect(r.guestAddresses).toEqual([{ vm: 'web1', mac: '52:54:00:00:00:01', ip: '10.0.0.5', prefixLength: 24, guestInterface: '__sb-dom-end__' }]);
  });

  it('a VM without an agent (virsh’s refusal dropped) has none; a read without the blocks says "not read"', () => {
    expect(parseVirshXml(`${live}\n@@sb-dom-end@@\n@@sb-agent:${uuid}@@\n@@sb-agent-end@@\n`, lists).guestAddresses).toEqual([]);
    expect(parseVirshXml(`${live}\n@@sb-dom-end@@\n`, lists).guestAddresses).toBeUndefined();
  });
});

describe('DHCP leases', () => {
  const table = ` Expiry Time           MAC address         Protocol   IP address           Hostname   Client ID or DUID
-----------------------------------------------------------------------------------------------------------
 2026-12-01 23:10:04   52:54:00:a1:b2:c3   ipv4       198.19.122.57/24     web1       01:52:54:00:a1:b2:c3
 2026-12-01 23:11:00   52:54:00:a1:b2:c4   ipv4       198.19.122.58/24     -          -
`;

  it('reads each lease: MAC, address, prefix, host name and expiry', () => {
    expect(parseLeases(`@@sb-leases:${netUuid}@@\n${table}`)).toEqual({
      uuid: netUuid,
      leases: [
        { expires: '2026-12-01 23:10:04', mac: '52:54:00:a1:b2:c3', ip: '198.19.122.57', prefixLength: 24, hostname: 'web1' },
        { expires: '2026-12-01 23:11:00', mac: '52:54:00:a1:b2:c4', ip: '198.19.122.58', prefixLength: 24, hostname: null },
      ],
    });
  });

  it('are runtime state: a renewed lease is not a configuration change', () => {
    const withLease = (expires: string): Topology =>
      ({ modelVersion: 3, host: {}, interfaces: [], routes: [], qdiscs: [], classes: [], vms: [], missing: [], networks: [networkWith('default', netUuid, 'nat', { leases: [{ expires, mac: '52:54:00:a1:b2:c3', ip: '198.19.122.57', prefixLength: 24, hostname: 'web1' }] })] }) as unknown as Topology;
    expect(configurationOf(withLease('2026-12-01 23:10:04'))).toEqual(configurationOf(withLease('2026-12-01 23:40:04')));
  });
});
