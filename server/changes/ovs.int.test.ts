// Open vSwitch changes on the real-kernel lab host kv1 (issue 13; this machine's kernel has no
// openvswitch module), tested by traffic and by `ovs-vsctl show`:
// - ports with the same VLAN tag reach each other, a port with another tag does not;
// - a VXLAN tunnel port on kv1 carries traffic to a VXLAN device on a peer across an IP link;
// - deleting a bridge with tagged, trunk and tunnel ports is reverted to `ovs-vsctl show` exactly;
// - a failure after the OVS steps rolls them back to `ovs-vsctl show` exactly;
// - a VM's NIC put on an OVS bridge with a VLAN tag becomes an OVS port with that tag.
// The "VMs" are network namespaces inside kv1 on veth pairs (no nested KVM under emulation), and
// so is the tunnel's peer host: these tests run beside the namespace-host tests, whose hosts they
// leave alone (scripts/test-int.sh).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureVmLab, type VmLabHost } from '@/lab/testing';
import type { Operation } from '@/server/plan/ops';
import type { SshPool } from '@/server/ssh/pool';
import { changeHarness, panelWithLabHost } from '@/server/testing/changes';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';

let kv1: VmLabHost;
let t: TestDatabase;
let pool: SshPool;
let hostId: string;
let actor: { id: string; username: string };
const harness = changeHarness(() => ({ db: t.db, pool, actor, hostId }));
/** Whether Open vSwitch answers on kv1 (its image installs it; a broken one is reported as a skip with this reason). */
let ovsRuns = false;
const OVS_MISSING = 'Open vSwitch does not answer on the real-kernel lab host kv1 (ovs-vsctl show failed)';

/** Namespaces inside kv1, each on a veth whose kv1 end becomes an OVS port. */
const GUESTS = [
  { ns: 'ga', port: 'ova', address: '10.77.0.1' },
  { ns: 'gb', port: 'ovb', address: '10.77.0.2' },
  { ns: 'gc', port: 'ovc', address: '10.77.0.3' },
  { ns: 'gx', port: 'ovx', address: '10.42.0.2' },
] as const;
/**
 * The tunnel's far end: namespace `gr` inside kv1, reached over veth `ovr` (10.88.0.1 on kv1,
 * 10.88.0.2 in gr) and holding a kernel VXLAN device with the same VNI and port.
 */
const VXLAN = { vni: 4242, port: 4790, peerNs: 'gr', link: 'ovr', local: '10.88.0.1', remote: '10.88.0.2', peerDevice: 'vxo4242', peerAddress: '10.42.0.1' };

/**
 * `ovs-vsctl show`, with each bridge's ports (and the bridges) in name order: show lists them in
 * the order of their database UUIDs, which a re-created port does not keep. Everything else
 * (tags, trunks, types, options) is compared as printed.
 */
