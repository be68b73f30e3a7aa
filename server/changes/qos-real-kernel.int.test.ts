// Traffic control where this machine's kernel lacks it (issue 13): netem, fq_codel, prio, cake, fw and flower filters and ingress policing on
// the real-kernel lab host kv1 (Debian's kernel under QEMU). A 50 ms netem delay on kv1's eth0
// shows as a ping round trip of at least 50 ms from this machine (the lab bridge's address, not a
// namespace host: these tests run beside the namespace-host tests), and Revert gives the earlier round
// trip back; tbf, fq_codel and prio are applied, verified as projected and reverted. Software
// emulation makes timing loose (a 10 ms delay read up to 19 ms, FINDINGS.md), so only the lower
// bound of the delay is asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@/lab/exec';
import { LAB_BRIDGE_ADDRESS } from '@/lab/config';
import { ensureVmLab, kernelHas, type VmLabHost } from '@/lab/testing';
import type { Operation } from '@/server/plan/ops';
import type { SshPool } from '@/server/ssh/pool';
import { changeHarness, panelWithLabHost } from '@/server/testing/changes';
import { sshTargetOf } from '@/server/hosts/hosts';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';
import type { Topology } from '@/server/topology/model';

let kv1: VmLabHost;
let t: TestDatabase;
let pool: SshPool;
let hostId: string;
let actor: { id: string; username: string };
const harness = changeHarness(() => ({ db: t.db, pool, actor, hostId }));

const rootOf = (topology: Topology, dev: string) => topology.qdiscs.find((q) => q.dev === dev && q.root);

/** Round trips of pings from this machine to kv1 (ms): five, 0.2 s apart. */
async function roundTrips(): Promise<number[]> {
  const r = await run(['ping', '-n', '-c', '5', '-i', '0.2', '-W', '2', kv1.address], { allowFailure: true, timeoutMs: 30_000 });
  return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [kv1] = (await ensureVmLab({ vmHosts: 1 })) as [VmLabHost];
  await kv1.start(); // from its seeded snapshot
  t = await openTestDatabase('sqlite');
  await emptyAllTables(t.db);
  ({ pool, hostId, actor } = await panelWithLabHost(t.db, kv1, 'tess'));
}, 1_800_000);

afterAll(async () => {
  pool?.closeAll();
  await t?.close();
});

