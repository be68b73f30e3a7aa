import { describe, expect, it } from 'vitest';
import { hostNames, hostNumberFromName, MAX_HOSTS, MAX_SWITCHED_HOSTS, MAX_VM_HOSTS, vmHostNames } from './config';
import {
  IFINDEX_STRIDE,
  SEED_NETWORKS,
  SEED_VMS,
  domainXml,
  hostInterfaceBatch,
  hostMac,
  ifindexSpacingBatch,
  networkXml,
  parseDomIfList,
  rootBatch,
  virshSeedScript,
  vmMac,
} from './seed';
import { hostKeyFingerprint } from './fingerprint';
import { hasCapability, type KernelCapabilities } from './capabilities';

describe('host names', () => {
  it('maps host numbers to names, namespaces, addresses and root-side links', () => {
    const h = hostNames(7);
    expect(h).toMatchObject({ name: 'hv7', netns: 'sbl-hv7', address: '198.18.0.17', mgmtPeer: 'sbl-hv7' });
    expect(h.dataPeers).toEqual(['sbl-hv7-1', 'sbl-hv7-2', 'sbl-hv7-3']);
  });

  it('keeps every root-namespace interface name within the kernel limit of 15 bytes', () => {
    const h = hostNames(MAX_HOSTS);
    for (const n of [h.mgmtPeer, ...h.dataPeers]) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(15);
  });

  it('gives hosts above hv200 addresses of the wide subnet, one each, and no data switch', () => {
    expect(hostNames(MAX_SWITCHED_HOSTS)).toMatchObject({ address: '198.18.0.210', prefixLength: 24, gateway: '198.18.0.1', switched: true, slot: 200 });
    expect(hostNames(201)).toMatchObject({ address: '198.18.8.2', prefixLength: 22, gateway: '198.18.8.1', switched: false, slot: 201 + MAX_VM_HOSTS });
    expect(hostNames(MAX_HOSTS)).toMatchObject({ address: '198.18.9.45', switched: false });
    const addresses = new Set(Array.from({ length: MAX_HOSTS }, (_, i) => hostNames(i + 1).address));
    for (let n = 1; n <= MAX_VM_HOSTS; n++) addresses.add(vmHostNames(n).address);
    expect(addresses.size).toBe(MAX_HOSTS + MAX_VM_HOSTS);
    // Every wide address is a host address inside 198.18.8.0/22, not the bridge's own.
    for (let n = MAX_SWITCHED_HOSTS + 1; n <= MAX_HOSTS; n++) {
      const [, , third, fourth] = hostNames(n).address.split('.').map(Number);
      expect(third! >= 8 && third! <= 11 && fourth! <= 255 && !(third === 8 && fourth! < 2) && !(third === 11 && fourth === 255)).toBe(true);
    }
  });

  it('plugs hosts above hv200 into no data switch and routes them through the bridge\'s wide address', () => {
    const h = hostNames(300);
    expect(rootBatch(h)).not.toContain('sbl-sw');
    expect(rootBatch(h)).toContain('link set sbl-hv300-1 up');
    const batch = hostInterfaceBatch(h);
    expect(batch).toContain(`address add ${h.address}/22 dev eth0`);
    expect(batch).toContain('route add default via 198.18.8.1');
    expect(batch).not.toMatch(/\b(25[6-9]|2[6-9][0-9]|[3-9][0-9][0-9])\b/); // every octet is an octet
  });

  it.each(['hv0', 'hv501', 'hv01', 'host1', 'hv1; rm -rf /', ''])('rejects %j as a host name', (name) => {
    expect(() => hostNumberFromName(name)).toThrow(/lab host/);
  });

  it.each([0, -1, 1.5, MAX_HOSTS + 1])('rejects host number %d', (n) => {
    expect(() => hostNames(n)).toThrow(/from 1 to/);
  });
});

