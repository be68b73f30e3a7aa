import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appRouter } from '@/server/api/root';
import { listProcedurePolicies } from '@/server/api/policy';
import type { Role } from '@/server/auth/roles';
import { ROLES } from '@/server/auth/roles';
import type { TestDatabase } from '@/server/testing/database';
import { emptyAllTables, openTestDatabase, PROVIDERS, snapshotAllTables } from '@/server/testing/database';
import { makeUser, TEST_PASSWORD } from '@/server/testing/fixtures';
import { data, TestBrowser } from '@/server/testing/http-client';
import { authorizeLabKey, ensureLab, labHost } from '@/lab/testing';
import { ensurePanelIdentity } from '@/server/ssh/identity';

interface Fixture {
  target: { id: string };
  /** A host row pinned to lab host hv1's real key. */
  host: { id: string };
}

// Host procedures reach real lab hosts (scan, connection test), so the lab is up for this file.
const hv1 = labHost('hv1');
const hv2 = labHost('hv2');
let hv1Fingerprint = '';
let hv2Fingerprint = '';

/**
 * One valid input per role-guarded mutation. A new mutation without a sample fails the test
 * below, so every mutation gets its FORBIDDEN check.
 */
const MUTATION_SAMPLES: Record<string, (f: Fixture) => unknown> = {
  'auth.changePassword': () => ({ currentPassword: TEST_PASSWORD, newPassword: 'a different long password' }),
  'users.create': () => ({ username: 'newcomer', password: TEST_PASSWORD, role: 'viewer' }),
  'users.setRole': (f) => ({ userId: f.target.id, role: 'operator' }),
  'users.setDisabled': (f) => ({ userId: f.target.id, disabled: true }),
  'users.resetPassword': (f) => ({ userId: f.target.id, password: 'a different long password' }),
  'users.delete': (f) => ({ userId: f.target.id }),
  'hosts.scanKey': () => ({ address: hv1.address, port: 22 }),
  'hosts.create': () => ({ name: 'hv2', address: hv2.address, confirmedFingerprint: hv2Fingerprint }),
  'hosts.update': (f) => ({ id: f.host.id, labels: ['changed'] }),
  'hosts.repin': (f) => ({ id: f.host.id, confirmedFingerprint: hv1Fingerprint }),
  'hosts.remove': (f) => ({ id: f.host.id }),
  'hosts.testConnection': (f) => ({ id: f.host.id }),
  'topology.refresh': (f) => ({ hostId: f.host.id }),
  'topology.refreshAll': () => undefined,
  'topology.acknowledgeChanges': (f) => ({ hostId: f.host.id }),
  'topology.savePositions': (f) => ({ hostId: f.host.id, positions: { 'if:eth0': { x: 10, y: 20 } } }),
};

/**
 * Mutations that only read (POST so the CSRF check guards them: a scan makes the panel
 * connect somewhere). For these, "allowed" means answered without error and nothing changed.
 */
const READ_ONLY_MUTATIONS = new Set(['hosts.scanKey']);

/** One valid input per role-guarded query that takes input. */
const QUERY_SAMPLES: Record<string, (f: Fixture) => unknown> = {
  'hosts.get': (f) => ({ id: f.host.id }),
  'hosts.events': () => ({}),
  'topology.latest': (f) => ({ hostId: f.host.id }),
  'topology.observedChanges': () => ({}),
  'topology.rates': (f) => ({ hostId: f.host.id }),
  'topology.positions': (f) => ({ hostId: f.host.id }),
  'topology.dashboard': () => ({ everySeconds: 60 }),
};

const policies = listProcedurePolicies(appRouter);
const guardedMutations = policies.filter((p) => p.type === 'mutation' && p.access !== 'public');
const guardedQueries = policies.filter((p) => p.type === 'query' && p.access !== 'public');

