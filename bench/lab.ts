// Lab benchmark: time to bring up 10 full / 100 light hosts, time to tear down, and the idle
// CPU use of 10 full hosts. Writes its section of bench/RESULTS.md.
//   sudo npm run bench:lab            (3 runs each; BENCH_RUNS=5 for more)
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { median, writeResultsSection } from './results';
import { LIBVIRT_CACHE_DIR, hostNames } from '../lab/config';
import { run, sleep } from '../lab/exec';
import { down, up } from '../lab/lab';
import { processesInNetns, runInHost } from '../lab/host';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} s (runs: ${xs.map((x) => x.toFixed(2)).join(', ')})`;

async function timeUp(hosts: number, light: boolean): Promise<{ up: number; down: number }> {
  await down();
  const t0 = performance.now();
  await up({ hosts, light });
  const upS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await down();
  return { up: upS, down: (performance.now() - t1) / 1000 };
}

/** CPU seconds used by every process inside the lab's namespaces (all threads) over `seconds`. */
async function idleCpu(seconds: number): Promise<{ percentOfOneCore: number; processes: number }> {
  const netns = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith('sbl-hv'));
  const pids = (await Promise.all(netns.map(processesInNetns))).flat();
  const ticks = async () => {
    let sum = 0;
    for (const pid of pids) {
      try {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        sum += Number(fields[11]) + Number(fields[12]); // utime + stime
      } catch {
        // exited
      }
    }
    return sum;
  };
  const hz = Number((await run(['getconf', 'CLK_TCK'])).stdout.trim());
  const a = await ticks();
  await sleep(seconds * 1000);
  const b = await ticks();
  return { percentOfOneCore: ((b - a) / hz / seconds) * 100, processes: pids.length };
}

async function main() {
  const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
  // Packages and the persistent SSH host keys first, so runs measure the lab, not apt.
  log('preparing (packages, host keys for 100 hosts)');
  await up({ hosts: 100, light: true });
  await down();

  log('10 full hosts, cold QEMU capability cache (first up after boot)');
  await rm(LIBVIRT_CACHE_DIR, { recursive: true, force: true });
  const cold = await timeUp(10, false);

  const full: { up: number; down: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`10 full hosts, run ${i + 1}/${RUNS}`);
    full.push(await timeUp(10, false));
  }
  const light: { up: number; down: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    log(`100 light hosts, run ${i + 1}/${RUNS}`);
    light.push(await timeUp(100, true));
  }

  log('idle CPU of 10 full hosts (30 s after a 10 s settle)');
  await up({ hosts: 10 });
  await sleep(10_000);
  const idle = await idleCpu(30);
  // Control: the same meter with one VM running (not paused) must read far above zero, or the
  // idle figure above means nothing.
  await runInHost(hostNames(1), ['virsh', '-q', '-c', 'qemu:///system', 'resume', 'web1']);
  await sleep(2000);
  const control = await idleCpu(10);
  await down();

  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const body = `## Lab (issue 2)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores, kernel ${os.release()}),
${RUNS} runs each, packages installed, load average at the end ${load}. Rerun: \`sudo npm run bench:lab\`
(\`BENCH_RUNS=5\` for more runs).

| what | target | result |
|---|---|---|
| 10 full hosts up (sshd, libvirtd, 4 networks, 3 paused VMs each) | < 60 s | ${fmt(full.map((r) => r.up))} |
| 10 full hosts up, first time after boot (QEMU capability probe) | | ${cold.up.toFixed(2)} s |
| 100 light hosts up (sshd and seeded interfaces) | < 60 s | ${fmt(light.map((r) => r.up))} |
| down of 10 full hosts | | ${fmt(full.map((r) => r.down))} |
| down of 100 light hosts | | ${fmt(light.map((r) => r.down))} |
| idle CPU of 10 full hosts (${idle.processes} processes, 30 s window) | < 10% of one core | ${idle.percentOfOneCore.toFixed(2)}% of one core |
| control: the same meter with web1 of hv1 resumed (10 s window) | | ${control.percentOfOneCore.toFixed(1)}% of one core |

The first \`up\` on a fresh machine also installs Debian packages (about 2 minutes) and creates
each host's persistent SSH host key (one \`ssh-keygen\` per host); neither is in these figures.
`;

  process.stdout.write((await writeResultsSection('lab', body)) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
