import { describe, expect, it } from 'vitest';
import type { BootConfig, Topology } from '@/server/topology/model';
import { hostTopology, makeInterface } from '../fixtures';
import { applyOperations } from '../project';
import { bootDrift, operationsTowardBoot } from './drift';
import { ifupdownIntent } from './ifupdown-intent';
import { describedAtBoot } from './intent';
import { bootWritesFor, INTERFACES_FILE, SWITCHBOARD_INTERFACES_FILE } from './persist';

const MAIN = 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n';
const HOOKS = ['bridge-utils', 'ifenslave', 'ifupdown', 'vlan'];

const withBoot = (t: Topology, files: Record<string, string>, backend: BootConfig['backend'] = 'ifupdown'): Topology => ({
  ...t,
  host: { ...t.host, bootConfig: { backend, reason: 'x', files: Object.entries(files).map(([path, content]) => ({ path, content })), installed: HOOKS } },
});

/** The host with its boot files as Switchboard writes them for its whole live state. */
function written(t: Topology, backend: 'ifupdown' | 'ifupdown2' | 'networkd'): Topology {
  const start = withBoot(t, backend === 'networkd' ? {} : { [INTERFACES_FILE]: MAIN }, backend);
  const names = t.interfaces.filter((i) => describedAtBoot(t, i)).map((i) => i.name);
  const r = bootWritesFor(start, names, start.host.bootConfig!);
  if (!r.ok) throw new Error(r.why);
  const files = Object.fromEntries(start.host.bootConfig!.files.map((f) => [f.path, f.content]));
  for (const w of r.writes) if (w.after !== null) files[w.path] = w.after;
  return withBoot(t, files, backend);
}

describe('bootDrift: what a reboot would change', () => {
  it.each(['ifupdown', 'ifupdown2', 'networkd'] as const)('none once Switchboard has written the live state (%s): the files read back as what is live', (backend) => {
    expect(bootDrift(written(hostTopology(), backend))).toEqual([]);
  });

  it('a bridge made at runtime, an address added and a port moved: each in a sentence naming the interface', () => {
    const t = written(hostTopology(), 'ifupdown');
    const changed = applyOperations(t, [
      { kind: 'createBridge', name: 'br7', stp: false, vlanFiltering: false },
      { kind: 'addAddress', dev: 'br0', address: '198.18.1.99/24' },
      { kind: 'setMtu', dev: 'dummy0', mtu: 1400 },
    ]);
    expect(bootDrift(changed)).toEqual([
      { name: 'dummy0', sentences: ['MTU of dummy0: 1400 now, 9000 after a reboot.'] },
      { name: 'br0', sentences: ['198.18.1.99/24 on br0 is not in the boot configuration.'] },
      { name: 'br7', sentences: ['br7 is not in the boot configuration: the next reboot will not create it.'] },
    ].sort((a, b) => changed.interfaces.findIndex((i) => i.name === a.name) - changed.interfaces.findIndex((i) => i.name === b.name)));
  });

  it('a file edited by hand: an address changed, an interface taken out of auto, one added that does not exist', () => {
    const t = written(hostTopology(), 'ifupdown');
    const own = t.host.bootConfig!.files.find((f) => f.path === SWITCHBOARD_INTERFACES_FILE)!;
    const edited = own.content.replace('address 198.18.1.11/24', 'address 198.18.1.12/24').replace('auto eth1.100\n', '') + '\nauto eth9\niface eth9 inet dhcp\n';
    const drift = bootDrift(withBoot(t, { [INTERFACES_FILE]: MAIN, [SWITCHBOARD_INTERFACES_FILE]: edited }))!;
    expect(drift.find((d) => d.name === 'br0')?.sentences).toEqual([
      '198.18.1.11/24 on br0 is not in the boot configuration.',
      'The boot configuration gives br0 198.18.1.12/24, which it does not have now.',
    ]);
    expect(drift.find((d) => d.name === 'eth1.100')?.sentences).toEqual(['eth1.100 is up now; after a reboot it stays down.']);
    expect(drift.at(-1)).toEqual({ name: 'eth9', sentences: [`eth9 is in the boot configuration (${SWITCHBOARD_INTERFACES_FILE}) but does not exist now: a reboot would configure it.`] });
  });

  it('an interface the files do not name: what the reboot drops, in one sentence', () => {
    const drift = bootDrift(withBoot(hostTopology(), { [INTERFACES_FILE]: 'auto eth0\niface eth0 inet static\n    address 198.18.0.11/24\n' }))!;
    expect(drift.find((d) => d.name === 'eth1')?.sentences).toEqual(['eth1 is not in the boot configuration: the next reboot will drop its place in br0.']);
    expect(drift.find((d) => d.name === 'eth0')).toBeUndefined();
  });

  it('a kind Switchboard does not write (a VXLAN): named as runtime only, left out of the files, drafted back as deleted', () => {
    const t = written(hostTopology(), 'ifupdown');
    t.interfaces.push(makeInterface(40, 'vx0', 'vxlan', { adminUp: true, mtu: 1450, vxlan: { vni: 42, local: null, group: null, remote: '198.18.0.12', port: 4789 } }));
    expect(bootDrift(t)).toEqual([{ name: 'vx0', sentences: ['vx0 is not in the boot configuration: the next reboot will not create it (Switchboard does not write vxlan devices there).'] }]);
    expect(bootWritesFor(t, ['vx0'], t.host.bootConfig!)).toEqual({ ok: true, writes: [] });
    expect(operationsTowardBoot(t, ['vx0']).operations).toEqual([{ kind: 'deleteInterface', name: 'vx0' }]);
  });

  it('systemd-networkd: a unit edited by hand shows as drift, and the draft back settles it', () => {
    const t = written(hostTopology(), 'networkd');
    const unit = t.host.bootConfig!.files.find((f) => f.path === '/etc/systemd/network/10-switchboard-br0.network')!;
    expect(unit.content).toContain('Address=198.18.1.11/24');
    const files = Object.fromEntries(t.host.bootConfig!.files.map((f) => [f.path, f.path === unit.path ? f.content.replace('Address=198.18.1.11/24', 'Address=198.18.1.12/24') : f.content]));
    const edited = withBoot(t, files, 'networkd');
    expect(bootDrift(edited)).toEqual([
      { name: 'br0', sentences: ['198.18.1.11/24 on br0 is not in the boot configuration.', 'The boot configuration gives br0 198.18.1.12/24, which it does not have now.'] },
    ]);
    expect(bootDrift(applyOperations(edited, operationsTowardBoot(edited, ['br0']).operations))).toEqual([]);
  });

  it('nothing to compare where Switchboard does not read the boot configuration', () => {
    expect(bootDrift(hostTopology())).toBeNull();
    expect(bootDrift(withBoot(hostTopology(), {}, 'networkmanager'))).toBeNull();
  });
});

