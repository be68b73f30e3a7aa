// libvirt apply benchmark (issue 11), written to bench/RESULTS.md: one change of 20 network and
// VM NIC operations on a lab host, in one run of this script:
//  - Switchboard's runner: the whole plan in one SSH exec, documents on stdin (the panel's way);
//  - the floor: the same commands and documents as one plain shell script in one SSH exec, with
//    no per-command records and no rollback (what one exec cannot beat);
//  - the same commands as one SSH exec each (documents written by one more exec first).
//   sudo npm run bench:libvirt        (BENCH_RUNS=N, default 7)
import os from 'node:os';
import { median, quantile, writeResultsSection } from './results';
import { authorizeLabKey, ensureLab, type LabHost } from '../lab/testing';
import { executePlan } from '../server/apply/executor';
import { sshTargetOf } from '../server/hosts/hosts';
import { createPanelPool } from '../server/hosts/panel-pool';
import { DOCUMENT_REF } from '../server/plan/commands';
import type { Operation } from '../server/plan/ops';
import { planChange, type PlanStep } from '../server/plan/planner';
import { ensurePanelIdentity } from '../server/ssh/identity';
import { openTestDatabase } from '../server/testing/database';
import type { Topology } from '../server/topology/model';
import { refreshHost } from '../server/topology/refresh';

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** 20 operations: 4 networks created and started, 8 reservations on them, 4 NICs attached, a NIC moved, a link set down, an autostart and forwarding changed. */
function operations(t: Topology): Operation[] {
  const mac = (vm: string) => t.vms.find((v) => v.name === vm)!.nics[0]!.mac!;
  const nets = [1, 2, 3, 4].map((i) => `bn${i}`);
  return [
    ...nets.map((name, i): Operation => ({ kind: 'createNetwork', name, mode: 'isolated', ipv4: { address: `10.9${i}.0.1`, prefixLength: 24, dhcpRanges: [{ start: `10.9${i}.0.100`, end: `10.9${i}.0.199` }], hosts: [] }, active: true, autostart: false })),
    ...nets.flatMap((network, i): Operation[] => [1, 2].map((h) => ({ kind: 'addDhcpHost', network, mac: `52:54:00:b${i}:00:0${h}`, ip: `10.9${i}.0.${10 + h}` }))),
    ...nets.map((network, i): Operation => ({ kind: 'attachNic', vm: 'build1', network, mac: `52:54:00:b${i}:01:01`, model: 'virtio', linkUp: true })),
    { kind: 'moveNic', vm: 'web1', mac: mac('web1'), network: 'bn1' },
    { kind: 'setNicLink', vm: 'db1', mac: mac('db1'), up: false },
    { kind: 'setNetworkAutostart', name: 'routed', autostart: false },
    { kind: 'setIpForward', family: 'ipv4', enabled: !t.host.ipForward, atBoot: true },
  ];
}

/** The plan as a plain shell script: documents written to files, then each command, stop at the first failure. */
function floorScript(steps: PlanStep[]): string {
  const lines = ['set -e', 'd=$(mktemp -d)'];
  steps.forEach((step, s) =>
    step.commands.forEach((c, k) => {
      (c.documents ?? []).forEach((doc, n) => lines.push(`printf '%s' '${Buffer.from(doc.text).toString('base64')}' | base64 -d > "$d/${s}.${k}.${n + 1}"`));
      const argv = c.argv.map((a) => (DOCUMENT_REF.test(a) ? `"$d/${s}.${k}.${a.slice(4)}"` : a));
      // The runner's file built-ins, as plain shell.
      if (argv[0] === 'sb-write-file') lines.push(`cat ${argv[2]} > ${argv[1]}`);
      else if (argv[0] === 'sb-remove-file') lines.push(`rm -f ${argv[1]}`);
      else lines.push(argv.join(' '));
    }),
  );
  lines.push('rm -rf "$d"');
  return lines.join('\n') + '\n';
}

