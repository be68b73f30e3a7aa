// Host inventory against real lab hosts (OpenSSH in namespaces) on SQLite and PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '@/server/audit/records';
import { authorizeLabKey, ensureLab, type LabHost } from '@/lab/testing';
import { appErrorOf } from '@/server/testing/errors';
import {
  createHost,
  listHostEvents,
  listHosts,
  removeHost,
  repinHost,
  scanHost,
  sshTargetOf,
  testConnection,
  updateHost,
} from '@/server/hosts/hosts';
import { ZCreateHostInput } from '@/server/hosts/hosts.types';
import { helpersPreview, installHelpers } from '@/server/hosts/least-privilege';
import { refreshHost } from '@/server/topology/refresh';
import { addOperations } from '@/server/changes/drafts';
import { reviewDraft } from '@/server/changes/review';
import { startApply } from '@/server/changes/apply';
import { getChange } from '@/server/changes/history';
import { LAB_OPERATOR, LAB_OPERATOR_SUDOERS } from '@/lab/config';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { ensurePanelIdentity } from '@/server/ssh/identity';
import type { SshPool } from '@/server/ssh/pool';
import { emptyAllTables, openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { makeUser } from '@/server/testing/fixtures';


let hv1: LabHost;
let hv2: LabHost;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1, hv2] = (await ensureLab({ hosts: 2 })) as [LabHost, LabHost];
});

