// Changes only a real kernel can take (bonds, 802.1Q VLANs, dummies, VLAN-filtering bridges),
// on a real-kernel lab host (kv1: a QEMU guest booting Debian's kernel): each applied, verified
// and reverted; a failure early, part-way and at the last step of a change that builds them
// rolls back the host; a change kept in the boot configuration (ifupdown, systemd-networkd)
// comes back after a reboot, with its tc tree and NAT rules (Switchboard's boot unit), and
// everything else reads back as it was before the reboot; libvirt's bandwidth limits on a VM's
// NIC and on a NAT network shape with tc.
//
// One database provider: what differs here is the kernel, and the providers are covered by the
// namespace-host tests (changes.int.test.ts) with the same service code.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostMac } from '@/lab/seed';
import { waitFor } from '@/lab/exec';
import { ensureVmLab, kernelHas, type VmLabHost } from '@/lab/testing';
import type { Operation } from '@/server/plan/ops';
import { networkSettingsOf } from '@/server/plan/libvirt';
import type { SshPool } from '@/server/ssh/pool';
import { changeHarness, configurationChanges, iface, panelWithLabHost } from '@/server/testing/changes';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';
import type { Topology } from '@/server/topology/model';

let kv1: VmLabHost;
let t: TestDatabase;
let pool: SshPool;
let hostId: string;
let actor: { id: string; username: string };
const harness = changeHarness(() => ({ db: t.db, pool, actor, hostId }));
const { read } = harness;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [kv1] = (await ensureVmLab({ vmHosts: 1 })) as [VmLabHost];
  await kv1.start(); // from its seeded snapshot: an earlier failed run leaves nothing behind
  t = await openTestDatabase('sqlite');
  await emptyAllTables(t.db);
  ({ pool, hostId, actor } = await panelWithLabHost(t.db, kv1, 'rhea'));
}, 1_800_000);

afterAll(async () => {
  pool?.closeAll();
  await t?.close();
});

/** Interfaces the cases create; a case that failed half-way leaves the next one a clean host. */
const CASE_INTERFACES = /^(dum1|eth2\.42|bond9|bond0\.200|brv1|brk|dumk|br[pq]|bond[pq]|bond[pq]\.77)$/;

beforeEach(async () => {
  await t.db.draftOperation.deleteMany();
  const links = JSON.parse((await kv1.exec(['ip', '-j', 'link', 'show'])).stdout) as { ifname: string; master?: string }[];
  const masterOf = (n: string) => links.find((l) => l.ifname === n)?.master;
  const seeded = masterOf('eth4') === 'bond0' && masterOf('eth5') === 'bond0' && masterOf('vaccess') === 'brvf' && !masterOf('veth-b');
  if (!seeded || links.some((l) => CASE_INTERFACES.test(l.ifname))) await kv1.start();
});

/**
 * What the reboot test keeps in the boot configuration: a bridge, a bond and a VLAN on it,
 * addresses and an MTU; `x` names them (brp, bondp, bondp.77 under ifupdown; brq, ... under networkd).
 */
const persistedChange = (x: 'p' | 'q', subnet: 77 | 79): Operation[] => [
  { kind: 'createBridge', name: `br${x}`, stp: false, vlanFiltering: false },
  { kind: 'addAddress', dev: `br${x}`, address: `198.18.${subnet}.1/24` },
  { kind: 'setMtu', dev: `br${x}`, mtu: 1400 },
  { kind: 'setLinkState', dev: `br${x}`, up: true },
  { kind: 'createBond', name: `bond${x}`, mode: 'active-backup', members: [] },
  { kind: 'setLinkState', dev: `bond${x}`, up: true },
  { kind: 'createVlan', name: `bond${x}.77`, parent: `bond${x}`, vlanId: 77 },
  { kind: 'addAddress', dev: `bond${x}.77`, address: `198.18.${subnet + 1}.1/24` },
  { kind: 'setLinkState', dev: `bond${x}.77`, up: true },
];

