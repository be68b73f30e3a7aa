import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashPassword } from '@/server/auth/password';
import type { TestDatabase } from '@/server/testing/database';
import { emptyAllTables, openTestDatabase, PROVIDERS } from '@/server/testing/database';
import { makeUser, TEST_PASSWORD } from '@/server/testing/fixtures';
import { data, TestBrowser } from '@/server/testing/http-client';
import { issueSetupToken } from '@/server/auth/setup';
import { ACCOUNT_BACKOFF_AFTER, ACCOUNT_BACKOFF_MS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS } from '@/server/auth/rate-limit';
import { tokenDigest } from '@/server/auth/tokens';

// hashPassword is watched (not replaced) so a test can tell whether a request paid for a hash.
vi.mock('@/server/auth/password', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/server/auth/password')>();
  return { ...actual, hashPassword: vi.fn(actual.hashPassword) };
});

describe.each(PROVIDERS)('users and sessions on %s', (provider) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await openTestDatabase(provider);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(t.db);
  });

  describe('first-admin setup link', () => {
    it('creates the first admin (argon2id), signs them in, and then stops working', async () => {
      const token = await issueSetupToken(t.db);
      expect(token).toBeTruthy();
      const browser = new TestBrowser(t.db);
      expect(data(await browser.query('auth.setupStatus', { token }))).toEqual({
        needsFirstAdmin: true,
        linkValid: true,
      });

      const reply = await browser.mutation('auth.completeSetup', { token, username: 'Root', password: TEST_PASSWORD });
      expect(data(reply)).toMatchObject({ username: 'root', role: 'admin' });
      const setCookie = reply.headers.getSetCookie().join('\n');
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(data(await browser.query('auth.me'))).toMatchObject({ username: 'root', role: 'admin' });

      const admin = await t.db.user.findUniqueOrThrow({ where: { username: 'root' } });
      expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
      expect(admin.passwordHash).not.toContain(TEST_PASSWORD);
      // The token is stored only as a digest.
      const row = await t.db.setupToken.findFirstOrThrow();
      expect(row.tokenHash).toBe(tokenDigest(token!));

      const again = await new TestBrowser(t.db).mutation('auth.completeSetup', {
        token,
        username: 'intruder',
        password: TEST_PASSWORD,
      });
      expect(again.status).toBe(403);
      expect(again.body.error?.data.appCode).toBe('SETUP_LINK_INVALID');
      expect(await t.db.user.count()).toBe(1);
      expect(data(await browser.query('auth.setupStatus', { token }))).toMatchObject({ linkValid: false });
    });

    it('issues no link once a user exists', async () => {
      await makeUser(t.db, 'someone', 'admin');
      expect(await issueSetupToken(t.db)).toBeNull();
    });

    it('a restart replaces the link: the older one is dead', async () => {
      const first = await issueSetupToken(t.db);
      const second = await issueSetupToken(t.db);
      const reply = await new TestBrowser(t.db).mutation('auth.completeSetup', {
        token: first,
        username: 'root',
        password: TEST_PASSWORD,
      });
      expect(reply.body.error?.data.appCode).toBe('SETUP_LINK_INVALID');
      data(await new TestBrowser(t.db).mutation('auth.completeSetup', { token: second, username: 'root', password: TEST_PASSWORD }));
    });

    it('refuses a guessed token', async () => {
      await issueSetupToken(t.db);
      const reply = await new TestBrowser(t.db).mutation('auth.completeSetup', {
        token: 'x'.repeat(43),
        username: 'root',
        password: TEST_PASSWORD,
      });
      expect(reply.status).toBe(403);
      expect(await t.db.user.count()).toBe(0);
    });

    it('two simultaneous uses of one link create exactly one admin', async () => {
      const token = await issueSetupToken(t.db);
      const replies = await Promise.all(
        ['first', 'second'].map((username) =>
          new TestBrowser(t.db).mutation('auth.completeSetup', { token, username, password: TEST_PASSWORD }),
        ),
      );
      expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
      expect(await t.db.user.count()).toBe(1);
    });
  });

  describe('sign-in and sessions', () => {
    it('signs in, keeps the session in an httpOnly cookie, and signs out', async () => {
      await makeUser(t.db, 'olga', 'operator');
      const browser = new TestBrowser(t.db);
      const reply = await browser.mutation('auth.signIn', { username: 'olga', password: TEST_PASSWORD });
      expect(data(reply)).toMatchObject({ username: 'olga', role: 'operator' });
      expect(reply.headers.getSetCookie()[0]).toMatch(/^switchboard_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
      // Only the digest of the cookie is stored.
      expect(await t.db.session.findUnique({ where: { id: tokenDigest(browser.cookie!) } })).not.toBeNull();
      expect(await t.db.session.count({ where: { id: browser.cookie! } })).toBe(0);

      const cookieBeforeSignOut = browser.cookie;
      const out = await browser.mutation('auth.signOut');
      expect(out.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
      expect(await t.db.session.count()).toBe(0);
      // The old cookie is dead even if a copy survived in the browser.
      browser.cookie = cookieBeforeSignOut;
      expect(data(await browser.query('auth.me'))).toBeNull();
    });

    it('refuses an expired session and removes it at the next sign-in', async () => {
      await makeUser(t.db, 'eve', 'viewer');
      const browser = new TestBrowser(t.db);
      data(await browser.mutation('auth.signIn', { username: 'eve', password: TEST_PASSWORD }));
      await t.db.session.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
      expect(data(await browser.query('auth.me'))).toBeNull();
      expect((await browser.query('users.list')).status).toBe(401);
      data(await new TestBrowser(t.db).mutation('auth.signIn', { username: 'eve', password: TEST_PASSWORD }));
      expect(await t.db.session.count({ where: { expiresAt: { lt: new Date() } } })).toBe(0);
    });

    it('lets a user change their own password, ending their other sessions but not this one', async () => {
      await makeUser(t.db, 'cora', 'viewer');
      const here = new TestBrowser(t.db);
      const elsewhere = new TestBrowser(t.db);
      data(await here.mutation('auth.signIn', { username: 'cora', password: TEST_PASSWORD }));
      data(await elsewhere.mutation('auth.signIn', { username: 'cora', password: TEST_PASSWORD }));
      const before = (await t.db.user.findUniqueOrThrow({ where: { username: 'cora' } })).passwordHash;

      const wrong = await here.mutation('auth.changePassword', { currentPassword: 'not it', newPassword: 'a fresh long passphrase' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error?.message).toMatch(/current password is not correct/);
      expect((await t.db.user.findUniqueOrThrow({ where: { username: 'cora' } })).passwordHash).toBe(before);
      expect(data(await here.query('auth.me'))).toMatchObject({ username: 'cora' });

      data(await here.mutation('auth.changePassword', { currentPassword: TEST_PASSWORD, newPassword: 'a fresh long passphrase' }));
      expect(data(await here.query('auth.me'))).toMatchObject({ username: 'cora' });
      expect(data(await elsewhere.query('auth.me'))).toBeNull();
      expect((await new TestBrowser(t.db).mutation('auth.signIn', { username: 'cora', password: TEST_PASSWORD })).status).toBe(401);
      data(await new TestBrowser(t.db).mutation('auth.signIn', { username: 'cora', password: 'a fresh long passphrase' }));
    });

    it('counts wrong current passwords against the sign-in limit', async () => {
      await makeUser(t.db, 'gus', 'viewer');
      const browser = new TestBrowser(t.db);
      data(await browser.mutation('auth.signIn', { username: 'gus', password: TEST_PASSWORD }));
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) {
        await browser.mutation('auth.changePassword', { currentPassword: `guess ${i}`, newPassword: 'a fresh long passphrase' });
      }
      const locked = await browser.mutation('auth.changePassword', { currentPassword: TEST_PASSWORD, newPassword: 'a fresh long passphrase' });
      expect(locked.status).toBe(429);
    });

    it('sets Secure on the cookie when served over HTTPS', async () => {
      await makeUser(t.db, 'sam', 'viewer');
      const reply = await new TestBrowser(t.db).mutation(
        'auth.signIn',
        { username: 'sam', password: TEST_PASSWORD },
        { headers: { 'x-forwarded-proto': 'https' } },
      );
      expect(reply.headers.getSetCookie()[0]).toMatch(/; Secure$/);
    });

    it('answers a wrong password and an unknown user the same way', async () => {
      await makeUser(t.db, 'vera', 'viewer');
      const wrong = await new TestBrowser(t.db).mutation('auth.signIn', { username: 'vera', password: 'nope' });
      const unknown = await new TestBrowser(t.db).mutation('auth.signIn', { username: 'nobody', password: 'nope' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error?.message).toBe(unknown.body.error?.message);
    });

    it('refuses disabled accounts and ends their sessions when disabled', async () => {
      await makeUser(t.db, 'admin', 'admin');
      const victim = await makeUser(t.db, 'dora', 'viewer');
      const admin = new TestBrowser(t.db);
      data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
      const dora = new TestBrowser(t.db, '192.0.2.20');
      data(await dora.mutation('auth.signIn', { username: 'dora', password: TEST_PASSWORD }));

      data(await admin.mutation('users.setDisabled', { userId: victim.id, disabled: true }));
      expect(data(await dora.query('auth.me'))).toBeNull();
      const retry = await new TestBrowser(t.db, '192.0.2.20').mutation('auth.signIn', { username: 'dora', password: TEST_PASSWORD });
      expect(retry.status).toBe(403);
    });

    it('applies a role change to existing sessions at once', async () => {
      await makeUser(t.db, 'admin', 'admin');
      const other = await makeUser(t.db, 'otto', 'admin');
      const admin = new TestBrowser(t.db);
      data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
      const otto = new TestBrowser(t.db);
      data(await otto.mutation('auth.signIn', { username: 'otto', password: TEST_PASSWORD }));
      expect((await otto.query('users.list')).status).toBe(200);
      data(await admin.mutation('users.setRole', { userId: other.id, role: 'viewer' }));
      expect((await otto.query('users.list')).status).toBe(403);
    });

    it('a password reset signs the user out everywhere', async () => {
      await makeUser(t.db, 'admin', 'admin');
      const user = await makeUser(t.db, 'pia', 'viewer');
      const admin = new TestBrowser(t.db);
      data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
      const pia = new TestBrowser(t.db);
      data(await pia.mutation('auth.signIn', { username: 'pia', password: TEST_PASSWORD }));
      data(await admin.mutation('users.resetPassword', { userId: user.id, password: 'a brand new passphrase' }));
      expect(data(await pia.query('auth.me'))).toBeNull();
      data(await new TestBrowser(t.db).mutation('auth.signIn', { username: 'pia', password: 'a brand new passphrase' }));
    });

    it('keeps one enabled admin: the last one cannot be demoted, disabled or deleted', async () => {
      const only = await makeUser(t.db, 'admin', 'admin');
      const second = await makeUser(t.db, 'second', 'admin');
      const admin = new TestBrowser(t.db);
      data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
      data(await admin.mutation('users.delete', { userId: second.id }));
      const demote = await admin.mutation('users.setRole', { userId: only.id, role: 'viewer' });
      expect(demote.status).toBe(409);
      expect(demote.body.error?.data.appCode).toBe('LAST_ADMIN');
      expect(demote.body.error?.message).toMatch(/only enabled admin/);
      expect((await t.db.user.findUniqueOrThrow({ where: { id: only.id } })).role).toBe('admin');
      expect((await admin.mutation('users.delete', { userId: only.id })).status).toBe(409);
    });

    it('two admins demoting each other at the same moment leave one admin', async () => {
      const a = await makeUser(t.db, 'alpha', 'admin');
      const b = await makeUser(t.db, 'bravo', 'admin');
      const alpha = new TestBrowser(t.db);
      const bravo = new TestBrowser(t.db);
      data(await alpha.mutation('auth.signIn', { username: 'alpha', password: TEST_PASSWORD }));
      data(await bravo.mutation('auth.signIn', { username: 'bravo', password: TEST_PASSWORD }));
      for (let round = 0; round < 5; round++) {
        await t.db.user.updateMany({ data: { role: 'admin' } });
        const replies = await Promise.all([
          alpha.mutation('users.setRole', { userId: b.id, role: 'viewer' }),
          bravo.mutation('users.setRole', { userId: a.id, role: 'viewer' }),
        ]);
        expect(await t.db.user.count({ where: { role: 'admin', disabled: false } })).toBeGreaterThanOrEqual(1);
        const refused = replies.filter((r) => r.status !== 200);
        expect(refused.length).toBeGreaterThanOrEqual(1);
        for (const r of refused) expect([403, 409]).toContain(r.status);
      }
    });

    it('refuses a duplicate username with a message that says what to do', async () => {
      await makeUser(t.db, 'admin', 'admin');
      const admin = new TestBrowser(t.db);
      data(await admin.mutation('auth.signIn', { username: 'admin', password: TEST_PASSWORD }));
      const reply = await admin.mutation('users.create', { username: 'ADMIN', password: TEST_PASSWORD, role: 'viewer' });
      expect(reply.status).toBe(409);
      expect(reply.body.error?.message).toMatch(/already exists/);
    });
  });

  describe('sign-in rate limiting', () => {
    it(`locks an account after ${MAX_FAILURES_PER_ACCOUNT} failures from one address, for that address only`, async () => {
      await makeUser(t.db, 'lena', 'viewer');
      const attacker = '198.51.100.66';
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) {
        const r = await new TestBrowser(t.db, attacker).mutation('auth.signIn', { username: 'lena', password: 'wrong' });
        expect(r.status).toBe(401);
      }
      // Even the right password is refused from there now...
      const locked = await new TestBrowser(t.db, attacker).mutation('auth.signIn', { username: 'lena', password: TEST_PASSWORD });
      expect(locked.status).toBe(429);
      expect(locked.body.error?.message).toMatch(/Too many failed sign-in attempts from this address.*ask an admin to unlock/);
      expect(await t.db.session.count()).toBe(0);
      // ...but the owner at another address is not locked out by someone else's guessing.
      data(await new TestBrowser(t.db, '198.51.100.99').mutation('auth.signIn', { username: 'lena', password: TEST_PASSWORD }));
    });

    it('slows (does not lock) an account guessed at from many addresses', async () => {
      await makeUser(t.db, 'lara', 'viewer');
      // Failures spread so that no address reaches its own limit.
      const now = Date.now();
      await t.db.loginAttempt.createMany({
        data: Array.from({ length: ACCOUNT_BACKOFF_AFTER }, (_, i) => ({ username: 'lara', address: `192.0.2.${i}`, succeeded: false, at: new Date(now - 60_000 + i) })),
      });
      await new TestBrowser(t.db, '192.0.2.200').mutation('auth.signIn', { username: 'lara', password: 'wrong' });
      const tooSoon = await new TestBrowser(t.db, '192.0.2.201').mutation('auth.signIn', { username: 'lara', password: TEST_PASSWORD });
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body.error?.message).toMatch(/slowed down\. Try again in 2 seconds/);
      await new Promise((r) => setTimeout(r, ACCOUNT_BACKOFF_MS + 100));
      data(await new TestBrowser(t.db, '192.0.2.201').mutation('auth.signIn', { username: 'lara', password: TEST_PASSWORD }));
    });

    it('an admin unlocks an account, or lifts the lock with a password reset, and both are audited', async () => {
      const admin = await makeUser(t.db, 'root', 'admin');
      const lia = await makeUser(t.db, 'lia', 'viewer');
      const lockOut = async (address: string) => {
        for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) await new TestBrowser(t.db, address).mutation('auth.signIn', { username: 'lia', password: 'wrong' });
        expect((await new TestBrowser(t.db, address).mutation('auth.signIn', { username: 'lia', password: TEST_PASSWORD })).status).toBe(429);
      };
      const adminBrowser = new TestBrowser(t.db, '10.9.9.9');
      data(await adminBrowser.mutation('auth.signIn', { username: 'root', password: TEST_PASSWORD }));

      await lockOut('198.51.100.5');
      const listed = data(await adminBrowser.query('users.list')) as { username: string; lockedFrom: string[] }[];
      expect(listed.find((u) => u.username === 'lia')?.lockedFrom).toEqual(['198.51.100.5']);
      data(await adminBrowser.mutation('users.unlock', { userId: lia.id }));
      data(await new TestBrowser(t.db, '198.51.100.5').mutation('auth.signIn', { username: 'lia', password: TEST_PASSWORD }));

      await lockOut('198.51.100.6');
      data(await adminBrowser.mutation('users.resetPassword', { userId: lia.id, password: 'a brand new passphrase' }));
      data(await new TestBrowser(t.db, '198.51.100.6').mutation('auth.signIn', { username: 'lia', password: 'a brand new passphrase' }));

      const events = data(await adminBrowser.query('audit.events', { user: 'lia' })) as { items: { kind: string; actorName: string | null; content: Record<string, unknown> }[] };
      const kinds = events.items.map((e) => e.kind).reverse();
      expect(kinds.filter((k) => k === 'auth.sign_in_failed')).toHaveLength(2 * MAX_FAILURES_PER_ACCOUNT);
      expect(kinds.filter((k) => k !== 'auth.sign_in_failed')).toEqual(['auth.locked_out', 'user.unlocked', 'auth.signed_in', 'auth.locked_out', 'user.password_reset', 'auth.signed_in']);
      expect(events.items.find((e) => e.kind === 'user.unlocked')).toMatchObject({ actorName: 'root', content: { username: 'lia', lockedFrom: ['198.51.100.5'], failedSignInsForgiven: MAX_FAILURES_PER_ACCOUNT } });
      expect(events.items.find((e) => e.kind === 'auth.locked_out')).toMatchObject({ actorName: null, content: { username: 'lia', address: '198.51.100.6' } });
      expect(admin.id).toBeTruthy();
    });

    it(`blocks an address after ${MAX_FAILURES_PER_ADDRESS} failures across accounts`, async () => {
      await makeUser(t.db, 'mia', 'viewer');
      const attacker = '203.0.113.7';
      for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++) {
        await new TestBrowser(t.db, attacker).mutation('auth.signIn', { username: `guess${i}`, password: 'wrong' });
      }
      const fromAttacker = await new TestBrowser(t.db, attacker).mutation('auth.signIn', { username: 'mia', password: TEST_PASSWORD });
      expect(fromAttacker.status).toBe(429);
      // The account itself is not locked for everyone else.
      data(await new TestBrowser(t.db, '203.0.113.8').mutation('auth.signIn', { username: 'mia', password: TEST_PASSWORD }));
    });

    it('a successful sign-in clears the account’s earlier failures', async () => {
      await makeUser(t.db, 'nina', 'viewer');
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT - 1; i++) {
        await new TestBrowser(t.db).mutation('auth.signIn', { username: 'nina', password: 'wrong' });
      }
      data(await new TestBrowser(t.db).mutation('auth.signIn', { username: 'nina', password: TEST_PASSWORD }));
      await new TestBrowser(t.db).mutation('auth.signIn', { username: 'nina', password: 'wrong' });
      data(await new TestBrowser(t.db).mutation('auth.signIn', { username: 'nina', password: TEST_PASSWORD }));
    });
  });

  describe('security events on the audit chain', () => {
    it('records every account event with who did it, lists and exports them, and the chain verifies', async () => {
      const token = await issueSetupToken(t.db);
      const admin = new TestBrowser(t.db, '10.0.0.1');
      data(await admin.mutation('auth.completeSetup', { token, username: 'root', password: TEST_PASSWORD }));
      const created = data(await admin.mutation('users.create', { username: 'ulla', password: TEST_PASSWORD, role: 'viewer' })) as { id: string };
      data(await admin.mutation('users.setRole', { userId: created.id, role: 'auditor' }));
      data(await admin.mutation('users.setDisabled', { userId: created.id, disabled: true }));
      data(await admin.mutation('users.setDisabled', { userId: created.id, disabled: false }));
      const ulla = new TestBrowser(t.db, '10.0.0.2');
      data(await ulla.mutation('auth.signIn', { username: 'ulla', password: TEST_PASSWORD }));
      data(await ulla.mutation('auth.changePassword', { currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase' }));
      data(await ulla.mutation('auth.signOut'));
      data(await admin.mutation('users.delete', { userId: created.id }));

      const all = data(await admin.query('audit.events', {})) as { items: { kind: string; label: string; actorName: string | null; content: Record<string, unknown> }[] };
      expect(all.items.map((e) => [e.kind, e.actorName]).reverse()).toEqual([
        ['user.created', 'root'], // the first admin, through the setup link
        ['user.created', 'root'],
        ['user.role_changed', 'root'],
        ['user.disabled', 'root'],
        ['user.enabled', 'root'],
        ['auth.signed_in', 'ulla'],
        ['auth.password_changed', 'ulla'],
        ['auth.signed_out', 'ulla'],
        ['user.deleted', 'root'],
      ]);
      expect(all.items.find((e) => e.kind === 'user.role_changed')).toMatchObject({ label: 'role changed', content: { username: 'ulla', from: 'viewer', to: 'auditor' } });
      // No secret ever lands in the trail.
      const rows = await t.db.auditRecord.findMany();
      expect(JSON.stringify(rows)).not.toMatch(/another long passphrase|\$argon2/);

      const signIns = data(await admin.query('audit.events', { group: 'sign-in' })) as { items: { kind: string }[] };
      expect(new Set(signIns.items.map((e) => e.kind))).toEqual(new Set(['auth.signed_in', 'auth.password_changed', 'auth.signed_out']));

      const csv = data(await admin.query('audit.exportEvents', { format: 'csv', group: 'users' })) as { body: string };
      expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(1 + 6);
      expect(csv.body).toMatch(/^seq,at,kind,what,user,host_id,details,hash\r\n/);

      const report = data(await admin.query('changes.verify')) as { intact: boolean; records: number };
      expect(report).toMatchObject({ intact: true, records: 9 });
      // Removing one sign-in record breaks the chain, like a removed change record.
      await t.db.auditRecord.deleteMany({ where: { kind: 'auth.signed_out' } });
      expect(data(await admin.query('changes.verify'))).toMatchObject({ intact: false });
    });

    it('refuses a wrong setup link without hashing a password (the cheap check comes first)', async () => {
      await issueSetupToken(t.db);
      vi.mocked(hashPassword).mockClear();
      for (let i = 0; i < 3; i++) {
        const r = await new TestBrowser(t.db).mutation('auth.completeSetup', { token: 'x'.repeat(40), username: 'eve', password: TEST_PASSWORD });
        expect(r.body.error?.message).toMatch(/This setup link is not valid/);
      }
      expect(vi.mocked(hashPassword)).not.toHaveBeenCalled();
      expect(await t.db.user.count()).toBe(0);
    });
  });
});
