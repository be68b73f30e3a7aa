import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit } from '@/server/audit/records';
import type { Db } from '@/server/db/client';
import { createPanelPool } from '@/server/hosts/panel-pool';
import type { Operation } from '@/server/plan/ops';
import { planChange } from '@/server/plan/planner';
import { topologyHash } from '@/server/topology/diff';
import { interfaceWith, type Topology } from '@/server/topology/model';
import { refreshHost } from '@/server/topology/refresh';
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
  /** One drafted operation on hv1. */
  draftOperationId: string;
  /** A reviewed change of that draft, planned against hv1 as it really is (applying it is harmless). */
  reviewedChangeId: string;
  /** A change recorded as applied, with its start record (what revert and history read). */
  appliedChangeId: string;
  /** A stored read of hv1 (what the time slider shows). */
  snapshotId: string;
  /** A change seen on hv1 outside Switchboard, between two stored reads. */
  observedChangeId: string;
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
  'users.unlock': (f) => ({ userId: f.target.id }),
  'users.delete': (f) => ({ userId: f.target.id }),
  'hosts.scanKey': () => ({ address: hv1.address, port: 22 }),
  'hosts.create': () => ({ name: 'hv2', address: hv2.address, confirmedFingerprint: hv2Fingerprint }),
  'hosts.update': (f) => ({ id: f.host.id, labels: ['changed'] }),
  'hosts.repin': (f) => ({ id: f.host.id, confirmedFingerprint: hv1Fingerprint }),
  'hosts.remove': (f) => ({ id: f.host.id }),
  'hosts.testConnection': (f) => ({ id: f.host.id }),
  'hosts.installHelpers': (f) => ({ id: f.host.id, confirmed: true }),
  'topology.refresh': (f) => ({ hostId: f.host.id }),
  'topology.refreshAll': () => undefined,
  'topology.acknowledgeChanges': (f) => ({ hostId: f.host.id }),
  'topology.savePositions': (f) => ({ hostId: f.host.id, positions: { 'if:eth0': { x: 10, y: 20 } } }),
  'changes.addOperations': (f) => ({ hostId: f.host.id, operations: [{ kind: 'createBridge', name: 'brp', stp: false, vlanFiltering: false }] }),
  'changes.removeOperation': (f) => ({ hostId: f.host.id, operationId: f.draftOperationId }),
  'changes.discardDraft': (f) => ({ hostId: f.host.id }),
  'changes.review': (f) => ({ hostId: f.host.id }),
  'changes.applyChange': (f) => ({ changeId: f.reviewedChangeId, reason: 'policy test', confirmDisruptive: false }),
  'changes.revert': (f) => ({ changeId: f.appliedChangeId }),
  'changes.undoOutsideChange': (f) => ({ observedChangeId: f.observedChangeId }),
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
  'hosts.helpersPreview': (f) => ({ id: f.host.id }),
  'topology.latest': (f) => ({ hostId: f.host.id }),
  'topology.timeline': (f) => ({ hostId: f.host.id }),
  'topology.snapshot': (f) => ({ hostId: f.host.id, snapshotId: f.snapshotId }),
  'topology.compare': (f) => ({ hostId: f.host.id, from: f.snapshotId, to: f.snapshotId }),
  'topology.observedChanges': () => ({}),
  'topology.conflicts': () => ({}),
  'topology.rates': (f) => ({ hostId: f.host.id }),
  'topology.positions': (f) => ({ hostId: f.host.id }),
  'topology.dashboard': () => ({ everySeconds: 60 }),
  'changes.draft': (f) => ({ hostId: f.host.id }),
  'changes.list': () => ({}),
  'changes.get': (f) => ({ changeId: f.appliedChangeId }),
  'changes.pictures': (f) => ({ changeId: f.appliedChangeId }),
  'changes.export': () => ({ format: 'csv' }),
  'audit.events': () => ({}),
  'audit.exportEvents': () => ({ format: 'csv' }),
};

let liveHv1: Topology;

