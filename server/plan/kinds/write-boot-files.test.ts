// The boot files a change writes on an ifupdown host: planned as the last step of the change
// (planner.ts), each file written from a document with the previous content as its inverse, and
// never drafted by people (their hooks run as root at boot).
import { describe, expect, it } from 'vitest';
import { ZAddOperations } from '@/server/changes/changes.types';
import type { BootConfig, Topology } from '@/server/topology/model';
import { INTERFACES_FILE, SWITCHBOARD_INTERFACES_FILE } from '../boot/persist';
import { hostTopology } from '../fixtures';
import { persistenceOf } from '../persistence';
import { planChange } from '../planner';
import { renderOperation } from '../render';
import { validateOperation } from '../validate';
import { invertSequence } from '../invert';
import { ZOperation } from '../registry';

const MAIN = 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n';
const withBoot = (backend: BootConfig['backend'] = 'ifupdown', files = [{ path: INTERFACES_FILE, content: MAIN }]): Topology => {
  const t = hostTopology();
  return { ...t, host: { ...t.host, bootConfig: { backend, reason: 'x', files, installed: ['bridge-utils', 'ifenslave', 'vlan'] } } };
};

describe('the planner writes the boot files for kernel steps, last', () => {
  it('adds a step that creates Switchboard’s file for a new bridge, undone by removing it; nothing is runtime only', () => {
    const r = planChange(withBoot(), [{ kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false }, { kind: 'setLinkState', dev: 'br5', up: true }], '198.18.0.11');
    if (!r.ok) throw new Error(JSON.stringify(r.checks));
    const last = r.plan.steps.at(-1)!;
    expect(last.description).toBe(`write the boot configuration (${SWITCHBOARD_INTERFACES_FILE})`);
    expect(last.commands).toEqual([
      {
        argv: ['sb-write-file', SWITCHBOARD_INTERFACES_FILE, '@doc1'],
        inverse: [['sb-remove-file', SWITCHBOARD_INTERFACES_FILE]],
        documents: [{ shape: 'interfaces', text: 'auto br5\niface br5 inet manual\n    bridge-ports none\n    bridge-stp off\n' }],
      },
    ]);
    // The intended topology holds the file as the re-read will (what verification compares).
    expect(r.plan.intended.host.bootConfig?.files.map((f) => f.path)).toEqual([INTERFACES_FILE, SWITCHBOARD_INTERFACES_FILE]);
    expect(r.plan.bootNotWritten).toBeUndefined();
    expect(persistenceOf(r.plan.steps, 'hv1', withBoot().host.bootConfig, r.plan.bootNotWritten)).toEqual({ runtimeOnlySteps: [], sentence: null });
  });

  it('edits the admin’s stanza in place, with the old file as the inverse document', () => {
    const main = `${MAIN}\nauto eth2\niface eth2 inet manual\n`;
    const r = planChange(withBoot('ifupdown2', [{ path: INTERFACES_FILE, content: main }]), [{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }], '198.18.0.11');
    if (!r.ok) throw new Error('refused');
    const [write] = r.plan.steps.at(-1)!.commands;
    expect(write!.argv).toEqual(['sb-write-file', INTERFACES_FILE, '@doc1']);
    expect(write!.inverse).toEqual([['sb-write-file', INTERFACES_FILE, '@doc2']]);
    expect(write!.documents!.map((d) => d.text)).toEqual([`${MAIN}\nauto eth2\niface eth2 inet manual\n    mtu 9000\n`, main]);
  });

  it('writes nothing for a libvirt-only change, and says why a kernel change stays runtime only elsewhere', () => {
    const lib = planChange(withBoot(), [{ kind: 'setNetworkAutostart', name: 'default', autostart: false }], '198.18.0.11');
    if (!lib.ok) throw new Error('refused');
    expect(lib.plan.steps.map((s) => s.operation.kind)).toEqual(['setNetworkAutostart']);
    const nm = planChange(withBoot('networkmanager', []), [{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }], '198.18.0.11');
    if (!nm.ok) throw new Error('refused');
    expect(nm.plan.steps).toHaveLength(1);
    expect(nm.plan.bootNotWritten).toBe('Switchboard does not write the configuration of NetworkManager yet');
    const optedOut = planChange(withBoot(), [{ kind: 'setMtu', dev: 'eth2', mtu: 9000 }], '198.18.0.11', { writeBootConfig: false });
    if (!optedOut.ok) throw new Error('refused');
    expect(optedOut.plan.steps).toHaveLength(1);
    expect(persistenceOf(optedOut.plan.steps, 'hv1', withBoot().host.bootConfig, optedOut.plan.bootNotWritten).sentence).toBe(
      "Runtime only: hv1's boot configuration (ifupdown (/etc/network/interfaces)) is not written: the host's settings leave its boot configuration alone, so this change will be undone by the next reboot.",
    );
  });
});

