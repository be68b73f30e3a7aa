import { describe, expect, it } from 'vitest';
import type { BootConfig, Topology } from '@/server/topology/model';
import { REDACTED } from '@/server/topology/parse/boot-config';
import { configuredAddresses } from '../restore';
import { applyOperations } from '../project';
import { hostTopology, ifaceOf } from '../fixtures';
import type { BootWrites } from './persist';
import { globMatches, NETWORKD_DIR, NETWORKD_FILE, networkdIntent, networkdWritesFor, switchboardNetworkdPath } from './networkd';

const boot = (files: Record<string, string> = {}): BootConfig => ({
  backend: 'networkd',
  reason: 'systemd-networkd is enabled',
  files: Object.entries(files).map(([path, content]) => ({ path, content })),
});
const after = (ops: Parameters<typeof applyOperations>[1]): Topology => applyOperations(hostTopology(), ops);
const own = switchboardNetworkdPath;
const at = (name: string) => `${NETWORKD_DIR}/${name}`;
const header = (name: string) => `# Written by Switchboard for ${name}. When it next changes ${name} it rewrites only the settings it manages; anything else added here is kept.\n`;

/** The files as written, path → content (null: removed); fails the test on a refusal. */
function written(r: BootWrites): Record<string, string | null> {
  if (!r.ok) throw new Error(r.why);
  return Object.fromEntries(r.writes.map((w) => [w.path, w.after]));
}

/** The host's files once `r` is written over `files`. */
function applied(files: Record<string, string>, r: BootWrites): Record<string, string> {
  const out: Record<string, string | null> = { ...files, ...written(r) };
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== null));
}

