// Real-kernel lab hosts (QEMU guests booting Debian's kernel): the seed only a real kernel can
// build, the test helpers (agent exec with the link cut, host keys, snapshot start, reboot),
// status and a clean `down`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../exec';
import { status as labStatus } from '../lab';
import { hostMac } from '../seed';
import { ensureVmLab, kernelHas, labDown, type VmLabHost } from '../testing';

interface IpLink {
  ifname: string;
  address?: string;
  master?: string;
  link?: string;
  mtu: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown>; info_slave_kind?: string };
}

let kv1: VmLabHost;

async function sshOk(command: string): Promise<string> {
  const r = await kv1.ssh(command);
  expect(r.code, `${command}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  [kv1] = (await ensureVmLab({ vmHosts: 1 })) as [VmLabHost];
}, 1_800_000);

describe.sequential('a real-kernel lab host', () => {
  it('is seeded with a bond, 802.1Q VLANs, a VLAN-filtering bridge, a dummy and netem, read over SSH', async () => {
    expect((await sshOk('hostname')).trim()).toBe('kv1');
    const links = JSON.parse(await sshOk('ip -j -d link show')) as IpLink[];
    const by = new Map(links.map((l) => [l.ifname, l]));
    const kind = (n: string) => by.get(n)?.linkinfo?.info_kind;
    const slot = kv1.names.slot;

    // What namespace hosts have too.
    expect(by.get('eth0')?.address).toBe(hostMac(slot, 0));
    expect(by.get('eth1')?.master).toBe('br0');
    expect(kind('vxlan100')).toBe('vxlan');
    expect(kind('mvlan0')).toBe('macvlan');
    expect(by.get('veth-a')?.link).toBe('veth-b');
    // What only a real kernel can build.
    expect(kind('bond0')).toBe('bond');
    expect(by.get('bond0')?.linkinfo?.info_data).toMatchObject({ mode: 'active-backup', miimon: 100 });
    expect([by.get('eth4')?.master, by.get('eth5')?.master]).toEqual(['bond0', 'bond0']);
    expect(by.get('eth4')?.linkinfo?.info_slave_kind).toBe('bond');
    expect(kind('bond0.100')).toBe('vlan');
    expect(by.get('bond0.100')).toMatchObject({ link: 'bond0', linkinfo: { info_data: { protocol: '802.1Q', id: 100 } } });
    expect(by.get('eth3.30')).toMatchObject({ link: 'eth3', linkinfo: { info_kind: 'vlan', info_data: { id: 30 } } });
    expect(by.get('brvf')?.linkinfo?.info_data?.vlan_filtering).toBe(1);
    expect(kind('dummy0')).toBe('dummy');

    const vlans = JSON.parse(await sshOk('bridge -j vlan show')) as { ifname: string; vlans: { vlan: number; flags?: string[] }[] }[];
    const portVlans = (n: string) => vlans.find((v) => v.ifname === n)?.vlans ?? [];
    expect(portVlans('vtrunk').map((v) => v.vlan)).toEqual(expect.arrayContaining([10, 20]));
    expect(portVlans('vaccess')).toEqual([{ vlan: 10, flags: ['PVID', 'Egress Untagged'] }]);

    const qdiscs = JSON.parse(await sshOk('tc -j qdisc show dev dummy0')) as { kind: string; options?: Record<string, unknown> }[];
    expect(qdiscs[0]?.kind).toBe('netem');
    expect(JSON.parse(await sshOk('tc -j qdisc show dev eth2'))[0].kind).toBe('htb');
  });

  it('runs Open vSwitch with a tagged internal port and a tagged port, and libvirt with networks and a VM', async () => {
    const ports = (await sshOk('ovs-vsctl --format=csv --no-headings --columns=name,tag list port')).trim().split('\n').sort();
    expect(ports).toEqual(expect.arrayContaining(['ovsint0,10', 'ovsv0,20']));
    expect((await sshOk('ip -br address show dev ovsint0'))).toContain(`198.18.60.${kv1.names.slot + 10}/24`);
    const nets = (await sshOk('virsh -q net-list --all')).trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '));
    expect(nets.sort()).toEqual(['bridged active', 'default active', 'isolated active', 'routed active']);
    expect((await sshOk('virsh -q list --all')).trim()).toMatch(/^-\s+build1\s+shut off$/);
  });

  it('status reports it as a vm with its own kernel and what that kernel can create', async () => {
    const st = await labStatus();
    const kv = st.hosts.find((h) => h.name === 'kv1');
    expect(kv).toMatchObject({ kind: 'vm', address: kv1.address, sshPort: 22, sshd: true, hostKeyFingerprint: await kv1.hostKeyFingerprint() });
    if (kv?.kind !== 'vm') throw new Error('kv1 is not reported as a vm');
    expect(kv.kernel).toMatch(/^6\.1\.0-\d+-amd64$/);
    expect(kv.kernel).not.toBe(st.capabilities.kernel);
    for (const k of ['bond', 'vlan', 'dummy', 'ipvlan', 'macvlan', 'vxlan']) expect(kv.capabilities?.linkKinds[k], k).toEqual({ ok: true });
    for (const q of ['netem', 'fq_codel', 'sfq', 'htb', 'tbf']) expect(kv.capabilities?.qdiscs[q], q).toEqual({ ok: true });
    expect(kv.capabilities?.bridgeVlanFiltering).toEqual({ ok: true });
  });

  it('creates a VLAN sub-interface inside the host, which this machine\'s kernel cannot', async (ctx) => {
    if (!(await kernelHas({ linkKind: 'vlan' }, 'VLAN sub-interface on a real-kernel host', kv1))) return ctx.skip();
    await kv1.exec(['ip', 'link', 'add', 'link', 'eth1', 'name', 'eth1.10', 'type', 'vlan', 'id', '10']);
    try {
      const [link] = JSON.parse(await sshOk('ip -j -d link show eth1.10')) as IpLink[];
      expect(link?.linkinfo?.info_data).toMatchObject({ protocol: '802.1Q', id: 10 });
    } finally {
      await kv1.exec(['ip', 'link', 'del', 'eth1.10']);
    }
  });

  it('runs commands through its own channel while its management link is cut', async () => {
    await kv1.cutLink();
    try {
      await expect(kv1.ssh('true', { timeoutMs: 3000 })).rejects.toThrow();
      expect((await kv1.exec(['hostname'])).stdout.trim()).toBe('kv1');
      // stdin travels as data: a value with shell syntax arrives as it was sent.
      expect((await kv1.exec(['cat'], { input: '$(touch /tmp/marker); `id`' })).stdout).toBe('$(touch /tmp/marker); `id`');
      expect((await kv1.exec(['test', '-e', '/tmp/marker'], { allowFailure: true })).code).toBe(1);
    } finally {
      await kv1.restoreLink();
    }
    expect((await sshOk('echo ok')).trim()).toBe('ok');
    await expect(kv1.exec(['false'])).rejects.toThrow(/exit 1/);
  });

  it('presents a pinned host key, and an impostor key is refused until the real one is back', async () => {
    const pinned = await kv1.hostKeyFingerprint();
    const impostor = await kv1.replaceHostKey();
    expect(impostor).not.toBe(pinned);
    await expect(kv1.ssh('true', { expectedFingerprint: pinned })).rejects.toThrow(`expected ${pinned}, got ${impostor}`);
    expect(await kv1.restoreHostKey()).toBe(pinned);
    expect((await kv1.ssh('true', { expectedFingerprint: pinned })).code).toBe(0);
  });

  it('start restores the seeded host from its snapshot: runtime changes are gone', async () => {
    await kv1.exec(['ip', 'link', 'add', 'scratch0', 'type', 'dummy']);
    await kv1.stop();
    await expect(kv1.ssh('true', { timeoutMs: 3000 })).rejects.toThrow();
    const t = Date.now();
    await kv1.start();
    console.log(`kv1 restored from its snapshot in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    expect((await kv1.exec(['ip', 'link', 'show', 'scratch0'], { allowFailure: true })).code).not.toBe(0);
    expect((await sshOk('ip -br link show bond0'))).toMatch(/^bond0\s+UP/);
    // The clock was set on restore: within a minute of this machine's.
    const guestNow = Number((await kv1.exec(['date', '+%s'])).stdout.trim());
    expect(Math.abs(guestNow - Date.now() / 1000)).toBeLessThan(60);
  });
  // A real reboot: server/changes/real-kernel.int.test.ts (the topology the panel reads before
  // and after), through the same rebootGuest as `npm run lab -- reboot`.
});

describe.sequential('down', () => {
  afterAll(async () => {
    await ensureVmLab({ vmHosts: 1 }); // later files find kv1 up, as they would without this one
  });

  it('removes the guest, its taps and its processes', async () => {
    const pid = (await labStatus()).hosts.find((h) => h.name === 'kv1');
    expect(pid?.kind === 'vm' && pid.pid).toBeTruthy();
    await labDown();
    const links = (await run(['ip', '-br', 'link', 'show'])).stdout;
    expect(links).not.toMatch(/sbl-kv1/);
    const ps = (await run(['ps', '-eo', 'stat=,args='])).stdout.split('\n').filter((l) => !/^Z/.test(l) && l.includes('qemu-system-x86_64 -name kv'));
    expect(ps).toEqual([]);
  });
});