describe('writeBootFiles, checked', () => {
  it('is refused at the API: people cannot draft a boot file', () => {
    const r = ZAddOperations.safeParse({ hostId: 'h1', operations: [{ kind: 'writeBootFiles', files: [{ path: INTERFACES_FILE, content: 'auto lo\n' }] }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('The boot configuration is written by Switchboard with each change; it cannot be drafted.');
  });

  it('refuses a file that gains a hook Switchboard does not write, and keeps the admin’s own', () => {
    const admins = `${MAIN}\niface eth2 inet manual\n    up /usr/local/bin/tune-eth2\n`;
    const t = withBoot('ifupdown', [{ path: INTERFACES_FILE, content: admins }]);
    expect(validateOperation(t, { kind: 'writeBootFiles', files: [{ path: INTERFACES_FILE, content: `${admins}    post-up touch /tmp/x\n` }] })).toEqual([
      '/etc/network/interfaces would gain the hook "post-up touch /tmp/x", which Switchboard does not write.',
    ]);
    expect(validateOperation(t, { kind: 'writeBootFiles', files: [{ path: INTERFACES_FILE, content: `${admins}    post-up ip route add 10.9.0.0/16 via 198.18.2.1 dev eth2\n` }] })).toEqual([]);
  });

  it('is refused for a file of another backend than the host’s, and for a path Switchboard never writes', () => {
    expect(validateOperation(withBoot('networkd', []), { kind: 'writeBootFiles', files: [{ path: INTERFACES_FILE, content: MAIN }] })).toEqual([
      'hv-test is configured at boot by networkd, so Switchboard does not write /etc/network/interfaces there.',
    ]);
    expect(validateOperation(withBoot(), { kind: 'writeBootFiles', files: [{ path: '/etc/systemd/network/10-switchboard-br5.network', content: '[Match]\nName=br5\n' }] })).toEqual([
      'hv-test is configured at boot by ifupdown, so Switchboard does not write /etc/systemd/network/10-switchboard-br5.network there.',
    ]);
    expect(ZOperation.safeParse({ kind: 'writeBootFiles', files: [{ path: '/etc/systemd/system/evil.service', content: '' }] }).success).toBe(false);
  });

  it('removes a file it empties, written back by the inverse', () => {
    const t = withBoot('ifupdown', [{ path: INTERFACES_FILE, content: MAIN }, { path: SWITCHBOARD_INTERFACES_FILE, content: 'auto br5\n' }]);
    expect(renderOperation({ kind: 'writeBootFiles', files: [{ path: SWITCHBOARD_INTERFACES_FILE, content: null }] }, t)).toEqual([
      { argv: ['sb-remove-file', SWITCHBOARD_INTERFACES_FILE], inverse: [['sb-write-file', SWITCHBOARD_INTERFACES_FILE, '@doc1']], documents: [{ shape: 'interfaces', text: 'auto br5\n' }] },
    ]);
  });

  it('Revert writes the files back exactly as they were, and the planner then writes nothing more', () => {
    const live = withBoot();
    const r = planChange(live, [{ kind: 'createBridge', name: 'br5', stp: false, vlanFiltering: false }], '198.18.0.11');
    if (!r.ok) throw new Error('refused');
    const inverse = invertSequence(r.plan.steps.map((s) => s.operation), live);
    expect(inverse).toContainEqual({ kind: 'writeBootFiles', files: [{ path: SWITCHBOARD_INTERFACES_FILE, content: null }] });
    const revert = planChange(r.plan.intended, inverse, '198.18.0.11');
    if (!revert.ok) throw new Error(JSON.stringify(revert.checks));
    expect(revert.plan.steps.filter((s) => s.operation.kind === 'writeBootFiles')).toHaveLength(1);
    expect(revert.plan.intended.host.bootConfig?.files).toEqual(live.host.bootConfig?.files);
  });

  it('rewrites a port’s bridge stanza with the port (its bridge-ports line)', () => {
    const main = `${MAIN}\nauto br0\niface br0 inet static\n    address 198.18.1.11/24\n    bridge-ports eth1\n    bridge-stp on\n    bridge-fd 15\n`;
    const r = planChange(withBoot('ifupdown', [{ path: INTERFACES_FILE, content: main }]), [{ kind: 'setMaster', dev: 'eth2', master: 'br0' }], '198.18.0.11');
    if (!r.ok) throw new Error('refused');
    const text = r.plan.steps.at(-1)!.commands[0]!.documents![0]!.text;
    expect(text).toContain('    bridge-ports eth1 eth2\n');
  });
});
