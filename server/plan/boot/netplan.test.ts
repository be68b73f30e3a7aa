import { describe, expect, it } from 'vitest';
import type { BootConfig, Topology } from '@/server/topology/model';
import { REDACTED } from '@/server/topology/parse/boot-config';
import { applyOperations } from '../project';
import { hostTopology, ifaceOf } from '../fixtures';
import { writtenAtBoot } from './intent';
import { netplanIntent, netplanWritesFor, SWITCHBOARD_NETPLAN_FILE } from './netplan';

const boot = (files: Record<string, string>): BootConfig => ({
  backend: 'netplan',
  reason: 'x',
  files: Object.entries(files).map(([path, content]) => ({ path, content })),
  installed: ['netplan'],
});
const after = (ops: Parameters<typeof applyOperations>[1], t: Topology = hostTopology()): Topology => applyOperations(t, ops);
const HEADER =
  '# Written by Switchboard: interfaces it configures that no other file here defines. netplan merges\n' +
  '# this file with the others in /etc/netplan (by file name); Switchboard changes an interface defined\n' +
  '# in another file there instead. Settings it does not manage may be added here, and are kept.\n\n';

/** What Ubuntu's installer writes: the uplink, with the admin's comments and 4-space indentation. */
const INSTALLER = '/etc/netplan/00-installer-config.yaml';
const INSTALLER_CONFIG = `# This is the network config written by 'subiquity'
network:
    version: 2
    ethernets:
        eth0:
            addresses:
                - 198.18.0.11/24    # the panel reaches the host here
            routes:
                - to: default
                  via: 198.18.0.1
                  metric: 100
            nameservers:
                addresses: [198.18.0.53]
`;

/** The writes for `touched`, which must succeed. */
function writes(t: Topology, touched: string[], files: Record<string, string>) {
  const r = netplanWritesFor(t, touched, boot(files));
  if (!r.ok) throw new Error(r.why);
  return r.writes;
}
/** The fixture without brv's VLAN filtering, which netplan has no setting for (refused: tested below). */
function netplanHost(): Topology {
  const t = hostTopology();
  t.interfaces = t.interfaces.map((i) => (i.name === 'brv' ? { ...i, bridge: { ...i.bridge!, vlanFiltering: false } } : i));
  return t;
}
const contentOf = (ws: { path: string; after: string | null }[], path: string) => ws.find((w) => w.path === path)?.after;

