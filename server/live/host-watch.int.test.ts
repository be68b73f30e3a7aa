// Watching a real lab host (issue 15): a change made inside the host, not through Switchboard,
// is read and published without anyone asking; a dropped connection is watched again and what
// happened meanwhile is read; once nobody holds the watch, its monitors end on the host too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeLabKey, ensureLab, type LabHost } from '@/lab/testing';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { ensurePanelIdentity } from '@/server/ssh/identity';
import type { SshPool } from '@/server/ssh/pool';
import { openTestDatabase, type TestDatabase } from '@/server/testing/database';
import { tryAcquireHostLock } from '@/server/apply/lock';
import { FORWARDING_FILE } from '@/server/topology/model';
import { latestTopology, listObservedChanges, refreshHost } from '@/server/topology/refresh';
import { hostTopic, subscribe, type LiveEvent } from './hub';
import { holdWatch, watchReadSlots, watchStatus } from './host-watch';
import { samplingCount } from './sampling';
import { watchDashboard } from './watch';

let hv1: LabHost;
let hv2: LabHost;
let t: TestDatabase;
let pool: SshPool;
let hostId: string;

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1, hv2] = (await ensureLab({ hosts: 2 })) as [LabHost, LabHost];
  await hv1.start();
  t = await openTestDatabase('sqlite');
  await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
  pool = createPanelPool(t.db);
  const host = await t.db.host.create({
    data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: await hv1.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
  });
  hostId = host.id;
}, 600_000);

afterAll(async () => {
  for (const name of ['sbw0', 'sbw1', 'sbw2', 'sbw3']) await hv1?.exec(['ip', 'link', 'del', 'dev', name], { allowFailure: true });
  for (const name of ['sbw2', 'sbw3']) await hv2?.exec(['ip', 'link', 'del', 'dev', name], { allowFailure: true });
  await hv1?.exec(['rm', '-f', FORWARDING_FILE], { allowFailure: true });
  await hv1?.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'mtu', '1500'], { allowFailure: true });
  pool?.closeAll();
  await t?.close();
});

/** Resolves with the first event on the host's topic that `wanted` accepts. */
function nextEvent(wanted: (e: LiveEvent) => boolean, withinMs: number): Promise<LiveEvent> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), withinMs);
  return (async () => {
    try {
      for await (const e of subscribe(hostTopic(hostId), stop.signal)) if (wanted(e)) return e;
      throw new Error(`no such event within ${withinMs} ms`);
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  })();
}

const namesOf = async (id: string) => ((await latestTopology(t.db, id))?.topology.interfaces ?? []).map((i) => i.name);
const names = () => namesOf(hostId);
// The ip processes themselves (-x: the whole command line), not the shells whose scripts name them.
const monitorsOnHost = async () => (await hv1.exec(['pgrep', '-c', '-x', '-f', 'ip monitor link address route'], { allowFailure: true })).stdout.trim();

describe('watching a lab host while a view holds it', () => {
  it('reads a change made inside the host by itself, and publishes it', async () => {
    const release = holdWatch(t.db, pool, hostId);
    try {
      await expect.poll(monitorsOnHost, { timeout: 10_000 }).toBe('1');
      const readsBefore = watchStatus().reads[hostId] ?? 0;
      const published = nextEvent((e) => e.kind === 'topology', 10_000);
      // Three commands in one burst: a bridge made, set up, given an MTU.
      await hv1.exec(['sh', '-c', 'ip link add sbw0 type bridge && ip link set dev sbw0 up && ip link set dev sbw0 mtu 1400']);
      await published;
      await expect.poll(names, { timeout: 10_000 }).toContain('sbw0');
      // The burst took one or two reads (one may start before its last event), not one per event.
      const reads = (watchStatus().reads[hostId] ?? 0) - readsBefore;
      expect(reads).toBeGreaterThanOrEqual(1);
      expect(reads).toBeLessThanOrEqual(2);

      // The next kernel event reads only the kernel's sections, over that full read.
      const kernelReadsBefore = watchStatus().kernelReads[hostId] ?? 0;
      await hv1.exec(['ip', 'link', 'set', 'dev', 'sbw0', 'mtu', '1300']);
      const mtuOf = async (name: string) => (await latestTopology(t.db, hostId))?.topology.interfaces.find((i) => i.name === name)?.mtu;
      await expect.poll(() => mtuOf('sbw0'), { timeout: 10_000 }).toBe(1300);
      expect(watchStatus().kernelReads[hostId]).toBeGreaterThan(kernelReadsBefore);
      // And what the full read had besides the kernel (libvirt) is still there.
      expect((await latestTopology(t.db, hostId))?.topology.vms.length).toBeGreaterThan(0);

      // A change no monitor reports (here a boot file; an apply's libvirt change is another),
      // read in full by someone else (an apply's own read): the next kernel read is laid over
      // that newest full read, not over the watch's own older one, so the change stays read.
      await hv1.exec(['sh', '-c', `printf 'net.ipv4.ip_forward = 0\\n' > ${FORWARDING_FILE}`]);
      await refreshHost(t.db, pool, hostId);
      expect((await latestTopology(t.db, hostId))?.topology.host.forwardingFile).toBe('net.ipv4.ip_forward = 0\n');
      await hv1.exec(['ip', 'link', 'set', 'dev', 'sbw0', 'mtu', '1250']);
      await expect.poll(() => mtuOf('sbw0'), { timeout: 10_000 }).toBe(1250);
      expect((await latestTopology(t.db, hostId))?.topology.host.forwardingFile).toBe('net.ipv4.ip_forward = 0\n');

      // The connection drops: the watch comes back and reads what happened meanwhile.
      pool.close(hostId);
      await hv1.exec(['ip', 'link', 'add', 'sbw1', 'type', 'bridge']);
      await expect.poll(names, { timeout: 20_000 }).toContain('sbw1');
    } finally {
      release();
    }
    // Nobody holds it: after its linger the watch ends, and so do its monitors on the host.
    await expect.poll(() => watchStatus().hosts, { timeout: 20_000 }).toBe(0);
    await expect.poll(monitorsOnHost, { timeout: 10_000 }).toBe('0');
  }, 90_000);
});

