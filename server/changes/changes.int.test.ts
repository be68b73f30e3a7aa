// Changing a real lab host: draft -> review -> apply (one SSH exec) -> re-read -> revert, on
// SQLite and PostgreSQL. Failure injection at every step of a 10-operation change, a
// connection killed mid-apply, the host changing under a draft, and the audit chain.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureLab, type LabHost } from '@/lab/testing';
import { verifyAuditChain } from '@/server/audit/records';
import type { Operation } from '@/server/plan/ops';
import type { SshPool } from '@/server/ssh/pool';
import { appErrorOf } from '@/server/testing/errors';
import { emptyAllTables, openTestDatabase, PROVIDERS, type TestDatabase } from '@/server/testing/database';
import { changeHarness, configurationChanges, iface, panelWithLabHost } from '@/server/testing/changes';
import type { Topology } from '@/server/topology/model';
import { startApply } from './apply';
import { addOperations, discardDraft } from './drafts';
import { changeLabel } from './change-label';
import { exportChanges, getChange, listChanges, revertChange } from './history';
import { reviewDraft } from './review';
import { draftUndoOfOutsideChange } from './outside-undo';
import { refreshHost } from '@/server/topology/refresh';

let hv1: LabHost;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1] = (await ensureLab({ hosts: 2 })) as [LabHost];
  // From its seed: a failed run of these tests must not leave the next one a changed host.
  await hv1.start();
}, 600_000);

