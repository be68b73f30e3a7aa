// The YAML netplanWritesFor writes, checked by the real program: `netplan generate --root-dir`
// renders it into systemd-networkd units under a scratch directory (never the host's /etc or
// /run), and the units must say what the topology has. Needs the netplan.io package; without the
// `netplan` binary the tests are skipped, saying so in their names.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { BootConfig, Topology } from '@/server/topology/model';
import { hostTopology } from '../fixtures';
import { writtenAtBoot } from './intent';
import { netplanWritesFor, SWITCHBOARD_NETPLAN_FILE, type NetplanOptions } from './netplan';

const info = spawnSync('netplan', ['info'], { encoding: 'utf8' });
const HAVE_NETPLAN = !info.error && info.status === 0;
/** What this netplan supports (`netplan info`); `virtual-ethernet` came with 0.107, as did dummy-devices. */
const FEATURES: string[] = HAVE_NETPLAN ? ((parse(info.stdout) as { 'netplan.io'?: { features?: string[] } })['netplan.io']?.features ?? []) : [];
const HAS_VIRTUAL_DEVICES = FEATURES.includes('virtual-ethernet');

/** The admin's file: eth0 as Ubuntu's installer writes it (with a DNS server Switchboard does not manage). */
const INSTALLER = '/etc/netplan/00-installer-config.yaml';
const INSTALLER_CONFIG = 'network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [198.18.0.11/24]\n      nameservers:\n        addresses: [198.18.0.53]\n';
/** A later file that adds to eth0: netplan would append its address to the installer's. */
const EXTRA = '/etc/netplan/60-extra.yaml';
const EXTRA_CONFIG = 'network:\n  ethernets:\n    eth0:\n      addresses: [198.18.0.99/24]\n      optional: true\n';