/** hv1 as it is now, read once, so a reviewed change can be planned against the real host. */
async function readHv1(db: Db): Promise<Topology> {
  await authorizeLabKey((await ensurePanelIdentity(db)).publicKey);
  const host = await db.host.create({
    data: { name: 'hv1-read', address: hv1.address, hostKeyFingerprint: hv1Fingerprint, hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
  });
  const pool = createPanelPool(db);
  try {
    return (await refreshHost(db, pool, host.id)).topology;
  } finally {
    pool.closeAll();
    await db.topologySnapshot.deleteMany();
    await db.host.delete({ where: { id: host.id } });
  }
}

async function changeFixtures(db: Db, hostId: string) {
  const operation: Operation = { kind: 'setLinkState', dev: 'veth-a', up: true };
  const draft = await db.draftOperation.create({ data: { hostId, position: 0, operation: JSON.stringify(operation), authorId: 'x', authorName: 'x' } });
  const planned = planChange(liveHv1, [operation], hv1.address);
  if (!planned.ok) throw new Error('fixture plan refused');
  const stored = JSON.stringify({ steps: planned.plan.steps, diff: planned.plan.diff, intended: planned.plan.intended });
  const common = { hostId, hostName: 'hv1', authorId: 'x', authorName: 'x', operations: JSON.stringify([operation]), plan: stored, baseHash: topologyHash(liveHv1) };
  const reviewed = await db.changeSet.create({ data: { ...common, status: 'reviewed', draftIds: JSON.stringify([draft.id]) } });
  const applied = await db.changeSet.create({ data: { ...common, status: 'applied', draftIds: '[]', reason: 'fixture', startedAt: new Date(), finishedAt: new Date() } });
  await appendAudit(db, { kind: 'change.started', changeId: applied.id, hostId, actor: null, content: { host: { name: 'hv1', hostKeyFingerprint: hv1Fingerprint }, reason: 'fixture', operations: [operation], steps: planned.plan.steps, before: liveHv1 } });
  await appendAudit(db, { kind: 'change.finished', changeId: applied.id, hostId, actor: null, content: { result: 'applied', differences: [], after: planned.plan.intended } });
  const snapshot = await db.topologySnapshot.create({ data: { hostId, hash: topologyHash(liveHv1), topology: JSON.stringify(liveHv1) } });
  // An unacknowledged outside change (a dummy made by hand), so acknowledging and undoing have something to do.
  const withDummy: Topology = { ...liveHv1, interfaces: [...liveHv1.interfaces, interfaceWith('dumout', 'dummy', { index: 900 })] };
  const later = await db.topologySnapshot.create({ data: { hostId, hash: topologyHash(withDummy), topology: JSON.stringify(withDummy) } });
  const outside = await db.observedChange.create({ data: { hostId, fromSnapshotId: snapshot.id, toSnapshotId: later.id, changes: '[]', summary: 'interface dumout added' } });
  return { draftOperationId: draft.id, reviewedChangeId: reviewed.id, appliedChangeId: applied.id, snapshotId: snapshot.id, observedChangeId: outside.id };
}

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
    liveHv1 = await readHv1(t.db);
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    // An allowed apply runs on in the background; let it settle before the tables are emptied.
    for (let i = 0; i < 200 && (await t.db.changeSet.count({ where: { status: { in: ['applying', 'recovering'] } } })); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  /**
   * The four role users and their sessions, signed in once per provider: a sign-in runs argon2,
   * and four per case over 450 cases took this file 12 minutes. Each case puts the same rows back
   * and each browser its cookie, so every request still goes through the real session check
   * (signing in itself is tested in auth.int.test.ts).
   */
  let panelIdentity: Awaited<ReturnType<Db['panelIdentity']['findMany']>> | null = null;
  let signedIn: { users: Awaited<ReturnType<Db['user']['findMany']>>; sessions: Awaited<ReturnType<Db['session']['findMany']>>; cookies: Map<Role, string | undefined> } | null = null;

  beforeEach(async () => {
    await emptyAllTables(t.db);
    if (!signedIn) {
      for (const role of ROLES) {
        await makeUser(t.db, `as-${role}`, role);
        const browser = new TestBrowser(t.db);
        data(await browser.mutation('auth.signIn', { username: `as-${role}`, password: TEST_PASSWORD }));
        browsers.set(role, browser);
      }
      signedIn = { users: await t.db.user.findMany(), sessions: await t.db.session.findMany(), cookies: new Map(ROLES.map((r) => [r, browsers.get(r)!.cookie])) };
    } else {
      await t.db.user.createMany({ data: signedIn.users });
      await t.db.session.createMany({ data: signedIn.sessions });
      for (const role of ROLES) browsers.get(role)!.cookie = signedIn.cookies.get(role);
    }
    const host = await t.db.host.create({
      data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: hv1Fingerprint, hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    fixture = { target: await makeUser(t.db, 'target-user', 'admin'), host, ...(await changeFixtures(t.db, host.id)) };
    // A refresh really reaches hv1, so the lab authorizes this database's panel key: once per
    // provider, then the same key goes back in for each case (authorizing pushes the key into
    // every lab host, kv1 through its guest agent under emulation: over 1 s a case on CI).
    if (!panelIdentity) {
      await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
      panelIdentity = await t.db.panelIdentity.findMany();
    } else {
      await t.db.panelIdentity.createMany({ data: panelIdentity });
    }
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