async function show(): Promise<string> {
  const lines = (await kv1.exec(['ovs-vsctl', '--timeout=5', 'show'])).stdout.split('\n');
  const blocks = (rows: string[], indent: string) => {
    const out: string[][] = [];
    for (const row of rows) {
      // A block starts at its own indent ("    Bridge x", "        Port y"); deeper lines belong to it.
      if (/^\S/.test(row.slice(indent.length))) out.push([row]);
      else out.at(-1)?.push(row);
    }
    return out;
  };
  const head = lines.filter((l) => !l.startsWith('    '));
  const bridges = blocks(lines.filter((l) => l.startsWith('    ')), '    ').map(([bridge, ...rest]) => [bridge, ...blocks(rest, '        ').sort((a, b) => a[0]!.localeCompare(b[0]!)).flat()]);
  return [...head, ...bridges.sort((a, b) => a[0]!.localeCompare(b[0]!)).flat()].join('\n');
}
const pings = async (ns: string, address: string) => (await kv1.exec(['ip', 'netns', 'exec', ns, 'ping', '-n', '-c', '2', '-W', '2', address], { allowFailure: true })).code === 0;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [kv1] = (await ensureVmLab({ vmHosts: 1 })) as [VmLabHost];
  await kv1.start(); // from its seeded snapshot
  ovsRuns = (await kv1.exec(['ovs-vsctl', '--timeout=5', 'show'], { allowFailure: true })).code === 0;
  for (const g of GUESTS) {
    for (const argv of [
      ['ip', 'netns', 'add', g.ns],
      ['ip', 'link', 'add', g.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', g.ns],
      ['ip', 'link', 'set', g.port, 'up'],
      ['ip', '-n', g.ns, 'address', 'add', `${g.address}/24`, 'dev', 'eth0'],
      ['ip', '-n', g.ns, 'link', 'set', 'eth0', 'up'],
    ])
      await kv1.exec(argv);
  }
  // The tunnel's far end: a kernel VXLAN device in gr, towards kv1 over the veth.
  for (const argv of [
    ['ip', 'netns', 'add', VXLAN.peerNs],
    ['ip', 'link', 'add', VXLAN.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', VXLAN.peerNs],
    ['ip', 'address', 'add', `${VXLAN.local}/24`, 'dev', VXLAN.link],
    ['ip', 'link', 'set', VXLAN.link, 'up'],
    ['ip', '-n', VXLAN.peerNs, 'address', 'add', `${VXLAN.remote}/24`, 'dev', 'eth0'],
    ['ip', '-n', VXLAN.peerNs, 'link', 'set', 'eth0', 'up'],
    ['ip', '-n', VXLAN.peerNs, 'link', 'add', VXLAN.peerDevice, 'type', 'vxlan', 'id', String(VXLAN.vni), 'remote', VXLAN.local, 'dstport', String(VXLAN.port), 'dev', 'eth0'],
    ['ip', '-n', VXLAN.peerNs, 'address', 'add', `${VXLAN.peerAddress}/24`, 'dev', VXLAN.peerDevice],
    ['ip', '-n', VXLAN.peerNs, 'link', 'set', VXLAN.peerDevice, 'up'],
  ])
    await kv1.exec(argv);
  t = await openTestDatabase('sqlite');
  await emptyAllTables(t.db);
  ({ pool, hostId, actor } = await panelWithLabHost(t.db, kv1, 'otto'));
}, 1_800_000);

afterAll(async () => {
  pool?.closeAll();
  await t?.close();
});

const taggedBridge: Operation[] = [
  { kind: 'createOvsBridge', name: 'brt' },
  { kind: 'addOvsPort', bridge: 'brt', port: 'ova', tag: 10 },
  { kind: 'addOvsPort', bridge: 'brt', port: 'ovb', tag: 10 },
  { kind: 'addOvsPort', bridge: 'brt', port: 'ovc', tag: 20 },
];

