// Apply benchmark (issues 5 and 15), written to bench/RESULTS.md: one 200-operation change set on
// a lab host, applied four ways, in one run of this script:
//  - Switchboard's runner: the whole plan in one SSH exec (the way the panel applies);
//  - the floor: the same commands through one `ip -batch -` in one SSH exec, interleaved with the
//    runner's runs (no records, no rollback: what the kernel work and one exec cost);
//  - the same commands as one SSH exec each over the same pooled connection;
//  - an Ansible playbook with one `command` task per operation (Debian's ansible-core,
//    pipelining and ControlPersist on).
// Plus the whole apply service (re-read before, write-ahead audit, run, re-read and compare).
//   sudo npm run bench:apply        (BENCH_RUNS=5 for more runs of the slow variants; the runner
//                                    and the floor run 4 times as often)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, quantile, writeResultsSection } from './results';
import { authorizeLabKey, ensureLab, labClientKeyPath, type LabHost } from '../lab/testing';
import { executePlan } from '../server/apply/executor';
import { startApply } from '../server/changes/apply';
import { addOperations } from '../server/changes/drafts';
import { reviewDraft } from '../server/changes/review';
import { sshTargetOf } from '../server/hosts/hosts';
import { createPanelPool } from '../server/hosts/panel-pool';
import type { Operation } from '../server/plan/ops';
import { planChange } from '../server/plan/planner';
import { ensurePanelIdentity } from '../server/ssh/identity';
import { openTestDatabase } from '../server/testing/database';
import { makeUser } from '../server/testing/fixtures';
import { refreshHost } from '../server/topology/refresh';

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FAST_RUNS = 4 * RUNS;
const PAIRS = 100; // 2 operations per pair: create the veth pair, set its first end up

function operations(prefix: string): Operation[] {
  return Array.from({ length: PAIRS }, (_, i): Operation[] => [
    { kind: 'createVeth', name: `${prefix}${i}a`, peer: `${prefix}${i}b` },
    { kind: 'setLinkState', dev: `${prefix}${i}a`, up: true },
  ]).flat();
}

/** Removes what a run created (not timed): one `ip -batch` inside the host. */
async function cleanUp(h: LabHost, prefix: string) {
  const batch = Array.from({ length: PAIRS }, (_, i) => `link del dev ${prefix}${i}a`).join('\n');
  await h.exec(['ip', '-force', '-batch', '-'], { input: `${batch}\n`, allowFailure: true });
}

async function countLinks(h: LabHost, prefix: string): Promise<number> {
  const out = (await h.exec(['ip', '-o', 'link', 'show'])).stdout;
  return [...out.matchAll(/^\d+: ([^:@]+)/gm)].filter((m) => m[1]!.startsWith(prefix)).length;
}