/** Runs `netplan generate` on `files` under a scratch root: its exit status, its messages, and the networkd units it wrote. */
function generate(files: readonly { path: string; content: string }[]) {
  const root = mkdtempSync(join(tmpdir(), 'switchboard-netplan-'));
  try {
    for (const f of files) {
      const path = join(root, f.path);
      mkdirSync(dirname(path), { recursive: true });
      // netplan wants its files readable by root only (it warns otherwise).
      writeFileSync(path, f.content, { mode: 0o600 });
    }
    const run = spawnSync('netplan', ['generate', '--root-dir', root], { encoding: 'utf8' });
    const unitDir = join(root, 'run/systemd/network');
    const units: Record<string, string> = {};
    try {
      for (const name of readdirSync(unitDir)) units[name] = readFileSync(join(unitDir, name), 'utf8');
    } catch {
      // No units: netplan failed, which the status says.
    }
    return { status: run.status, stderr: `${run.stderr}${run.error ? String(run.error) : ''}`, units };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const boot = (files: Record<string, string>): BootConfig => ({ backend: 'netplan', reason: 'x', files: Object.entries(files).map(([path, content]) => ({ path, content })) });

/** The files on the host after the writes: what was there, changed as written (a null `after` removes the file). */
function filesAfter(before: Record<string, string>, t: Topology, options: NetplanOptions) {
  const touched = t.interfaces.filter((i) => writtenAtBoot(t, i)).map((i) => i.name);
  const r = netplanWritesFor(t, touched, boot(before), options);
  if (!r.ok) throw new Error(r.why);
  const files = new Map(Object.entries(before));
  for (const w of r.writes) {
    if (w.after === null) files.delete(w.path);
    else files.set(w.path, w.after);
  }
  return [...files].map(([path, content]) => ({ path, content }));
}

/**
 * The fixture host as netplan can have it: brv without VLAN filtering (netplan has no setting for
 * it), eth2 down (a link written `activation-mode: manual`), and, for a netplan before 0.107, no
 * dummy and no veth pair.
 */
function host(withVirtualDevices: boolean): Topology {
  const t = hostTopology();
  t.interfaces = t.interfaces
    .filter((i) => withVirtualDevices || !['dummy0', 'veth-a', 'veth-b'].includes(i.name))
    .map((i) => (i.name === 'brv' ? { ...i, bridge: { ...i.bridge!, vlanFiltering: false } } : i.name === 'eth2' ? { ...i, adminUp: false } : i));
  return t;
}

const unit = (units: Record<string, string>, name: string) => {
  expect(Object.keys(units), `netplan wrote no ${name}`).toContain(name);
  return units[name]!;
};

describe.skipIf(!HAVE_NETPLAN)(HAVE_NETPLAN ? 'netplan generate accepts what netplanWritesFor writes' : 'netplan generate (SKIPPED: no `netplan` binary on this machine; install netplan.io)', () => {
  it('renders the fixture host, edited in the admin’s file and Switchboard’s own, into the networkd units the topology means', () => {
    const files = filesAfter({ [INSTALLER]: INSTALLER_CONFIG, [EXTRA]: EXTRA_CONFIG }, host(false), { features: FEATURES });
    expect(files.map((f) => f.path).sort()).toEqual([INSTALLER, EXTRA, SWITCHBOARD_NETPLAN_FILE].sort());
    const { status, stderr, units } = generate(files);
    expect(status, stderr).toBe(0);
    expect(stderr).not.toMatch(/error/i);

    // eth0, defined by the admin: its address, its default route added in place, the DNS server kept;
    // the later file's address is gone (netplan would have added it to eth0's).
    const eth0 = unit(units, '10-netplan-eth0.network');
    expect(eth0).toContain('Address=198.18.0.11/24');
    expect(eth0).toMatch(/\[Route\]\nDestination=0\.0\.0\.0\/0\nGateway=198\.18\.0\.1\nMetric=100/);
    expect(eth0).toContain('DNS=198.18.0.53');
    expect(eth0).not.toContain('198.18.0.99');

    // br0 with its address, STP, forward delay and static route; its port eth1, which carries the VLAN.
    expect(unit(units, '10-netplan-br0.netdev')).toMatch(/Kind=bridge[\s\S]*ForwardDelaySec=15\nSTP=true/);
    const br0 = unit(units, '10-netplan-br0.network');
    expect(br0).toContain('Address=198.18.1.11/24');
    expect(br0).toMatch(/Destination=203\.0\.113\.0\/24\nGateway=198\.18\.1\.1/);
    const eth1 = unit(units, '10-netplan-eth1.network');
    expect(eth1).toContain('Bridge=br0');
    expect(eth1).toContain('VLAN=eth1.100');
    expect(unit(units, '10-netplan-eth1.100.netdev')).toMatch(/Kind=vlan[\s\S]*\[VLAN\]\nId=100/);
    expect(unit(units, '10-netplan-eth1.100.network')).toContain('Address=198.18.100.11/24');

    // bond0: mode, link monitoring, its MAC; eth3 its member.
    const bond0 = unit(units, '10-netplan-bond0.netdev');
    expect(bond0).toContain('Kind=bond');
    expect(bond0).toContain('MACAddress=02:5b:00:01:00:03');
    expect(bond0).toMatch(/Mode=802\.3ad\nMIIMonitorSec=100ms/);
    expect(unit(units, '10-netplan-eth3.network')).toContain('Bond=bond0');

    // A link that is down stays down at boot without being held down.
    expect(unit(units, '10-netplan-eth2.network')).toContain('ActivationPolicy=manual');
    expect(unit(units, '10-netplan-brv.netdev')).toContain('STP=false');
  });

  it.skipIf(!HAS_VIRTUAL_DEVICES)(
    HAS_VIRTUAL_DEVICES
      ? 'renders the dummy and the veth pair (netplan 0.107 and later)'
      : `renders the dummy and the veth pair (SKIPPED: ${HAVE_NETPLAN ? 'this netplan is older than 0.107 and has neither' : 'no netplan'})`,
    () => {
      const { status, stderr, units } = generate(filesAfter({}, host(true), { features: FEATURES }));
      expect(status, stderr).toBe(0);
      expect(unit(units, '10-netplan-dummy0.netdev')).toContain('Kind=dummy');
      const dummy0 = unit(units, '10-netplan-dummy0.network');
      expect(dummy0).toContain('Address=10.255.0.1/32');
      expect(`${units['10-netplan-dummy0.netdev']}${dummy0}`).toContain('MTUBytes=9000');
      const veth = Object.values(units).find((u) => u.includes('Kind=veth'));
      expect(veth, 'no .netdev creates the veth pair').toMatch(/\[Peer\]\nName=veth-[ab]/);
      expect(unit(units, '10-netplan-veth-a.network')).toContain('Bridge=brv');
      expect(unit(units, '10-netplan-veth-b.network')).toContain('ActivationPolicy=manual');
    },
  );

  it.skipIf(HAS_VIRTUAL_DEVICES)(
    HAS_VIRTUAL_DEVICES ? 'refuses dummies on a netplan before 0.107 (SKIPPED: this netplan has them)' : 'refuses dummies on a netplan before 0.107, which rejects the whole configuration on them',
    () => {
      const t = host(true);
      // What Switchboard would write without knowing the version: this netplan rejects it all.
      const unknowing = netplanWritesFor(t, ['dummy0'], boot({}));
      if (!unknowing.ok) throw new Error(unknowing.why);
      const rejected = generate(unknowing.writes.map((w) => ({ path: w.path, content: w.after! })));
      expect(rejected.status).not.toBe(0);
      expect(rejected.stderr).toContain("unknown key 'dummy-devices'");
      // Told the host's features, it refuses instead, with why.
      expect(netplanWritesFor(t, ['dummy0'], boot({}), { features: FEATURES })).toMatchObject({ ok: false, why: expect.stringContaining('older than 0.107') });
    },
  );
});