async function main() {
  process.env.SWITCHBOARD_SECRET ??= 'bench-secret-'.padEnd(48, 'b');
  const t = await openTestDatabase('sqlite');
  try {
    const [hv1] = (await ensureLab({ hosts: 1 })) as [LabHost];
    await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
    const pool = createPanelPool(t.db);
    let hostId = '';
    /** hv1 from its seed, read by the panel (not timed). */
    const fresh = async () => {
      await hv1.start();
      pool.closeAll();
      if (!hostId) {
        const host = await t.db.host.create({ data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: await hv1.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() } });
        hostId = host.id;
      }
      return (await refreshHost(t.db, pool, hostId)).topology; // also warms the connection
    };
    const target = async () => sshTargetOf((await t.db.host.findUniqueOrThrow({ where: { id: hostId } })));
    const plan = (live: Topology) => {
      const planned = planChange(live, operations(live), hv1.address);
      if (!planned.ok) throw new Error(`plan refused: ${JSON.stringify(planned.checks.filter((c) => c.errors.length))}`);
      return planned.plan.steps;
    };
    const applied = async () => (await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', 'net-list', '--name'])).stdout.match(/\bbn[1-4]\b/g)?.length === 4;

    const runner: number[] = [];
    const floor: number[] = [];
    const perCommand: number[] = [];
    let commands = 0;
    let documents = 0;
    for (let run = 0; run < RUNS; run++) {
      // 1. The runner.
      let steps = plan(await fresh());
      commands = steps.flatMap((s) => s.commands).length;
      documents = steps.flatMap((s) => s.commands.flatMap((c) => c.documents ?? [])).length;
      const channels = pool.channelsOpened;
      let t0 = performance.now();
      const out = await executePlan(pool, await target(), `benchlv${Date.now()}${run}`, { steps }, () => undefined);
      runner.push(performance.now() - t0);
      if (out.result !== 'applied' || pool.channelsOpened - channels !== 1 || !(await applied())) throw new Error(`runner: ${JSON.stringify(out)}`);

      // 2. The floor: one plain script.
      steps = plan(await fresh());
      t0 = performance.now();
      const r = await pool.exec(await target(), ['sh', '-s'], { stdin: floorScript(steps), allowFailure: true });
      floor.push(performance.now() - t0);
      if (r.exitCode !== 0 || !(await applied())) throw new Error(`floor script failed: ${r.stderr}`);

      // 3. One exec per command (fewer runs: it is the slow anchor).
      if (run < 3) {
        steps = plan(await fresh());
        const dir = `/tmp/sb-bench-docs`;
        await pool.exec(await target(), ['sh', '-s'], { stdin: floorScript(steps).split('\n').filter((l) => l.startsWith('printf') || l.startsWith('d=')).join('\n').replace('d=$(mktemp -d)', `d=${dir}; rm -rf $d; mkdir -p $d`) });
        t0 = performance.now();
        for (const [s, step] of steps.entries()) {
          for (const [k, c] of step.commands.entries()) {
            const argv = c.argv.map((a) => (DOCUMENT_REF.test(a) ? `${dir}/${s}.${k}.${a.slice(4)}` : a));
            // The runner's file built-ins, as plain commands.
            await pool.exec(await target(), argv[0] === 'sb-write-file' ? ['cp', argv[2]!, argv[1]!] : argv[0] === 'sb-remove-file' ? ['rm', '-f', argv[1]!] : argv);
          }
        }
        perCommand.push(performance.now() - t0);
        if (!(await applied())) throw new Error('exec per command did not apply everything');
      }
      log(`run ${run + 1}: runner ${runner.at(-1)!.toFixed(0)} ms, floor ${floor.at(-1)!.toFixed(0)} ms${perCommand[run] ? `, per command ${perCommand[run]!.toFixed(0)} ms` : ''}`);
    }
    await hv1.start();
    pool.closeAll();

    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const row = (xs: number[]) => `${xs.length} | ${ms(median(xs))} | ${ms(quantile(xs, 0.95))}`;
    const body = `## libvirt networks and VM NICs (issue 11)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores), one run of
\`sudo npm run bench:libvirt\` (\`BENCH_RUNS=N\`; lab host hv1 from its seed before every run, not timed).
The change: 20 operations (4 isolated networks created and started, 8 DHCP reservations on them,
4 NICs attached to the shut-off build1, web1's NIC moved, db1's link set down, an autostart and IP
forwarding changed): ${commands} commands (virsh, sysctl and the runner's file built-in), ${documents} documents.

| how the 20 operations reach the host | runs | median | p95 | vs floor |
|---|---|---|---|---|
| Switchboard's runner: one SSH exec, documents on stdin, every command recorded, rollback ready | ${row(runner)} | ${(median(runner) / median(floor)).toFixed(2)}× |
| floor: the same commands and documents as one plain \`sh\` script in one SSH exec | ${row(floor)} | 1× |
| one SSH exec per command over the same connection (documents written first, not timed) | ${row(perCommand)} | ${(median(perCommand) / median(floor)).toFixed(2)}× |

Every variant is checked to have applied (the four networks run); the runner is also checked to
have used exactly one SSH channel. p95 of a handful of runs is their slowest. Almost all of the
time is libvirt's own: each \`virsh\` connects to libvirtd, and \`net-start\` starts a dnsmasq.
`;
    process.stdout.write((await writeResultsSection('libvirt', body)) + '\n');
  } finally {
    await t.close();
  }
}

await main();
process.exit(0);