describe('netplanWritesFor', () => {
  it('puts a new bridge with its address into Switchboard’s own file, its port defined beside it', () => {
    const intended = after([
      { kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false },
      { kind: 'setMaster', dev: 'eth2', master: 'br5' },
      { kind: 'addAddress', dev: 'br5', address: '10.5.0.1/24' },
      { kind: 'setLinkState', dev: 'br5', up: true },
    ]);
    // The admin's file does not mention br5 or eth2: it is not rewritten.
    expect(writes(intended, ['br5', 'eth2'], { [INSTALLER]: INSTALLER_CONFIG })).toEqual([
      {
        path: SWITCHBOARD_NETPLAN_FILE,
        before: null,
        // netplan refuses a port no file defines, so eth2 gets an (empty) entry of its own. The new
        // bridge's forward delay is the kernel's until read: no forward-delay.
        after: `${HEADER}network:\n  version: 2\n  ethernets:\n    eth2: {}\n  bridges:\n    br5:\n      interfaces:\n        - eth2\n      parameters:\n        stp: false\n      addresses:\n        - 10.5.0.1/24\n`,
      },
    ]);
  });

  it('writes a bond with its members, mode, link monitoring and MAC', () => {
    const ws = writes(hostTopology(), ['bond0', 'eth3'], {});
    expect(contentOf(ws, SWITCHBOARD_NETPLAN_FILE)).toBe(
      `${HEADER}network:\n  version: 2\n  ethernets:\n    eth3: {}\n  bonds:\n    bond0:\n      interfaces:\n        - eth3\n      parameters:\n        mode: 802.3ad\n        mii-monitor-interval: 100\n      macaddress: 02:5b:00:01:00:03\n`,
    );
  });

  it('creates a VLAN on a NIC the admin defines, leaving the admin’s file alone', () => {
    const intended = after([
      { kind: 'createVlan', name: 'eth0.7', parent: 'eth0', vlanId: 7 },
      { kind: 'addAddress', dev: 'eth0.7', address: '10.7.0.1/24' },
      { kind: 'setLinkState', dev: 'eth0.7', up: true },
    ]);
    expect(writes(intended, ['eth0.7'], { [INSTALLER]: INSTALLER_CONFIG })).toEqual([
      { path: SWITCHBOARD_NETPLAN_FILE, before: null, after: `${HEADER}network:\n  version: 2\n  vlans:\n    eth0.7:\n      id: 7\n      link: eth0\n      addresses:\n        - 10.7.0.1/24\n` },
    ]);
  });

  it('refers to a NIC by the ID the admin gave it when a set-name renames it', () => {
    const cloudInit = `network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n        macaddress: 02:5b:00:01:00:02\n      set-name: eth2\n`;
    const intended = after([{ kind: 'createVlan', name: 'eth2.7', parent: 'eth2', vlanId: 7 }]);
    const ws = writes(intended, ['eth2.7'], { '/etc/netplan/50-cloud-init.yaml': cloudInit });
    // netplan resolves `link:` by ID: `link: eth2` would be "not defined".
    expect(contentOf(ws, SWITCHBOARD_NETPLAN_FILE)).toContain('    eth2.7:\n      id: 7\n      link: lan\n');
    expect(ws.map((w) => w.path)).toEqual([SWITCHBOARD_NETPLAN_FILE]);
  });

  it('keeps a DHCP interface on DHCP, never writing its lease as a static address', () => {
    const t = hostTopology();
    const leased = { family: 'inet' as const, address: '198.18.0.50', prefixLength: 24, scope: 'global', dynamic: true };
    t.interfaces = t.interfaces.map((i) => (i.name === 'eth0' ? { ...i, addresses: [leased] } : i));
    t.routes = t.routes.map((r) => (r.dst === 'default' ? { ...r, protocol: 'dhcp' } : r));
    const cloudInit = 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n';
    const ws = writes(after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }], t), ['eth0'], { '/etc/netplan/50-cloud-init.yaml': cloudInit });
    expect(ws).toEqual([{ path: '/etc/netplan/50-cloud-init.yaml', before: cloudInit, after: 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n      mtu: 9000\n' }]);
  });

  it('turns DHCP on for an interface that has a lease and whose file does not say dhcp4', () => {
    const t = hostTopology();
    t.interfaces = t.interfaces.map((i) => (i.name === 'eth2' ? { ...i, addresses: [{ family: 'inet', address: '10.9.0.5', prefixLength: 24, scope: 'global', dynamic: true }] } : i));
    expect(contentOf(writes(t, ['eth2'], {}), SWITCHBOARD_NETPLAN_FILE)).toContain('    eth2:\n      dhcp4: true\n');
  });

  it('edits an interface in the admin’s file, keeping its comments, indentation and settings Switchboard does not manage', () => {
    const intended = after([
      { kind: 'setMtu', dev: 'eth0', mtu: 9000 },
      { kind: 'addAddress', dev: 'eth0', address: '198.18.0.12/24' },
    ]);
    expect(writes(intended, ['eth0'], { [INSTALLER]: INSTALLER_CONFIG })).toEqual([
      {
        path: INSTALLER,
        before: INSTALLER_CONFIG,
        after: `# This is the network config written by 'subiquity'
network:
    version: 2
    ethernets:
        eth0:
            addresses:
                - 198.18.0.11/24 # the panel reaches the host here
                - 198.18.0.12/24
            routes:
                - to: default
                  via: 198.18.0.1
                  metric: 100
            nameservers:
                addresses: [198.18.0.53]
            mtu: 9000
`,
      },
    ]);
  });

  it('moves managed settings of an interface defined in two files into the first, since a later file can only add addresses', () => {
    const later = '/etc/netplan/60-extra.yaml';
    const laterConfig = 'network:\n  ethernets:\n    eth0:\n      addresses: [198.18.0.99/24]\n      mtu: 1400\n      optional: true\n';
    const intended = after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }]);
    const ws = writes(intended, ['eth0'], { [INSTALLER]: INSTALLER_CONFIG, [later]: laterConfig });
    // The first file (netplan's order) holds eth0's settings now; the later one keeps only what
    // Switchboard does not manage, so its address (not on eth0) and its MTU no longer add up or win.
    expect(contentOf(ws, INSTALLER)).toBe(`${INSTALLER_CONFIG}            mtu: 9000\n`.replace('11/24    #', '11/24 #'));
    expect(contentOf(ws, later)).toBe('network:\n  ethernets:\n    eth0:\n      optional: true\n');
  });

  it('takes a port out of the bridge that listed it when it moves to another', () => {
    const admin = '/etc/netplan/10-bridges.yaml';
    const config = 'network:\n  ethernets:\n    eth1: {}\n  bridges:\n    br0:\n      interfaces: [eth1]\n      addresses: [198.18.1.11/24]\n      routes:\n        - to: 203.0.113.0/24\n          via: 198.18.1.1\n      parameters:\n        stp: true\n        forward-delay: 15\n';
    const intended = after([
      { kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false },
      { kind: 'setMaster', dev: 'eth1', master: 'br5' },
    ]);
    const ws = writes(intended, ['eth1', 'br0', 'br5'], { [admin]: config });
    // netplan refuses a port two bridges list: br0's list (now empty) goes.
    expect(contentOf(ws, admin)).toBe(config.replace('      interfaces: [eth1]\n', ''));
    expect(contentOf(ws, SWITCHBOARD_NETPLAN_FILE)).toContain('    br5:\n      interfaces:\n        - eth1\n');
  });

  it('removes a deleted veth pair’s entries and the bridge’s reference to it', () => {
    const first = writes(netplanHost(), ['brv', 'veth-a', 'veth-b'], {})[0]!;
    expect(first.after).toContain('    brv:\n      interfaces:\n        - veth-a\n');
    const intended = after([{ kind: 'deleteInterface', name: 'veth-a' }], netplanHost());
    const ws = writes(intended, ['veth-a', 'brv'], { [SWITCHBOARD_NETPLAN_FILE]: first.after! });
    const own = contentOf(ws, SWITCHBOARD_NETPLAN_FILE)!;
    expect(own).not.toContain('veth-a');
    // The other end goes with it (the kernel deletes both), and would otherwise be re-created alone.
    expect(own).not.toContain('veth-b');
    expect(own).not.toContain('virtual-ethernets');
    expect(own).toContain('  bridges:\n    brv:\n      parameters:\n');
  });

  it('removes a deleted bridge from the admin’s file, and Switchboard’s own file once it defines nothing', () => {
    const admin = '/etc/netplan/10-bridges.yaml';
    const config = '# bridges for the VMs\nnetwork:\n  bridges:\n    br9:\n      interfaces: [eth2]\n  ethernets:\n    eth2: {}\n';
    const own = 'network:\n  version: 2\n  dummy-devices:\n    dummy9: {}\n';
    const ws = writes(hostTopology(), ['br9', 'dummy9'], { [admin]: config, [SWITCHBOARD_NETPLAN_FILE]: own });
    expect(ws).toEqual([
      { path: admin, before: config, after: '# bridges for the VMs\nnetwork:\n  ethernets:\n    eth2: {}\n' },
      { path: SWITCHBOARD_NETPLAN_FILE, before: own, after: null },
    ]);
  });

  it('writes nothing when the files already say it', () => {
    const t = netplanHost();
    const touched = t.interfaces.filter((i) => writtenAtBoot(t, i)).map((i) => i.name);
    const first = writes(t, touched, { [INSTALLER]: INSTALLER_CONFIG });
    const files = Object.fromEntries([[INSTALLER, INSTALLER_CONFIG], ...first.map((w) => [w.path, w.after!])]);
    expect(first.length).toBeGreaterThan(0);
    expect(writes(t, touched, files)).toEqual([]);
  });

  it('refuses a file that is not valid YAML, naming it', () => {
    const broken = 'network:\n  ethernets:\n    eth0: [\n';
    const r = netplanWritesFor(after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }]), ['eth0'], boot({ '/etc/netplan/01-netcfg.yaml': broken }));
    expect(r).toMatchObject({ ok: false, why: expect.stringMatching(/^\/etc\/netplan\/01-netcfg\.yaml is not valid YAML \(.+\), so netplan would reject it/) });
  });

  it('refuses an entry that is not a mapping, as netplan does', () => {
    const r = netplanWritesFor(hostTopology(), ['eth2'], boot({ '/etc/netplan/01-netcfg.yaml': 'network:\n  ethernets:\n    eth0:\n' }));
    expect(r).toMatchObject({ ok: false, why: expect.stringContaining('has an entry under `ethernets:` that is not a mapping') });
  });

  it('refuses to rewrite a file holding a secret it did not read, but writes beside one', () => {
    const wifi = `network:\n  wifis:\n    wlan0:\n      access-points:\n        home:\n          password: ${REDACTED}\n  ethernets:\n    eth2: {}\n`;
    const intended = after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]);
    expect(netplanWritesFor(intended, ['eth2'], boot({ '/etc/netplan/50-wifi.yaml': wifi }))).toEqual({
      ok: false,
      why: '/etc/netplan/50-wifi.yaml holds a secret Switchboard does not read, so it cannot write the file back exactly',
    });
    const created = after([{ kind: 'createDummy', name: 'dummy5' }]);
    expect(netplanWritesFor(created, ['dummy5'], boot({ '/etc/netplan/50-wifi.yaml': wifi }))).toMatchObject({ ok: true, writes: [{ path: SWITCHBOARD_NETPLAN_FILE }] });
  });

  it('refuses an interface a `match:` may select along with others', () => {
    const glob = 'network:\n  ethernets:\n    all-en:\n      match:\n        name: eth*\n      dhcp4: true\n';
    const r = netplanWritesFor(after([{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }]), ['eth2'], boot({ '/etc/netplan/01-netcfg.yaml': glob }));
    expect(r).toMatchObject({ ok: false, why: expect.stringContaining('may select eth2 along with other interfaces') });
  });

  it('refuses what netplan has no setting for: a VLAN-filtering bridge, and dummies or veths on a netplan before 0.107', () => {
    expect(netplanWritesFor(hostTopology(), ['brv'], boot({}))).toMatchObject({ ok: false, why: expect.stringContaining('cannot turn on VLAN filtering for bridge brv') });
    const old = { features: ['activation-mode', 'default-routes'] };
    expect(netplanWritesFor(hostTopology(), ['dummy0'], boot({}), old)).toMatchObject({ ok: false, why: expect.stringContaining('older than 0.107 and has no `dummy-devices:`') });
    expect(netplanWritesFor(hostTopology(), ['dummy0'], boot({}), { features: ['virtual-ethernet'] })).toMatchObject({ ok: true });
  });

  it('writes a link that is down as activation-mode manual, and takes it out when it comes up', () => {
    const down = writes(netplanHost(), ['veth-a', 'veth-b'], {});
    expect(contentOf(down, SWITCHBOARD_NETPLAN_FILE)).toContain('    veth-b:\n      peer: veth-a\n      activation-mode: manual\n');
    const up = writes(after([{ kind: 'setLinkState', dev: 'veth-b', up: true }], netplanHost()), ['veth-b'], { [SWITCHBOARD_NETPLAN_FILE]: contentOf(down, SWITCHBOARD_NETPLAN_FILE)! });
    expect(contentOf(up, SWITCHBOARD_NETPLAN_FILE)).toContain('    veth-b:\n      peer: veth-a\n');
    expect(contentOf(up, SWITCHBOARD_NETPLAN_FILE)).not.toContain('activation-mode');
  });

  it('refuses a host whose boot configuration is not netplan', () => {
    expect(netplanWritesFor(hostTopology(), ['eth2'], { ...boot({}), backend: 'ifupdown' })).toEqual({ ok: false, why: "the host's boot configuration is ifupdown, not netplan" });
  });

  it('round trip: netplanIntent of what it writes is the intended topology, for every interface of the fixture', () => {
    // netplan cannot write brv's VLAN filtering (refused above): the rest of the fixture as it is.
    const t = netplanHost();
    const written = t.interfaces.filter((i) => writtenAtBoot(t, i));
    const ws = writes(t, written.map((i) => i.name), {});
    const intent = netplanIntent(ws.map((w) => ({ path: w.path, content: w.after! })));
    const CREATED = ['bridge', 'bond', 'vlan', 'dummy', 'veth'];
    const expected = written.map((i) => ({
      name: i.name,
      path: SWITCHBOARD_NETPLAN_FILE,
      creates: CREATED.includes(i.kind) ? i.kind : null,
      up: i.adminUp,
      dhcp: false,
      addresses: i.addresses
        .filter((a) => !a.dynamic && a.scope !== 'link')
        .map((a) => `${a.address}/${a.prefixLength}`)
        .sort(),
      master: i.master,
      mtu: i.mtu === 1500 ? null : i.mtu,
    }));
    expect([...intent.values()].sort((a, b) => a.name.localeCompare(b.name))).toEqual(expected.sort((a, b) => a.name.localeCompare(b.name)));
    // The fixture has every kind, a port of each master, a link that is down and an MTU: the comparison covers them.
    expect(expected.filter((e) => e.master).map((e) => e.name).sort()).toEqual(['eth1', 'eth3', 'veth-a']);
    expect(ifaceOf(t, 'veth-b').adminUp).toBe(false);
  });
});

