// "Write the live state to the boot configuration": people name interfaces, Switchboard computes
// the files from the topology, writes them last with the previous content as the inverse, and the
// drift it answered is gone.
import { describe, expect, it } from 'vitest';
import { ZAddOperations } from '@/server/changes/changes.types';
import type { BootConfig, Topology } from '@/server/topology/model';
import { bootDrift } from '../boot/drift';
import { INTERFACES_FILE, SWITCHBOARD_INTERFACES_FILE } from '../boot/persist';
import { hostTopology } from '../fixtures';
import { invertSequence } from '../invert';
import { planChange } from '../planner';
import { applyOperations } from '../project';
import { validateOperation } from '../validate';

const MAIN = 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n';
const withBoot = (backend: BootConfig['backend'] = 'ifupdown', content = MAIN): Topology => {
  const t = hostTopology();
  return { ...t, host: { ...t.host, bootConfig: { backend, reason: 'NetworkManager is enabled', files: [{ path: INTERFACES_FILE, content }], installed: ['bridge-utils', 'ifenslave', 'vlan'] } } };
};

describe('persistInterfaces', () => {
  it('is drafted by people (names only), unlike writeBootFiles', () => {
    expect(ZAddOperations.safeParse({ hostId: 'h1', operations: [{ kind: 'persistInterfaces', interfaces: ['br0'] }] }).success).toBe(true);
    expect(ZAddOperations.safeParse({ hostId: 'h1', operations: [{ kind: 'persistInterfaces', interfaces: ['br0; reboot'] }] }).success).toBe(false);
  });

  it('writes the bridge and its port as they are live, in one last step undone by the file as it was; the drift it answered is gone', () => {
    const live = withBoot();
    expect(bootDrift(live)!.map((d) => d.name)).toContain('br0');
    const r = planChange(live, [{ kind: 'persistInterfaces', interfaces: ['br0', 'eth1'] }], '198.18.0.11');
    if (!r.ok) throw new Error(JSON.stringify(r.checks));
    expect(r.plan.steps).toHaveLength(1);
    const [step] = r.plan.steps;
    expect(step!.description).toBe('write the current state of br0, eth1 to the boot configuration');
    expect(step!.commands).toHaveLength(1);
    expect(step!.commands[0]!.argv).toEqual(['sb-write-file', SWITCHBOARD_INTERFACES_FILE, '@doc1']);
    expect(step!.commands[0]!.inverse).toEqual([['sb-remove-file', SWITCHBOARD_INTERFACES_FILE]]);
    expect(step!.commands[0]!.documents![0]!.text).toContain('iface br0 inet static\n    address 198.18.1.11/24\n    bridge-ports eth1\n');
    expect(bootDrift(r.plan.intended)!.map((d) => d.name)).not.toContain('br0');
    expect(bootDrift(r.plan.intended)!.map((d) => d.name)).not.toContain('eth1');
    // Revert: the files exactly as they were.
    const revert = invertSequence([{ kind: 'persistInterfaces', interfaces: ['br0', 'eth1'] }], live);
    expect(revert).toEqual([{ kind: 'writeBootFiles', files: [{ path: SWITCHBOARD_INTERFACES_FILE, content: null }] }]);
    expect(applyOperations(r.plan.intended, revert).host.bootConfig!.files).toEqual(live.host.bootConfig!.files);
  });

  it('refuses, in words, a backend Switchboard does not write and a state already written', () => {
    expect(validateOperation(withBoot('networkmanager'), { kind: 'persistInterfaces', interfaces: ['br0'] })).toEqual([
      "Switchboard does not write hv-test's boot configuration (NetworkManager is enabled).",
    ]);
    const written = planChange(withBoot(), [{ kind: 'persistInterfaces', interfaces: ['br0'] }], '198.18.0.11');
    if (!written.ok) throw new Error('refused');
    expect(validateOperation(written.plan.intended, { kind: 'persistInterfaces', interfaces: ['br0'] })).toEqual(['The boot configuration already holds the state of br0.']);
  });
});
