import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@/server/testing/database';
import { emptyAllTables, openTestDatabase, snapshotAllTables } from '@/server/testing/database';
import { makeUser, TEST_PASSWORD } from '@/server/testing/fixtures';
import { data, PANEL_ORIGIN, TestBrowser } from '@/server/testing/http-client';

// CSRF lives at the HTTP edge, the same for both providers; SQLite keeps this test quick.
describe('CSRF at the HTTP edge (signed-in admin, so only the CSRF check can stop these)', () => {
  let t: TestDatabase;
  let admin: TestBrowser;
  const newUser = { username: 'planted', password: TEST_PASSWORD, role: 'admin' };

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(t.db);
    await makeUser(t.db, 'admin', 'admin');
    admin = new TestBrowser(t.db);
    data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
  });

  it.each([
    [
      'a cross-site HTML form post',
      {
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=planted&password=correct+horse+battery+staple&role=admin',
      },
    ],
    [
      'a text/plain body carrying JSON (what a form with enctype=text/plain sends)',
      { headers: { origin: PANEL_ORIGIN, 'content-type': 'text/plain' }, body: JSON.stringify(newUser) },
    ],
    [
      'JSON from another origin',
      { headers: { origin: 'https://evil.example' }, body: JSON.stringify(newUser) },
    ],
    [
      'JSON without an Origin header',
      { omitHeaders: ['origin'], body: JSON.stringify(newUser) },
    ],
  ])('refuses %s with 4xx and changes nothing', async (_name, attack) => {
    const before = await snapshotAllTables(t.db);
    const reply = await admin.mutation('users.create', undefined, attack);
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(await snapshotAllTables(t.db)).toEqual(before);
  });

  it('accepts the same request from the panel itself (control)', async () => {
    data(await admin.mutation('users.create', newUser));
    expect(await t.db.user.count({ where: { username: 'planted' } })).toBe(1);
  });

  it('refuses a mutation over GET', async () => {
    const before = await snapshotAllTables(t.db);
    const reply = await admin.query('users.create', newUser);
    expect(reply.status).toBe(405);
    expect(await snapshotAllTables(t.db)).toEqual(before);
  });
});