describe('netplanIntent', () => {
  it('reads the files in netplan’s order: by file name across directories, /run shadowing /etc, .yml ignored', () => {
    const intent = netplanIntent([
      { path: '/etc/netplan/90-late.yaml', content: 'network:\n  ethernets:\n    eth0:\n      mtu: 1400\n      addresses: ["2001:DB8:0:0::11/64"]\n' },
      { path: '/etc/netplan/10-early.yaml', content: 'network:\n  ethernets:\n    eth0:\n      mtu: 9000\n      dhcp4: yes\n      addresses: [198.18.0.11/24]\n' },
      // Shadows /etc/netplan/50-shadowed.yaml: eth9 from the /etc file is never read.
      { path: '/run/netplan/50-shadowed.yaml', content: 'network:\n  ethernets:\n    eth8: {}\n' },
      { path: '/etc/netplan/50-shadowed.yaml', content: 'network:\n  ethernets:\n    eth9: {}\n' },
      { path: '/etc/netplan/20-ignored.yml', content: 'network:\n  ethernets:\n    eth7: {}\n' },
    ]);
    expect([...intent.keys()].sort()).toEqual(['eth0', 'eth8']);
    // Addresses add up across files; a scalar is the last file's; the path is the first file's.
    expect(intent.get('eth0')).toMatchObject({ path: '/etc/netplan/10-early.yaml', dhcp: true, mtu: 1400, addresses: ['198.18.0.11/24', '2001:db8::11/64'] });
  });

  it('reads what each section creates, ports from a master’s list (by ID), and activation-mode as down', () => {
    const intent = netplanIntent([
      {
        path: '/etc/netplan/01-netcfg.yaml',
        content: `network:
  ethernets:
    lan:
      match: {macaddress: "02:00:00:00:00:01"}
      set-name: eth1
    anything:
      match: {driver: virtio_net}
  bonds:
    bond0: {interfaces: [lan], activation-mode: manual}
  vlans:
    vlan7: {id: 7, link: bond0, activation-mode: "off"}
  dummy-devices:
    dummy0: {addresses: ["10.0.0.1/32"]}
`,
      },
    ]);
    // An entry selected by driver alone names no interface.
    expect([...intent.keys()].sort()).toEqual(['bond0', 'dummy0', 'eth1', 'vlan7']);
    expect(intent.get('eth1')).toMatchObject({ creates: null, master: 'bond0', up: true });
    expect(intent.get('bond0')).toMatchObject({ creates: 'bond', up: false });
    expect(intent.get('vlan7')).toMatchObject({ creates: 'vlan', up: false });
    expect(intent.get('dummy0')).toMatchObject({ creates: 'dummy', addresses: ['10.0.0.1/32'] });
  });

  it('skips a file netplan could not parse, as its generator does at boot', () => {
    const intent = netplanIntent([
      { path: '/etc/netplan/01-broken.yaml', content: 'network: [\n' },
      { path: '/etc/netplan/02-good.yaml', content: 'network:\n  bridges:\n    br0: {}\n' },
    ]);
    expect([...intent.keys()]).toEqual(['br0']);
  });
});
