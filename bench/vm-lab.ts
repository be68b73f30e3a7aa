// Real-kernel lab hosts: cold image build, first boot (seed + snapshot), warm start from the
// snapshot, real reboot, idle CPU and RSS of one guest, and whether 3 guests fit beside the
// namespace lab. Writes its section of bench/RESULTS.md.
//   sudo npm run bench:vm-lab                (3 runs each; BENCH_RUNS=5 for more)
//   BENCH_COLD=0 sudo npm run bench:vm-lab   (keep the built image: skip the cold build)
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median, quantile, writeResultsSection } from './results';
import { vmHostNames } from '../lab/config';
import { run, sleep } from '../lab/exec';
import { sshAnswers } from '../lab/host';
import { down, up } from '../lab/lab';
import { builtImage, ensureImage, imageBuildRecord } from '../lab/vm/image';
import { createGuest, destroyGuest, qemuPid, rebootGuest } from '../lab/vm/guest';
import { labHost } from '../lab/testing';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLD = process.env.BENCH_COLD !== '0';
const log = (m: string) => console.error(`bench: ${m}`);
const s = (x: number) => `${x.toFixed(1)} s`;
const stats = (xs: number[]) => `median ${s(median(xs))}, p95 ${s(quantile(xs, 0.95))} (runs: ${xs.map((x) => x.toFixed(1)).join(', ')})`;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Seconds from "go" until the SSH banner answers, with `start` doing the work. */
async function timeToBanner(address: string, start: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await start();
  while (!(await sshAnswers(address, 22, 1000))) await sleep(100);
  return (performance.now() - t) / 1000;
}

async function main() {
  const rows: string[] = [];
  await down(log);
  await up({ hosts: 1, log });

  // Cold build: the recipe's image from nothing but Debian packages (the kernel .deb is kept).
  let build = await builtImage();
  if (COLD || !build) {
    if (build) await rm(build.dir, { recursive: true, force: true });
    const t = performance.now();
    build = await ensureImage(log);
    const rec = await imageBuildRecord(build);
    rows.push(`| cold image build (debootstrap, kernel, initramfs, ext4 image) | ${s((performance.now() - t) / 1000)} (${Object.entries(rec?.steps ?? {}).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}) |`);
  }
  const g = vmHostNames(1);
  // First start of a guest: cold boot to its seeded state, snapshot saved, then restored.
  await destroyGuest(g);
  await rm(path.join(build.dir, 'snapshots'), { recursive: true, force: true });
  const first = await createGuest(g, log);
  const boot = JSON.parse(await readFile(path.join(build.dir, 'snapshots', g.name, 'boot.json'), 'utf8')) as { coldBootSeconds: number };
  rows.push(`| first start of a guest: cold boot to SSH and its seed (bond, VLANs, OVS, libvirt), snapshot saved and restored | ${s(first.seconds)} (of which boot and seed ${s(boot.coldBootSeconds)}) |`);

  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await destroyGuest(g);
    warm.push(await timeToBanner(g.address, () => createGuest(g, log)));
  }
  rows.push(`| warm start: restore the snapshot to the SSH banner | ${stats(warm)} |`);

  const reboots: number[] = [];
  for (let i = 0; i < RUNS; i++) reboots.push(await rebootGuest(g, log));
  rows.push(`| real reboot (systemctl reboot) to the SSH banner and the seed re-applied | ${stats(reboots)} |`);

  // Idle: after the reboot settles, over 30 s.
  await sleep(10_000);
  const pid = (await qemuPid(g))!;
  const hz = Number((await run(['getconf', 'CLK_TCK'])).stdout.trim());
  const a = await cpuTicks(pid);
  await sleep(30_000);
  const idle = ((await cpuTicks(pid)) - a) / hz / 30 * 100;
  rows.push(`| one idle guest: CPU (30 s window) and RSS | ${idle.toFixed(1)}% of one core, ${(await rssMiB(pid)).toFixed(0)} MiB |`);

  const sshTimes: number[] = [];
  const kv1 = labHost('kv1');
  const expectedFingerprint = await kv1.hostKeyFingerprint();
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await kv1.ssh('true', { expectedFingerprint });
    sshTimes.push(performance.now() - t);
  }
  rows.push(`| \`ssh true\` on a new connection (10 runs) | median ${median(sshTimes).toFixed(0)} ms, p95 ${quantile(sshTimes, 0.95).toFixed(0)} ms |`);

  // Three guests beside two full namespace hosts.
  const t3 = performance.now();
  const r = await up({ hosts: 2, vmHosts: 3, log });
  const upSeconds = (performance.now() - t3) / 1000;
  const pids = await Promise.all([1, 2, 3].map((n) => qemuPid(vmHostNames(n))));
  const rss = (await Promise.all(pids.map((p) => rssMiB(p!)))).reduce((x, y) => x + y, 0);
  const answers = await Promise.all([1, 2, 3].map((n) => sshAnswers(vmHostNames(n).address)));
  await sleep(10_000);
  const ticks0 = await Promise.all(pids.map((p) => cpuTicks(p!)));
  await sleep(30_000);
  const ticks1 = await Promise.all(pids.map((p) => cpuTicks(p!)));
  const cpu3 = ticks1.reduce((sum, t, i) => sum + (t - ticks0[i]!), 0) / hz / 30 * 100;
  const mem = await readFile('/proc/meminfo', 'utf8');
  const avail = Number(/MemAvailable:\s+(\d+)/.exec(mem)?.[1] ?? 0) / 1024 / 1024;
  rows.push(`| 3 guests beside 2 full namespace hosts: up (kv2, kv3 cold the first time) | ${s(upSeconds)} (${Object.entries(r.vmStarts ?? {}).map(([n, v]) => `${n} ${v.how} ${v.seconds.toFixed(0)} s`).join(', ')}) |`);
  rows.push(`| 3 guests: all answer SSH; RSS together; idle CPU together; memory left | ${answers.every(Boolean) ? 'yes' : 'NO'}; ${(rss / 1024).toFixed(2)} GiB; ${cpu3.toFixed(1)}% of one core; ${avail.toFixed(1)} GiB available of ${(os.totalmem() / 2 ** 30).toFixed(0)} |`);
  await down(log);

  const section = `## Real-kernel lab hosts (issue 9)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores, kernel ${os.release()}, no KVM: QEMU
in software emulation), guest kernel ${build.kernelVersion}, ${RUNS} runs each, load average at the end
${os.loadavg().map((x) => x.toFixed(2)).join(' ')}. Rerun: \`sudo npm run bench:vm-lab\` (\`BENCH_RUNS=5\` for more runs,
\`BENCH_COLD=0\` to keep the built image).

| what | result |
|---|---|
${rows.join('\n')}

A guest's first start is paid once per image and seed (the snapshot is kept in
\`lab/.state/images/<recipe>/snapshots/\`); every later \`up\`, \`start()\` or test reset restores it.
`;
  console.log(await writeResultsSection('vm-lab', section));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
