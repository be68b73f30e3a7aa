import { describe, expect, it } from 'vitest';
import type { BootConfig, Topology } from '@/server/topology/model';
import { REDACTED } from '@/server/topology/parse/boot-config';
import { applyOperations } from '../project';
import { hostTopology } from '../fixtures';
import { bootWritesFor, INTERFACES_FILE, SWITCHBOARD_INTERFACES_FILE } from './persist';

const DEBIAN_MAIN = `source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    address 198.18.0.11/24
`;
const HOOKS = ['bridge-utils', 'ifenslave', 'ifupdown', 'vlan'];
const boot = (files: Record<string, string>, backend: BootConfig['backend'] = 'ifupdown', installed = HOOKS): BootConfig => ({
  backend,
  reason: 'x',
  files: Object.entries(files).map(([path, content]) => ({ path, content })),
  installed,
});

const after = (ops: Parameters<typeof applyOperations>[1]): Topology => applyOperations(hostTopology(), ops);

describe('bootWritesFor', () => {
  it('puts a new interface into Switchboard’s own file when the main file sources the directory', () => {
    const intended = after([
      { kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false },
      { kind: 'addAddress', dev: 'br5', address: '10.5.0.1/24' },
      { kind: 'setLinkState', dev: 'br5', up: true },
    ]);
    const r = bootWritesFor(intended, ['br5'], boot({ [INTERFACES_FILE]: DEBIAN_MAIN }));
    expect(r).toEqual({
      ok: true,
      // The new bridge's forward delay is the kernel's until read: no bridge-fd line.
      writes: [{ path: SWITCHBOARD_INTERFACES_FILE, before: null, after: 'auto br5\niface br5 inet static\n    address 10.5.0.1/24\n    bridge-ports none\n    bridge-stp off\n' }],
    });
  });

  it('edits a stanza where the admin keeps it, and leaves the rest of the file alone', () => {
    const intended = after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }]);
    const r = bootWritesFor(intended, ['eth0'], boot({ [INTERFACES_FILE]: DEBIAN_MAIN }));
    if (!r.ok) throw new Error(r.why);
    // The stanza says all the host has: the MTU, and the default route it already had.
    const stanza = ['    address 198.18.0.11/24', '    mtu 9000', '    post-up ip route add default via 198.18.0.1 dev eth0 metric 100', '    pre-down ip route del default via 198.18.0.1 dev eth0 metric 100', ''].join('\n');
    expect(r.writes).toEqual([{ path: INTERFACES_FILE, before: DEBIAN_MAIN, after: DEBIAN_MAIN.replace('    address 198.18.0.11/24\n', stanza) }]);
  });

  it('removes a deleted interface from the file that had it; without a source line, new ones go to the main file', () => {
    const withBr5 = `${DEBIAN_MAIN}\nauto br5\niface br5 inet manual\n    bridge-ports none\n`;
    const intended = after([{ kind: 'createBridge', name: 'br6', stp: false, vlanFiltering: false }]);
    const noSource = withBr5.replace('source /etc/network/interfaces.d/*\n\n', '');
    const r = bootWritesFor(intended, ['br5', 'br6'], boot({ [INTERFACES_FILE]: noSource }));
    if (!r.ok) throw new Error(r.why);
    expect(r.writes).toHaveLength(1);
    expect(r.writes[0]!.after).not.toContain('br5');
    expect(r.writes[0]!.after).toContain('iface br6 inet manual');
  });

  it('refuses what it cannot write exactly: another backend, a file with a secret it did not read, a main file not read', () => {
    const intended = after([{ kind: 'setMtu', dev: 'eth0', mtu: 9000 }]);
    expect(bootWritesFor(intended, ['eth0'], boot({}, 'networkmanager'))).toEqual({ ok: false, why: 'Switchboard does not write the configuration of NetworkManager yet' });
    expect(bootWritesFor(intended, ['eth0'], boot({}))).toEqual({ ok: false, why: '/etc/network/interfaces was not read' });
    const secret = DEBIAN_MAIN.replace('    address 198.18.0.11/24\n', `    address 198.18.0.11/24\n    wpa-psk ${REDACTED}\n`);
    expect(bootWritesFor(intended, ['eth0'], boot({ [INTERFACES_FILE]: secret }))).toMatchObject({ ok: false, why: expect.stringMatching(/holds a secret/) });
  });

  it('refuses a bridge classic ifupdown could not create at boot without bridge-utils (ifupdown2 needs none)', () => {
    const intended = after([{ kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false }]);
    expect(bootWritesFor(intended, ['br5'], boot({ [INTERFACES_FILE]: DEBIAN_MAIN }, 'ifupdown', ['ifupdown']))).toEqual({
      ok: false,
      why: 'ifupdown needs the bridge-utils package to create bridge br5 at boot, and it is not installed on the host',
    });
    expect(bootWritesFor(intended, ['br5'], boot({ [INTERFACES_FILE]: DEBIAN_MAIN }, 'ifupdown2', []))).toMatchObject({ ok: true });
  });

  it('removes Switchboard’s own file once it configures nothing', () => {
    const intended = hostTopology();
    const r = bootWritesFor(intended, ['br5'], boot({ [INTERFACES_FILE]: DEBIAN_MAIN, [SWITCHBOARD_INTERFACES_FILE]: 'auto br5\niface br5 inet manual\n' }));
    expect(r).toEqual({ ok: true, writes: [{ path: SWITCHBOARD_INTERFACES_FILE, before: 'auto br5\niface br5 inet manual\n', after: null }] });
  });

  it('writes nothing when the files already say it', () => {
    const intended = hostTopology();
    const r = bootWritesFor(intended, ['br5-not-there'], boot({ [INTERFACES_FILE]: DEBIAN_MAIN }));
    expect(r).toEqual({ ok: true, writes: [] });
  });
});