describe.each(PROVIDERS)('role enforcement on %s', (provider) => {
  let t: TestDatabase;
  let fixture: Fixture;
  const browsers = new Map<Role, TestBrowser>();

  beforeAll(async () => {
    // panel.sshIdentity seals a key; keep the master key out of the repository's data/.
    process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
    t = await openTestDatabase(provider);
    await ensureLab({ hosts: 2 });
    hv1Fingerprint = await hv1.hostKeyFingerprint();
    hv2Fingerprint = await hv2.hostKeyFingerprint();
  });
  afterAll(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await emptyAllTables(t.db);
    browsers.clear();
    for (const role of ROLES) {
      await makeUser(t.db, `as-${role}`, role);
      const browser = new TestBrowser(t.db);
      data(await browser.mutation('auth.signIn', { username: `as-${role}`, password: TEST_PASSWORD }));
      browsers.set(role, browser);
    }
    const host = await t.db.host.create({
      data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: hv1Fingerprint, hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    // An unacknowledged outside change, so acknowledging has something to change.
    await t.db.observedChange.create({ data: { hostId: host.id, fromSnapshotId: 'a', toSnapshotId: 'b', changes: '[]', summary: 'interface eth3 added' } });
    fixture = { target: await makeUser(t.db, 'target-user', 'admin'), host };
    // A refresh really reaches hv1, so the lab authorizes this database's panel key.
    await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
  });

  it('every role-guarded mutation has a sample input here', () => {
    const missing = guardedMutations.map((p) => p.path).filter((path) => !(path in MUTATION_SAMPLES));
    expect(missing).toEqual([]);
  });

  describe.each(guardedMutations.map((p) => [p.path, p] as const))('%s', (path, policy) => {
    const allowed = policy.access as readonly Role[];
    const disallowed = ROLES.filter((r) => !allowed.includes(r));

    it.each(disallowed)('refuses %s with FORBIDDEN and changes nothing', async (role) => {
      const sample = MUTATION_SAMPLES[path];
      expect(sample).toBeDefined();
      const before = await snapshotAllTables(t.db);
      const reply = await browsers.get(role)!.mutation(path, sample!(fixture));
      expect(reply.status).toBe(403);
      expect(reply.body.error?.data.code).toBe('FORBIDDEN');
      expect(await snapshotAllTables(t.db)).toEqual(before);
    });

    it('refuses a signed-out caller with UNAUTHORIZED and changes nothing', async () => {
      const before = await snapshotAllTables(t.db);
      const reply = await new TestBrowser(t.db).mutation(path, MUTATION_SAMPLES[path]!(fixture));
      expect(reply.status).toBe(401);
      expect(await snapshotAllTables(t.db)).toEqual(before);
    });

    it(`lets ${allowed[0]} do it (the sample is valid and does change state)`, async () => {
      const before = await snapshotAllTables(t.db);
      const reply = await browsers.get(allowed[0]!)!.mutation(path, MUTATION_SAMPLES[path]!(fixture));
      expect(reply.body.error).toBeUndefined();
      if (READ_ONLY_MUTATIONS.has(path)) expect(await snapshotAllTables(t.db)).toEqual(before);
      else expect(await snapshotAllTables(t.db)).not.toEqual(before);
    });
  });

  describe.each(guardedQueries.map((p) => [p.path, p] as const))('%s', (path, policy) => {
    const allowed = policy.access as readonly Role[];
    it.each(ROLES.map((role) => [role, allowed.includes(role)] as const))(
      '%s allowed: %s',
      async (role, isAllowed) => {
        const reply = await browsers.get(role)!.query(path, QUERY_SAMPLES[path]?.(fixture));
        expect(reply.status).toBe(isAllowed ? 200 : 403);
      },
    );
    it('refuses a signed-out caller', async () => {
      expect((await new TestBrowser(t.db).query(path, QUERY_SAMPLES[path]?.(fixture))).status).toBe(401);
    });
  });
});
