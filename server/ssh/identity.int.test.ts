import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import type { TestDatabase } from '@/server/testing/database';
import { openTestDatabase, PROVIDERS } from '@/server/testing/database';
import { ensurePanelIdentity, loadPanelPrivateKey } from '@/server/ssh/identity';

describe.each(PROVIDERS)('panel SSH identity on %s', (provider) => {
  let t: TestDatabase;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    t = await openTestDatabase(provider);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.panelIdentity.deleteMany();
  });

  it('generates one ed25519 key pair on first use and keeps it', async () => {
    const first = await ensurePanelIdentity(t.db, masterKey);
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ switchboard@/);
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(first.authorizedKeysLine).toBe(first.publicKey);
    expect(await ensurePanelIdentity(t.db, masterKey)).toEqual(first);
  });

  it('concurrent first uses agree on a single key', async () => {
    const all = await Promise.all([1, 2, 3].map(() => ensurePanelIdentity(t.db, masterKey)));
    expect(new Set(all.map((i) => i.publicKey)).size).toBe(1);
    expect(await t.db.panelIdentity.count()).toBe(1);
  });

  it('stores the private key only sealed, and it opens to the matching private key', async () => {
    const identity = await ensurePanelIdentity(t.db, masterKey);
    const privateKey = await loadPanelPrivateKey(t.db, masterKey);
    expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);

    const row = await t.db.panelIdentity.findFirstOrThrow();
    const body = privateKey.split('\n').slice(1, -2).join('');
    expect(JSON.stringify(row)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(row)).not.toContain(body.slice(0, 40));

    // The opened key signs what the stored public key verifies: they are one pair.
    const priv = ssh2.utils.parseKey(privateKey);
    const pub = ssh2.utils.parseKey(identity.publicKey);
    if (priv instanceof Error || pub instanceof Error) throw new Error('key did not parse');
    const message = Buffer.from('switchboard');
    expect(pub.verify(message, priv.sign(message))).toBe(true);
    // What the API returns carries no private material.
    expect(JSON.stringify(identity)).not.toContain('PRIVATE');
  });

  it('refuses to open the key under a different secret, saying what to do', async () => {
    await ensurePanelIdentity(t.db, masterKey);
    await expect(loadPanelPrivateKey(t.db, randomBytes(32))).rejects.toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      userMessage: expect.stringMatching(/Restore the original secret/),
    });
  });
});