describe('Open vSwitch on the real-kernel lab host', () => {
  it('ports with the same tag reach each other, another tag does not; Revert gives `ovs-vsctl show` back exactly', async (ctx) => {
    if (!ovsRuns) return ctx.skip(OVS_MISSING);
    const before = await show();
    expect(await pings('ga', '10.77.0.2')).toBe(false);
    await harness.appliesVerifiesReverts('an OVS bridge with tagged ports', taggedBridge, async (after) => {
      expect(after.ovs?.bridges.find((b) => b.name === 'brt')?.ports.map((p) => `${p.name} ${p.tag}`)).toEqual(['brt null', 'ova 10', 'ovb 10', 'ovc 20']);
      expect(await pings('ga', '10.77.0.2')).toBe(true);
      expect(await pings('ga', '10.77.0.3')).toBe(false);
    });
    expect(await show()).toBe(before);
  }, 900_000);

  it('a VXLAN tunnel port on kv1 carries traffic from a peer host to a namespace behind it', async (ctx) => {
    if (!ovsRuns) return ctx.skip(OVS_MISSING);
    const before = await show();
    const ping = () => pings(VXLAN.peerNs, GUESTS[3].address);
    expect(await ping()).toBe(false);
    await harness.appliesVerifiesReverts(
      'a VXLAN tunnel to the peer',
      [
        { kind: 'createOvsBridge', name: 'brx' },
        { kind: 'addOvsPort', bridge: 'brx', port: 'ovx' },
        { kind: 'addOvsTunnelPort', bridge: 'brx', port: 'vxl1', type: 'vxlan', remote: VXLAN.remote, key: VXLAN.vni, dstPort: VXLAN.port },
      ],
      async (after) => {
        expect(after.ovs?.bridges.find((b) => b.name === 'brx')?.ports.find((p) => p.name === 'vxl1')?.interfaces[0]).toMatchObject({ type: 'vxlan', remote: VXLAN.remote, key: String(VXLAN.vni) });
        expect(await ping()).toBe(true);
      },
    );
    expect(await ping()).toBe(false);
    expect(await show()).toBe(before);
  }, 900_000);

  it('deleting a bridge with tagged, trunk and tunnel ports is reverted to `ovs-vsctl show` exactly', async (ctx) => {
    if (!ovsRuns) return ctx.skip(OVS_MISSING);
    const made = await harness.change([
      ...taggedBridge.slice(0, 2),
      { kind: 'addOvsPort', bridge: 'brt', port: 'ovb', trunks: [10, 20, 30] },
      { kind: 'addOvsTunnelPort', bridge: 'brt', port: 'vxl2', type: 'vxlan', remote: VXLAN.remote, key: 77, dstPort: VXLAN.port },
    ]);
    expect(made.status, await harness.explain(made.changeId)).toBe('applied');
    const withBridge = await show();
    await harness.appliesVerifiesReverts('delete brt', [{ kind: 'deleteOvsBridge', name: 'brt' }], (after) => {
      expect(after.ovs?.bridges.map((b) => b.name)).not.toContain('brt');
    });
    expect(await show()).toBe(withBridge);
    const removed = await harness.change([{ kind: 'deleteOvsBridge', name: 'brt' }]);
    expect(removed.status, await harness.explain(removed.changeId)).toBe('applied');
  }, 900_000);

  it("puts a VM's NIC on an OVS bridge in an access VLAN: libvirt adds the VM's tap as an OVS port with that tag; Revert takes the NIC away", async (ctx) => {
    if (!ovsRuns) return ctx.skip(OVS_MISSING);
    const mac = '52:54:00:77:00:30';
    const virsh = async (...args: string[]) => (await kv1.exec(['virsh', '-c', 'qemu:///system', ...args])).stdout;
    await harness.appliesVerifiesReverts("build1's NIC on ovsbr0 in VLAN 30", [{ kind: 'attachNic', vm: 'build1', bridge: 'ovsbr0', mac, vlanTag: 30, model: 'virtio', linkUp: true }], async (after) => {
      expect(after.vms.find((v) => v.name === 'build1')?.configNics?.find((n) => n.mac === mac)).toMatchObject({ source: 'ovsbr0', virtualport: { type: 'openvswitch' }, vlan: { tags: [{ id: 30 }] } });
      // Paused: QEMU holds the tap, the guest never runs (no emulation inside the emulated host).
      await virsh('start', 'build1', '--paused');
      try {
        const tap = (await virsh('domiflist', 'build1')).split('\n').find((l) => l.includes(mac))?.trim().split(/\s+/)[0];
        expect(tap, 'build1 runs with a tap for the new NIC').toMatch(/^vnet\d+$/);
        expect((await kv1.exec(['ovs-vsctl', '--timeout=5', 'port-to-br', tap!])).stdout.trim()).toBe('ovsbr0');
        expect((await kv1.exec(['ovs-vsctl', '--timeout=5', 'get', 'port', tap!, 'tag'])).stdout.trim()).toBe('30');
      } finally {
        await kv1.exec(['virsh', '-c', 'qemu:///system', 'destroy', 'build1'], { allowFailure: true });
      }
    });
    expect(await virsh('dumpxml', 'build1', '--inactive')).not.toContain(mac);
  }, 900_000);

  it('rolls the OVS steps back when a later step fails', async (ctx) => {
    if (!ovsRuns) return ctx.skip(OVS_MISSING);
    const before = await show();
    await harness.rollsBackWhenStepFails(taggedBridge.slice(0, 3), 3);
    expect(await show()).toBe(before);
  }, 900_000);
});
