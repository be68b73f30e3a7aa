import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appRouter } from '@/server/api/root';
import { listProcedurePolicies } from '@/server/api/policy';
import type { Role } from '@/server/auth/roles';
import { ROLES } from '@/server/auth/roles';
import type { TestDatabase } from '@/server/testing/database';
import { emptyAllTables, openTestDatabase, PROVIDERS, snapshotAllTables } from '@/server/testing/database';
import { makeUser, TEST_PASSWORD } from '@/server/testing/fixtures';
import { data, TestBrowser } from '@/server/testing/http-client';

interface Fixture {
  target: { id: string };
}

/**
 * One valid input per role-guarded mutation. A new mutation without a sample fails the test
 * below, so every mutation gets its FORBIDDEN check.
 */
const MUTATION_SAMPLES: Record<string, (f: Fixture) => unknown> = {
  'users.create': () => ({ username: 'newcomer', password: TEST_PASSWORD, role: 'viewer' }),
  'users.setRole': (f) => ({ userId: f.target.id, role: 'operator' }),
  'users.setDisabled': (f) => ({ userId: f.target.id, disabled: true }),
  'users.resetPassword': (f) => ({ userId: f.target.id, password: 'a different long password' }),
  'users.delete': (f) => ({ userId: f.target.id }),
};

/** One valid input per role-guarded query that takes input. */
const QUERY_SAMPLES: Record<string, unknown> = {};

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
    fixture = { target: await makeUser(t.db, 'target-user', 'admin') };
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
      expect(await snapshotAllTables(t.db)).not.toEqual(before);
    });
  });

  describe.each(guardedQueries.map((p) => [p.path, p] as const))('%s', (path, policy) => {
    const allowed = policy.access as readonly Role[];
    it.each(ROLES.map((role) => [role, allowed.includes(role)] as const))(
      '%s allowed: %s',
      async (role, isAllowed) => {
        const reply = await browsers.get(role)!.query(path, QUERY_SAMPLES[path]);
        expect(reply.status).toBe(isAllowed ? 200 : 403);
      },
    );
    it('refuses a signed-out caller', async () => {
      expect((await new TestBrowser(t.db).query(path, QUERY_SAMPLES[path])).status).toBe(401);
    });
  });
});