function ensureAnsible() {
  if (spawnSync('ansible-playbook', ['--version']).status === 0) return;
  log('installing Debian ansible-core');
  execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

async function ansibleRun(h: LabHost, argvs: string[][]): Promise<{ ms: number; version: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-ansible-'));
  try {
    const hostKey = (await readFile(`${h.names.dir}/ssh/ssh_host_ed25519_key.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    await writeFile(`${dir}/known_hosts`, `${h.address} ${hostKey}\n`);
    await writeFile(
      `${dir}/ansible.cfg`,
      `[defaults]\ninventory = ${dir}/inventory\nhost_key_checking = True\ninterpreter_python = /usr/bin/python3\n` +
        `[ssh_connection]\npipelining = True\nssh_args = -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=${dir}/cp-%%h -o UserKnownHostsFile=${dir}/known_hosts\n`,
    );
    await writeFile(`${dir}/inventory`, `${h.name} ansible_host=${h.address} ansible_user=root ansible_ssh_private_key_file=${labClientKeyPath}\n`);
    // JSON is valid YAML: the playbook is data, each task the same argv the runner gets.
    const playbook = [{ hosts: h.name, gather_facts: false, tasks: argvs.map((argv) => ({ command: { argv } })) }];
    await writeFile(`${dir}/playbook.yml`, JSON.stringify(playbook));
    const version = execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
    const t0 = performance.now();
    const r = spawnSync('ansible-playbook', [`${dir}/playbook.yml`], { cwd: dir, env: { ...process.env, ANSIBLE_CONFIG: `${dir}/ansible.cfg` }, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`ansible-playbook failed:\n${r.stdout}\n${r.stderr}`);
    return { ms, version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  process.env.SWITCHBOARD_SECRET ??= 'bench-secret-'.padEnd(48, 'b');
  ensureAnsible();
  const t = await openTestDatabase('sqlite');
  try {
    const [hv1] = (await ensureLab({ hosts: 1 })) as [LabHost];
    await hv1.start(); // from its seed
    await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
    const host = await t.db.host.create({
      data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: await hv1.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    const user = await makeUser(t.db, 'bench', 'operator');
    const pool = createPanelPool(t.db);
    const target = sshTargetOf(host);
    const live = (await refreshHost(t.db, pool, host.id)).topology; // also warms the connection

    const ops = operations('ba');
    const planned = planChange(live, ops, host.address);
    if (!planned.ok) throw new Error('plan refused');
    const steps = planned.plan.steps;
    const argvs = steps.flatMap((s) => s.commands.map((c) => c.argv));

    // 1. One exec: the runner, and the floor (the same commands through one `ip -batch -`),
    // alternating so that the machine's noise falls on both alike.
    if (!argvs.every((a) => a[0] === 'ip')) throw new Error('the floor needs ip commands only');
    const batchInput = argvs.map((a) => a.slice(1).join(' ')).join('\n') + '\n';
    const oneExec: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run < FAST_RUNS; run++) {
      const channels = pool.channelsOpened;
      const t0 = performance.now();
      const out = await executePlan(pool, target, `bench${Date.now()}${run}`, { steps }, () => undefined);
      oneExec.push(performance.now() - t0);
      if (out.result !== 'applied' || pool.channelsOpened - channels !== 1) throw new Error(`runner: ${JSON.stringify(out)}`);
      if ((await countLinks(hv1, 'ba')) !== 2 * PAIRS) throw new Error('runner did not create every link');
      await cleanUp(hv1, 'ba');
      const f0 = performance.now();
      await pool.exec(target, ['ip', '-batch', '-'], { stdin: batchInput });
      floor.push(performance.now() - f0);
      if ((await countLinks(hv1, 'ba')) !== 2 * PAIRS) throw new Error('ip -batch did not create every link');
      await cleanUp(hv1, 'ba');
    }
    log(`one exec: ${oneExec.map((x) => x.toFixed(0)).join(', ')} ms; floor: ${floor.map((x) => x.toFixed(0)).join(', ')} ms`);

    // 2. One exec per command, same connection.
    const perExec: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      for (const argv of argvs) await pool.exec(target, argv);
      perExec.push(performance.now() - t0);
      await cleanUp(hv1, 'ba');
    }
    log(`exec per command: ${perExec.map((x) => x.toFixed(0)).join(', ')} ms`);

    // 3. Ansible, one task per operation (one run: it takes about a minute).
    const ansible = await ansibleRun(hv1, argvs);
    if ((await countLinks(hv1, 'ba')) !== 2 * PAIRS) throw new Error('ansible did not create every link');
    await cleanUp(hv1, 'ba');
    log(`ansible: ${ansible.ms.toFixed(0)} ms`);

    // 4. The whole apply service: re-read, write-ahead record, run, audit per step, re-read,
    // compare; once as hosts are set by default (the host waits for the panel's confirmation
    // over a new connection) and once with a host that confirms only disruptive changes.
    const serviceRuns = async (confirmScope: string) => {
      await t.db.host.update({ where: { id: host.id }, data: { confirmScope } });
      const service: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await addOperations(t.db, { id: user.id, username: user.username }, host.id, ops);
        const review = await reviewDraft(t.db, pool, { id: user.id, username: user.username }, host.id);
        if (!review.ok) throw new Error('review refused');
        const t0 = performance.now();
        const { finished } = await startApply(t.db, pool, { id: user.id, username: user.username }, { changeId: review.changeId, reason: 'benchmark', confirmDisruptive: false });
        const summary = await finished;
        service.push(performance.now() - t0);
        if (summary.status !== 'applied') throw new Error(`apply service: ${JSON.stringify(summary)}`);
        await cleanUp(hv1, 'ba');
        await refreshHost(t.db, pool, host.id);
      }
      return service;
    };
    const service = await serviceRuns('network');
    const unconfirmed = await serviceRuns('disruptive');
    pool.closeAll();

    const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
    const runs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    const mf = median(floor);
    const p95 = (xs: number[]) => s(quantile(xs, 0.95));
    const row = (what: string, xs: number[], listRuns = true) =>
      `| ${what} | ${xs.length} | ${s(median(xs))}${listRuns ? ` (runs: ${runs(xs)})` : ''} | ${p95(xs)} | ${(median(xs) / mf).toFixed(1)}× |`;
    const body = `## Apply (issues 5 and 15)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores), one run of
\`sudo npm run bench:apply\` (SQLite store; lab host hv1 from its seed). The change set: ${ops.length}
operations (${PAIRS} veth pairs created, each first end set up), ${argvs.length} commands.

| how the ${ops.length} operations reach the host | runs | median | p95 | vs the floor |
|---|---|---|---|---|
${row('ip -batch: the same commands through one `ip -batch -` in one SSH exec (the floor: no records, no rollback)', floor, false)}
${row('Switchboard\'s runner: one SSH exec, plan on stdin, every command recorded, rollback ready', oneExec, false)}
${row('one SSH exec per command over the same connection', perExec)}
| Ansible playbook, one \`command\` task per operation, pipelining + ControlPersist (${ansible.version}) | 1 | ${s(ansible.ms)} | | ${(ansible.ms / mf).toFixed(0)}× |
${row(`the whole apply service (re-read, write-ahead audit record, runner, ${ops.length} step records, confirmation over a new SSH connection, re-read and compare)`, service)}
${row('the same, on a host that confirms only disruptive changes (no wait for this change)', unconfirmed)}

The runner and the floor alternate run by run, so the machine's noise falls on both alike. Every
variant is checked to have created all ${2 * PAIRS} interfaces; the links are removed between runs
(not timed). The runner's figure is from the start of the exec to the runner's last event; p95 of a
handful of runs is their slowest.

The runner gives consecutive \`ip\` commands to one \`ip -batch\` (server/apply/runner.ts), with a
marker after each so that it knows exactly which ran when one fails, and records each command's
exit code and output as before; commands of other programs, and the inverses of a rollback, still
run one process each. Before this (2026-12-02) it started one \`ip\` per command: 0.88 s median
for these 200 operations, against 0.17-0.21 s for \`ip -batch\` on this machine kind
(../shared/FINDINGS.md).
`;
    process.stdout.write((await writeResultsSection('apply', body)) + '\n');
  } finally {
    await t.close();
  }
}

await main();
process.exit(0);
