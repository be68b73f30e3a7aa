// The libvirt layer on a real lab host (its own libvirtd, dnsmasq and paused QEMU VMs): networks
// created in each mode the lab runs, started, stopped, deleted and put back, DHCP reservations
// changed live, IP forwarding kept for boot; failures injected at the last step, and Revert.
// What libvirt keeps (`net-dumpxml --inactive`) is compared as text, not only as the panel reads it.
import { describe, expect, it } from 'vitest';
import type { Operation } from '@/server/plan/ops';
import { configurationChanges, iface, labHostSuite } from '@/server/testing/changes';
import { FORWARDING_FILE, type Topology } from '@/server/topology/model';
import { revertChange } from './history';

const virsh = async (...args: string[]) => (await suite.hv1.exec(['virsh', '-q', '-c', 'qemu:///system', ...args])).stdout;
const network = (topo: Topology, name: string) => topo.networks.find((n) => n.name === name);
/** What libvirt keeps of every network, as text: what an exact undo must give back. */
const keptDefinitions = async () => Promise.all(['default', 'isolated', 'routed', 'bridged'].map((n) => virsh('net-dumpxml', '--inactive', n)));

// A failed case may leave a network or the forwarding file behind; every case starts from the seeded host.
const { suite, harness } = labHostSuite('nadia', async () => {
  const leftover = /\blab(nat|iso|iso6|route|open|vepa|priv|pass|mvbr|br0)\b/.test(await virsh('net-list', '--all', '--name')) || !(await virsh('net-list', '--name')).includes('isolated');
  return leftover || (await suite.hv1.exec(['test', '-e', FORWARDING_FILE], { allowFailure: true })).code === 0;
});

