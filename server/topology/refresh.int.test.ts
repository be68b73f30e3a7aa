// Discovery against real lab hosts: the model holds exactly the seeded topology; a change made
// inside the host (not through Switchboard) becomes an observed change on the next refresh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeLabKey, ensureLab, type LabHost } from '@/lab/testing';
import { SEED_INTERFACES } from '@/lab/seed';
import { LAB_OPERATOR } from '@/lab/config';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { ensurePanelIdentity } from '@/server/ssh/identity';
import type { SshPool } from '@/server/ssh/pool';
import { openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { counterHistory, latestTopology, listObservedChanges, refreshHost } from './refresh';
import { acknowledgeChanges, fleetOverview, refreshAll } from './fleet';
import { interfaceRates } from './rates';

let hv1: LabHost;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1] = (await ensureLab({ hosts: 2 })) as [LabHost];
  // From its seed: what these tests count is the seeded host, whatever a file before left on it.
  await hv1.start();
}, 600_000);

describe.each(PROVIDERS)('refreshing a lab host on %s', (provider) => {
  let t: TestDatabase;
  let pool: SshPool;
  let hostId: string;

  beforeAll(async () => {
    t = await openTestDatabase(provider);
    await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
    pool = createPanelPool(t.db);
    const host = await t.db.host.create({
      data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: await hv1.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    hostId = host.id;
  });
  afterAll(async () => {
    await hv1.exec(['ip', 'link', 'set', 'dev', 'eth3', 'mtu', '1500']).catch(() => {});
    pool?.closeAll();
    await t?.close();
  });

  it('discovers exactly the seeded topology in one SSH exec', async () => {
    const r = await refreshHost(t.db, pool, hostId);
    const { topology } = r;
    expect(r.stored).toBe(true);
    expect(r.observedChange).toBeNull(); // the first state is not a change
    expect(topology.host).toMatchObject({ hostname: 'hv1', libvirtAvailable: true });
    const names = topology.interfaces.map((i) => i.name);
    for (const n of SEED_INTERFACES) expect(names).toContain(n);
    // Besides the seed: three libvirt bridges, three VM taps, one macvtap. Nothing else.
    expect(names.filter((n) => !(SEED_INTERFACES as readonly string[]).includes(n)).sort()).toEqual(
      ['macvtap0', 'virbr0', 'virbr1', 'virbr2', 'vnet0', 'vnet1', 'vnet2'],
    );
    const iface = (n: string) => topology.interfaces.find((i) => i.name === n)!;
    expect(iface('eth1').master).toBe('br0');
    expect(iface('vxlan100')).toMatchObject({ parent: 'eth2', vxlan: { vni: 100 } });
    expect(iface('mvlan0').parent).toBe('eth3');
    expect(iface('veth-a').peer).toBe('veth-b');
    expect(iface('macvtap0')).toMatchObject({ parent: 'eth2', owner: { vm: 'app1' } });
    const vmOf = (n: string) => topology.vms.find((v) => v.name === n)!;
    expect(iface(vmOf('web1').nics[0]!.target!).master).toBe('virbr0');
    expect(vmOf('db1').nics.map((n) => n.bridge)).toEqual(['virbr1', 'br0']);
    expect(topology.networks.map((n) => `${n.name}:${n.mode}`)).toEqual(['bridged:bridge', 'default:nat', 'isolated:isolated', 'routed:route']);
    expect(topology.qdiscs.filter((q) => q.dev === 'eth2').map((q) => q.kind)).toEqual(['htb']);
    expect(topology.classes.filter((c) => c.dev === 'eth2').map((c) => c.classid)).toEqual(['1:10', '1:20']);
    // The seeded u32 filter, read in the same exec and put in words (issue 13).
    expect(topology.filters?.filter((f) => f.dev === 'eth2')).toEqual([expect.objectContaining({ parent: '1:', kind: 'u32', classid: '1:10', match: 'dst port 4789' })]);
    expect(topology.qdiscs.find((q) => q.dev === vmOf('web1').nics[0]!.target)?.kind).toBe('tbf');
    expect((await t.db.host.findUniqueOrThrow({ where: { id: hostId } })).status).toBe('reachable');
  });

  it('stores a state only when it changed', async () => {
    const r = await refreshHost(t.db, pool, hostId);
    expect(r.stored).toBe(false);
    expect(await t.db.topologySnapshot.count({ where: { hostId } })).toBe(1);
  });

  it('records a change made on the host outside Switchboard as an observed change', async () => {
    await hv1.exec(['ip', 'link', 'set', 'dev', 'eth3', 'mtu', '1400']);
    const r = await refreshHost(t.db, pool, hostId);
    expect(r.stored).toBe(true);
    expect(r.observedChange?.changes).toContainEqual({ entity: 'interface', name: 'eth3', change: 'changed', fields: { mtu: [1500, 1400] } });
    const [event] = await listObservedChanges(t.db, hostId);
    expect(event!.summary).toContain('eth3: MTU 1500 → 1400');
    expect((await latestTopology(t.db, hostId))!.topology.interfaces.find((i) => i.name === 'eth3')!.mtu).toBe(1400);
  });

  it('keeps counters for rates, and the rates move with traffic', async () => {
    // Traffic on an otherwise idle interface: ping hv2 across the VXLAN overlay.
    await refreshHost(t.db, pool, hostId);
    await hv1.exec(['ping', '-c', '20', '-i', '0.01', '-W', '1', '-q', '198.18.100.12']);
    await refreshHost(t.db, pool, hostId);
    const points = await counterHistory(t.db, hostId);
    expect(points.length).toBeGreaterThanOrEqual(3);
    const [before, after] = points.slice(-2) as [(typeof points)[number], (typeof points)[number]];
    expect(after.counters.vxlan100!.txPackets - before.counters.vxlan100!.txPackets).toBeGreaterThanOrEqual(20);
    const rates = interfaceRates(points);
    expect(rates.vxlan100!.at(-1)!.txPps).toBeGreaterThan(0);
  });

  it('shows the host in the fleet with counts and its unacknowledged outside change', async () => {
    const [row] = await fleetOverview(t.db);
    expect(row).toMatchObject({
      host: { name: 'hv1', status: 'reachable' },
      counts: { interfaces: 16, vms: 4, runningVms: 3, networks: 4 },
      unacknowledgedChanges: 1,
    });
    const operator = await t.db.user.create({ data: { username: 'otto', passwordHash: 'x', role: 'operator' } });
    expect(await acknowledgeChanges(t.db, operator, hostId)).toBe(1);
    expect((await fleetOverview(t.db))[0]!.unacknowledgedChanges).toBe(0);
    // The acknowledgement is on the audit chain, naming who saw what.
    const record = await t.db.auditRecord.findFirstOrThrow({ where: { kind: 'host.outside_change_acknowledged' } });
    expect(record).toMatchObject({ actorName: 'otto', hostId });
    expect(JSON.parse(record.content)).toEqual({ changes: [expect.stringContaining('eth3: MTU 1500 → 1400')] });
  });

  it('refreshes every host at once and reports each one', async () => {
    const results = await refreshAll(t.db, pool);
    expect(results).toEqual([{ hostId, name: 'hv1', ok: true, message: null, probeMs: expect.any(Number) }]);
  });

  it('reads a host through sudo -n as a non-root user', async () => {
    const viaSudo = await t.db.host.create({
      data: { name: 'hv1-sudo', address: hv1.address, username: LAB_OPERATOR, useSudo: true, hostKeyFingerprint: await hv1.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    const r = await refreshHost(t.db, pool, viaSudo.id);
    expect(r.topology.host.libvirtAvailable).toBe(true);
    expect(r.topology.vms.map((v) => v.name).sort()).toEqual(['app1', 'build1', 'db1', 'web1']);
    expect(r.topology.interfaces.some((i) => i.name === 'br0')).toBe(true);
    await t.db.host.delete({ where: { id: viaSudo.id } });
  });
});