// Each case is one change (applied, verified, reverted): a probe of this software-emulated
// host takes about 6 s, so kinds are grouped rather than given a change each.
const cases: { name: string; ops: Operation[]; check: (after: Topology) => void; needs: Parameters<typeof kernelHas>[0][] }[] = [
  {
    name: 'create a dummy, a VLAN on a NIC and a VLAN on the seeded bond',
    ops: [
      { kind: 'createDummy', name: 'dum1' },
      { kind: 'createVlan', name: 'eth2.42', parent: 'eth2', vlanId: 42 },
      { kind: 'createVlan', name: 'bond0.200', parent: 'bond0', vlanId: 200 },
    ],
    check: (a) => {
      expect(iface(a, 'dum1')?.kind).toBe('dummy');
      expect(iface(a, 'eth2.42')).toMatchObject({ kind: 'vlan', parent: 'eth2', vlan: { id: 42, protocol: '802.1Q' } });
      expect(iface(a, 'bond0.200')).toMatchObject({ kind: 'vlan', parent: 'bond0', vlan: { id: 200 } });
    },
    needs: [{ linkKind: 'dummy' }, { linkKind: 'vlan' }],
  },
  {
    name: 'create a bond of a veth (the member takes the bond\'s MAC)',
    ops: [{ kind: 'createBond', name: 'bond9', mode: 'active-backup', members: ['veth-b'] }],
    check: (a) => {
      expect(iface(a, 'bond9')).toMatchObject({ kind: 'bond', bond: { mode: 'active-backup' } });
      expect(iface(a, 'veth-b')).toMatchObject({ master: 'bond9', mac: iface(a, 'bond9')?.mac });
    },
    needs: [{ linkKind: 'bond' }],
  },
  {
    name: 'take a member out of the seeded bond (it gets its own MAC back)',
    ops: [{ kind: 'unsetMaster', dev: 'eth5' }],
    check: (a) => {
      expect(iface(a, 'eth5')).toMatchObject({ master: null, mac: hostMac(kv1.names.slot, 5), permanentMac: null });
      expect(iface(a, 'eth4')?.master).toBe('bond0');
    },
    needs: [{ linkKind: 'bond' }],
  },
  {
    name: 'port VLANs on a new VLAN-filtering bridge and on the seeded one',
    ops: [
      { kind: 'createBridge', name: 'brv1', stp: false, vlanFiltering: true },
      { kind: 'setMaster', dev: 'veth-b', master: 'brv1' },
      { kind: 'setBridgeVlans', dev: 'veth-b', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }] },
      { kind: 'setBridgeVlans', dev: 'vaccess', vlans: [{ vid: 20, pvid: true, untagged: true }] },
    ],
    check: (a) => {
      expect(iface(a, 'veth-b')?.bridgePort?.vlans.map((v) => v.vid).sort()).toEqual([10, 20]);
      expect(iface(a, 'vaccess')?.bridgePort?.vlans).toEqual([{ vid: 20, pvid: true, untagged: true }]);
    },
    needs: [{ bridgeVlanFiltering: true }],
  },
];

