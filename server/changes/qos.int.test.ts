// Traffic control on a real lab host (issue 13): setQdisc and removeQdisc applied, verified and
// reverted, where Revert must rebuild the seeded HTB tree on eth2 exactly (root, both classes and
// the u32 filter); a 10 Mbit/s tbf holds a transfer to hv2 to 10 Mbit/s within 20%, and so does
// a 10 Mbit/s HTB class that a new filter steers the transfer into (its counter says so); a
// failure after the tc step rolls the tree back. This machine's kernel has
// tbf, htb, pfifo and u32 (netem and fq_codel run on the real-kernel host).
//
// One database provider: the providers are covered by changes.int.test.ts with the same services.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@/lab/exec';
import { ensureLab, type LabHost } from '@/lab/testing';
import type { SshPool } from '@/server/ssh/pool';
import { changeHarness, panelWithLabHost } from '@/server/testing/changes';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';
import type { Topology } from '@/server/topology/model';

let hv1: LabHost;
let hv2: LabHost;
let t: TestDatabase;
let pool: SshPool;
let hostId: string;
let actor: { id: string; username: string };
const harness = changeHarness(() => ({ db: t.db, pool, actor, hostId }));

const rootOf = (topology: Topology, dev: string) => topology.qdiscs.find((q) => q.dev === dev && q.root);

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1, hv2] = (await ensureLab({ hosts: 2 })) as [LabHost, LabHost];
  await hv1.start(); // from its seed: the HTB tree and filter on eth2 as seeded
  t = await openTestDatabase('sqlite');
  await emptyAllTables(t.db);
  ({ pool, hostId, actor } = await panelWithLabHost(t.db, hv1, 'quinn'));
}, 600_000);

afterAll(async () => {
  pool?.closeAll();
  await t?.close();
});

/**
 * Sends `bytes` over TCP from hv1 to hv2's data address (out of hv1's eth2) and returns the
 * rate hv2 received them at, in Mbit/s, from its first byte to its last.
 */
async function transferRateMbit(bytes: number): Promise<number> {
  const port = 9400;
  const receiver = spawn('ip', ['netns', 'exec', hv2.names.netns, process.execPath, '-e', `
    const server = require('net').createServer((s) => {
      let got = 0, first = 0;
      s.on('data', (d) => { if (!first) first = performance.now(); got += d.length; });
      s.on('end', () => { console.log(JSON.stringify({ got, ms: performance.now() - first })); server.close(); });
    }).listen(${port}, () => console.log('ready'));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const ready = new Promise<void>((resolve) => receiver.stdout!.on('data', (d: Buffer) => { lines.push(...d.toString().split('\n').filter(Boolean)); if (lines.includes('ready')) resolve(); }));
  const done = new Promise<void>((resolve) => receiver.once('exit', () => resolve()));
  await ready;
  await run(['ip', 'netns', 'exec', hv1.names.netns, process.execPath, '-e', `
    const s = require('net').connect(${port}, '198.18.2.12', () => s.end(Buffer.alloc(${bytes})));`], { timeoutMs: 60_000 });
  await done;
  const result = JSON.parse(lines.find((l) => l.startsWith('{'))!) as { got: number; ms: number };
  expect(result.got).toBe(bytes);
  return (result.got * 8) / (result.ms / 1000) / 1e6;
}

describe('traffic control on a lab host', () => {
  it('replaces eth2’s HTB tree with a 10 Mbit/s tbf; Revert rebuilds the tree, its classes and its u32 filter exactly', async () => {
    const seeded = await harness.read();
    expect(seeded.filters?.filter((f) => f.dev === 'eth2')).toHaveLength(1);
    // Unshaped, a transfer between the lab hosts runs far above 10 Mbit/s.
    expect(await transferRateMbit(5_000_000)).toBeGreaterThan(50);
    await harness.appliesVerifiesReverts('tbf on eth2', [{ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 10_000 } }], async (after) => {
      expect(rootOf(after, 'eth2')).toMatchObject({ kind: 'tbf', options: expect.objectContaining({ rate: 1_250_000 }) });
      // 5 MB through the 10 Mbit/s tbf take about 4 s: the rate within 20% (TCP's headers ride in the budget too).
      const shaped = await transferRateMbit(5_000_000);
      expect(shaped).toBeGreaterThan(8);
      expect(shaped).toBeLessThan(12);
      // The HTB classes are gone (tbf shows a class of its own, 1:1, for its inner qdisc).
      expect(after.classes.filter((c) => c.dev === 'eth2' && c.kind === 'htb')).toEqual([]);
      expect(after.filters?.filter((f) => f.dev === 'eth2')).toEqual([]);
    });
    const reverted = await harness.read();
    expect(reverted.classes.filter((c) => c.dev === 'eth2').map((c) => c.classid)).toEqual(['1:10', '1:20']);
    expect(reverted.filters?.filter((f) => f.dev === 'eth2')).toEqual([expect.objectContaining({ kind: 'u32', classid: '1:10', match: 'dst port 4789' })]);
  }, 180_000);

  it('a 10 Mbit/s HTB class and a filter steering port 9400 into it: the transfer runs at 10 Mbit/s and the class counts it; Revert takes both away', async () => {
    const sent = (topology: Topology, classid: string) => topology.classes.find((c) => c.dev === 'eth2' && c.classid === classid)?.sentBytes ?? 0;
    await harness.appliesVerifiesReverts(
      'a 10 Mbit/s class for port 9400',
      [
        { kind: 'setHtbClass', dev: 'eth2', classid: '1:30', rateKbit: 10_000 },
        { kind: 'addTcFilter', dev: 'eth2', parent: '1:', protocol: 'ip', match: { ipProto: 'tcp', dstPort: 9400 }, classid: '1:30' },
      ],
      async (before) => {
        const rate = await transferRateMbit(5_000_000);
        expect(rate).toBeGreaterThan(8);
        expect(rate).toBeLessThan(12);
        // The filter put the transfer into 1:30, not the default class 1:20.
        const after = await harness.read();
        expect(sent(after, '1:30') - sent(before, '1:30')).toBeGreaterThan(5_000_000);
        expect(sent(after, '1:20') - sent(before, '1:20')).toBeLessThan(500_000);
      },
    );
    expect((await harness.read()).classes.filter((c) => c.dev === 'eth2').map((c) => c.classid)).toEqual(['1:10', '1:20']);
  }, 180_000);

  it('takes the root qdisc off (the kernel’s default comes back); Revert puts the tree back', async () => {
    await harness.appliesVerifiesReverts('remove the root qdisc of eth2', [{ kind: 'removeQdisc', dev: 'eth2' }], (after) => {
      expect(rootOf(after, 'eth2')?.kind).not.toBe('htb');
      expect(after.filters?.filter((f) => f.dev === 'eth2')).toEqual([]);
    });
  }, 180_000);

  it('rolls the tree back when a later step fails', async () => {
    await harness.rollsBackWhenStepFails([
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'pfifo', limitPackets: 100 } },
      { kind: 'setMtu', dev: 'veth-b', mtu: 1400 },
    ], 2);
  }, 180_000);
});