describe.each(PROVIDERS)('host inventory on %s', (provider) => {
  let t: TestDatabase;
  let pool: SshPool;
  let admin: { id: string; username: string };

  beforeAll(async () => {
    t = await openTestDatabase(provider);
  });
  afterAll(async () => {
    pool?.closeAll();
    await hv1.restoreLink();
    await t?.close();
  });

  beforeEach(async () => {
    pool?.closeAll();
    await emptyAllTables(t.db);
    admin = await makeUser(t.db, 'root-admin', 'admin');
    // Each test database gets its own panel identity; the lab authorizes it on every host.
    await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
    pool = createPanelPool(t.db);
  });

  const hostInput = async (host: LabHost, over: Record<string, unknown> = {}) =>
    ZCreateHostInput.parse({
      name: host.name,
      address: host.address,
      confirmedFingerprint: await host.hostKeyFingerprint(),
      labels: ['lab', 'rack-1', 'lab'],
      ...over,
    });

  it('scans, pins and reaches a host, and records who added it', async () => {
    expect((await scanHost({ address: hv1.address, port: 22 })).fingerprint).toBe(await hv1.hostKeyFingerprint());
    const host = await createHost(t.db, pool, admin, await hostInput(hv1));
    expect(host).toMatchObject({
      name: 'hv1',
      address: hv1.address,
      port: 22,
      username: 'root',
      labels: ['lab', 'rack-1'],
      hostKeyFingerprint: await hv1.hostKeyFingerprint(),
      hostKeyType: 'ssh-ed25519',
      status: 'reachable',
    });
    expect(host.lastContactAt).toBeInstanceOf(Date);
    const [event] = await listHostEvents(t.db, host.id);
    expect(event).toMatchObject({ kind: 'created', actorName: 'root-admin', detail: { fingerprint: host.hostKeyFingerprint } });
  });

  it('refuses to pin a key other than the one the admin confirmed, and saves nothing', async () => {
    const err = await appErrorOf(createHost(t.db, pool, admin, await hostInput(hv1, { confirmedFingerprint: await hv2.hostKeyFingerprint() })));
    expect(err.code).toBe('HOST_KEY_MISMATCH');
    expect(err.userMessage).toContain(`now presents ${await hv1.hostKeyFingerprint()}, not the ${await hv2.hostKeyFingerprint()} you confirmed`);
    expect(await listHosts(t.db)).toEqual([]);
    expect(await listHostEvents(t.db)).toEqual([]);
  });

  it('refuses a second host with the same name', async () => {
    await createHost(t.db, pool, admin, await hostInput(hv1));
    const err = await appErrorOf(createHost(t.db, pool, admin, await hostInput(hv2, { name: 'hv1' })));
    expect(err).toMatchObject({ code: 'CONFLICT', userMessage: 'A host named hv1 already exists. Choose another name.' });
    expect((await listHosts(t.db)).map((h) => h.address)).toEqual([hv1.address]);
  });

  it('refuses the same SSH target (address, port and user) twice, naming the entry it already has', async () => {
    await createHost(t.db, pool, admin, await hostInput(hv1));
    const err = await appErrorOf(createHost(t.db, pool, admin, await hostInput(hv1, { name: 'hv1-again' })));
    expect(err).toMatchObject({ code: 'CONFLICT', userMessage: `root@${hv1.address}:22 is already in the inventory as hv1. Edit that entry instead of adding it twice.` });
    // Another user on the same machine is another target.
    const other = await createHost(t.db, pool, admin, await hostInput(hv1, { name: 'hv1-operator', username: 'sbl-operator' }));
    // Editing an entry into a copy of another is refused too.
    const copy = await appErrorOf(updateHost(t.db, pool, admin, { id: other.id, username: 'root' }));
    expect(copy?.userMessage).toMatch(/already in the inventory as hv1\./);
    expect((await listHosts(t.db)).map((h) => h.name).sort()).toEqual(['hv1', 'hv1-operator']);
  });

  it('least privilege: installs the helpers, after which only they run as root, each checked before use', async () => {
    const sudoersDir = `${hv1.names.dir}/sudoers.d`;
    const helpersDir = `${hv1.names.dir}/helpers`;
    // Set up as the README tells a sudo account to: the broad rule in /etc/sudoers.d/switchboard.
    fs.renameSync(`${sudoersDir}/${LAB_OPERATOR}`, `${sudoersDir}/switchboard`);
    try {
      const host = await createHost(t.db, pool, admin, await hostInput(hv1, { name: 'hv1-op', username: LAB_OPERATOR, useSudo: true }));
      expect(host.status, host.statusMessage ?? '').toBe('reachable');
      const preview = await helpersPreview(t.db, host.id);
      expect(preview).toMatchObject({ blocked: null, account: LAB_OPERATOR, sudoers: `${LAB_OPERATOR} ALL=(root) NOPASSWD: /usr/local/lib/switchboard/probe, /usr/local/lib/switchboard/apply, /usr/local/lib/switchboard/journal\n` });
      expect(preview.files.map((f) => f.path)).toEqual(['/usr/local/lib/switchboard/probe', '/usr/local/lib/switchboard/apply', '/usr/local/lib/switchboard/journal']);

      const installed = await installHelpers(t.db, pool, admin, host.id);
      expect(installed.useHelpers).toBe(true);
      // Root-owned, executable, byte for byte what the panel ships.
      for (const f of preview.files) {
        const st = fs.statSync(`${helpersDir}/${path.basename(f.path)}`);
        expect([st.uid, st.mode & 0o777]).toEqual([0, 0o755]);
        expect(fs.readFileSync(`${helpersDir}/${path.basename(f.path)}`, 'utf8')).toBe(f.content);
      }
      // The broad rule is gone: the account may run these three programs as root, nothing else.
      expect(fs.readFileSync(`${sudoersDir}/switchboard`, 'utf8')).toBe(preview.sudoers);
      const broad = await pool.exec({ ...sshTargetOf({ ...(await t.db.host.findUniqueOrThrow({ where: { id: host.id } })), useHelpers: false }), sudo: true }, ['sh', '-c', 'id -u'], { allowFailure: true });
      expect(broad.exitCode).not.toBe(0);

      // Reading the host and the journal go through the checked helpers.
      const read = await refreshHost(t.db, pool, host.id);
      expect(read.topology.interfaces.map((i) => i.name)).toContain('br0');
      expect(read.session).toMatchObject({ hostAddress: hv1.address, device: 'eth0' });

      // A change applies through the checked runner, journal and all.
      const operator = { id: admin.id, username: admin.username };
      await addOperations(t.db, operator, host.id, [{ kind: 'createBridge', name: 'sbhelp', stp: false, vlanFiltering: false }]);
      const review = await reviewDraft(t.db, pool, operator, host.id);
      if (!review.ok) throw new Error(JSON.stringify(review.problems));
      const { finished } = await startApply(t.db, pool, operator, { changeId: review.changeId, reason: 'through the helpers', confirmDisruptive: false });
      expect((await finished).status).toBe('applied');
      // Confirmed through the journal helper, over a new connection.
      expect((await getChange(t.db, review.changeId)).confirmation).toMatchObject({ state: 'confirmed', windowSeconds: 30 });
      await hv1.exec(['ip', 'link', 'del', 'dev', 'sbhelp']);

      // A modified copy is refused before it runs, with a sentence that says what to do.
      fs.appendFileSync(`${helpersDir}/probe`, `\ntouch ${helpersDir}/tampered-ran\n`);
      const refused = await appErrorOf(refreshHost(t.db, pool, host.id));
      expect(refused).toMatchObject({ code: 'HELPER_MISMATCH' });
      expect(refused.userMessage).toMatch(/^hv1-op: \/usr\/local\/lib\/switchboard\/probe has sha256 [0-9a-f]{64}, not the copy this panel installs, so nothing was run\./);
      expect(fs.existsSync(`${helpersDir}/tampered-ran`)).toBe(false);

      const event = await t.db.auditRecord.findFirstOrThrow({ where: { kind: 'host.helpers_installed' } });
      expect(JSON.parse(event.content)).toMatchObject({ account: LAB_OPERATOR, sudoersNarrowed: true, helpers: { probe: preview.files[0]!.sha256 } });
    } finally {
      fs.rmSync(`${sudoersDir}/switchboard`, { force: true });
      fs.writeFileSync(`${sudoersDir}/${LAB_OPERATOR}`, LAB_OPERATOR_SUDOERS, { mode: 0o440 });
      for (const f of fs.readdirSync(helpersDir)) fs.rmSync(`${helpersDir}/${f}`, { force: true });
    }
  });

  it('marks a host whose key changed as key mismatch, records it once, and re-pins deliberately', async () => {
    const host = await createHost(t.db, pool, admin, await hostInput(hv1));
    const pinned = host.hostKeyFingerprint;
    pool.closeAll(); // a new connection must verify the key again
    try {
      const impostor = await hv1.replaceHostKey();
      const tested = await testConnection(t.db, pool, host.id);
      expect(tested.status).toBe('key_mismatch');
      expect(tested.statusMessage).toContain(`expected ${pinned}, got ${impostor}`);
      pool.closeAll();
      await testConnection(t.db, pool, host.id);
      // The pool records refusals as they happen, without holding up the caller.
      const mismatches = async () => (await listHostEvents(t.db, host.id)).filter((e) => e.kind === 'key_mismatch');
      for (let i = 0; i < 40 && (await mismatches()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      expect((await mismatches()).map((e) => e.detail)).toEqual([
        { expected: pinned, presented: impostor, address: hv1.address, port: 22 },
      ]); // twice refused, recorded once
      const repinned = await repinHost(t.db, pool, admin, { id: host.id, confirmedFingerprint: impostor });
      expect(repinned).toMatchObject({ status: 'reachable', hostKeyFingerprint: impostor });
      const events = await listHostEvents(t.db, host.id);
      expect(events.map((e) => e.kind)).toEqual(['repinned', 'key_mismatch', 'created']);
      expect(events[0]!.detail).toEqual({ from: pinned, to: impostor });
      // The same three events are on the audit chain, which still verifies.
      const audited = await t.db.auditRecord.findMany({ where: { hostId: host.id }, orderBy: { seq: 'asc' } });
      expect(audited.map((r) => [r.kind, r.actorName])).toEqual([
        ['host.added', admin.username],
        ['host.key_refused', null],
        ['host.repinned', admin.username],
      ]);
      expect(JSON.parse(audited[1]!.content)).toMatchObject({ expected: pinned, presented: impostor });
      expect(await verifyAuditChain(t.db)).toMatchObject({ intact: true, records: 3 });
    } finally {
      await hv1.restoreHostKey();
    }
  });

  it('reports an unreachable host and a host that refuses the panel key as such', async () => {
    const host = await createHost(t.db, pool, admin, await hostInput(hv1));
    await hv1.cutLink();
    try {
      pool.closeAll();
      const cut = await testConnection(t.db, pool, host.id);
      expect(cut.status).toBe('unreachable');
      expect(cut.lastContactAt).toEqual(host.lastContactAt);
    } finally {
      await hv1.restoreLink();
    }
    const other = await createHost(t.db, pool, admin, await hostInput(hv2, { username: 'nobody' }));
    expect(other.status).toBe('auth_failed');
    expect(other.statusMessage).toMatch(/refused the panel's SSH key for user nobody/);
  });

  it('records edits with what changed, and removal', async () => {
    const host = await createHost(t.db, pool, admin, await hostInput(hv1));
    const updated = await updateHost(t.db, pool, admin, { id: host.id, name: 'hv1-renamed', labels: ['lab'], port: 22 });
    expect(updated).toMatchObject({ name: 'hv1-renamed', labels: ['lab'] });
    await removeHost(t.db, pool, admin, host.id);
    expect(await listHosts(t.db)).toEqual([]);
    const events = await listHostEvents(t.db);
    expect(events.map((e) => e.kind)).toEqual(['removed', 'updated', 'created']);
    expect(events[1]!.detail).toEqual({
      changes: { name: { from: 'hv1', to: 'hv1-renamed' }, labels: { from: ['lab', 'rack-1'], to: ['lab'] } },
    });
    expect(events[0]).toMatchObject({ hostName: 'hv1-renamed', actorName: 'root-admin' });
    const audited = await t.db.auditRecord.findMany({ orderBy: { seq: 'asc' } });
    expect(audited.map((r) => r.kind)).toEqual(['host.added', 'host.edited', 'host.removed']);
    expect(JSON.parse(audited[1]!.content)).toEqual({ name: 'hv1-renamed', changes: { name: { from: 'hv1', to: 'hv1-renamed' }, labels: { from: ['lab', 'rack-1'], to: ['lab'] } } });
  });
});

describe('host input validation', () => {
  it.each([
    ['name', { name: '-x' }, /starting with a letter or digit/],
    ['name', { name: 'a b' }, /Use letters/],
    ['address', { address: '-oProxyCommand=touch /tmp/x' }, /IPv4 or IPv6 address or a DNS name/],
    ['address', { address: 'host;rm' }, /IPv4 or IPv6/],
    ['port', { port: 70000 }, /1-65535/],
    ['port', { port: true }, /Port must be a number/],
    ['port', { port: '22' }, /Port must be a number/],
    ['port', { port: null }, /Port must be a number/],
    ['username', { username: 'Root$' }, /lower-case/],
    ['labels', { labels: ['a b'] }, /Labels use/],
    ['confirmedFingerprint', { confirmedFingerprint: 'MD5:aa:bb' }, /SHA256:/],
  ])('rejects a bad %s with a message that names the problem', (field, over, message) => {
    const r = ZCreateHostInput.safeParse({ name: 'hv1', address: '198.18.0.11', confirmedFingerprint: `SHA256:${'A'.repeat(43)}`, ...over });
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path[0] === field);
    expect(issue?.message).toMatch(message);
  });

  it('accepts IPv4, IPv6 and DNS names', () => {
    for (const address of ['198.18.0.11', 'fe80::1', 'hv-3.dc1.example.org']) {
      expect(ZCreateHostInput.safeParse({ name: 'x', address, confirmedFingerprint: `SHA256:${'A'.repeat(43)}` }).success).toBe(true);
    }
  });
});
