// Dragged node positions: kept per user and host, merged on each save, forgotten on reset.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyAllTables, openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { makeUser } from '@/server/testing/fixtures';
import { getPositions, MAX_POSITIONS, savePositions, ZPositions } from './positions';

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

  it('refuses positions for a host that does not exist, and more than a graph can have', async () => {
    await expect(savePositions(t.db, alice, 'no-such-host', { 'if:br0': { x: 1, y: 1 } })).rejects.toThrow(/does not exist/);
    expect(await t.db.graphLayout.count()).toBe(0);
    const many = (from: number, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`if:d${from + i}`, { x: i, y: i }]));
    await savePositions(t.db, alice, host, many(0, MAX_POSITIONS - 10));
    // Each save is within bounds; together they would not be.
    await expect(savePositions(t.db, alice, host, many(MAX_POSITIONS, 20))).rejects.toThrow(/at most 5000 dragged positions/);
    expect(Object.keys(await getPositions(t.db, alice, host))).toHaveLength(MAX_POSITIONS - 10);
    expect(ZPositions.safeParse(many(0, MAX_POSITIONS + 1)).success).toBe(false);
  });

  it('accepts only node ids and finite coordinates', () => {
    expect(ZPositions.safeParse({ 'if:eth0': { x: 1, y: 2 } }).success).toBe(true);
    expect(ZPositions.safeParse({ 'rm -rf': { x: 1, y: 2 } }).success).toBe(false);
    expect(ZPositions.safeParse({ 'if:eth0': { x: Infinity, y: 2 } }).success).toBe(false);
  });
});