describe('ifupdownIntent: the files as ifupdown reads them', () => {
  it('reads the forms admins write: netmask, underscores, ports named only in the master, bond-master, allow-hotplug', () => {
    const intent = ifupdownIntent([
      {
        path: INTERFACES_FILE,
        content: `auto lo
iface lo inet loopback

allow-hotplug eth0
iface eth0 inet static
    address 192.0.2.10
    netmask 255.255.255.0
    mtu 9000

auto br0
iface br0 inet dhcp
    bridge_ports eth1 eth2

iface eth3 inet manual
    bond-master bond0

auto bond0
iface bond0 inet manual
    bond-mode active-backup
`,
      },
      // Not sourced by this main file: not read.
      { path: '/etc/network/interfaces.d/extra', content: 'auto eth7\niface eth7 inet dhcp\n' },
    ]);
    expect([...intent.keys()].sort()).toEqual(['bond0', 'br0', 'eth0', 'eth1', 'eth2', 'eth3']);
    expect(intent.get('eth0')).toMatchObject({ addresses: ['192.0.2.10/24'], mtu: 9000, up: true, creates: null });
    expect(intent.get('br0')).toMatchObject({ dhcp: true, creates: 'bridge', up: true });
    expect(intent.get('eth2')).toMatchObject({ master: 'br0', up: true });
    expect(intent.get('eth3')).toMatchObject({ master: 'bond0', up: true });
    expect(intent.get('bond0')).toMatchObject({ creates: 'bond' });
  });
});

describe('operationsTowardBoot: a draft that brings the live network back to the boot configuration', () => {
  it('after hand edits and runtime changes, the drafted operations leave no drift', () => {
    const t = written(hostTopology(), 'ifupdown');
    const own = t.host.bootConfig!.files.find((f) => f.path === SWITCHBOARD_INTERFACES_FILE)!;
    // By hand: br0 gets another address and eth1.100 an MTU; at runtime: a new bridge, dummy0 down.
    const edited = own.content.replace('address 198.18.1.11/24', 'address 198.18.1.12/24').replace('vlan-raw-device eth1', 'mtu 1400\n    vlan-raw-device eth1');
    const live = applyOperations(withBoot(t, { [INTERFACES_FILE]: MAIN, [SWITCHBOARD_INTERFACES_FILE]: edited }), [
      { kind: 'createBridge', name: 'br7', stp: false, vlanFiltering: false },
      { kind: 'setLinkState', dev: 'dummy0', up: false },
    ]);
    const drifted = bootDrift(live)!.map((d) => d.name);
    expect(drifted.sort()).toEqual(['br0', 'br7', 'dummy0', 'eth1.100']);
    const { operations, notDrafted } = operationsTowardBoot(live, drifted);
    expect(notDrafted).toEqual([]);
    expect(operations).toEqual(
      expect.arrayContaining([
        { kind: 'deleteInterface', name: 'br7' },
        { kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' },
        { kind: 'addAddress', dev: 'br0', address: '198.18.1.12/24' },
        { kind: 'setMtu', dev: 'eth1.100', mtu: 1400 },
        { kind: 'setLinkState', dev: 'dummy0', up: true },
      ]),
    );
    expect(bootDrift(applyOperations(live, operations))).toEqual([]);
  });

  it('says what a draft cannot do: DHCP, and devices whose settings are not read back', () => {
    const t = written(hostTopology(), 'ifupdown');
    const own = t.host.bootConfig!.files.find((f) => f.path === SWITCHBOARD_INTERFACES_FILE)!;
    const edited = `${own.content}\nauto bond9\niface bond9 inet manual\n    bond-slaves none\n    bond-mode active-backup\n\nauto br9\niface br9 inet static\n    address 10.9.0.1/24\n    bridge-ports none\n`;
    const live = withBoot(t, { [INTERFACES_FILE]: MAIN, [SWITCHBOARD_INTERFACES_FILE]: edited.replace('iface eth0 inet static', 'iface eth0 inet dhcp') });
    const r = operationsTowardBoot(live, ['bond9', 'br9', 'eth0']);
    expect(r.notDrafted).toEqual([
      "bond9 is not created by a draft: the boot configuration's bond settings are not read back.",
      'eth0: whether it takes an address from DHCP is not changed by a draft.',
    ]);
    expect(r.operations).toEqual([
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'addAddress', dev: 'br9', address: '10.9.0.1/24' },
      { kind: 'setLinkState', dev: 'br9', up: true },
      { kind: 'removeAddress', dev: 'eth0', address: '198.18.0.11/24' },
    ]);
  });
});
