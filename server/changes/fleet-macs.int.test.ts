// MACs across the fleet (real SQLite, no host needed): a new NIC gets a MAC no host uses, and a
// MAC another host has (or has drafted) is refused in the draft and at review, naming both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';
import { makeUser } from '@/server/testing/fixtures';
import { vmNicWith, vmWith } from '@/server/topology/model';
import { addOperations, getDraft } from './drafts';
import { fleetMacs, freeMac } from './fleet-macs';

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
});