describe('reads while an apply holds the host', () => {
  it('are not stored and record no outside change; the first read after the apply does', async () => {
    await refreshHost(t.db, pool, hostId);
    const outsideBefore = (await listObservedChanges(t.db, hostId)).length;
    const lock = await tryAcquireHostLock(t.db, hostId, 'c'.repeat(25));
    if (!lock.acquired) throw new Error('lock not taken');
    try {
      // What the apply does meanwhile (here by hand): another read sees it, but stores nothing.
      await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'mtu', '1400']);
      const during = await refreshHost(t.db, pool, hostId);
      expect(during.stored).toBe(false);
      expect(during.topology.interfaces.find((i) => i.name === 'veth-b')?.mtu).toBe(1500);
      expect(await listObservedChanges(t.db, hostId)).toHaveLength(outsideBefore);
    } finally {
      await lock.release();
    }
    const after = await refreshHost(t.db, pool, hostId);
    expect(after.stored).toBe(true);
    expect(after.topology.interfaces.find((i) => i.name === 'veth-b')?.mtu).toBe(1400);
  }, 60_000);
});

describe('a live dashboard', () => {
  it('has its host read every interval while it is open, says when each round is read, and stops the reads when it closes', async () => {
    const samples = () => t.db.counterSample.count({ where: { hostId } });
    const stop = new AbortController();
    const events = await watchDashboard(t.db, pool, undefined, { hostId, everyMs: 2_000 }, stop.signal);
    // (No session token: the session check happens before each event, so only "ready" comes.)
    expect((await events.next()).value).toEqual({ kind: 'ready' });
    expect(samplingCount()).toBe(1);
    const before = await samples();
    const rounds: number[] = [];
    const sampled = (async () => {
      for await (const e of subscribe(hostTopic(hostId), stop.signal)) if (e.kind === 'sampled') rounds.push(Date.now());
    })();
    await expect.poll(() => rounds.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    // One read per round: a read every 2 s, not faster.
    expect(await samples()).toBeGreaterThanOrEqual(before + 2);
    const gaps = rounds.slice(1).map((at, i) => at - rounds[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1_500);

    stop.abort();
    await events.return(undefined);
    await sampled;
    expect(samplingCount()).toBe(0);
    const after = await samples();
    await new Promise((r) => setTimeout(r, 4_500));
    expect(await samples()).toBe(after);
  }, 60_000);
});

describe('the watches of many hosts', () => {
  let hv2Id: string;
  beforeAll(async () => {
    hv2Id = (
      await t.db.host.create({
        data: { name: 'hv2', address: hv2.address, hostKeyFingerprint: await hv2.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
      })
    ).id;
  });

  it('read a bounded number of hosts at once, however many see an event together', async () => {
    // One slot instead of WATCH_READS_AT_ONCE, so that two hosts are enough to fill them.
    const slots = watchReadSlots();
    const bound = slots.concurrency;
    slots.concurrency = 1;
    slots.most = 0;
    const releases = [holdWatch(t.db, pool, hostId), holdWatch(t.db, pool, hv2Id)];
    let freeSlot: () => void = () => undefined;
    try {
      // Both watches run (the lab's hosts share this machine's process table: two monitors),
      // and no read is under way.
      await expect.poll(monitorsOnHost, { timeout: 10_000 }).toBe('2');
      await expect.poll(() => watchStatus().readsAtOnce, { timeout: 10_000 }).toMatchObject({ running: 0, waiting: 0 });
      // The one slot is taken (as by a read of a third host) while both hosts see an event.
      const held = slots(() => new Promise<void>((resolve) => (freeSlot = resolve)));
      await expect.poll(() => watchStatus().readsAtOnce.running, { timeout: 5_000 }).toBe(1);
      const readsBefore = watchStatus().reads;
      await Promise.all([hv1, hv2].map((h) => h.exec(['ip', 'link', 'add', 'sbw2', 'type', 'bridge'])));
      const both = async () => [(await names()).includes('sbw2'), (await namesOf(hv2Id)).includes('sbw2')];
      // Both watches want to read, and wait for the slot: neither host is read meanwhile.
      await expect.poll(() => watchStatus().readsAtOnce, { timeout: 10_000 }).toMatchObject({ running: 1, waiting: 2 });
      // More events while they wait: the reads they wait to make start later, and will see them.
      await Promise.all([hv1, hv2].map((h) => h.exec(['ip', 'link', 'set', 'dev', 'sbw2', 'mtu', '1400'])));
      await new Promise((r) => setTimeout(r, 500));
      expect(await both()).toEqual([false, false]);
      expect(watchStatus().readsAtOnce).toMatchObject({ running: 1, waiting: 2 });
      freeSlot();
      await held;
      // Once it is free, both hosts are read, one after the other, once each: the events that
      // came while a read waited were what it then read, not a reason for another.
      await expect.poll(both, { timeout: 20_000 }).toEqual([true, true]);
      await expect.poll(() => watchStatus().readsAtOnce, { timeout: 10_000 }).toMatchObject({ running: 0, waiting: 0 });
      const mtus = await Promise.all([hostId, hv2Id].map(async (id) => (await latestTopology(t.db, id))?.topology.interfaces.find((i) => i.name === 'sbw2')?.mtu));
      expect(mtus).toEqual([1400, 1400]);
      const reads = watchStatus().reads;
      expect([reads[hostId]! - (readsBefore[hostId] ?? 0), reads[hv2Id]! - (readsBefore[hv2Id] ?? 0)]).toEqual([1, 1]);
    } finally {
      freeSlot();
      for (const release of releases) release();
      slots.concurrency = bound;
    }
  }, 60_000);

  it('let a read that hangs hold its slot only so long: the other hosts are read meanwhile', async () => {
    const slots = watchReadSlots();
    const [bound, holdMs] = [slots.concurrency, slots.holdMs];
    slots.concurrency = 1;
    slots.holdMs = 1_000;
    // hv2's tc hangs (a stand-in bound over it in hv2's own mount namespace), and so does its read.
    const hang = '/run/sb-test-hanging-tc';
    await hv2.exec(['sh', '-c', `printf '#!/bin/sh\\nexec sleep 30\\n' > ${hang} && chmod 755 ${hang} && mount --bind ${hang} /usr/sbin/tc`]);
    const releases = [holdWatch(t.db, pool, hostId), holdWatch(t.db, pool, hv2Id)];
    try {
      await expect.poll(monitorsOnHost, { timeout: 10_000 }).toBe('2');
      await expect.poll(() => watchStatus().readsAtOnce, { timeout: 10_000 }).toMatchObject({ running: 0, waiting: 0 });
      await hv2.exec(['ip', 'link', 'add', 'sbw3', 'type', 'bridge']);
      await expect.poll(() => watchStatus().readsAtOnce.running, { timeout: 5_000 }).toBe(1);
      // hv1's event comes while hv2's read holds the one slot: hv1 is read once that read has
      // held it for holdMs, not when it ends (hv2's tc sleeps 30 s).
      await hv1.exec(['ip', 'link', 'add', 'sbw3', 'type', 'bridge']);
      await expect.poll(async () => (await names()).includes('sbw3'), { timeout: 6_000 }).toBe(true);
      expect((await namesOf(hv2Id)).includes('sbw3')).toBe(false);
    } finally {
      for (const release of releases) release();
      await hv2.exec(['sh', '-c', `umount /usr/sbin/tc; rm -f ${hang}`], { allowFailure: true });
      slots.concurrency = bound;
      slots.holdMs = holdMs;
    }
  }, 60_000);
});