describe.sequential('libvirt networks on a lab host', () => {
  it('creates a NAT network with DHCP and a reservation, started and autostarted; Revert removes it', async () => {
    const ops: Operation[] = [
      {
        kind: 'createNetwork',
        name: 'labnat',
        mode: 'nat',
        ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.100', end: '10.77.0.199' }], hosts: [{ mac: '52:54:00:77:00:10', name: 'db9', ip: '10.77.0.10' }] },
        domain: 'lab.example',
        active: true,
        autostart: true,
      },
    ];
    await harness.appliesVerifiesReverts('NAT network', ops, async (after) => {
      const n = network(after, 'labnat')!;
      expect(n).toMatchObject({ mode: 'nat', active: true, autostart: true, persistent: true });
      expect(n.ips[0]).toMatchObject({ address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.100', end: '10.77.0.199' }], staticHosts: [{ mac: '52:54:00:77:00:10', name: 'db9', ip: '10.77.0.10' }] });
      expect(iface(after, n.bridge!)?.addresses.map((a) => `${a.address}/${a.prefixLength}`)).toContain('10.77.0.1/24');
      // dnsmasq serves the reservation.
      expect((await suite.hv1.exec(['cat', '/var/lib/libvirt/dnsmasq/labnat.hostsfile'])).stdout).toContain('52:54:00:77:00:10,10.77.0.10,db9');
    });
    expect(await virsh('net-list', '--all', '--name')).not.toMatch(/\blabnat\b/);
  });

  it('creates isolated, routed and open networks, one left stopped; Revert removes all three', async () => {
    const ops: Operation[] = [
      { kind: 'createNetwork', name: 'labiso', mode: 'isolated', ipv4: { address: '10.78.0.1', prefixLength: 24, dhcpRanges: [], hosts: [] }, active: false, autostart: false },
      { kind: 'createNetwork', name: 'labroute', mode: 'route', ipv4: { address: '10.79.0.1', prefixLength: 24, dhcpRanges: [], hosts: [] }, active: true, autostart: false },
      { kind: 'createNetwork', name: 'labopen', mode: 'open', ipv4: { address: '10.80.0.1', prefixLength: 24, dhcpRanges: [], hosts: [] }, active: true, autostart: true },
    ];
    await harness.appliesVerifiesReverts('three modes', ops, (after) => {
      expect(network(after, 'labiso')).toMatchObject({ mode: 'isolated', active: false, autostart: false });
      expect(network(after, 'labroute')).toMatchObject({ mode: 'route', active: true, autostart: false });
      expect(network(after, 'labopen')).toMatchObject({ mode: 'open', active: true, autostart: true });
    });
  });

  it('a reservation changes live: dnsmasq serves it at once, without a restart, and Revert releases it', async () => {
    const pid = async () => (await suite.hv1.exec(['cat', '/run/libvirt/network/default.pid'])).stdout.trim();
    const before = await pid();
    const ops: Operation[] = [{ kind: 'addDhcpHost', network: 'default', mac: '52:54:00:77:00:11', name: 'app9', ip: '198.19.122.11' }];
    await harness.appliesVerifiesReverts('reservation', ops, async (after) => {
      expect(network(after, 'default')!.ips[0]!.staticHosts).toContainEqual({ mac: '52:54:00:77:00:11', id: null, name: 'app9', ip: '198.19.122.11' });
      expect((await suite.hv1.exec(['cat', '/var/lib/libvirt/dnsmasq/default.hostsfile'])).stdout).toContain('52:54:00:77:00:11,198.19.122.11,app9');
      expect(await virsh('net-dumpxml', '--inactive', 'default')).toContain("<host mac='52:54:00:77:00:11' name='app9' ip='198.19.122.11'/>");
      expect(await pid()).toBe(before);
    });
    expect((await suite.hv1.exec(['cat', '/var/lib/libvirt/dnsmasq/default.hostsfile'])).stdout).not.toContain('52:54:00:77:00:11');
    expect(await pid()).toBe(before);
  });

  it('creates a dual-stack network whose IPv6 reservations name DUIDs; one more is added live; dnsmasq serves both; Revert removes it', async () => {
    const ops: Operation[] = [
      {
        kind: 'createNetwork',
        name: 'labiso6',
        mode: 'isolated',
        ipv4: { address: '10.81.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.81.0.100', end: '10.81.0.199' }], hosts: [] },
        ipv6: { address: 'fd00:81::1', prefixLength: 64, dhcpRanges: [{ start: 'fd00:81::100', end: 'fd00:81::1ff' }], hosts: [{ id: '00:03:00:01:52:54:00:81:00:10', name: 'v6a', ip: 'fd00:81::10' }] },
        active: true,
        autostart: false,
      },
      { kind: 'addDhcpHost', network: 'labiso6', id: '00:03:00:01:52:54:00:81:00:11', name: 'v6b', ip: 'fd00:81::11' },
    ];
    await harness.appliesVerifiesReverts('IPv6 by DUID', ops, async (after) => {
      const v6 = network(after, 'labiso6')!.ips.find((x) => x.family === 'ipv6')!;
      expect(v6.staticHosts).toEqual([
        { mac: null, id: '00:03:00:01:52:54:00:81:00:10', name: 'v6a', ip: 'fd00:81::10' },
        { mac: null, id: '00:03:00:01:52:54:00:81:00:11', name: 'v6b', ip: 'fd00:81::11' },
      ]);
      const hostsfile = (await suite.hv1.exec(['cat', '/var/lib/libvirt/dnsmasq/labiso6.hostsfile'])).stdout;
      expect(hostsfile).toMatch(/id:00:03:00:01:52:54:00:81:00:10,.*\[fd00:81::10\]/);
      expect(hostsfile).toMatch(/id:00:03:00:01:52:54:00:81:00:11,.*\[fd00:81::11\]/);
    });
    expect(await virsh('net-list', '--all', '--name')).not.toMatch(/\blabiso6\b/);
  });

  it('creates macvtap pools in each mode over a spare NIC, and a bridged network on br0; build1 gets a NIC from the VEPA pool; Revert removes them all', async () => {
    const ops: Operation[] = [
      { kind: 'createNetwork', name: 'labvepa', mode: 'vepa', devices: ['eth2'], active: true, autostart: false },
      { kind: 'createNetwork', name: 'labpriv', mode: 'private', devices: ['eth2', 'eth3'], active: true, autostart: false },
      { kind: 'createNetwork', name: 'labpass', mode: 'passthrough', devices: ['eth3'], active: false, autostart: false },
      { kind: 'createNetwork', name: 'labmvbr', mode: 'bridge', devices: ['eth3'], active: true, autostart: false },
      { kind: 'createNetwork', name: 'labbr0', mode: 'bridge', bridge: 'br0', active: true, autostart: true },
      { kind: 'attachNic', vm: 'build1', network: 'labvepa', mac: '52:54:00:81:00:20', model: 'virtio', linkUp: true },
    ];
    await harness.appliesVerifiesReverts('macvtap pools', ops, async (after) => {
      const forward = async (name: string) => /<forward[^>]*>[\s\S]*?<\/forward>|<forward[^>]*\/>/.exec(await virsh('net-dumpxml', '--inactive', name))?.[0] ?? '';
      expect(await forward('labvepa')).toMatch(/<forward[^>]* mode='vepa'>\s*<interface dev='eth2'\/>/);
      expect(await forward('labpriv')).toMatch(/<forward[^>]* mode='private'>\s*<interface dev='eth2'\/>\s*<interface dev='eth3'\/>/);
      expect(await forward('labpass')).toMatch(/<forward[^>]* mode='passthrough'>\s*<interface dev='eth3'\/>/);
      expect(await forward('labmvbr')).toMatch(/<forward[^>]* mode='bridge'>\s*<interface dev='eth3'\/>/);
      expect(await virsh('net-dumpxml', 'labbr0')).toMatch(/<bridge name='br0'\/>/);
      expect(network(after, 'labpriv')).toMatchObject({ mode: 'private', active: true, forwardDevices: ['eth2', 'eth3'] });
      expect(network(after, 'labpass')).toMatchObject({ mode: 'passthrough', active: false });
      expect(await virsh('domiflist', 'build1', '--inactive')).toMatch(/network\s+labvepa\s+virtio\s+52:54:00:81:00:20/);
    });
    expect(await virsh('net-list', '--all', '--name')).not.toMatch(/\blab(vepa|priv|pass|mvbr|br0)\b/);
  });

  it('stopping a network a running VM is on needs confirming; its tap is back on the bridge after Revert', async () => {
    const before = await harness.read();
    const tap = before.vms.find((v) => v.name === 'web1')!.nics[0]!.target!;
    const bridge = network(before, 'default')!.bridge!;
    expect(iface(before, tap)?.master).toBe(bridge);
    const ops: Operation[] = [{ kind: 'setNetworkActive', name: 'default', active: false }];
    await expect(harness.change(ops)).rejects.toThrow(/running VM web1/);
    await suite.t.db.draftOperation.deleteMany();
    await harness.appliesVerifiesReverts(
      'stop a network with a VM on it',
      ops,
      (after) => {
        expect(network(after, 'default')!.active).toBe(false);
        expect(iface(after, bridge)).toBeUndefined();
        expect(iface(after, tap)?.master ?? null).toBeNull();
      },
      { confirmDisruptive: true },
    );
    expect(iface(await harness.read(), tap)?.master).toBe(bridge);
  });

  it('deletes a network a running VM uses, and Revert defines exactly what libvirt kept, started, with the VM back on it', async () => {
    const kept = await keptDefinitions();
    const before = await harness.read();
    const tap = before.vms.find((v) => v.name === 'db1')!.nics.find((n) => n.source === 'isolated')!.target!;
    const applied = await harness.change([{ kind: 'deleteNetwork', name: 'isolated' }], { confirmDisruptive: true });
    expect(applied.status, await harness.explain(applied.changeId)).toBe('applied');
    expect(await virsh('net-list', '--all', '--name')).not.toMatch(/\bisolated\b/);
    await revertChange(suite.t.db, suite.actor, applied.changeId);
    const reverted = await harness.change([], { confirmDisruptive: true });
    expect(reverted.status, await harness.explain(reverted.changeId)).toBe('applied');
    expect(await keptDefinitions()).toEqual(kept);
    const after = await harness.read();
    expect(configurationChanges(before, after)).toEqual([]);
    expect(iface(after, tap)?.master).toBe(network(after, 'isolated')!.bridge);
  });

  it('edits the default network (a narrower DHCP range): redefined and restarted with confirmation, web1 back on it; Revert gives back exactly the old definition', async () => {
    const before = await harness.read();
    const kept = await virsh('net-dumpxml', '--inactive', 'default');
    const tap = before.vms.find((v) => v.name === 'web1')!.nics[0]!.target!;
    const web1 = network(before, 'default')!.ips[0]!.staticHosts[0]!;
    const ops: Operation[] = [
      {
        kind: 'editNetwork',
        name: 'default',
        mode: 'nat',
        ipv4: { address: '198.19.122.1', prefixLength: 24, dhcpRanges: [{ start: '198.19.122.120', end: '198.19.122.140' }], hosts: [{ mac: web1.mac!, name: web1.name!, ip: web1.ip }] },
      },
    ];
    await harness.appliesVerifiesReverts(
      'edit a network',
      ops,
      async (after) => {
        expect(network(after, 'default')!.ips[0]!.dhcpRanges).toEqual([{ start: '198.19.122.120', end: '198.19.122.140' }]);
        expect(network(after, 'default')!.uuid).toBe(network(before, 'default')!.uuid);
        expect(iface(after, tap)?.master).toBe(network(after, 'default')!.bridge);
      },
      { confirmDisruptive: true },
    );
    expect(await virsh('net-dumpxml', '--inactive', 'default')).toBe(kept);
    expect(iface(await harness.read(), tap)?.master).toBe(network(before, 'default')!.bridge);
  });

  it('keeps IP forwarding for boot in its own sysctl.d file; Revert puts the setting and the file back', async () => {
    const before = await harness.read();
    const enabled = !before.host.ipForward;
    await harness.appliesVerifiesReverts('IP forwarding', [{ kind: 'setIpForward', family: 'ipv4', enabled, atBoot: true }], async (after) => {
      expect(after.host.ipForward).toBe(enabled);
      expect((await suite.hv1.exec(['cat', FORWARDING_FILE])).stdout).toContain(`net.ipv4.ip_forward = ${enabled ? 1 : 0}`);
    });
    expect((await suite.hv1.exec(['test', '-e', FORWARDING_FILE], { allowFailure: true })).code).not.toBe(0);
  });

  describe('failure injection: step k of a change creating a network, reserving an address and turning on forwarding fails', () => {
    const build: Operation[] = [
      { kind: 'createNetwork', name: 'labnat', mode: 'nat', ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [{ start: '10.77.0.100', end: '10.77.0.199' }], hosts: [] }, active: true, autostart: true },
      { kind: 'addDhcpHost', network: 'default', mac: '52:54:00:77:00:12', ip: '198.19.122.12' },
      { kind: 'setNetworkAutostart', name: 'routed', autostart: false },
      { kind: 'setIpForward', family: 'ipv6', enabled: true, atBoot: true },
    ];
    for (const k of [2, 4]) {
      it(`rolls back steps 1-${k - 1} when step ${k} fails; libvirt keeps exactly what it kept before`, async () => {
        const kept = await keptDefinitions();
        await harness.rollsBackWhenStepFails(build, k);
        expect(await keptDefinitions()).toEqual(kept);
        expect(await virsh('net-list', '--all', '--name')).not.toMatch(/\blabnat\b/);
        expect((await suite.hv1.exec(['test', '-e', FORWARDING_FILE], { allowFailure: true })).code).not.toBe(0);
      });
    }
  });
});
