// Soak benchmark (issue 15), written to bench/RESULTS.md: lab host hv1 watched for SOAK_MINUTES
// (default 10) while a link inside it flaps every second (down, up: two kernel events a second,
// each followed by a read), with two live subscribers on its events, as two open pages would be.
// Every 30 s it samples this process's resident memory and heap, the SSH channels open, the
// hub's listeners and the reads done; what it checks is that none of them grows with time.
//   sudo npm run bench:soak   (SOAK_MINUTES=N)
import os from 'node:os';
import { writeResultsSection } from './results';
import { authorizeLabKey, ensureLab, labDown, type LabHost } from '../lab/testing';
import { createPanelPool } from '../server/hosts/panel-pool';
import { holdWatch, watchStatus } from '../server/live/host-watch';
import { hostTopic, listenerCount, subscribe } from '../server/live/hub';
import { ensurePanelIdentity } from '../server/ssh/identity';
import { openTestDatabase } from '../server/testing/database';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SAMPLE_EVERY_MS = 30_000;
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

interface Sample {
  atS: number;
  rss: number;
  heap: number;
  channels: number;
  listeners: number;
  reads: number;
  events: number;
  flaps: number;
}

async function main() {
  process.env.SWITCHBOARD_SECRET ??= 'bench-secret-'.padEnd(48, 'b');
  const t = await openTestDatabase('sqlite');
  const samples: Sample[] = [];
  let flapFailures = 0;
  try {
    await labDown();
    const [hv1] = (await ensureLab({ hosts: 1 })) as [LabHost];
    await authorizeLabKey((await ensurePanelIdentity(t.db)).publicKey);
    const host = await t.db.host.create({
      data: { name: 'hv1', address: hv1.address, hostKeyFingerprint: await hv1.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    const pool = createPanelPool(t.db);
    const release = holdWatch(t.db, pool, host.id);
    const stop = new AbortController();
    let events = 0;
    const subscribers = [0, 1].map(async () => {
      for await (const e of subscribe(hostTopic(host.id), stop.signal)) if (e.kind === 'topology') events++;
    });
    await hv1.exec(['ip', 'link', 'add', 'sbsoak0', 'type', 'bridge']);
    const started = performance.now();
    const endAt = started + MINUTES * 60_000;
    let flaps = 0;
    let nextSample = started;
    while (performance.now() < endAt) {
      const tick = performance.now();
      if (tick >= nextSample) {
        global.gc?.();
        const m = process.memoryUsage();
        const sample = {
          atS: Math.round((tick - started) / 1000),
          rss: m.rss,
          heap: m.heapUsed,
          channels: pool.channelsOpen,
          listeners: listenerCount(),
          reads: watchStatus().reads[host.id] ?? 0,
          events,
          flaps,
        };
        samples.push(sample);
        log(JSON.stringify({ ...sample, rss: mb(sample.rss), heap: mb(sample.heap) }));
        nextSample += SAMPLE_EVERY_MS;
      }
      const r = await hv1.exec(['sh', '-c', 'ip link set dev sbsoak0 down && ip link set dev sbsoak0 up'], { allowFailure: true });
      if (r.code !== 0) flapFailures++;
      flaps++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (performance.now() - tick))));
    }
    stop.abort();
    await Promise.all(subscribers);
    release();
    await hv1.exec(['ip', 'link', 'del', 'dev', 'sbsoak0'], { allowFailure: true });
    pool.closeAll();
  } finally {
    await labDown();
    await t.close();
  }

  // Growth: the last third's average against the second third's (the first third warms up: the
  // JIT, the connection, the store's first pages).
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (xs: Sample[], f: (s: Sample) => number) => xs.reduce((n, s) => n + f(s), 0) / xs.length;
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(-third);
  const first = samples[0]!;
  const end = samples.at(-1)!;
  const growth = (f: (s: Sample) => number) => `${mb(avg(middle, f))} → ${mb(avg(last, f))} MB`;
  const table = samples.map((x) => `| ${x.atS} s | ${x.flaps} | ${x.reads} | ${x.events} | ${mb(x.rss)} MB | ${mb(x.heap)} MB | ${x.channels} | ${x.listeners} |`).join('\n');
  const body = `## Soak (issue 15)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores), one run of
\`sudo npm run bench:soak\` (\`SOAK_MINUTES=${MINUTES}\`; SQLite store; lab host hv1 from its seed): hv1 watched for
${MINUTES} minutes while a bridge inside it flaps every second (down, then up), two live subscribers on
its events; memory is this process's, which holds the panel's server modules, after a forced GC.

| | at the start | at the end | middle third → last third (average) |
|---|---|---|---|
| resident memory | ${mb(first.rss)} MB | ${mb(end.rss)} MB | ${growth((x) => x.rss)} |
| JS heap in use | ${mb(first.heap)} MB | ${mb(end.heap)} MB | ${growth((x) => x.heap)} |
| SSH exec channels open | ${first.channels} | ${end.channels} | |
| live listeners on the hub | ${first.listeners} | ${end.listeners} | |

${end.flaps} flaps (${flapFailures} failed), ${end.reads} reads by the watch, ${end.events} topology events to the subscribers.

<details><summary>Every sample</summary>

| at | flaps | reads | events | resident | heap | channels | listeners |
|---|---|---|---|---|---|---|---|
${table}

</details>
`;
  process.stdout.write((await writeResultsSection('soak', body)) + '\n');
}

await main();
process.exit(0);