describe('seed', () => {
  it('gives every host distinct MACs (db1 and eth1..3 share data switches across hosts)', () => {
    const macs = new Set<string>();
    for (let n = 1; n <= MAX_HOSTS; n++) {
      for (let slot = 0; slot < 16; slot++) macs.add(hostMac(hostNames(n).slot, slot));
      // Only hosts on the data switches may be full (run VMs).
      if (n <= MAX_SWITCHED_HOSTS) SEED_VMS.forEach((vm, i) => vm.nics.forEach((_, j) => macs.add(vmMac(n, i + 1, j + 1))));
    }
    const vmNics = SEED_VMS.reduce((sum, vm) => sum + vm.nics.length, 0);
    expect(macs.size).toBe(MAX_HOSTS * 16 + MAX_SWITCHED_HOSTS * vmNics);
    expect([...macs].every((m) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m))).toBe(true);
  });

  it('creates the netns and plugs eth0..eth3 into the lab bridge and the data switches', () => {
    expect(rootBatch(hostNames(3)).trim().split('\n')).toEqual([
      'netns add sbl-hv3',
      'link add sbl-hv3 type veth peer name eth0 netns sbl-hv3',
      'link set sbl-hv3 master sbl-br0 up',
      'link add sbl-hv3-1 type veth peer name eth1 netns sbl-hv3',
      'link set sbl-hv3-1 master sbl-sw1 up',
      'link add sbl-hv3-2 mtu 1550 type veth peer name eth2 netns sbl-hv3',
      'link set sbl-hv3-2 master sbl-sw2 up',
      'link add sbl-hv3-3 type veth peer name eth3 netns sbl-hv3',
      'link set sbl-hv3-3 master sbl-sw3 up',
    ]);
  });

  it('seeds br0 over eth1, vxlan100 over eth2, a macvlan on eth3 and a veth pair', () => {
    const batch = hostInterfaceBatch(hostNames(2));
    expect(batch).toContain('address add 198.18.0.12/24 dev eth0');
    expect(batch).toMatch(/link add br0 .*type bridge stp_state 1/);
    expect(batch).toContain('link set eth1 master br0');
    expect(batch).toMatch(/link add vxlan100 .*type vxlan id 100 dev eth2 local 198\.18\.2\.12/);
    expect(batch).toMatch(/link add mvlan0 link eth3 .*type macvlan/);
    expect(batch).toMatch(/link add veth-a .*type veth peer name veth-b/);
    expect(hostInterfaceBatch(hostNames(2))).toBe(batch); // same on every run
  });

  it('spaces hosts\' ifindex counters so their macvtaps never share a /dev/tapN node', () => {
    expect(ifindexSpacingBatch(1)).toBe('');
    const lines = ifindexSpacingBatch(4).trim().split('\n');
    const created = lines.filter((l) => l.startsWith('link add')).length;
    expect(created * 2).toBe(3 * IFINDEX_STRIDE); // two indexes per veth pair
    expect(lines.filter((l) => l.startsWith('link del')).length).toBe(created);
  });

  it('defines networks before starting them and starts only the running VMs, paused', () => {
    const script = virshSeedScript('/seed').split(' ; ');
    const idx = (cmd: string) => script.indexOf(cmd);
    for (const n of SEED_NETWORKS) expect(idx(`net-define /seed/net-${n.name}.xml`)).toBeLessThan(idx(`net-start ${n.name}`));
    expect(script.filter((c) => c.startsWith('start '))).toEqual(['start web1 --paused', 'start db1 --paused', 'start app1 --paused']);
    expect(script).toContain('define /seed/vm-build1.xml');
  });

  it('writes the four network modes and the VM NIC sources the issue asks for', () => {
    const xml = Object.fromEntries(SEED_NETWORKS.map((n) => [n.name, networkXml(n, 5)]));
    expect(xml.default).toContain("<forward mode='nat'/>");
    expect(xml.default).toContain(`<host mac='${vmMac(5, 1, 1)}' name='web1' ip='198.19.122.10'/>`);
    expect(xml.isolated).not.toContain('<forward');
    expect(xml.routed).toContain("<forward mode='route'/>");
    expect(xml.bridged).toContain("<forward mode='bridge'/>");
    expect(xml.bridged).toContain("<bridge name='br0'/>");
    const app1 = domainXml(SEED_VMS[2]!, 2, 5);
    expect(app1).toContain("<interface type='direct'>");
    expect(app1).toContain("<source dev='eth2' mode='bridge'/>");
    expect(app1).toContain("<memory unit='MiB'>64</memory>");
  });

  it('parses virsh domiflist output', () => {
    const text = ` vnet1       network   isolated   virtio   52:54:00:02:02:01
 vnet2       bridge    br0        virtio   52:54:00:02:02:02
`;
    expect(parseDomIfList(text)).toEqual([
      { target: 'vnet1', type: 'network', source: 'isolated', mac: '52:54:00:02:02:01' },
      { target: 'vnet2', type: 'bridge', source: 'br0', mac: '52:54:00:02:02:02' },
    ]);
  });
});

describe('hostKeyFingerprint', () => {
  it('matches ssh-keygen -lf', () => {
    // Pair produced by `ssh-keygen -t ed25519` and `ssh-keygen -lf` on this machine.
    const line = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEYeS4Ni7thHKji1d3C8F/4NKdpo1xfmSCJFOaF17VJ5 fp-test';
    expect(hostKeyFingerprint(line)).toBe('SHA256:LgR+8k0KvFPantb9Y38dOm7QCgNdHLwU6+ppAdbPqu0');
  });

  it('rejects text that is not a public key line', () => {
    expect(() => hostKeyFingerprint('hello')).toThrow(/not an OpenSSH public key/);
  });
});

describe('hasCapability', () => {
  const caps: KernelCapabilities = {
    kernel: '6.18-test',
    bootId: 'x',
    linkKinds: { bridge: { ok: true }, bond: { ok: false, error: 'Error: Unknown device type.' } },
    qdiscs: { netem: { ok: false, error: 'Error: Specified qdisc kind is unknown.' } },
    filters: {},
    bridgeVlanFiltering: { ok: false, error: 'RTNETLINK answers: Operation not supported' },
  };

  it('says why a feature is missing, in the kernel\'s words', () => {
    expect(hasCapability(caps, { linkKind: 'bridge' }).ok).toBe(true);
    expect(hasCapability(caps, { linkKind: 'bond' })).toEqual({
      ok: false,
      reason: 'kernel 6.18-test cannot create link kind bond: Error: Unknown device type.',
    });
    expect(hasCapability(caps, { qdisc: 'netem' }).reason).toMatch(/qdisc netem: Error: Specified qdisc/);
    expect(hasCapability(caps, { bridgeVlanFiltering: true }).reason).toMatch(/Operation not supported/);
    expect(hasCapability(caps, { filter: 'flower' })).toEqual({ ok: false, reason: 'tc filter flower was not probed' });
  });
});
