import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@/server/testing/database';
import { emptyAllTables, openTestDatabase, snapshotAllTables } from '@/server/testing/database';
import { makeUser, TEST_PASSWORD } from '@/server/testing/fixtures';
import { data, PANEL_ORIGIN, TestBrowser } from '@/server/testing/http-client';
import { handleTrpcRequest } from '@/server/api/http';
import { MAX_BODY_BYTES } from '@/server/api/edge';
import { ANONYMOUS_LIMITS, ANONYMOUS_WINDOW_MS } from '@/server/api/anonymous-limit';

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

describe('the rest of the HTTP edge: Host names, body size, anonymous callers', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(t.db);
    await makeUser(t.db, 'admin', 'admin');
  });

  it('refuses a DNS-rebinding request (a foreign Host with a matching Origin) and changes nothing', async () => {
    const admin = new TestBrowser(t.db);
    data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
    const before = await snapshotAllTables(t.db);
    const reply = await admin.mutation('users.create', { username: 'planted', password: TEST_PASSWORD, role: 'admin' }, { headers: { host: 'evil.example', origin: 'http://evil.example' } });
    expect(reply.status).toBe(403);
    expect(reply.body.error?.message).toMatch(/does not answer to the name "evil\.example"/);
    expect(await snapshotAllTables(t.db)).toEqual(before);
    // Queries too: a rebinding page learns nothing.
    const probe = new Request(`http://evil.example/api/trpc/auth.me`, { headers: { host: 'evil.example' } });
    expect((await handleTrpcRequest(probe, { db: t.db, hosts: { hosts: [new URL(PANEL_ORIGIN).host] } })).status).toBe(403);
  });

  it('refuses a body over the limit before parsing it, declared or streamed', async () => {
    const huge = JSON.stringify({ username: 'admin', password: 'x'.repeat(MAX_BODY_BYTES) });
    const declared = await new TestBrowser(t.db).mutation('auth.signIn', undefined, { body: huge });
    expect(declared.status).toBe(413);
    expect(declared.body.error?.message).toMatch(/larger than 1024 KiB/);
    // Chunked, without a Content-Length: cut off while reading.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
        c.close();
      },
    });
    const req = new Request(`${PANEL_ORIGIN}/api/trpc/auth.signIn`, {
      method: 'POST',
      headers: { host: new URL(PANEL_ORIGIN).host, origin: PANEL_ORIGIN, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect((await handleTrpcRequest(req, { db: t.db, hosts: { hosts: [new URL(PANEL_ORIGIN).host] } })).status).toBe(413);
    expect(await t.db.loginAttempt.count()).toBe(0);
  });

  it(`limits callers who are not signed in to ${ANONYMOUS_LIMITS.mutation} mutations per ${ANONYMOUS_WINDOW_MS / 1000} s per address`, async () => {
    const stranger = new TestBrowser(t.db, '203.0.113.50');
    for (let i = 0; i < ANONYMOUS_LIMITS.mutation; i++) {
      const r = await stranger.mutation('auth.completeSetup', { token: 'y'.repeat(40), username: 'eve', password: TEST_PASSWORD });
      expect(r.status).toBe(403); // a wrong link, answered
    }
    const limited = await stranger.mutation('auth.completeSetup', { token: 'y'.repeat(40), username: 'eve', password: TEST_PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body.error?.message).toMatch(/Too many requests from this address without signing in/);
    // Another address is not affected.
    data(await new TestBrowser(t.db, '203.0.113.51').mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
  });
});
