// The lab against the real kernel, OpenSSH and libvirt: seeded topology over SSH, idempotent
// `up`, clean `down` (also of a half-broken lab), fleet-size light hosts, the test helpers.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PREFIX, RUN_DIR } from './config';
import { run } from './exec';
import { hostMac } from './seed';
import { ensureLab, kernelHas, labDown, labHost, labUp, type LabHost } from './testing';
import { status as labStatus } from './lab';

interface IpLink {
  ifname: string;
  ifindex: number;
  address?: string;
  master?: string;
  link?: string;
  mtu: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> };
}

async function sshJson<T>(host: LabHost, command: string): Promise<T> {
  const r = await host.ssh(command);
  expect(r.code, `${command} on ${host.name}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

async function sshText(host: LabHost, command: string): Promise<string> {
  const r = await host.ssh(command);
  expect(r.code, `${command} on ${host.name}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Everything of the lab's that could be left behind on this machine. */
async function leftovers() {
  const links = (JSON.parse((await run(['ip', '-j', 'link', 'show'])).stdout) as IpLink[])
    .map((l) => l.ifname)
    .filter((n) => n.startsWith(`${LAB_PREFIX}-`));
  const netns = (await run(['ip', 'netns', 'list'])).stdout
    .split('\n')
    .filter((l) => l.startsWith(`${LAB_PREFIX}-hv`));
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(RUN_DIR));
  // Any live process started from or inside the lab's directories (sshd -f, libvirt pid files,
  // qemu and dnsmasq configs under the hosts' private dirs, which the lab owns).
  const ps = (await run(['ps', '-eo', 'pid=,stat=,args='])).stdout.split('\n');
  const processes = ps.filter(
    (l) =>
      !/^\s*\d+\s+Z/.test(l) &&
      (l.includes(RUN_DIR) || /qemu-system-x86_64 -name guest=(web1|db1|app1)/.test(l) || /\b(libvirtd|virtlogd) -d -p\b/.test(l)),
  );
  return { links, netns, mounts, processes };
}

const clean = { links: [], netns: [], mounts: [], processes: [] };

/** The machine's own interfaces and routes (everything not the lab's), to show they are untouched. */
async function machineNetwork() {
  const links = (JSON.parse((await run(['ip', '-j', 'link', 'show'])).stdout) as IpLink[])
    .filter((l) => !l.ifname.startsWith(`${LAB_PREFIX}-`))
    .map((l) => `${l.ifname} ${l.mtu} ${l.address ?? ''} ${l.master ?? ''}`);
  const routes = (await run(['ip', 'route', 'show', 'table', 'all'])).stdout
    .split('\n')
    .filter((r) => r && !r.includes(`${LAB_PREFIX}-`));
  return { links, routes };
}

describe.sequential('lab of 2 full hosts', () => {
  let hosts: LabHost[];
  let machineBefore: Awaited<ReturnType<typeof machineNetwork>>;

  beforeAll(async () => {
    await labDown();
    machineBefore = await machineNetwork();
    hosts = await ensureLab({ hosts: 2 });
  });

  afterAll(async () => {
    await labDown();
  });

  it('shows the seeded interfaces over SSH with the lab key', async () => {
    for (const host of hosts) {
      expect((await sshText(host, 'hostname')).trim()).toBe(host.name);
      const links = await sshJson<IpLink[]>(host, 'ip -j -d link show');
      const by = new Map(links.map((l) => [l.ifname, l]));
      const kind = (n: string) => by.get(n)?.linkinfo?.info_kind;
      const n = host.names.number;

      for (const name of ['eth0', 'eth1', 'eth2', 'eth3']) expect(kind(name), name).toBe('veth');
      expect(by.get('eth0')?.address).toBe(hostMac(n, 0));
      expect(kind('br0')).toBe('bridge');
      expect(by.get('br0')?.linkinfo?.info_data?.stp_state).toBe(1);
      expect(by.get('eth1')?.master).toBe('br0');
      expect(kind('vxlan100')).toBe('vxlan');
      expect(by.get('vxlan100')?.linkinfo?.info_data).toMatchObject({ id: 100, link: 'eth2', port: 4789 });
      expect(kind('mvlan0')).toBe('macvlan');
      expect(by.get('mvlan0')?.link).toBe('eth3');
      expect(kind('veth-a')).toBe('veth');
      expect(by.get('veth-a')?.link).toBe('veth-b');
      expect(by.get('veth-b')?.link).toBe('veth-a');
      expect(kind('macvtap0')).toBe('macvtap');
      expect(by.get('macvtap0')?.link).toBe('eth2');
      const taps = links.filter((l) => kind(l.ifname) === 'tun').map((l) => l.ifname);
      expect(taps).toHaveLength(3); // web1: 1, db1: 2

      const addrs = await sshJson<{ ifname: string; addr_info: { local: string; prefixlen: number }[] }[]>(host, 'ip -j addr show');
      const addrOf = (dev: string) => addrs.find((a) => a.ifname === dev)?.addr_info.map((a) => `${a.local}/${a.prefixlen}`) ?? [];
      expect(addrOf('eth0')).toContain(`${host.address}/24`);
      expect(addrOf('br0')).toContain(`198.18.1.${n + 10}/24`);

      const ports = await sshJson<{ ifname: string; master: string }[]>(host, 'bridge -j link show');
      const portMasters = Object.fromEntries(ports.map((p) => [p.ifname, p.master]));
      expect(portMasters.eth1).toBe('br0');
      expect(Object.values(portMasters).filter((m) => m === 'br0')).toHaveLength(2); // eth1 + db1's NIC
    }
  });

  it('shows the seeded tc qdiscs, HTB classes and u32 filter', async () => {
    for (const host of hosts) {
      const qdiscs = await sshJson<{ kind: string; dev: string; handle: string; root?: boolean }[]>(host, 'tc -j qdisc show');
      const on = (dev: string) => qdiscs.filter((q) => q.dev === dev).map((q) => q.kind);
      expect(on('eth2')).toContain('htb');
      expect(on('eth1')).toContain('ingress');
      const web1Tap = (await sshText(host, 'virsh -q domiflist web1')).trim().split(/\s+/)[0]!;
      expect(on(web1Tap)).toContain('tbf');
      // iproute2 6.1 prints classes as text even with -j.
      const classes = (await sshText(host, 'tc class show dev eth2')).trim().split('\n');
      expect(classes.map((l) => l.split(/\s+/).slice(0, 3).join(' ')).sort()).toEqual(['class htb 1:10', 'class htb 1:20']);
      expect(await sshText(host, 'tc filter show dev eth2')).toMatch(/u32[\s\S]*flowid 1:10/);
    }
  });

  it('shows the seeded libvirt networks and VMs', async () => {
    for (const host of hosts) {
      const doms = (await sshText(host, 'virsh -q list --all')).trim().split('\n').map((l) => l.trim().split(/\s+/));
      const state = Object.fromEntries(doms.map(([, name, ...rest]) => [name, rest.join(' ')]));
      expect(state).toEqual({ web1: 'paused', db1: 'paused', app1: 'paused', build1: 'shut off' });
      const nets = (await sshText(host, 'virsh -q net-list --all')).trim().split('\n').map((l) => l.trim().split(/\s+/));
      expect(nets.map(([name, st]) => `${name}:${st}`).sort()).toEqual(['bridged:active', 'default:active', 'isolated:active', 'routed:active']);
      const modes = await sshText(host, 'for n in default isolated routed bridged; do virsh net-dumpxml $n | grep -o "<forward mode=.[a-z]*" || echo "$n:none"; done');
      expect(modes.trim().split('\n')).toEqual(["<forward mode='nat", 'isolated:none', "<forward mode='route", "<forward mode='bridge"]);
      expect(await sshText(host, 'virsh net-dumpxml default')).toMatch(/<host mac='52:54:00:[0-9a-f:]+' name='web1' ip='198.19.122.10'\/>/);
      expect(await sshText(host, 'virsh -q domiflist db1')).toMatch(/network\s+isolated[\s\S]*bridge\s+br0/);
      expect(await sshText(host, 'virsh -q domiflist app1')).toMatch(/macvtap\d+\s+direct\s+eth2/);
    }
  });

  it('gives each host its own SSH host key and its macvtap its own /dev/tapN', async () => {
    const [a, b] = hosts as [LabHost, LabHost];
    expect(await a.hostKeyFingerprint()).not.toBe(await b.hostKeyFingerprint());
    const ifindex = async (h: LabHost) =>
      (await sshJson<IpLink[]>(h, 'ip -j link show macvtap0'))[0]!.ifindex;
    expect(await ifindex(a)).not.toBe(await ifindex(b));
  });

  it('running up again duplicates nothing and keeps every process', async () => {
    const snapshot = async () =>
      Promise.all(
        hosts.map(async (h) => ({
          links: (await sshJson<IpLink[]>(h, 'ip -j link show')).map((l) => `${l.ifindex}:${l.ifname}`),
          doms: await sshText(h, 'virsh -q list --all --uuid'),
          nets: await sshText(h, 'virsh -q net-list --all --uuid'),
          qdiscs: await sshText(h, 'tc qdisc show'),
          sshd: await h.sshdPid(),
        })),
      );
    const before = await snapshot();
    const result = await labUp({ hosts: 2 });
    expect(result).toMatchObject({ created: [], kept: ['hv1', 'hv2'], removed: [] });
    expect(await snapshot()).toEqual(before);
    const rootLinks = (await run(['ip', '-o', 'link', 'show'])).stdout.split('\n').filter((l) => l.includes('sbl-'));
    expect(rootLinks).toHaveLength(4 + 2 * 4); // lab bridge + 3 switches, 4 veths per host
  });

  it('the helpers cut and restore a link, and replace and restore a host key', async () => {
    const host = hosts[0]!;
    const pinned = await host.hostKeyFingerprint();
    await host.cutLink();
    await expect(host.ssh('true', { timeoutMs: 2000 })).rejects.toThrow(/Timed out|EHOSTUNREACH|timeout/i);
    await host.restoreLink();
    expect((await host.ssh('echo ok')).stdout).toBe('ok\n');

    const impostor = await host.replaceHostKey();
    expect(impostor).not.toBe(pinned);
    await expect(host.ssh('true', { expectedFingerprint: pinned })).rejects.toThrow(`expected ${pinned}, got ${impostor}`);
    expect(await host.restoreHostKey()).toBe(pinned);
    expect((await host.ssh('echo ok', { expectedFingerprint: pinned })).code).toBe(0);

    // Direct execution inside the host, bypassing SSH, sees the host's own namespaces.
    expect((await host.exec(['hostname'])).stdout.trim()).toBe('hv1');
    expect((await host.exec(['ip', '-br', 'link', 'show', 'br0'])).stdout).toMatch(/^br0\s/);
  });

  it('reports the kernel features the lab relies on as present', async () => {
    for (const ref of [
      { linkKind: 'bridge' }, { linkKind: 'veth' }, { linkKind: 'vxlan' }, { linkKind: 'macvlan' },
      { linkKind: 'macvtap' }, { linkKind: 'tap' }, { qdisc: 'tbf' }, { qdisc: 'htb' }, { qdisc: 'ingress' }, { filter: 'u32' },
    ] as const) {
      expect(await kernelHas(ref, 'lab seed'), JSON.stringify(ref)).toBe(true);
    }
  });

  // 802.1Q and the other kinds this kernel lacks: the real-kernel host, lab/vm/vm.int.test.ts.

  it('status reports each host, its daemons, its counts and the kernel capabilities', async () => {
    const st = await labStatus();
    expect(st.bridge).toEqual({ name: 'sbl-br0', address: '198.18.0.1', present: true });
    expect(st.hosts.map((h) => ({ ...h, hostKeyFingerprint: typeof h.hostKeyFingerprint }))).toEqual(
      hosts.map((h) => ({ name: h.name, kind: 'namespace', mode: 'full', address: h.address, sshPort: 22, sshd: true, libvirtd: true, hostKeyFingerprint: 'string', interfaces: 17, vms: 4, networks: 4 })),
    );
    expect(st.capabilities.linkKinds.bridge).toEqual({ ok: true });
    await hosts[0]!.killSshd();
    expect((await labStatus()).hosts[0]).toMatchObject({ name: 'hv1', sshd: false, libvirtd: true });
    await hosts[0]!.start(); // boots it again from its seed
    expect((await labStatus()).hosts[0]).toMatchObject({ name: 'hv1', sshd: true, libvirtd: true, vms: 4 });
    expect((await hosts[0]!.ssh('hostname')).stdout).toBe('hv1\n');
  });

  it('up repairs a host whose processes were killed', async () => {
    const host = hosts[1]!;
    await host.stop();
    await expect(host.ssh('true', { timeoutMs: 2000 })).rejects.toThrow();
    const result = await labUp({ hosts: 2 });
    expect(result.created).toEqual(['hv2']);
    expect(result.kept).toEqual(['hv1']);
    expect((await sshText(host, 'virsh -q list --all')).match(/paused/g)).toHaveLength(3);
  });

  it('down on a half-built lab (a host\'s sshd killed) leaves nothing behind', async () => {
    await hosts[1]!.killSshd();
    const result = await labDown();
    expect(result.removedHosts).toEqual(['hv1', 'hv2']);
    expect(await leftovers()).toEqual(clean);
    // Nothing of the machine's own network changed.
    expect(await machineNetwork()).toEqual(machineBefore);
  });
});

describe.sequential('lab of 20 light hosts', () => {
  afterAll(async () => {
    await labDown();
  });

  it('reaches every host over SSH and removes them all', async () => {
    const hosts = await ensureLab({ hosts: 20, light: true });
    const names = await Promise.all(hosts.map(async (h) => (await sshText(h, 'hostname')).trim()));
    expect(names).toEqual(hosts.map((h) => h.name));
    // Light hosts have the seeded interfaces but no libvirt.
    const links = await sshJson<IpLink[]>(hosts[19]!, 'ip -j link show');
    expect(links.map((l) => l.ifname)).toEqual(expect.arrayContaining(['eth0', 'br0', 'vxlan100', 'mvlan0', 'veth-a']));
    expect((await hosts[19]!.ssh('virsh -q list --all')).code).not.toBe(0);
    await labDown();
    expect(await leftovers()).toEqual(clean);
  });
});

describe.sequential('lab leftovers', () => {
  it('up cleans leftovers of a lab whose processes were all killed, then down removes all', async () => {
    await labUp({ hosts: 1 });
    const h = labHost('hv1');
    await h.stop(); // every process gone; namespaces, mounts and veths remain, as after a crash
    expect((await leftovers()).netns).toHaveLength(1);
    const result = await labUp({ hosts: 1 });
    expect(result.created).toEqual(['hv1']);
    expect((await h.ssh('hostname')).stdout.trim()).toBe('hv1');
    await labDown();
    expect(await leftovers()).toEqual(clean);
  });
});