describe.sequential('changing a real-kernel lab host', () => {
  it('reads the seeded bond, VLANs, VLAN-filtering bridge and dummy into the topology', async () => {
    const topo = await read();
    expect(iface(topo, 'bond0')).toMatchObject({ kind: 'bond', bond: { mode: 'active-backup', miimon: 100 } });
    expect([iface(topo, 'eth4')?.master, iface(topo, 'eth5')?.master]).toEqual(['bond0', 'bond0']);
    expect(iface(topo, 'bond0.100')).toMatchObject({ kind: 'vlan', parent: 'bond0', vlan: { id: 100, protocol: '802.1Q' } });
    expect(iface(topo, 'eth3.30')).toMatchObject({ kind: 'vlan', parent: 'eth3', vlan: { id: 30 } });
    expect(iface(topo, 'brvf')?.bridge?.vlanFiltering).toBe(true);
    expect(iface(topo, 'vaccess')?.bridgePort?.vlans).toEqual([{ vid: 10, pvid: true, untagged: true }]);
    expect(iface(topo, 'vtrunk')?.bridgePort?.vlans.filter((v) => !v.pvid).map((v) => v.vid)).toEqual([10, 20]);
    expect(iface(topo, 'dummy0')?.kind).toBe('dummy');
  });

  for (const c of cases) {
    it(`applies, verifies and reverts: ${c.name}`, async (ctx) => {
      for (const need of c.needs) if (!(await kernelHas(need, c.name, kv1))) return ctx.skip();
      await harness.appliesVerifiesReverts(c.name, c.ops, c.check);
    });
  }

  describe('failure injection: step k of a change building a bond, VLANs and a VLAN-aware bridge fails', () => {
    const build: Operation[] = [
      { kind: 'createBond', name: 'bond9', mode: 'active-backup', members: ['veth-b'] },
      { kind: 'createVlan', name: 'bond0.200', parent: 'bond0', vlanId: 200 },
      { kind: 'createDummy', name: 'dumk' },
      { kind: 'createBridge', name: 'brk', stp: false, vlanFiltering: true },
      { kind: 'setMaster', dev: 'dumk', master: 'brk' },
      { kind: 'setBridgeVlans', dev: 'dumk', vlans: [{ vid: 7, pvid: true, untagged: true }] },
      { kind: 'unsetMaster', dev: 'eth5' },
    ];
    // One step per operation. Step 7 failing undoes steps 1-6 newest first, every inverse in the
    // chain; steps 2 and 5 fail part-way (one undo; a bridge with a port). Every k took 40 s each
    // under emulation; the namespace hosts run every k of their own change (changes.int.test.ts).
    for (const k of [2, 5, 7]) {
      it(`rolls back steps 1-${k - 1} when step ${k} fails, leaving the host as it was`, async () => {
        await harness.rollsBackWhenStepFails(build, k);
      });
    }
  });

  // The namespace hosts' kernel lacks the qdisc and action libvirt shapes a tap with (HTB with an
  // SFQ leaf towards the VM, an ingress police action from it); this kernel has them.
  it('limits a running VM’s NIC live (libvirt shapes its tap with tc) and kept; Revert takes the limits off', async (ctx) => {
    const what = 'live NIC limits on the real-kernel host';
    if (!(await kernelHas({ qdisc: 'sfq' }, what, kv1)) || !(await kernelHas({ qdisc: 'htb' }, what, kv1))) return ctx.skip();
    const virsh = async (...args: string[]) => (await kv1.exec(['virsh', ...args])).stdout;
    // Paused: QEMU holds the tap, the guest never runs (no emulation inside the emulated host).
    await virsh('start', 'build1', '--paused');
    try {
      const nic = (await read()).vms.find((v) => v.name === 'build1')!.nics[0]!;
      expect(nic.target, 'the running build1 has a tap').toBeTruthy();
      const mac = nic.mac!;
      const bandwidth = { inbound: { average: 1250, peak: 2500, burst: 256 }, outbound: { average: 625, burst: 128 } };
      await harness.appliesVerifiesReverts('limit a running VM’s NIC', [{ kind: 'setNicBandwidth', vm: 'build1', mac, bandwidth }], async (after) => {
        expect(after.vms.find((v) => v.name === 'build1')!.nics[0]!.bandwidth).toMatchObject(bandwidth);
        expect(await virsh('domiftune', 'build1', mac)).toMatch(/inbound\.average\s*:\s*1250\b[\s\S]*inbound\.peak\s*:\s*2500\b[\s\S]*outbound\.average\s*:\s*625\b/);
        expect(await virsh('domiftune', 'build1', mac, '--config')).toMatch(/inbound\.average\s*:\s*1250\b[\s\S]*outbound\.average\s*:\s*625\b/);
        // The kernel really shapes: towards the VM an HTB class at the average and the peak
        // (libvirt's 1250 and 2500 kB/s are 10 and 20 Mbit/s) with the burst (256 KiB) and an SFQ
        // leaf; from the VM an ingress police action.
        const tcOf = async (...args: string[]) => (await kv1.exec(['tc', ...args, 'dev', nic.target!])).stdout;
        expect(await tcOf('class', 'show')).toMatch(/class htb \S+ root leaf \S+ prio 0 rate 10Mbit ceil 20Mbit burst 256Kb/);
        expect(await tcOf('qdisc', 'show')).toMatch(/sfq/);
        expect(await tcOf('filter', 'show', 'parent', 'ffff:')).toMatch(/police/);
      });
      expect(await virsh('domiftune', 'build1', mac)).toMatch(/inbound\.average\s*:\s*0\b/);
      expect((await kv1.exec(['tc', 'class', 'show', 'dev', nic.target!])).stdout).not.toMatch(/htb/);
    } finally {
      await kv1.exec(['virsh', 'destroy', 'build1'], { allowFailure: true });
    }
  }, 600_000);

  // libvirt shapes a network's own bridge with an HTB class and an SFQ leaf, which the namespace hosts' kernel lacks.
  it("limits a NAT network's bridge with libvirt's <bandwidth> (redefined and restarted); Revert takes the limit off", async (ctx) => {
    if (!(await kernelHas({ qdisc: 'sfq' }, 'network bandwidth on the real-kernel host', kv1)) || !(await kernelHas({ qdisc: 'htb' }, 'network bandwidth on the real-kernel host', kv1))) return ctx.skip();
    const nat = (await read()).networks.find((n) => n.name === 'default')!;
    const classes = async () => (await kv1.exec(['tc', 'class', 'show', 'dev', nat.bridge!])).stdout;
    expect(await classes()).not.toMatch(/htb/);
    const bandwidth = { inbound: { average: 1250, peak: 2500, burst: 256 } };
    await harness.appliesVerifiesReverts('limit the default network', [{ kind: 'editNetwork', name: 'default', mode: 'nat', ...networkSettingsOf(nat), bandwidth }], async (after) => {
      expect(after.networks.find((n) => n.name === 'default')?.bandwidth).toMatchObject({ inbound: { average: 1250, peak: 2500, burst: 256 } });
      // libvirt's 1250 and 2500 kB/s are 10 and 20 Mbit/s, towards the VMs on the bridge.
      expect(await classes()).toMatch(/class htb \S+ parent \S+ leaf \S+ prio 0 rate 10Mbit ceil 20Mbit burst 256Kb/);
    });
    expect(await classes()).not.toMatch(/htb/);
  }, 600_000);

  // One reboot (2-3 minutes under emulation) proves four things: ifupdown's stanzas and
  // systemd-networkd's units that Switchboard wrote bring back what each change made (both run
  // at boot: networkd leaves alone the links no .network file matches); Switchboard's unit puts
  // back its tc tree and NAT rules, which no network manager writes; and everything the changes
  // did not touch (the seeded bond, VLANs, OVS, libvirt and its rules) reads back exactly as before.
  it('keeps changes across one real reboot: what ifupdown and systemd-networkd were given, the tc tree and NAT rules through its unit', async (ctx) => {
    const live = await read();
    const boot = live.host.bootConfig;
    if (boot?.backend !== 'ifupdown' || !['bridge-utils', 'ifenslave', 'vlan'].every((p) => boot.installed?.includes(p))) {
      console.warn(`SKIPPED boot persistence: kv1 is configured by ${boot?.backend ?? 'nothing read'} with ${boot?.installed?.join(', ') || 'no hook packages'}`);
      return ctx.skip();
    }
    expect(boot.installed, 'kv1 boots with systemd').toContain('systemd');
    try {
      // Under ifupdown: the bridge, bond and VLAN, a tbf on the bridge, a masquerade and a port
      // forward into libvirt's NAT network (which needs the accept above libvirt's FORWARD rules).
      const nat = live.networks.find((n) => n.name === 'default' && n.mode === 'nat')!;
      const vmAddress = nat.ips[0]!.address.replace(/\.1$/, '.77');
      const ifupdownChange: Operation[] = [
        ...persistedChange('p', 77),
        { kind: 'setQdisc', dev: 'brp', qdisc: { kind: 'tbf', rateKbit: 10_000, burstBytes: 32_768, latencyMs: 50 } },
        { kind: 'addMasquerade', source: '198.18.77.0/24', outInterface: 'eth0' },
        { kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: vmAddress, toPort: 80 },
      ];
      const applied = await harness.change(ifupdownChange, { reason: 'boot persistence under ifupdown' });
      expect(applied.status, await harness.explain(applied.changeId)).toBe('applied');
      const fileOf = (t: Topology, path: string) => t.host.bootConfig?.files.find((f) => f.path === path)?.content;
      const underIfupdown = await read();
      expect(fileOf(underIfupdown, '/etc/network/interfaces.d/switchboard') ?? fileOf(underIfupdown, '/etc/network/interfaces')).toMatch(/iface brp inet static[\s\S]*address 198\.18\.77\.1\/24[\s\S]*mtu 1400/);
      expect(fileOf(underIfupdown, '/etc/switchboard/tc.batch')).toContain('\n# dev brp\nqdisc add dev brp root handle 1: tbf rate 10Mbit');
      expect(fileOf(underIfupdown, '/etc/switchboard/forward.rules')).toContain(`-I FORWARD -d ${vmAddress}/32 -o ${nat.bridge}`);
      expect(fileOf(underIfupdown, '/etc/systemd/system/switchboard-restore.service')).toBeTruthy();

      // As on a host set up with networkd: systemd-networkd enabled, the next change is written as its units.
      await kv1.exec(['systemctl', 'enable', 'systemd-networkd.service']);
      if ((await read()).host.bootConfig?.backend !== 'networkd') throw new Error('kv1 does not read as configured by systemd-networkd once it is enabled');
      const appliedNetworkd = await harness.change(persistedChange('q', 79), { reason: 'boot persistence under systemd-networkd' });
      expect(appliedNetworkd.status, await harness.explain(appliedNetworkd.changeId)).toBe('applied');
      const written = await read();
      const units = written.host.bootConfig?.files.filter((f) => f.path.startsWith('/etc/systemd/network/')) ?? [];
      expect(units.map((f) => f.path)).toEqual(expect.arrayContaining(['/etc/systemd/network/10-switchboard-brq.netdev', '/etc/systemd/network/10-switchboard-brq.network']));
      expect(units.find((f) => f.path.endsWith('brq.network'))?.content).toMatch(/Address=198\.18\.79\.1\/24/);

      const bootId = (await kv1.exec(['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim();
      await kv1.reboot();
      expect((await kv1.exec(['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim(), 'a real reboot').not.toBe(bootId);
      // The unit runs once libvirt is up, as the lab's own seed does: wait for it to be done.
      await waitFor('switchboard-restore.service to finish', async () => /^(active|failed)$/m.test((await kv1.exec(['systemctl', 'is-active', 'switchboard-restore.service'], { allowFailure: true })).stdout), 120_000);
      const after = await read();
      // What the unit did this boot, to read when an expectation below fails.
      const unitLog = (await kv1.exec(['sh', '-c', 'systemctl status --no-pager switchboard-restore.service; journalctl -b --no-pager -u switchboard-restore.service'], { allowFailure: true })).stdout;
      // The same configuration as before the reboot (and so the same configuration hash).
      expect(configurationChanges(written, after), unitLog).toEqual([]);
      for (const [x, subnet] of [['p', 77], ['q', 79]] as const) {
        expect(iface(after, `bond${x}.77`)).toMatchObject({ kind: 'vlan', parent: `bond${x}`, addresses: [expect.objectContaining({ address: `198.18.${subnet + 1}.1` })] });
        expect(iface(after, `br${x}`)).toMatchObject({ mtu: 1400, addresses: [expect.objectContaining({ address: `198.18.${subnet}.1` })] });
      }
      // Put back by switchboard-restore.service: the tbf, Switchboard's table, and the accept above libvirt's rules.
      expect((await kv1.exec(['systemctl', 'is-active', 'switchboard-restore.service'], { allowFailure: true })).stdout.trim()).toBe('active');
      expect((await kv1.exec(['tc', 'qdisc', 'show', 'dev', 'brp'])).stdout).toMatch(/qdisc tbf 1: root .*rate 10Mbit/);
      expect((await kv1.exec(['nft', 'list', 'table', 'inet', 'switchboard'])).stdout).toMatch(new RegExp(`tcp dport 8080 dnat ip to ${vmAddress.replace(/\./g, '\\.')}:80`));
      const forward = (await kv1.exec(['iptables', '-w', '-S', 'FORWARD'])).stdout.split('\n').filter((l) => l.startsWith('-A FORWARD'));
      expect(forward[0], forward.join('\n')).toMatch(/--comment "?switchboard:/);
      expect(forward.some((l) => /LIBVIRT_FWI/.test(l)), forward.join('\n')).toBe(true);
    } finally {
      // Back to the seeded disk (ifupdown, no units) for the tests after this one.
      await kv1.start();
    }
  }, 1_200_000);
});
