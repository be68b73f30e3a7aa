// MACs and addresses across the fleet (real SQLite, no host needed): a new NIC gets a MAC no host
// uses; a MAC or host address another host has (or has drafted) is refused in the draft, naming
// both sides; the fleet's conflicts as they stand are listed with the hosts they touch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';
import { makeUser } from '@/server/testing/fixtures';
import { vmNicWith, vmWith } from '@/server/topology/model';
import { addOperations, getDraft } from './drafts';
import { fleetConflictList } from '@/server/topology/fleet';
import { fleetMacs, freeMac } from './fleet-conflicts';

let t: TestDatabase;
let hv1: string;
let hv2: string;
let actor: { id: string; username: string };

beforeAll(async () => {
  t = await openTestDatabase('sqlite');
  await emptyAllTables(t.db);
  const host = (name: string) => t.db.host.create({ data: { name, address: '192.0.2.1', hostKeyFingerprint: 'SHA256:x', hostKeyType: 'ssh-ed25519', pinnedAt: new Date() } });
  [hv1, hv2] = [(await host('hv1')).id, (await host('hv2')).id];
  const one = hostTopology();
  const two = hostTopology();
  two.host.hostname = 'hv2';
  // hv2 is another machine: its own interface MACs; one address it shares with hv1 by mistake.
  two.interfaces = two.interfaces.map((i) => (i.mac && i.kind !== 'tap' ? { ...i, mac: i.mac.replace('02:5b:00:01', '02:5b:00:02').replace('52:54:00:0a', '52:54:00:0b') } : i));
  two.interfaces = two.interfaces.map((i) => (i.kind === 'loopback' || i.name === 'virbr0' ? i : { ...i, addresses: i.addresses.filter((a) => a.scope === 'link') }));
  two.interfaces.find((i) => i.name === 'eth0')!.addresses.push({ family: 'inet', address: '198.18.0.12', prefixLength: 24, scope: 'global', dynamic: false });
  two.interfaces.find((i) => i.name === 'eth2')!.addresses.push({ family: 'inet', address: '198.18.1.11', prefixLength: 24, scope: 'global', dynamic: false });
  two.vms = [vmWith('api2', '00000000-0000-4000-8000-0000000000b2', 'shut off', [vmNicWith('network', { mac: '52:54:00:22:22:22', source: 'default' })], { persistent: true, configNics: [vmNicWith('network', { mac: '52:54:00:22:22:22', source: 'default' })] })];
  await t.db.topologySnapshot.create({ data: { hostId: hv1, hash: 'a', topology: JSON.stringify(one) } });
  await t.db.topologySnapshot.create({ data: { hostId: hv2, hash: 'b', topology: JSON.stringify(two) } });
  const user = await makeUser(t.db, 'mara', 'operator');
  actor = { id: user.id, username: user.username };
});

afterAll(async () => {
  await t?.close();
});

describe('MACs across the fleet', () => {
  it('a NIC drafted without a MAC gets one no host uses', async () => {
    const draft = await addOperations(t.db, actor, hv1, [{ kind: 'attachNic', vm: 'web1', network: 'default', model: 'virtio', linkUp: true }]);
    const op = draft.items[0]!.operation;
    expect(op.kind === 'attachNic' && op.mac).toMatch(/^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(draft.items[0]!.errors).toEqual([]);
    expect((await fleetMacs(t.db)).get(op.kind === 'attachNic' ? op.mac! : '')).toBe('a NIC drafted for web1 on hv1');
    await t.db.draftOperation.deleteMany();
  });

  it('freeMac skips every MAC in use', () => {
    const bytes = [Buffer.from([0x22, 0x22, 0x22]), Buffer.from([0x01, 0x02, 0x03])];
    expect(freeMac(new Map([['52:54:00:22:22:22', 'VM api2 on hv2']]), () => bytes.shift()!)).toBe('52:54:00:01:02:03');
  });

  it('a MAC another host uses is refused, naming the other VM and host', async () => {
    const draft = await addOperations(t.db, actor, hv1, [{ kind: 'attachNic', vm: 'web1', network: 'default', model: 'virtio', linkUp: true, mac: '52:54:00:22:22:22' }]);
    expect(draft.valid).toBe(false);
    expect(draft.items[0]!.errors).toEqual([
      'MAC 52:54:00:22:22:22 is already used by VM api2 on hv2; one MAC on two NICs breaks both wherever their traffic meets. Leave the MAC empty and the panel picks a free one.',
    ]);
    expect((await getDraft(t.db, hv2)).items).toEqual([]);
    await t.db.draftOperation.deleteMany();
  });

  it('an address another host has on its own interfaces is refused; a private network bridge address is not', async () => {
    const draft = await addOperations(t.db, actor, hv1, [
      { kind: 'addAddress', dev: 'eth2', address: '198.18.0.12/24' },
      { kind: 'addAddress', dev: 'dummy0', address: '192.168.123.1/24' },
    ]);
    expect(draft.items.map((i) => i.errors)).toEqual([['198.18.0.12 is already on eth0 on hv2; an address in two places breaks both. Pick another address.'], []]);
    await t.db.draftOperation.deleteMany();
  });
});

describe('conflicts as they stand', () => {
  it('lists each conflict once with the hosts and graph nodes it touches; a host sees those that touch it', async () => {
    const all = await fleetConflictList(t.db);
    expect(all.map((c) => c.sentence)).toEqual(['198.18.1.11 is on br0 on hv1 and eth2 on hv2; an address in two places breaks both.']);
    expect(all[0]!.places).toEqual([
      { hostId: hv1, hostName: 'hv1', ref: 'if:br0' },
      { hostId: hv2, hostName: 'hv2', ref: 'if:eth2' },
    ]);
    expect(await fleetConflictList(t.db, hv2)).toEqual(all);
    await t.db.host.create({ data: { name: 'hv3', address: '192.0.2.3', hostKeyFingerprint: 'SHA256:y', hostKeyType: 'ssh-ed25519', pinnedAt: new Date() } }).then((h3) => expect(fleetConflictList(t.db, h3.id)).resolves.toEqual([]));
  });
});
