// Dragged node positions: kept per user and host, merged on each save, forgotten on reset.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyAllTables, openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { makeUser } from '@/server/testing/fixtures';
import { getPositions, savePositions, ZPositions } from './positions';

describe.each(PROVIDERS)('graph positions on %s', (provider) => {
  let t: TestDatabase;
  let alice: string;
  let bob: string;
  let host: string;

  beforeAll(async () => {
    t = await openTestDatabase(provider);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(t.db);
    alice = (await makeUser(t.db, 'alice', 'operator')).id;
    bob = (await makeUser(t.db, 'bob', 'viewer')).id;
    host = (await t.db.host.create({ data: { name: 'hv1', address: '198.18.0.11', hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`, hostKeyType: 'ssh-ed25519', pinnedAt: new Date() } })).id;
  });

  it('merges moves per user and host, and resets', async () => {
    await savePositions(t.db, alice, host, { 'if:br0': { x: 10, y: 20 } });
    await savePositions(t.db, alice, host, { 'vm:web1': { x: 300, y: 40 }, 'if:br0': { x: 15, y: 25 } });
    await savePositions(t.db, bob, host, { 'if:br0': { x: -5, y: 0 } });
    expect(await getPositions(t.db, alice, host)).toEqual({ 'if:br0': { x: 15, y: 25 }, 'vm:web1': { x: 300, y: 40 } });
    expect(await getPositions(t.db, bob, host)).toEqual({ 'if:br0': { x: -5, y: 0 } });
    await savePositions(t.db, alice, host, {}, true);
    expect(await getPositions(t.db, alice, host)).toEqual({});
    expect(await getPositions(t.db, bob, host)).toEqual({ 'if:br0': { x: -5, y: 0 } });
  });

  it('accepts only node ids and finite coordinates', () => {
    expect(ZPositions.safeParse({ 'if:eth0': { x: 1, y: 2 } }).success).toBe(true);
    expect(ZPositions.safeParse({ 'rm -rf': { x: 1, y: 2 } }).success).toBe(false);
    expect(ZPositions.safeParse({ 'if:eth0': { x: Infinity, y: 2 } }).success).toBe(false);
  });
});