describe.each(PROVIDERS)('changing a lab host on %s', (provider) => {
  let t: TestDatabase;
  let pool: SshPool;
  let hostId: string;
  let actor: { id: string; username: string };

  const harness = changeHarness(() => ({ db: t.db, pool, actor, hostId }));
  const { read, change } = harness;

  beforeAll(async () => {
    t = await openTestDatabase(provider);
    await emptyAllTables(t.db);
    ({ pool, hostId, actor } = await panelWithLabHost(t.db, hv1, 'olivia'));
  });
  beforeEach(async () => {
    await t.db.draftOperation.deleteMany();
    // A failed case may leave the host changed; every case starts from the seeded host.
    const links = (await hv1.exec(['ip', '-o', 'link', 'show'])).stdout;
    if (!/ veth-a@veth-b: /.test(links) || !/ eth1@\S+: .* master br0 /.test(links) || / (brt1|vt1a|brk|k1a|brd|brh)[@:]/.test(links) || /mtu 1400/.test(links)) await hv1.start();
  });
  afterAll(async () => {
    pool?.closeAll();
    await t?.close();
  });

  // Each case: operations and what the host shows afterwards. Kinds this machine's kernel lacks
  // (bond, 802.1Q, dummy, VLAN filtering) run on a real-kernel host: real-kernel.int.test.ts.
  const cases: {
    name: string;
    ops: Operation[];
    check: (after: Topology) => void;
    /** Made inside the host first (not through Switchboard), removed after. */
    setup?: string[][];
    cleanup?: string[][];
  }[] = [
    {
      name: 'create a bridge with STP',
      ops: [{ kind: 'createBridge', name: 'brt1', stp: true, vlanFiltering: false }],
      check: (a) => expect(iface(a, 'brt1')).toMatchObject({ kind: 'bridge', bridge: { stp: true, vlanFiltering: false } }),
    },
    {
      name: 'create a veth pair',
      ops: [{ kind: 'createVeth', name: 'vt1a', peer: 'vt1b' }],
      check: (a) => expect(iface(a, 'vt1a')).toMatchObject({ kind: 'veth', peer: 'vt1b' }),
    },
    {
      name: 'connect veth-b to br0',
      ops: [{ kind: 'setMaster', dev: 'veth-b', master: 'br0' }],
      check: (a) => expect(iface(a, 'veth-b')?.master).toBe('br0'),
    },
    {
      name: 'disconnect eth1 from br0',
      ops: [{ kind: 'unsetMaster', dev: 'eth1' }],
      check: (a) => expect(iface(a, 'eth1')?.master).toBeNull(),
    },
    {
      name: 'set an MTU',
      ops: [{ kind: 'setMtu', dev: 'eth3', mtu: 1400 }],
      check: (a) => expect(iface(a, 'eth3')?.mtu).toBe(1400),
    },
    {
      name: 'set a link down',
      ops: [{ kind: 'setLinkState', dev: 'veth-a', up: false }],
      check: (a) => expect(iface(a, 'veth-a')?.adminUp).toBe(false),
    },
    {
      name: 'set a MAC address',
      ops: [{ kind: 'setMac', dev: 'veth-b', mac: '02:5b:99:00:00:01' }],
      check: (a) => expect(iface(a, 'veth-b')?.mac).toBe('02:5b:99:00:00:01'),
    },
    {
      name: 'add an address',
      ops: [{ kind: 'addAddress', dev: 'eth3', address: '203.0.113.7/24' }],
      check: (a) => expect(iface(a, 'eth3')?.addresses.map((x) => `${x.address}/${x.prefixLength}`)).toContain('203.0.113.7/24'),
    },
    {
      name: 'remove an address',
      ops: [{ kind: 'removeAddress', dev: 'br0', address: `198.18.1.${10 + 1}/24` }],
      check: (a) => expect(iface(a, 'br0')?.addresses.map((x) => x.address)).not.toContain('198.18.1.11'),
    },
    {
      name: 'delete a veth pair (re-created exactly on revert)',
      ops: [{ kind: 'deleteInterface', name: 'veth-a' }],
      check: (a) => expect([iface(a, 'veth-a'), iface(a, 'veth-b')]).toEqual([undefined, undefined]),
    },
    {
      name: 'delete a bridge with a port and an address (re-created exactly on revert)',
      setup: [
        ['ip', 'link', 'add', 'name', 'brd', 'address', '02:5b:99:00:00:0d', 'type', 'bridge', 'stp_state', '1'],
        ['ip', 'link', 'set', 'dev', 'veth-b', 'master', 'brd'],
        ['ip', 'address', 'add', '203.0.113.5/24', 'dev', 'brd'],
        ['ip', 'link', 'set', 'dev', 'brd', 'up'],
      ],
      ops: [{ kind: 'deleteInterface', name: 'brd' }],
      check: (a) => {
        expect(iface(a, 'brd')).toBeUndefined();
        expect(iface(a, 'veth-b')?.master).toBeNull();
      },
      cleanup: [['ip', 'link', 'del', 'dev', 'brd']],
    },
  ];

  // What the kernel does with each kind is the same whatever stores the panel's records: every
  // case runs on SQLite, and on PostgreSQL the first two and the failure injection's first and
  // last step carry the same service code through that provider (each case is an apply, a
  // verify and a revert on hv1; all of them twice took this file 12 minutes on CI).
  const onThisProvider = <T,>(all: T[], representative: T[]) => (provider === 'sqlite' ? all : representative);
  const failureSteps = onThisProvider([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 10]);
  const restoreCaseCount = onThisProvider([1, 2], [1]).length;
  for (const c of onThisProvider(cases, cases.slice(0, 2))) {
    it(`applies, verifies and reverts: ${c.name}`, async (ctx) => {
      for (const argv of c.setup ?? []) await hv1.exec(argv);
      ctx.onTestFinished(async () => {
        for (const argv of c.cleanup ?? []) await hv1.exec(argv, { allowFailure: true });
      });
      await harness.appliesVerifiesReverts(c.name, c.ops, c.check);
    });
  }

  describe('failure injection: step k of 10 fails', () => {
    const ten: Operation[] = [
      { kind: 'createBridge', name: 'brk', stp: false, vlanFiltering: false },
      { kind: 'createVeth', name: 'k1a', peer: 'k1b' },
      { kind: 'createVeth', name: 'k2a', peer: 'k2b' },
      { kind: 'setMaster', dev: 'k1a', master: 'brk' },
      { kind: 'setMaster', dev: 'k2a', master: 'brk' },
      { kind: 'setMtu', dev: 'k1b', mtu: 1400 },
      { kind: 'setMac', dev: 'k2b', mac: '02:5b:99:00:00:02' },
      { kind: 'addAddress', dev: 'brk', address: '203.0.113.9/24' },
      { kind: 'setLinkState', dev: 'brk', up: true },
      { kind: 'setMaster', dev: 'veth-b', master: 'br0' },
    ];
    for (const k of failureSteps) {
      it(`rolls back steps 1-${k - 1} when step ${k} fails, leaving the host as it was`, async () => {
        expect(ten).toHaveLength(10);
        await harness.rollsBackWhenStepFails(ten, k);
      });
    }
  });

  describe('Revert and rollback put back the same things (forward delay, flushed static routes)', () => {
    // A bridge with a non-default forward delay and a static route through it: the kernel
    // forgets both when the bridge (or its address) goes.
    const setup = [
      ['ip', 'link', 'add', 'name', 'sbrv', 'type', 'bridge', 'forward_delay', '400'],
      ['ip', 'addr', 'add', '10.88.0.1/24', 'dev', 'sbrv'],
      ['ip', 'link', 'set', 'dev', 'sbrv', 'up'],
      ['ip', 'route', 'add', '10.89.0.0/24', 'via', '10.88.0.2', 'dev', 'sbrv', 'proto', 'static'],
    ];
    const cleanup = async () => {
      await hv1.exec(['ip', 'link', 'del', 'dev', 'sbrv'], { allowFailure: true });
      await hv1.exec(['ip', 'link', 'del', 'dev', 'sbtmp'], { allowFailure: true });
    };
    const cases: { name: string; ops: Operation[] }[] = [
      { name: 'deleting the bridge', ops: [{ kind: 'deleteInterface', name: 'sbrv' }] },
      { name: "removing the bridge's address", ops: [{ kind: 'removeAddress', dev: 'sbrv', address: '10.88.0.1/24' }] },
    ];
    for (const c of cases.slice(0, restoreCaseCount)) {
      it(`${c.name}: rolled back and reverted, the host is field-by-field as before`, async () => {
        await cleanup();
        for (const argv of setup) await hv1.exec(argv);
        try {
          const before = await read();
          expect(iface(before, 'sbrv')?.bridge?.forwardDelayCs).toBe(400);
          expect(before.routes).toContainEqual(expect.objectContaining({ dst: '10.89.0.0/24', dev: 'sbrv' }));
          // Rolled back: the change fails at its last step, after the first ran.
          await harness.rollsBackWhenStepFails([...c.ops, { kind: 'createBridge', name: 'sbtmp', stp: false, vlanFiltering: false }], 2);
          await discardDraft(t.db, hostId); // a rolled-back change leaves its draft for the operator
          // Reverted: the same change applied, then its Revert applied.
          await harness.appliesVerifiesReverts(c.name, c.ops, (after) => {
            expect(after.routes.some((r) => r.dst === '10.89.0.0/24')).toBe(false);
          });
          const back = await read();
          expect(iface(back, 'sbrv')?.bridge?.forwardDelayCs).toBe(400);
          expect(back.routes).toContainEqual(expect.objectContaining({ dst: '10.89.0.0/24', dev: 'sbrv', gateway: '10.88.0.2' }));
        } finally {
          await cleanup();
        }
      });
    }
  });

  it('refuses a review when the host no longer fits the draft, saying what changed', async () => {
    await read();
    await addOperations(t.db, actor, hostId, [{ kind: 'setMaster', dev: 'veth-b', master: 'br0' }]);
    await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'master', 'br0']);
    try {
      const review = await reviewDraft(t.db, pool, actor, hostId);
      expect(review.ok).toBe(false);
      if (review.ok) return;
      expect(review.problems[0]!.errors.join(' ')).toMatch(/veth-b is already a port of br0/);
      expect(review.hostChanges.join('\n')).toMatch(/veth-b: master none → br0/);
    } finally {
      await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'nomaster']);
    }
  });

  it('refuses an apply when the host changed after the review, and sends nothing', async () => {
    await addOperations(t.db, actor, hostId, [{ kind: 'setMtu', dev: 'eth3', mtu: 1300 }]);
    const review = await reviewDraft(t.db, pool, actor, hostId);
    if (!review.ok) throw new Error('review refused');
    await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-a', 'mtu', '1280']);
    try {
      const err = await appErrorOf(startApply(t.db, pool, actor, { changeId: review.changeId, reason: 'x', confirmDisruptive: false }));
      expect(err.code).toBe('CONFLICT');
      expect(err.userMessage).toMatch(/hv1 changed since this review: veth-a: MTU 1500 → 1280/);
      expect(iface(await read(), 'eth3')?.mtu).toBe(1500);
      expect(await t.db.auditRecord.count({ where: { changeId: review.changeId } })).toBe(0);
      expect(await t.db.hostLock.count()).toBe(0);
    } finally {
      await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-a', 'mtu', '1500']);
    }
  });

  it('marks changes to the management path disruptive and needs a confirmation', async () => {
    await read();
    await addOperations(t.db, actor, hostId, [{ kind: 'setMtu', dev: 'eth0', mtu: 1400 }]);
    const review = await reviewDraft(t.db, pool, actor, hostId);
    if (!review.ok) throw new Error('review refused');
    expect(review.disruptive).toBe(true);
    expect(review.steps[0]!.disruptive).toMatch(/eth0.*SSH connection/);
    const err = await appErrorOf(startApply(t.db, pool, actor, { changeId: review.changeId, reason: 'x', confirmDisruptive: false }));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.userMessage).toMatch(/Confirm/);
  });

  it('warns of a change that is valid but dangerous, and refuses to apply it until the warning is acknowledged', async () => {
    await read();
    await addOperations(t.db, actor, hostId, [{ kind: 'setMaster', dev: 'veth-b', master: 'br0' }]);
    const review = await reviewDraft(t.db, pool, actor, hostId);
    if (!review.ok) throw new Error('review refused');
    expect(review.steps[0]!.warnings).toEqual(['veth-b keeps 198.18.250.2/30: as a port of br0 that address stops working (the bridge takes its traffic); move it to br0 in the same change.']);
    const err = await appErrorOf(startApply(t.db, pool, actor, { changeId: review.changeId, reason: 'x', confirmDisruptive: false }));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.userMessage).toBe('This change has warnings to acknowledge first: step 1: veth-b keeps 198.18.250.2/30: as a port of br0 that address stops working (the bridge takes its traffic); move it to br0 in the same change. Acknowledge them to apply it anyway.');
    // Nothing was sent or recorded, and the host is as it was.
    expect(await t.db.auditRecord.count({ where: { changeId: review.changeId } })).toBe(0);
    expect(iface(await read(), 'veth-b')?.master).toBeNull();
    // Acknowledged, it runs; the record says what was acknowledged.
    const { finished } = await startApply(t.db, pool, actor, { changeId: review.changeId, reason: 'x', confirmDisruptive: false, acknowledgeWarnings: true });
    try {
      expect((await finished).status).toBe('applied');
      const started = await t.db.auditRecord.findFirstOrThrow({ where: { changeId: review.changeId, kind: 'change.started' } });
      expect(JSON.parse(started.content).warningsAcknowledged).toEqual([expect.stringMatching(/^step 1: veth-b keeps 198\.18\.250\.2\/30/)]);
    } finally {
      await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'nomaster']);
    }
  });

  it('asks the host which path carries the panel: a host added by DNS name is still protected', async () => {
    // The inventory names hv1 by a DNS name (resolved through /etc/hosts for this test); the
    // addresses on the host never spell that name, so only the host's own answer
    // (SSH_CONNECTION and the route back to the panel) can tell that eth0 carries the session.
    const name = 'hv1.sbl-lab.test';
    const line = `${hv1.address} ${name} # switchboard test`;
    fs.appendFileSync('/etc/hosts', `\n${line}\n`);
    try {
      await t.db.host.update({ where: { id: hostId }, data: { address: name } });
      pool.closeAll();
      const live = await refreshHost(t.db, pool, hostId);
      expect(live.session).toMatchObject({ hostAddress: hv1.address, device: 'eth0', source: hv1.address });
      await addOperations(t.db, actor, hostId, [{ kind: 'setMtu', dev: 'eth0', mtu: 1400 }]);
      const review = await reviewDraft(t.db, pool, actor, hostId);
      if (!review.ok) throw new Error('review refused');
      expect(review.steps[0]!.disruptive).toMatch(/eth0.*SSH connection/);
    } finally {
      fs.writeFileSync('/etc/hosts', fs.readFileSync('/etc/hosts', 'utf8').split('\n').filter((l) => l !== line).join('\n'));
      await t.db.host.update({ where: { id: hostId }, data: { address: hv1.address } });
      pool.closeAll();
    }
  });

  it('needs a reason', async () => {
    await addOperations(t.db, actor, hostId, [{ kind: 'setMtu', dev: 'eth3', mtu: 1300 }]);
    const review = await reviewDraft(t.db, pool, actor, hostId);
    if (!review.ok) throw new Error('review refused');
    const err = await appErrorOf(startApply(t.db, pool, actor, { changeId: review.changeId, reason: '  ', confirmDisruptive: false }));
    expect(err.code).toBe('BAD_INPUT');
  });

  it('records a host that did not end up as planned as applied with differences', async () => {
    try {
      const result = await change([{ kind: 'setMtu', dev: 'veth-b', mtu: 1450 }], {
        // The host accepts a different command than planned (as a driver that rounds an MTU would).
        editPlan: (p) => {
          p.steps[0]!.commands[0]!.argv = ['ip', 'link', 'set', 'dev', 'veth-b', 'mtu', '1400'];
        },
      });
      expect(result.status).toBe('applied-with-differences');
      expect(result.differences).toEqual(['veth-b: MTU is 1400, the plan intended 1450.']);
      const detail = await getChange(t.db, result.changeId);
      expect(detail.differences).toEqual(result.differences);
      expect(detail.final).toMatchObject({ result: 'applied-with-differences' });
    } finally {
      await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'mtu', '1500']);
    }
  });

  it('lists the history by host, user, result and date', async () => {
    const mine = await listChanges(t.db, { hostId, user: 'olivia' });
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((c) => c.hostName === 'hv1' && c.authorName === 'olivia')).toBe(true);
    expect((await listChanges(t.db, { user: 'nobody' })).items).toEqual([]);
    const rolledBack = await listChanges(t.db, { status: 'rolled-back' });
    expect(rolledBack.items.length).toBe(failureSteps.length + restoreCaseCount); // the failure-injection runs and the revert-vs-rollback ones
    expect(rolledBack.items.every((c) => c.status === 'rolled-back')).toBe(true);
    expect((await listChanges(t.db, { from: new Date(Date.now() + 60_000) })).items).toEqual([]);
    expect((await listChanges(t.db, { to: new Date(0) })).items).toEqual([]);
    // Reviews that were never applied are not history.
    expect((await listChanges(t.db, {})).items.some((c) => c.status === 'reviewed')).toBe(false);
    const page = await listChanges(t.db, { take: 3 });
    const next = await listChanges(t.db, { take: 3, cursor: page.nextCursor! });
    expect(next.items.map((c) => c.id)).not.toContain(page.items[0]!.id);
  });

  it('exports the history as CSV and JSON with the reason, commands and audit records', async () => {
    const applied = await change([{ kind: 'setMtu', dev: 'eth3', mtu: 1400 }], { reason: '=cmd|x, "quoted"' });
    const revertDraft = await revertChange(t.db, actor, applied.changeId);
    // The drafted revert knows what it undoes (review prefills its reason from it)...
    expect(revertDraft.revertOf).toEqual({ changeId: applied.changeId, label: changeLabel(applied.changeId), reason: '=cmd|x, "quoted"' });
    // Every drafted undo carries the link (eth3's and its macvlan's MTU: lowering eth3 lowered mvlan0's).
    expect(revertDraft.items.map((i) => [i.description, i.revertOf?.changeId])).toEqual([
      ['set MTU of eth3 to 1500', applied.changeId],
      ['set MTU of mvlan0 to 1500', applied.changeId],
    ]);
    const reverted = await change([], { reason: 'put it back' });
    // ...and the applied revert and the change it undid link to each other.
    expect((await getChange(t.db, reverted.changeId)).revertOf).toEqual({ id: applied.changeId, label: changeLabel(applied.changeId) });
    expect((await getChange(t.db, applied.changeId)).revertedBy.map((r) => r.id)).toEqual([reverted.changeId]);
    const listed = (await listChanges(t.db, { hostId })).items;
    expect(listed.find((c) => c.id === applied.changeId)!.revertedBy.map((r) => r.label)).toEqual([changeLabel(reverted.changeId)]);
    expect(listed.find((c) => c.id === reverted.changeId)!.revertOf?.id).toBe(applied.changeId);
    const csv = await exportChanges(t.db, { hostId }, 'csv');
    expect(csv.mimeType).toBe('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('id,host,status,user,reason,started_at,finished_at,operations,commands');
    const row = lines.find((l) => l.startsWith(applied.changeId))!;
    // The reason cannot become a spreadsheet formula, and quotes and commas survive.
    expect(row).toContain(`"'=cmd|x, ""quoted"""`);
    expect(row).toContain('ip link set dev eth3 mtu 1400 => 0');
    const json = JSON.parse((await exportChanges(t.db, { hostId, status: 'applied' }, 'json')).body) as { changes: { id: string; reason: string; records: { kind: string }[] }[] };
    const exported = json.changes.find((c) => c.id === applied.changeId)!;
    expect(exported.reason).toBe('=cmd|x, "quoted"');
    expect(exported.records.map((r) => r.kind)).toEqual(['change.started', 'change.step', 'change.finished']);
  });

  it('refuses a review whose operations another tab applied, naming who applied them and as which change', async () => {
    await read();
    await discardDraft(t.db, hostId);
    await addOperations(t.db, actor, hostId, [{ kind: 'setLinkState', dev: 'veth-a', up: true }]);
    const firstTab = await reviewDraft(t.db, pool, actor, hostId);
    const secondTab = await reviewDraft(t.db, pool, actor, hostId);
    if (!firstTab.ok || !secondTab.ok) throw new Error('review refused');
    const applied = await (await startApply(t.db, pool, actor, { changeId: secondTab.changeId, reason: 'from the second tab', confirmDisruptive: false })).finished;
    expect(applied.status).toBe('applied');
    const err = await appErrorOf(startApply(t.db, pool, actor, { changeId: firstTab.changeId, reason: 'from the first tab', confirmDisruptive: false }));
    expect(err.code).toBe('CONFLICT');
    expect(err.userMessage).toBe(`These operations were applied by olivia as ${changeLabel(applied.changeId)}; the draft now holds only what is left. Review it again.`);
  });

  it('undoes a change made by hand on the host: the draft puts it back, and once applied the host reads as before', async () => {
    const before = await read();
    // By hand, outside Switchboard: a bridge, an MTU and an address.
    await hv1.exec(['ip', 'link', 'add', 'brh', 'type', 'bridge']);
    await hv1.exec(['ip', 'link', 'set', 'veth-b', 'mtu', '1400']);
    await hv1.exec(['ip', 'address', 'add', '198.18.251.1/24', 'dev', 'veth-a']);
    const seen = await refreshHost(t.db, pool, hostId);
    expect(seen.observedChange, 'the hand edit is recorded as an outside change').toBeTruthy();
    await discardDraft(t.db, hostId);
    const undo = await draftUndoOfOutsideChange(t.db, actor, seen.observedChange!.id);
    expect(undo.notUndone).toEqual([]);
    expect(undo.draft.items.map((i) => i.operation)).toEqual(
      expect.arrayContaining([
        { kind: 'deleteInterface', name: 'brh' },
        { kind: 'setMtu', dev: 'veth-b', mtu: 1500 },
        { kind: 'removeAddress', dev: 'veth-a', address: '198.18.251.1/24' },
      ]),
    );
    expect(undo.draft.valid).toBe(true);
    const applied = await change([], { reason: 'undo the hand edit' });
    expect(applied.status, await harness.explain(applied.changeId)).toBe('applied');
    expect(configurationChanges(before, await read())).toEqual([]);
  });

  it('keeps an intact hash chain, and names the record someone altered in the database', async () => {
    // At least one change of its own (veth-a is up already, so the host stays as it is).
    expect((await change([{ kind: 'setLinkState', dev: 'veth-a', up: true }], { reason: 'test: chain' })).status).toBe('applied');
    expect((await verifyAuditChain(t.db)).intact).toBe(true);
    const victim = await t.db.auditRecord.findFirstOrThrow({ where: { kind: 'change.started' }, orderBy: { seq: 'asc' } });
    const altered = victim.content.replace('"reason":"test: ', '"reason":"forged: ');
    expect(altered).not.toBe(victim.content);
    await t.db.auditRecord.update({ where: { seq: victim.seq }, data: { content: altered } });
    try {
      const report = await verifyAuditChain(t.db);
      expect(report.intact).toBe(false);
      expect(report.problems).toContainEqual({ seq: victim.seq, problem: expect.stringMatching(/does not match its hash/) });
      // The command an administrator runs says the same, and fails.
      const cli = spawnSync('npx', ['tsx', 'scripts/audit-verify.ts'], { env: { ...process.env, DATABASE_URL: t.scratch.url }, encoding: 'utf8' });
      expect(cli.status).toBe(1);
      expect(cli.stderr).toContain(`record ${victim.seq}: its content does not match its hash`);
    } finally {
      await t.db.auditRecord.update({ where: { seq: victim.seq }, data: { content: victim.content } });
    }
    // A removed record breaks the link of the one after it.
    const last = await t.db.auditRecord.findFirstOrThrow({ orderBy: { seq: 'desc' } });
    const middle = await t.db.auditRecord.findFirstOrThrow({ where: { seq: Math.floor(last.seq / 2) } });
    await t.db.auditRecord.delete({ where: { seq: middle.seq } });
    try {
      const report = await verifyAuditChain(t.db);
      expect(report.problems.map((p) => p.seq)).toContain(middle.seq + 1);
    } finally {
      await t.db.auditRecord.create({ data: middle });
    }
    expect((await verifyAuditChain(t.db)).intact).toBe(true);
  });
});
