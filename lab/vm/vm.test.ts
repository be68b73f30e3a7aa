import { describe, expect, it } from 'vitest';
import { MAX_HOSTS, MAX_SWITCHED_HOSTS, MAX_VM_HOSTS, VM_NIC_SWITCHES, hostNames, vmHostNames, vmHostNumberFromName } from '../config';
import { hostMac, SEED_INTERFACES } from '../seed';
import { guestExecArguments } from './agent';
import { GUEST_FILES, IMAGE_RECIPE, imageKey, kernelCommandLine, machineId, qemuArgv, tapBatch, type GuestPaths } from './recipe';
import { configDiskFiles, vmBridgeVlanBatch, vmExtraInterfaceBatch, vmLateSeedScript, vmTcBatch } from './seed';

const keys = { hostPrivateKey: 'PRIVATE\n', hostPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3fK1mDqV0VZs2m3h1mC0GCa6E5YtB8c2x3mAbFZ2yA root@kv1\n', authorizedKeys: 'ssh-ed25519 AAAA k\n' };

describe('real-kernel host names', () => {
  it('maps kvN to a lab slot above every namespace host, an address, and taps on the switches', () => {
    const g = vmHostNames(2);
    expect(g).toMatchObject({ name: 'kv2', slot: MAX_SWITCHED_HOSTS + 2, address: `198.18.0.${MAX_SWITCHED_HOSTS + 12}` });
    expect(g.taps).toEqual(['sbl-kv2-0', 'sbl-kv2-1', 'sbl-kv2-2', 'sbl-kv2-3', 'sbl-kv2-4', 'sbl-kv2-5']);
    expect(hostNames(MAX_SWITCHED_HOSTS).address).not.toBe(vmHostNames(1).address);
    for (const tap of vmHostNames(MAX_VM_HOSTS).taps) expect(Buffer.byteLength(tap)).toBeLessThanOrEqual(15);
    // Every kv address is a host address inside the lab's /24.
    expect(Number(vmHostNames(MAX_VM_HOSTS).address.split('.')[3])).toBeLessThan(255);
  });

  it.each(['kv0', 'kv9', 'hv1', 'kv1; reboot', 'kv01', ''])('rejects %j as a real-kernel host name', (name) => {
    expect(() => vmHostNumberFromName(name)).toThrow(/real-kernel lab host/);
  });

  it('gives kv hosts MACs no namespace host uses (they share the data switches)', () => {
    const hv = new Set<string>();
    for (let n = 1; n <= MAX_HOSTS; n++) for (let s = 0; s < 32; s++) hv.add(hostMac(hostNames(n).slot, s));
    for (let n = 1; n <= MAX_VM_HOSTS; n++) for (let s = 0; s < 32; s++) expect(hv.has(hostMac(vmHostNames(n).slot, s))).toBe(false);
  });
});

describe('real-kernel host seed', () => {
  const g = vmHostNames(1);

  it('has everything a namespace host has, plus a bond, VLANs, a VLAN-filtering bridge, a dummy and OVS ports', () => {
    const ip = configDiskFiles(g, keys).find((f) => f.path === 'ip.batch')!.content;
    for (const n of SEED_INTERFACES.filter((n) => n !== 'lo')) expect(ip).toMatch(new RegExp(`\\b${n}\\b`));
    expect(ip).toMatch(/link add bond0 .*type bond mode active-backup miimon 100/);
    expect(ip).toContain('link set eth4 master bond0');
    expect(ip).toContain('link set eth5 master bond0');
    expect(ip).toMatch(/link add link bond0 name bond0\.100 .*type vlan id 100/);
    expect(ip).toMatch(/link add link eth3 name eth3\.30 .*type vlan id 30/);
    expect(ip).toMatch(/link add brvf .*type bridge vlan_filtering 1/);
    expect(ip).toMatch(/link add dummy0 .*type dummy/);
    expect(ip).toContain(`address add 198.18.0.${g.slot + 10}/24 dev eth0`);
    expect(vmBridgeVlanBatch()).toContain('vlan add dev vaccess vid 10 pvid untagged');
    expect(vmTcBatch()).toMatch(/qdisc add dev dummy0 root handle 1: netem delay 10ms/);
    const late = vmLateSeedScript(g);
    expect(late).toMatch(/add-port ovsbr0 ovsint0 tag=10 -- set interface ovsint0 type=internal/);
    expect(late).toMatch(/add-port ovsbr0 ovsv0 tag=20/);
    expect(late).toContain('net-define "$C/net-$n.xml"');
  });

  it('enslaves bond members before any of them is up (the kernel refuses an up slave on older releases)', () => {
    const lines = vmExtraInterfaceBatch(g).split('\n');
    const enslave = lines.indexOf('link set eth4 master bond0');
    expect(enslave).toBeGreaterThan(-1);
    expect(lines.slice(0, enslave).some((l) => /link set eth[45] up/.test(l))).toBe(false);
  });

  it('is the same on every run and different per host', () => {
    expect(configDiskFiles(g, keys)).toEqual(configDiskFiles(g, keys));
    const other = configDiskFiles(vmHostNames(2), keys).find((f) => f.path === 'ip.batch')!.content;
    expect(other).not.toBe(configDiskFiles(g, keys).find((f) => f.path === 'ip.batch')!.content);
  });

  it('keeps the private host key private on the config disk', () => {
    expect(configDiskFiles(g, keys).find((f) => f.path === 'ssh_host_ed25519_key')!.mode).toBe(0o600);
  });
});

describe('image recipe and QEMU command line', () => {
  const g = vmHostNames(3);
  const p: GuestPaths = {
    kernel: '/i/vmlinuz', initrd: '/i/initrd.img', disk: '/r/disk.qcow2', configDisk: '/r/config.img',
    serialLog: '/r/serial.log', qmpSocket: '/r/qmp.sock', agentSocket: '/r/qga.sock', pidFile: '/r/qemu.pid',
  };

  it('keys the image by its recipe: the same recipe gives the same key, any change another', () => {
    expect(imageKey()).toMatch(/^[0-9a-f]{16}$/);
    expect(imageKey()).toBe(imageKey({ ...IMAGE_RECIPE }));
    expect(imageKey({ ...IMAGE_RECIPE, GUEST_PACKAGES: [...IMAGE_RECIPE.GUEST_PACKAGES, 'tcpdump'] })).not.toBe(imageKey());
    const files = IMAGE_RECIPE.GUEST_FILES.map((f) => (f.path === 'etc/ssh/sbl_sshd_config' ? { ...f, content: f.content + 'LogLevel DEBUG\n' } : f));
    expect(imageKey({ ...IMAGE_RECIPE, GUEST_FILES: files })).not.toBe(imageKey());
  });

  it('gives each guest its own machine id and hostname on the kernel command line', () => {
    expect(machineId(vmHostNames(1))).not.toBe(machineId(vmHostNames(2)));
    expect(kernelCommandLine(g)).toContain(`systemd.machine_id=${machineId(g)}`);
    expect(kernelCommandLine(g)).toContain('systemd.hostname=kv3');
    expect(kernelCommandLine(g)).toContain('net.ifnames=0');
  });

  it('plugs one virtio NIC per tap with the seed\'s MACs, software emulation, at most 1 GiB', () => {
    const argv = qemuArgv(g, p);
    expect(argv.filter((a) => a === '-netdev')).toHaveLength(VM_NIC_SWITCHES.length);
    expect(argv).toContain(`virtio-net-pci,netdev=n0,mac=${hostMac(g.slot, 0)}`);
    expect(argv).toContain('tap,id=n5,ifname=sbl-kv3-5,script=no,downscript=no,vnet_hdr=off');
    expect(argv[argv.indexOf('-accel') + 1]).toMatch(/^tcg,/);
    expect(Number(argv[argv.indexOf('-m') + 1])).toBeLessThanOrEqual(1024);
    expect(argv).toContain('virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
  });

  it('restores a snapshot with the very argv that saved it, plus -incoming', () => {
    const restored = qemuArgv(g, p, { incoming: 'exec:zstd -dc /s/state.zst' });
    expect(restored.slice(0, -2)).toEqual(qemuArgv(g, p));
    expect(restored.slice(-2)).toEqual(['-incoming', 'exec:zstd -dc /s/state.zst']);
  });

  it('puts eth0 on the lab bridge and the data NICs on the switches, eth2 with room for VXLAN', () => {
    expect(tapBatch(g).trim().split('\n')).toEqual([
      'tuntap add dev sbl-kv3-0 mode tap', 'link set sbl-kv3-0 master sbl-br0 up',
      'tuntap add dev sbl-kv3-1 mode tap', 'link set sbl-kv3-1 master sbl-sw1 up',
      'tuntap add dev sbl-kv3-2 mode tap', 'link set sbl-kv3-2 mtu 1550', 'link set sbl-kv3-2 master sbl-sw2 up',
      'tuntap add dev sbl-kv3-3 mode tap', 'link set sbl-kv3-3 master sbl-sw3 up',
      'tuntap add dev sbl-kv3-4 mode tap', 'link set sbl-kv3-4 master sbl-sw1 up',
      'tuntap add dev sbl-kv3-5 mode tap', 'link set sbl-kv3-5 master sbl-sw3 up',
    ]);
  });

  it('starts sshd before Open vSwitch and libvirt, without waiting for the network', () => {
    const sshd = GUEST_FILES.find((f) => f.path === 'etc/systemd/system/sbl-sshd.service')!.content;
    expect(sshd).not.toMatch(/^(After|Wants|Requires)=.*network/m);
    expect(GUEST_FILES.find((f) => f.path === 'etc/systemd/system/libvirtd.service.d/sbl-after-sshd.conf')?.content).toContain('After=sbl-sshd.service');
    expect(GUEST_FILES.find((f) => f.path === 'etc/machine-id')?.content).toBe('');
  });
});

describe('guest agent requests', () => {
  it('sends argv as a path and arguments and stdin as base64: never a command line', () => {
    expect(guestExecArguments(['ip', 'link', 'set', 'dev', 'x; reboot', 'up'], 'a\nb')).toEqual({
      path: 'ip',
      arg: ['link', 'set', 'dev', 'x; reboot', 'up'],
      'capture-output': true,
      'input-data': Buffer.from('a\nb').toString('base64'),
    });
    expect(() => guestExecArguments([])).toThrow(/empty argv/);
  });
});