describe('networkdWritesFor: the files that bring touched interfaces back at boot', () => {
  it('a new bridge with an address gets a .netdev and a .network; its new port names it with Bridge=; writing again changes nothing', () => {
    const intended = after([
      { kind: 'createBridge', name: 'br5', stp: true, vlanFiltering: false },
      { kind: 'addAddress', dev: 'br5', address: '10.5.0.1/24' },
      { kind: 'setLinkState', dev: 'br5', up: true },
      { kind: 'setMaster', dev: 'eth2', master: 'br5' },
    ]);
    const r = networkdWritesFor(intended, ['br5', 'eth2'], boot());
    expect(written(r)).toEqual({
      // The forward delay of a bridge made by this change is unknown until read: not written.
      // Nor is its MAC: `none` leaves it to the kernel and udev, as at runtime.
      [own('br5', 'netdev')]: `${header('br5')}[NetDev]\nName=br5\nKind=bridge\nMACAddress=none\n\n[Bridge]\nSTP=yes\n`,
      // A bridge's carrier comes with its ports: its address must not wait for one.
      [own('br5', 'network')]: `${header('br5')}[Match]\nName=br5\n\n[Network]\nAddress=10.5.0.1/24\nConfigureWithoutCarrier=yes\n`,
      // eth2 is up with carrier and no link-local address, but as a bridge port networkd gives it none anyway.
      [own('eth2', 'network')]: `${header('eth2')}[Match]\nName=eth2\n\n[Network]\nBridge=br5\n`,
    });
    if (!r.ok) return;
    expect(r.writes.every((w) => w.before === null && NETWORKD_FILE.test(w.path))).toBe(true);
    expect(networkdWritesFor(intended, ['br5', 'eth2'], boot(applied({}, r)))).toEqual({ ok: true, writes: [] });
  });

  it('a bond keeps its MAC, mode and link monitor; its member names it with Bond=', () => {
    const files = written(networkdWritesFor(hostTopology(), ['bond0', 'eth3'], boot()));
    expect(files[own('bond0', 'netdev')]).toBe(`${header('bond0')}[NetDev]\nName=bond0\nKind=bond\nMACAddress=02:5b:00:01:00:03\n\n[Bond]\nMode=802.3ad\nMIIMonitorSec=100ms\n`);
    expect(files[own('eth3', 'network')]).toContain('[Network]\nBond=bond0\n');
    // A new bond without members gets the stable MAC the planner gave it, not one networkd makes up.
    const lone = written(networkdWritesFor(after([{ kind: 'createBond', name: 'bond1', mode: 'active-backup', members: [] }]), ['bond1'], boot()));
    expect(lone[own('bond1', 'netdev')]).toMatch(/\nMACAddress=[0-9a-f:]{17}\n/);
    expect(lone[own('bond1', 'netdev')]).not.toContain('MIIMonitorSec');
  });

  it('a VLAN on an existing NIC: its .netdev, and the parent’s .network gains VLAN= (networkd creates it from there)', () => {
    const intended = after([
      { kind: 'createVlan', name: 'eth2.200', parent: 'eth2', vlanId: 200 },
      { kind: 'setMtu', dev: 'eth2.200', mtu: 1400 },
      { kind: 'setLinkState', dev: 'eth2.200', up: true },
    ]);
    const files = written(networkdWritesFor(intended, ['eth2.200'], boot()));
    expect(Object.keys(files).sort()).toEqual([own('eth2', 'network'), own('eth2.200', 'netdev'), own('eth2.200', 'network')].sort());
    expect(files[own('eth2.200', 'netdev')]).toBe(`${header('eth2.200')}[NetDev]\nName=eth2.200\nKind=vlan\nMTUBytes=1400\nMACAddress=none\n\n[VLAN]\nId=200\n`);
    // eth2 is up with carrier and has no link-local address: networkd is told not to add one.
    expect(files[own('eth2', 'network')]).toBe(`${header('eth2')}[Match]\nName=eth2\n\n[Network]\nVLAN=eth2.200\nLinkLocalAddressing=no\n`);
  });

  it('a VLAN on a parent networkd does not manage (libvirt’s own bridge) is refused: networkd could not create it', () => {
    const intended = after([{ kind: 'createVlan', name: 'virbr0.7', parent: 'virbr0', vlanId: 7 }]);
    expect(networkdWritesFor(intended, ['virbr0.7'], boot())).toMatchObject({ ok: false, why: expect.stringMatching(/only from the \.network file of its parent virbr0/) });
  });

  it('a veth pair is created by one .netdev, from the end a file already names (never twice)', () => {
    const files = written(networkdWritesFor(hostTopology(), ['veth-a', 'veth-b'], boot()));
    // Both ends keep their MACs (networkd would otherwise derive its own at boot).
    expect(files[own('veth-a', 'netdev')]).toContain('Kind=veth\nMACAddress=02:5b:00:01:00:0d\n\n[Peer]\nName=veth-b\nMACAddress=02:5b:00:01:00:0e\n');
    expect(files[own('veth-b', 'netdev')]).toBeUndefined();
    expect(files[own('veth-a', 'network')]).toContain('Bridge=brv');
    // veth-b is down: networkd is told to leave it down.
    expect(files[own('veth-b', 'network')]).toBe(`${header('veth-b')}[Match]\nName=veth-b\n\n[Link]\nActivationPolicy=down\n`);

    const adminPair = { [at('30-pair.netdev')]: '[NetDev]\nName=veth-b\nKind=veth\n\n[Peer]\nName=veth-a\n' };
    const kept = written(networkdWritesFor(hostTopology(), ['veth-a', 'veth-b'], boot(adminPair)));
    // The admin's .netdev stays the one that creates the pair (edited in place: it gains the MACs).
    expect(Object.keys(kept).filter((p) => p.endsWith('.netdev'))).toEqual([at('30-pair.netdev')]);
    expect(kept[at('30-pair.netdev')]).toBe('[NetDev]\nName=veth-b\nKind=veth\nMACAddress=02:5b:00:01:00:0e\n\n[Peer]\nName=veth-a\nMACAddress=02:5b:00:01:00:0d\n');
  });

  it('a DHCP interface stays on DHCP, and an MTU change says so too', () => {
    const intended = after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]);
    ifaceOf(intended, 'eth2').addresses.push({ family: 'inet', address: '192.0.2.50', prefixLength: 24, scope: 'global', dynamic: true });
    const files = written(networkdWritesFor(intended, ['eth2'], boot()));
    expect(files[own('eth2', 'network')]).toBe(`${header('eth2')}[Match]\nName=eth2\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\n`);
    // The leased address itself is the DHCP server's to give: no Address= for it.
    expect(files[own('eth2', 'network')]).not.toContain('192.0.2.50');
    // The admin's DHCP=yes (both families) already takes DHCPv4: kept as written.
    const admin = { [at('05-eth2.network')]: '[Match]\nName=eth2\n\n[Network]\nDHCP=yes\n' };
    expect(written(networkdWritesFor(intended, ['eth2'], boot(admin)))[at('05-eth2.network')]).toBe('[Match]\nName=eth2\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=yes\nLinkLocalAddressing=no\n');
  });

  it('deleting an interface removes its files, what named it elsewhere, and a veth pair’s .netdev from either end', () => {
    const files = {
      [own('br5', 'netdev')]: '[NetDev]\nName=br5\nKind=bridge\n',
      [own('br5', 'network')]: '[Match]\nName=br5\n\n[Network]\nAddress=10.5.0.1/24\n',
      [at('20-br5-extra.network')]: '[Match]\nName=br5\n\n[Network]\nDNS=10.5.0.53\n',
      [own('eth2', 'network')]: '[Match]\nName=eth2\n\n[Network]\nBridge=br5\n',
      [at('50-other.network')]: '[Match]\nName=eth4\n',
    };
    // The projection released eth2 from br5, and the planner does not name it: its Bridge= goes all the same.
    const r = networkdWritesFor(hostTopology(), ['br5'], boot(files));
    expect(written(r)).toEqual({
      [own('br5', 'netdev')]: null,
      [own('br5', 'network')]: null,
      [at('20-br5-extra.network')]: null,
      [own('eth2', 'network')]: '[Match]\nName=eth2\n',
    });
    if (r.ok) expect(r.writes.find((w) => w.path === own('br5', 'network'))?.before).toBe(files[own('br5', 'network')]);

    // Deleting veth-a deletes veth-b with it; the .netdev naming veth-b would create both again at boot.
    const pair = { [at('30-pair.netdev')]: '[NetDev]\nName=veth-b\nKind=veth\n\n[Peer]\nName=veth-a\n' };
    const gone = written(networkdWritesFor(after([{ kind: 'deleteInterface', name: 'veth-a' }]), ['veth-a'], boot(pair)));
    expect(gone).toEqual({ [at('30-pair.netdev')]: null });
  });

  const ADMIN_ETH0 = `# Management NIC: ask netops before changing (ticket 42)
[Match]
Name=eth0

[Link]
RequiredForOnline=yes

[Network]
Address=198.18.0.11/24
DNS=198.18.0.53
; router advertisements give the IPv6 address
IPv6AcceptRA=yes

[Route]
Gateway=198.18.0.1
Metric=100

[DHCPv4]
UseDNS=no
`;

  it('edits an admin file that names only the device in place: its comments, [DHCPv4] and other settings stay', () => {
    const path = at('05-eth0.network');
    const intended = after([
      { kind: 'setMtu', dev: 'eth0', mtu: 9000 },
      { kind: 'addAddress', dev: 'eth0', address: '198.18.0.12/24' },
    ]);
    const r = networkdWritesFor(intended, ['eth0'], boot({ [path]: ADMIN_ETH0 }));
    expect(written(r)).toEqual({
      [path]: ADMIN_ETH0.replace('RequiredForOnline=yes\n', 'RequiredForOnline=yes\nMTUBytes=9000\n').replace('Address=198.18.0.11/24\n', 'Address=198.18.0.11/24\nAddress=198.18.0.12/24\n'),
    });
    // Nothing to change: nothing written (not even reformatted).
    expect(networkdWritesFor(hostTopology(), ['eth0'], boot({ [path]: ADMIN_ETH0 }))).toEqual({ ok: true, writes: [] });
  });

  it('edits the admin’s exact file in place even when it sorts after Switchboard’s (a file of ours would shadow its DNS= and [DHCPv4])', () => {
    const path = at('eth0.network');
    const files = written(networkdWritesFor(after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }]), ['eth0'], boot({ [path]: ADMIN_ETH0 })));
    expect(Object.keys(files)).toEqual([path]);
    expect(files[path]).toContain('MTUBytes=9000');
    // A removed route goes from where it was, the rest of the file stays.
    const noGateway = after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }]);
    noGateway.routes = noGateway.routes.filter((r) => r.dst !== 'default');
    expect(written(networkdWritesFor(noGateway, ['eth0'], boot({ [path]: ADMIN_ETH0 })))[path]).toBe(
      ADMIN_ETH0.replace('RequiredForOnline=yes\n', 'RequiredForOnline=yes\nMTUBytes=9000\n').replace('\n[Route]\nGateway=198.18.0.1\nMetric=100\n', ''),
    );
  });

  it('refuses when an earlier admin file could match the device by a glob, a list or tests it does not evaluate', () => {
    const intended = after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]);
    expect(networkdWritesFor(intended, ['eth2'], boot({ [at('05-wired.network')]: '[Match]\nName=eth*\n\n[Network]\nDHCP=yes\n' }))).toEqual({
      ok: false,
      why:
        "/etc/systemd/network/05-wired.network would configure eth2 before Switchboard's own file 10-switchboard-eth2.network (systemd-networkd uses the first file, by name, that matches a device), " +
        'and its [Match] (Name=eth*) matches eth2 along with other interfaces or conditions. Switchboard cannot change that file for eth2 without changing it for the rest. ' +
        'Give eth2 a file of its own with only Name=eth2 in [Match], named to sort before 05-wired.network, and try again.',
    });
    expect(networkdWritesFor(intended, ['eth2'], boot({ [at('05-mac.network')]: '[Match]\nMACAddress=02:5b:00:01:00:02\n' }))).toMatchObject({ ok: false, why: expect.stringMatching(/tests what Switchboard does not check/) });
    expect(networkdWritesFor(intended, ['eth2'], boot({ [at('00-all.network')]: '[Network]\nDHCP=yes\n' }))).toMatchObject({ ok: false, why: expect.stringMatching(/applies to every interface/) });
    // [Match] tests must all hold: a Name= that leaves eth2 out settles it, whatever else is tested.
    expect(networkdWritesFor(intended, ['eth2'], boot({ [at('05-eth0.network')]: '[Match]\nName=eth0\nType=ether\n', [at('06-not.network')]: '[Match]\nName=!eth2\n' }))).toMatchObject({ ok: true });
  });

  it('leaves a later glob file alone: Switchboard’s file sorts first and wins', () => {
    const glob = { [at('20-wired.network')]: '[Match]\nName=eth*\n\n[Network]\nDHCP=yes\n' };
    const files = written(networkdWritesFor(after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]), ['eth2'], boot(glob)));
    expect(Object.keys(files)).toEqual([own('eth2', 'network')]);
    expect(files[own('eth2', 'network')]).toContain('MTUBytes=9000');
  });

  it('refuses to rewrite a file holding a secret it did not read, and a device an admin file tells networkd to leave alone', () => {
    const secret = { [at('05-eth2.network')]: `[Match]\nName=eth2\n\n[Network]\nDHCP=yes\n\n[MACsec]\nKey=${REDACTED}\n` };
    expect(networkdWritesFor(after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]), ['eth2'], boot(secret))).toEqual({
      ok: false,
      why: '/etc/systemd/network/05-eth2.network holds a secret Switchboard does not read, so it cannot write the file back exactly',
    });
    const unmanaged = { [at('05-eth2.network')]: '[Match]\nName=eth2\n\n[Link]\nUnmanaged=yes\n' };
    expect(networkdWritesFor(after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]), ['eth2'], boot(unmanaged))).toMatchObject({ ok: false, why: expect.stringMatching(/Unmanaged=yes/) });
    expect(networkdWritesFor(hostTopology(), ['eth2'], { ...boot(), backend: 'ifupdown2' })).toMatchObject({ ok: false });
  });

  it('writes nothing for what boot files do not create: loopback, a VM’s tap, libvirt’s own bridge', () => {
    expect(networkdWritesFor(hostTopology(), ['lo', 'vnet0', 'virbr0'], boot())).toEqual({ ok: true, writes: [] });
  });
});

