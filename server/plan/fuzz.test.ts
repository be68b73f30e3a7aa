// A fuzz suite that stays: at least 10,000 hostile operations per run through the schema,
// validation, planning and rendering, and the plans that pass through the real runner script
// in a scratch network namespace (`unshare --net`, as runner.test.ts does). No injection may
// ever run (a marker file never appears), nothing outside the namespace changes, every accepted
// operation renders to arguments the runner takes, and every refusal names its field.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeRunnerInput, JOURNAL_DIR, parseRunnerLine, RUNNER_COMMAND, type RunnerEvent } from '@/server/apply/runner';
import { fieldInWords } from '@/server/api/field-words';
import { makeInterface, namespaceTopology } from '@/server/plan/fixtures';
import { ZOperation, type Operation } from '@/server/plan/ops';
import { planChange, type PlanStep } from '@/server/plan/planner';
import { validateOperations } from '@/server/plan/validate';
import type { Topology } from '@/server/topology/model';
import { fuzzMarker, hostileOperation } from '@/server/testing/hostile';
import { ovsHost } from '@/server/testing/ovs-host';
import { htbHost } from '@/server/testing/tc-examples';

const RUNS = 10_000;
/** Plans per operation kind that run for real (each is a namespace, ~0.1 s). */
const PER_KIND = 12;
const MARKER = fuzzMarker(`plan-${process.pid}`);
const runIds: string[] = [];

/** What the scratch namespace holds before the runner: a bridge, a veth pair in it, lo. */
const SETUP = ['ip link add sbfbr type bridge', 'ip link add sbfv0 type veth peer name sbfv1', 'ip link set sbfv0 master sbfbr', 'ip addr add 10.66.0.1/24 dev sbfbr', 'ip link set sbfbr up'].join(' && ');
const NAMES = ['lo', 'sbfbr', 'sbfv0', 'sbfv1'];

function scratchTopology(): Topology {
  return namespaceTopology([
    makeInterface(2, 'sbfbr', 'bridge', { mac: '02:5b:00:66:00:01', bridge: { stp: false, vlanFiltering: false, forwardDelayCs: 1500, vlans: [] }, addresses: [{ family: 'inet', address: '10.66.0.1', prefixLength: 24, scope: 'global', dynamic: false }] }),
    makeInterface(3, 'sbfv0', 'veth', { mac: '02:5b:00:66:00:02', peer: 'sbfv1', master: 'sbfbr', bridgePort: { state: 'forwarding', vlans: [] }, adminUp: false, operstate: 'DOWN', carrier: false }),
    makeInterface(4, 'sbfv1', 'veth', { mac: '02:5b:00:66:00:03', peer: 'sbfv0', adminUp: false, operstate: 'DOWN', carrier: false }),
  ]);
}

const hostLinks = () => spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.replace(/\s+state \S+/g, '').split('\n').map((l) => l.split(':').slice(0, 2).join(':')).sort();

afterAll(() => {
  rmSync(MARKER, { force: true });
  if (!existsSync(JOURNAL_DIR)) return;
  for (const f of readdirSync(JOURNAL_DIR)) if (runIds.some((id) => f.startsWith(`${id}.`))) rmSync(`${JOURNAL_DIR}/${f}`, { force: true });
});


/**
 * One hostile operation against `topology`: refused by the schema in field words, refused by
 * validation in a sentence, or planned, encodable for the runner, and rendered only with `programs`.
 */
function checkHostile(topology: Topology, raw: unknown, counts: { refusedBySchema: number; refusedByValidation: number; planned: number }, plannedKinds: Set<string>, programs: string[]): void {
        const parsed = ZOperation.safeParse(raw);
        if (!parsed.success) {
          counts.refusedBySchema++;
          for (const issue of parsed.error.issues) expect(fieldInWords(issue.path)).not.toBe('input');
          return;
        }
        const checked = validateOperations(topology, [parsed.data]);
        if (!checked.valid) {
          counts.refusedByValidation++;
          for (const e of checked.checks[0]!.errors) expect(e).toMatch(/^\S.{9,}[.)]$/s);
          return;
        }
        const planned = planChange(topology, [parsed.data], '198.18.0.11');
        if (!planned.ok) throw new Error(`validated but not planned: ${JSON.stringify(parsed.data)}`);
        counts.planned++;
        plannedKinds.add(parsed.data.kind);
        encodeRunnerInput('sbfuzzcheck', planned.plan.steps);
        for (const c of planned.plan.steps.flatMap((st) => st.commands)) for (const argv of [c.argv, ...c.inverse]) expect(programs).toContain(argv[0]);
}