describe('traffic control on the real-kernel lab host', () => {
  it('delays kv1’s eth0 by 50 ms: pings from this machine take at least 50 ms; Revert gives the earlier round trip back', async (ctx) => {
    if (!(await kernelHas({ qdisc: 'netem' }, ctx.task.name, kv1))) return ctx.skip();
    const before = await roundTrips();
    expect(before).toHaveLength(5);
    expect(Math.min(...before)).toBeLessThan(40);
    // eth0 carries the panel's own connection: the change needs the operator's confirmation.
    await harness.appliesVerifiesReverts(
      'netem 50 ms on eth0',
      [{ kind: 'setQdisc', dev: 'eth0', qdisc: { kind: 'netem', delayMs: 50 } }],
      async (after) => {
        expect(rootOf(after, 'eth0')).toMatchObject({ kind: 'netem' });
        const delayed = await roundTrips();
        expect(delayed).toHaveLength(5);
        expect(Math.min(...delayed)).toBeGreaterThanOrEqual(50);
      },
      { confirmDisruptive: true },
    );
    const reverted = await roundTrips();
    expect(reverted).toHaveLength(5);
    expect(Math.min(...reverted)).toBeLessThan(40);
  }, 600_000);

  it('puts a 20 Mbit/s tbf on eth1, fq_codel on eth2 and four prio bands on eth3; Revert gives all three their earlier qdiscs back', async (ctx) => {
    if (!(await kernelHas({ qdisc: 'fq_codel' }, ctx.task.name, kv1)) || !(await kernelHas({ qdisc: 'prio' }, ctx.task.name, kv1))) return ctx.skip();
    const priomap = [3, 3, 2, 2, 1, 1, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3];
    const ops: Operation[] = [
      { kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 20_000 } },
      { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'fq_codel' } },
      { kind: 'setQdisc', dev: 'eth3', qdisc: { kind: 'prio', bands: 4, priomap } },
    ];
    // Verified as projected (the change ends "applied", not "applied with differences"): prio's bands and map, and its four classes.
    await harness.appliesVerifiesReverts('tbf, fq_codel and prio', ops, async (after) => {
      expect(rootOf(after, 'eth1')?.kind).toBe('tbf');
      expect(rootOf(after, 'eth2')?.kind).toBe('fq_codel');
      expect(rootOf(after, 'eth3')).toMatchObject({ kind: 'prio', options: { bands: 4, priomap } });
      expect((await kv1.exec(['tc', 'qdisc', 'show', 'dev', 'eth3'])).stdout).toMatch(/qdisc prio 1: root (refcnt \d+ )?bands 4 priomap 3 3 2 2 1 1 0 0 3 3 3 3 3 3 3 3/);
    });
  }, 600_000);

  it("polices what kv1's eth0 receives at 2 Mbit/s: data sent to it over SSH arrives no faster; Revert takes the cap off", async (ctx) => {
    if (!(await kernelHas({ qdisc: 'ingress' }, ctx.task.name, kv1))) return ctx.skip();
    const target = sshTargetOf(await t.db.host.findUniqueOrThrow({ where: { id: hostId } }));
    /** Sends 1 MB into kv1 over the panel's SSH connection (through eth0); Mbit/s. */
    const receivedMbit = async () => {
      const started = performance.now();
      await pool.exec(target, ['sh', '-c', 'cat > /dev/null'], { stdin: Buffer.alloc(1_000_000, 7), timeoutMs: 60_000 });
      return 8 / ((performance.now() - started) / 1000);
    };
    const unpoliced = await receivedMbit();
    // eth0 carries the panel's own connection: the change needs the operator's confirmation.
    await harness.appliesVerifiesReverts(
      'police eth0 at 2 Mbit/s',
      [{ kind: 'setIngressPolicing', dev: 'eth0', rateKbit: 2_000 }],
      async (after) => {
        expect(after.filters?.filter((f) => f.dev === 'eth0' && f.parent === 'ffff:')).toEqual([expect.objectContaining({ kind: 'u32', match: 'all traffic', actions: [expect.stringMatching(/^police 2 Mbit\/s burst .*, excess drop$/)] })]);
        const policed = await receivedMbit();
        expect(policed, `unpoliced ${unpoliced.toFixed(1)} Mbit/s`).toBeLessThan(2.4);
        expect(policed).toBeGreaterThan(0.5);
        expect(unpoliced).toBeGreaterThan(3 * policed);
      },
      { confirmDisruptive: true },
    );
    expect(await receivedMbit()).toBeGreaterThan(2.4);
  }, 600_000);

  it('steers packets a firewall mark tags into an HTB class with an fw filter on eth0: its counters count them; Revert takes the tree off', async (ctx) => {
    if (!(await kernelHas({ qdisc: 'htb' }, ctx.task.name, kv1)) || !(await kernelHas({ filter: 'fw' }, ctx.task.name, kv1))) return ctx.skip();
    /** Packets class 1:30 on eth0 has sent, from tc's own counters. */
    const classPackets = async () => Number(/Sent \d+ bytes (\d+) pkt/.exec((await kv1.exec(['tc', '-s', 'class', 'show', 'dev', 'eth0', 'classid', '1:30'])).stdout)?.[1] ?? NaN);
    /** Five pings from kv1 to this machine, each packet marked `mark` by ping itself (SO_MARK), as a firewall rule would. */
    const pingOut = (mark?: number) => kv1.exec(['ping', '-n', '-c', '5', '-i', '0.2', '-W', '2', ...(mark ? ['-m', String(mark)] : []), LAB_BRIDGE_ADDRESS], { allowFailure: true });
    const ops: Operation[] = [
      // No default class: unmarked traffic (the panel's own connection) goes straight out, unshaped.
      { kind: 'setQdisc', dev: 'eth0', qdisc: { kind: 'htb' } },
      { kind: 'setHtbClass', dev: 'eth0', classid: '1:30', rateKbit: 50_000 },
      { kind: 'addTcFilter', dev: 'eth0', parent: '1:', protocol: 'all', match: { fwMark: 7 }, classid: '1:30' },
    ];
    await harness.appliesVerifiesReverts(
      'fw mark 7 into 1:30 on eth0',
      ops,
      async (after) => {
        expect(after.filters?.filter((f) => f.dev === 'eth0' && f.parent === '1:')).toEqual([expect.objectContaining({ kind: 'fw', handle: '0x7', classid: '1:30', match: 'firewall mark 0x7' })]);
        await pingOut();
        expect(await classPackets()).toBe(0);
        await pingOut(7);
        expect(await classPackets()).toBeGreaterThanOrEqual(5);
      },
      { confirmDisruptive: true },
    );
    expect((await kv1.exec(['tc', 'qdisc', 'show', 'dev', 'eth0'])).stdout).not.toContain('htb');
  }, 600_000);

  it('replaces a tree that holds flower and fw filters with a tbf; Revert builds the tree again with both filters exactly', async (ctx) => {
    if (!(await kernelHas({ filter: 'flower' }, ctx.task.name, kv1)) || !(await kernelHas({ filter: 'fw' }, ctx.task.name, kv1))) return ctx.skip();
    // Set up by hand, as another tool would have.
    for (const argv of [
      ['tc', 'qdisc', 'replace', 'dev', 'eth1', 'root', 'handle', '1:', 'htb', 'default', '10'],
      ['tc', 'class', 'add', 'dev', 'eth1', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10mbit'],
      ['tc', 'class', 'add', 'dev', 'eth1', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '5mbit'],
      ['tc', 'filter', 'add', 'dev', 'eth1', 'parent', '1:', 'protocol', 'ip', 'prio', '5', 'flower', 'ip_proto', 'tcp', 'dst_ip', '10.1.0.0/16', 'dst_port', '8000-8080', 'classid', '1:20'],
      ['tc', 'filter', 'add', 'dev', 'eth1', 'parent', '1:', 'protocol', 'ip', 'prio', '6', 'handle', '7', 'fw', 'classid', '1:20'],
    ]) {
      await kv1.exec(argv);
    }
    const filtersOf = (t: Topology) => (t.filters ?? []).filter((f) => f.dev === 'eth1').map((f) => `${f.pref} ${f.kind}: ${f.match} → ${f.classid}`);
    try {
      expect(filtersOf(await harness.read())).toEqual(['5 flower: IPv4 dst 10.1.0.0/16, TCP dst port 8000-8080 → 1:20', '6 fw: firewall mark 0x7 → 1:20']);
      await harness.appliesVerifiesReverts('tbf over flower and fw', [{ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 10_000 } }], async (after) => {
        expect(rootOf(after, 'eth1')?.kind).toBe('tbf');
        expect(filtersOf(after)).toEqual([]);
      });
      expect(filtersOf(await harness.read())).toEqual(['5 flower: IPv4 dst 10.1.0.0/16, TCP dst port 8000-8080 → 1:20', '6 fw: firewall mark 0x7 → 1:20']);
    } finally {
      await kv1.exec(['tc', 'qdisc', 'del', 'dev', 'eth1', 'root'], { allowFailure: true });
    }
  }, 600_000);

  it("puts cake (50 Mbit/s, diffserv4, NAT-aware, 20 ms) on eth2 and a tbf over it; the tbf's Revert gives that cake back exactly, the cake's the kernel's default", async (ctx) => {
    if (!(await kernelHas({ qdisc: 'cake' }, ctx.task.name, kv1))) return ctx.skip();
    const cake: Operation = { kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'cake', bandwidthKbit: 50_000, diffserv: 'diffserv4', nat: true, rttMs: 20 } };
    await harness.appliesVerifiesReverts('cake on eth2', [cake], async (after) => {
      expect(rootOf(after, 'eth2')).toMatchObject({ kind: 'cake', options: { bandwidth: 6_250_000, diffserv: 'diffserv4', nat: true, rtt: 20_000 } });
      expect((await kv1.exec(['tc', 'qdisc', 'show', 'dev', 'eth2'])).stdout).toMatch(/qdisc cake 1: root .*bandwidth 50Mbit diffserv4 triple-isolate nat nowash/);
      // Replacing it: the undo re-creates the cake from what was read (tc.ts's cakeArgs).
      await harness.appliesVerifiesReverts('tbf over the cake', [{ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 10_000 } }], async (over) => {
        expect(rootOf(over, 'eth2')?.kind).toBe('tbf');
      });
      expect(rootOf(await harness.read(), 'eth2')).toMatchObject({ kind: 'cake', options: { bandwidth: 6_250_000, diffserv: 'diffserv4', nat: true, rtt: 20_000 } });
    });
  }, 600_000);
});