describe('networkdIntent: what the files make of each interface', () => {
  it('round trip: the files written for a change describe the interfaces as intended', () => {
    const intended = after([
      { kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false },
      { kind: 'addAddress', dev: 'br5', address: '10.5.0.1/24' },
      { kind: 'addAddress', dev: 'br5', address: 'fd00:5::1/64' },
      { kind: 'setLinkState', dev: 'br5', up: true },
      { kind: 'setMaster', dev: 'eth2', master: 'br5' },
      { kind: 'createVlan', name: 'eth2.200', parent: 'eth2', vlanId: 200 },
      { kind: 'setMtu', dev: 'eth0', mtu: 9000 },
    ]);
    const touched = ['br5', 'eth2', 'eth2.200', 'eth0', 'bond0', 'eth3', 'veth-a', 'veth-b', 'br0', 'eth1', 'eth1.100', 'dummy0', 'brv'];
    const files = applied({}, networkdWritesFor(intended, touched, boot()));
    const intent = networkdIntent(Object.entries(files).map(([path, content]) => ({ path, content })));
    const creates: Record<string, string> = { br5: 'bridge', br0: 'bridge', brv: 'bridge', bond0: 'bond', 'eth2.200': 'vlan', 'eth1.100': 'vlan', dummy0: 'dummy', 'veth-a': 'veth', 'veth-b': 'veth' };
    for (const name of touched) {
      const i = ifaceOf(intended, name);
      expect(intent.get(name), name).toEqual({
        name,
        path: own(name, 'network'),
        creates: creates[name] ?? null,
        up: i.adminUp,
        dhcp: false,
        addresses: configuredAddresses(i)
          .map((a) => `${a.address}/${a.prefixLength}`)
          .sort(),
        master: i.master,
        mtu: i.mtu === 1500 ? null : i.mtu,
      });
    }
    expect([...intent.keys()].sort()).toEqual([...touched].sort());
  });

  it('reads admin files as networkd applies them: first match by file name, globs included; a VLAN only where a parent names it', () => {
    const intent = networkdIntent([
      { path: at('10-all-eth.network'), content: '[Match]\nName=eth*\n\n[Link]\nMTUBytes=9K\n\n[Network]\nDHCP=true\n' },
      { path: at('20-eth0.network'), content: '[Match]\nName=eth0\n\n[Network]\nAddress=10.0.0.1/24\n' },
      { path: at('30-br9.network'), content: '[Match]\nName=br9\n\n[Link]\nActivationPolicy=manual\n\n[Network]\nAddress=FD00:0:0::9/64\n\n[Address]\nAddress=10.9.0.1/24\nLabel=br9:x\n' },
      { path: at('30-br9.netdev'), content: '[NetDev]\nName=br9\nKind=bridge\n' },
      { path: at('40-orphan.netdev'), content: '[NetDev]\nName=vlan9\nKind=vlan\n\n[VLAN]\nId=9\n' },
      { path: at('41-masked.network'), content: '' },
    ]);
    // eth0's own file comes after the glob one, which networkd applies instead.
    expect(intent.get('eth0')).toMatchObject({ path: at('10-all-eth.network'), dhcp: true, mtu: 9216, addresses: [], up: true });
    expect(intent.get('br9')).toMatchObject({ creates: 'bridge', up: false, addresses: ['10.9.0.1/24', 'fd00::9/64'] });
    // No link's .network names vlan9: networkd never creates it.
    expect(intent.get('vlan9')).toBeUndefined();
    expect(intent.has('eth1')).toBe(false);
  });

  it('matches names as fnmatch does', () => {
    expect(globMatches('eth*', 'eth0')).toBe(true);
    expect(globMatches('en?s[0-9]', 'enps3')).toBe(true);
    expect(globMatches('en[!p]*', 'enp1s0')).toBe(false);
    expect(globMatches('br.0', 'brx0')).toBe(false);
  });
});