describe(`${RUNS} hostile operations`, () => {
  const accepted: { op: Operation; steps: PlanStep[] }[] = [];
  const counts = { refusedBySchema: 0, refusedByValidation: 0, planned: 0 };

  // 10,000 plans take about 3 s alone; on a loaded 2-core machine over 5 s (vitest's default), so the limit is explicit.
  it('are refused with a message naming the field, or validated, planned and rendered to arguments the runner takes', { timeout: 60_000 }, () => {
    const topology = scratchTopology();
    fc.assert(
      fc.property(hostileOperation(MARKER, NAMES), (raw) => {
        const parsed = ZOperation.safeParse(raw);
        if (!parsed.success) {
          counts.refusedBySchema++;
          for (const issue of parsed.error.issues) {
            // Refusals name a field (never "input") and say something.
            expect(issue.path.length).toBeGreaterThan(0);
            expect(fieldInWords(issue.path)).not.toBe('input');
            expect(issue.message.length).toBeGreaterThan(5);
          }
          return;
        }
        const op = parsed.data;
        const checked = validateOperations(topology, [op]);
        if (!checked.valid) {
          counts.refusedByValidation++;
          for (const e of checked.checks[0]!.errors) expect(e).toMatch(/^\S.{9,}[.)]$/s);
          return;
        }
        const planned = planChange(topology, [op], '192.0.2.1');
        if (!planned.ok) throw new Error(`validated but not planned: ${JSON.stringify(op)}`);
        counts.planned++;
        // Throws on any argument the runner would refuse (anything outside [A-Za-z0-9_.:/=,-], an option with its value in one word).
        encodeRunnerInput('sbfuzzcheck', planned.plan.steps);
        // Up to PER_KIND of each kind go on to the runner: every kind, not only the commonest.
        if (accepted.filter((a) => a.op.kind === op.kind).length < PER_KIND && !accepted.some((a) => JSON.stringify(a.op) === JSON.stringify(op))) accepted.push({ op, steps: planned.plan.steps });
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.info(`[fuzz] ${RUNS} operations: ${counts.refusedBySchema} refused by the schema, ${counts.refusedByValidation} by validation, ${counts.planned} planned; ${accepted.length} run for real`);
    expect(counts.refusedBySchema + counts.refusedByValidation + counts.planned).toBe(RUNS);
    // The generator must reach every stage, or the suite tests less than it claims.
    expect(counts.refusedBySchema).toBeGreaterThan(RUNS / 10);
    expect(counts.refusedByValidation).toBeGreaterThan(RUNS / 20);
    expect(new Set(accepted.map((a) => a.op.kind)).size).toBeGreaterThanOrEqual(10);
    expect(existsSync(MARKER)).toBe(false);
  });

  it('the accepted plans run through the real runner in a scratch namespace: no injection, nothing outside changes', { timeout: 180_000 }, () => {
    const before = hostLinks();
    const results = { applied: 0, rolledBack: 0, other: 0 };
    for (const [i, { steps }] of accepted.entries()) {
      const id = `sbfuzz${process.pid}n${i}`;
      runIds.push(id);
      // Its own /etc/sysctl.d too: the runner's file built-ins must not reach this machine's.
      const outer = `mount -t tmpfs tmpfs /etc/sysctl.d && ${SETUP} || exit 99; "$@"`;
      const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', outer, 'outer', ...RUNNER_COMMAND], { input: encodeRunnerInput(id, steps), encoding: 'utf8', timeout: 10_000 });
      expect(r.status).not.toBe(99);
      const end = r.stdout
        .split('\n')
        .map(parseRunnerLine)
        .find((e): e is Extract<RunnerEvent, { type: 'end' }> => e?.type === 'end');
      if (end?.result === 'applied') results.applied++;
      else if (end?.result === 'rolled-back') results.rolledBack++;
      else results.other++;
    }
    expect(existsSync(MARKER)).toBe(false);
    expect(hostLinks()).toEqual(before);
    // Real runs, not just spawns: most valid operations apply, and a failing one rolls back cleanly.
    expect(results.applied).toBeGreaterThan(accepted.length / 2);
    expect(results.other).toBe(0);
    console.info(`[fuzz] runner: ${results.applied} applied, ${results.rolledBack} rolled back`);
  });
});

// The scratch namespace has no Open vSwitch, so every OVS operation above is refused by
// validation. Against a host with OVS (testing/ovs-host.ts) they get through to rendering: its
// ovs-vsctl words (`tag=10`, `trunks=10,20`, `options:remote_ip=…`, where `=` and `,` are
// allowed) must still be arguments the runner takes, never an option carried in one word.
describe(`${RUNS / 2} hostile Open vSwitch operations against a host with OVS`, () => {
  it('are refused with a message naming the field, or planned to ovs-vsctl argv the runner takes', { timeout: 60_000 }, () => {
    const topology = ovsHost();
    const names = ['br-ovs', 'br-vm', 'eth4', 'eth7', 'int0', 'trunk0', 'vx0', 'patch-b', 'vnet1', 'eth1', 'lo'];
    const kinds = ['createOvsBridge', 'deleteOvsBridge', 'addOvsPort', 'addOvsTunnelPort', 'removeOvsPort', 'setOvsPortVlans'];
    const counts = { refusedBySchema: 0, refusedByValidation: 0, planned: 0 };
    const plannedKinds = new Set<string>();
    fc.assert(
      fc.property(hostileOperation(MARKER, names, kinds), (raw) => {
        checkHostile(topology, raw, counts, plannedKinds, ['ovs-vsctl', 'ip']);
      }),
      { numRuns: RUNS / 2, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.info(`[fuzz] ${RUNS / 2} OVS operations: ${counts.refusedBySchema} refused by the schema, ${counts.refusedByValidation} by validation, ${counts.planned} planned (${[...plannedKinds].sort().join(', ')})`);
    expect(counts.planned).toBeGreaterThan(RUNS / 200);
    expect(plannedKinds.size).toBeGreaterThanOrEqual(3);
    expect(existsSync(MARKER)).toBe(false);
  });
});

// The scratch namespace has no HTB root either. Against the fixture host with eth2's HTB tree
// (testing/tc-examples.ts) the class and filter kinds get through to rendering: their tc words
// (class ids, rates as tc prints them, u32 selectors) must be arguments the runner takes.
describe(`${RUNS / 2} hostile HTB class and tc filter operations against a host with an HTB tree`, () => {
  it('are refused with a message naming the field, or planned to tc argv the runner takes', { timeout: 60_000 }, () => {
    const topology = htbHost();
    const kinds = ['setHtbClass', 'removeHtbClass', 'addTcFilter', 'removeTcFilter'];
    // Besides the hostile ones, operations whose every field is of the right kind, so that many
    // reach rendering: random rates, bursts, prefs and matches against the tree's arithmetic.
    const dev = fc.constantFrom('eth2', 'eth2', 'eth2', 'eth1');
    const classid = fc.constantFrom('1:10', '1:20', '1:30', '1:40', '1:1', '1:a0', '1:2', '2:5');
    // Prefixes of /16 and longer: 10.a.0.0 has no host bits there, so a fair share of filters is
    // valid and reaches rendering (with /0../32 nearly every one was refused for its host bits,
    // and a seed that planned no filter at all failed the kinds check). The hostile operations
    // still bring addresses with host bits set.
    const address = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 32 })).map(([a, p]) => `10.${a}.0.0/${p}`),
      fc.constantFrom('10.0.0.5', '2001:db8::/32', '2001:db8:1::7', '192.168.1.0/24'),
    );
    const wellTyped = fc.oneof(
      fc.record(
        {
          kind: fc.constant('setHtbClass'),
          dev,
          classid,
          parent: fc.constantFrom('1:', '1:1', '1:10', '1:40', '1:30'),
          // Above 1 Gbit/s tc prints whole Mbit/s only (other rates are refused: they would not read back).
          rateKbit: fc.oneof(fc.integer({ min: 8, max: 999_999 }), fc.integer({ min: 1, max: 100_000 }).map((m) => m * 1000)),
          ceilKbit: fc.oneof(fc.integer({ min: 8, max: 999_999 }), fc.integer({ min: 1, max: 100_000 }).map((m) => m * 1000)),
          burstBytes: fc.integer({ min: 1, max: 10_000_000 }),
          prio: fc.integer({ min: 0, max: 7 }),
          leaf: fc.constantFrom({ kind: 'fq_codel' }, { kind: 'sfq' }, { kind: 'pfifo' }, { kind: 'pfifo', limitPackets: 7 }, { kind: 'netem', delayMs: 10, lossPercent: 0.5 }),
        },
        { requiredKeys: ['kind', 'dev', 'classid', 'rateKbit'] },
      ),
      fc.record({ kind: fc.constant('removeHtbClass'), dev, classid }),
      fc.record(
        {
          kind: fc.constant('addTcFilter'),
          dev,
          parent: fc.constant('1:'),
          pref: fc.integer({ min: 1, max: 65535 }),
          protocol: fc.constantFrom('ip', 'ipv6', 'all'),
          match: fc.record({ src: address, dst: address, ipProto: fc.oneof(fc.constantFrom('tcp', 'udp', 'icmp'), fc.integer({ min: 0, max: 255 })), srcPort: fc.integer({ min: 1, max: 65535 }), dstPort: fc.integer({ min: 1, max: 65535 }), fwMark: fc.oneof(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.constantFrom(0, -1, 2 ** 32, 1.5)) }, { requiredKeys: [] }),
          classid,
        },
        { requiredKeys: ['kind', 'dev', 'parent', 'protocol', 'match', 'classid'] },
      ),
      // Filters that fit the tree (its device and leaf classes, one IPv4 match): most are valid,
      // so every seed renders some (the record above rarely passes every check).
      fc.record({
        kind: fc.constant('addTcFilter'),
        dev: fc.constant('eth2'),
        parent: fc.constant('1:'),
        pref: fc.integer({ min: 100, max: 65535 }),
        protocol: fc.constant('ip'),
        match: fc.record({ dst: fc.integer({ min: 0, max: 255 }).map((a) => `10.${a}.0.0/16`), ipProto: fc.constantFrom('tcp', 'udp'), dstPort: fc.integer({ min: 1, max: 65535 }) }),
        classid: fc.constantFrom('1:10', '1:20', '1:40'),
      }),
      fc.record({ kind: fc.constant('removeTcFilter'), dev, parent: fc.constantFrom('1:', 'ffff:'), pref: fc.integer({ min: 1, max: 12 }) }),
    );
    const counts = { refusedBySchema: 0, refusedByValidation: 0, planned: 0 };
    const plannedKinds = new Set<string>();
    fc.assert(
      // Well-typed operations three times as often as hostile ones: few random filters are valid
      // (ports need tcp or udp, the class must exist), and one seed in many planned no filter at all.
      fc.property(fc.oneof({ arbitrary: hostileOperation(MARKER, ['eth2', 'eth1', 'vnet0', 'lo'], kinds), weight: 1 }, { arbitrary: wellTyped, weight: 3 }), (raw) => {
        checkHostile(topology, raw, counts, plannedKinds, ['tc']);
      }),
      { numRuns: RUNS / 2, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    console.info(`[fuzz] ${RUNS / 2} HTB operations: ${counts.refusedBySchema} refused by the schema, ${counts.refusedByValidation} by validation, ${counts.planned} planned (${[...plannedKinds].sort().join(', ')})`);
    expect(counts.planned).toBeGreaterThan(RUNS / 50);
    expect(plannedKinds.size).toBe(4);
    expect(existsSync(MARKER)).toBe(false);
  });
});
