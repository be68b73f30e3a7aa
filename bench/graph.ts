// Graph rendering benchmark (issue 4): in headless Chromium, a graph of ~2,000 nodes and
// ~3,000 edges must show its first frame in under 2 s, with no main-thread task over 200 ms
// while it lays out (elkjs runs in a Web Worker). Writes its section of bench/RESULTS.md.
//   sudo npm run bench:graph        (builds and starts the panel with SWITCHBOARD_BENCH=1)
import os from 'node:os';
import { median, writeResultsSection } from './results';
import { chromium } from '@playwright/test';
import { startPanel, stopPanel } from '../e2e/panel-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PORT = 3219;
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);


interface Run {
  firstFrameMs: number;
  nodes: number;
  edges: number;
  longTasks: number[];
}

async function main() {
  process.env.SWITCHBOARD_BENCH = '1';
  log('building and starting the panel');
  const { baseURL } = await startPanel(PORT);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const runs: Run[] = [];
  try {
    for (let i = 0; i < RUNS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      // Long tasks (>50 ms on the main thread), from navigation start, as Chromium reports them.
      await page.addInitScript(() => {
        (window as unknown as { __longTasks: number[] }).__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) (window as unknown as { __longTasks: number[] }).__longTasks.push(e.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      await page.goto(`${baseURL}/bench/graph`);
      await page.waitForFunction(() => window.__graphBench?.firstFrameMs != null, null, { timeout: 60_000 });
      await page.waitForTimeout(500);
      const result = await page.evaluate(() => ({
        ...window.__graphBench!,
        longTasks: (window as unknown as { __longTasks: number[] }).__longTasks,
      }));
      if (i === 0) {
        await page.screenshot({ path: 'test-results/screenshots/graph-2000.png' });
        log('warm-up run done (compiles and caches the page)');
      } else {
        runs.push({ firstFrameMs: result.firstFrameMs!, nodes: result.nodes, edges: result.edges, longTasks: result.longTasks });
        log(`run ${i}: first frame ${Math.round(result.firstFrameMs!)} ms, longest task ${Math.round(Math.max(0, ...result.longTasks))} ms`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    stopPanel();
  }
  const first = runs.map((r) => r.firstFrameMs);
  const longest = runs.map((r) => Math.max(0, ...r.longTasks));
  const over200 = runs.reduce((n, r) => n + r.longTasks.filter((d) => d > 200).length, 0);
  const body = `## Graph rendering (issue 4)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores), headless Debian Chromium,
viewport 1600x1000, ${RUNS} runs after one warm-up, \`next start\` production build. Rerun:
\`sudo npm run bench:graph\` (\`BENCH_RUNS=N\`). Input: the synthetic topology of
\`server/topology/synthetic.ts\` (${runs[0]?.nodes} nodes, ${runs[0]?.edges} edges). Layout runs in a Web Worker: elkjs
layered for graphs up to 250 nodes, the linear column layout (server/topology/column-layout.ts) above that,
because elkjs with column constraints took 14 s for 586 nodes here. A large graph opens readable at
the top left (not fitted to the screen, where 2,000 nodes are unreadable), and React Flow holds only the
nodes around the view (re-chosen when the view stops moving): its per-commit cost grows with every node it
holds, not only the drawn ones (2,340 nodes held: ~0.4 s per commit; before this change the longest task
here was 390 ms).

| what | target | result |
|---|---|---|
| first laid-out frame, from navigation start | < 2 s | median ${Math.round(median(first))} ms (runs: ${first.map(Math.round).join(', ')}) |
| longest main-thread task during load and layout | none over 200 ms | median ${Math.round(median(longest))} ms, max ${Math.round(Math.max(...longest))} ms (runs: ${longest.map(Math.round).join(', ')}) |
| main-thread tasks over 200 ms, all runs together | 0 | ${over200} |
${
    over200 > 0
      ? `
Not met yet: the layout itself runs off the main thread, but React Flow takes in all
${runs[0]?.nodes} nodes and ${runs[0]?.edges} edges in one commit (one Chromium trace: ~390 ms of scripting
and ~215 ms of style and layout in that task), even though only the nodes on screen are drawn.
Mounting the nodes in slices made it worse (each slice re-processed every node so far:
tasks grew from 245 to 915 ms). Next: keep off-screen nodes out of React Flow's store until
they come into view, or draw large graphs on a canvas.
`
      : ''
  }`;
  process.stdout.write((await writeResultsSection('graph', body)) + '\n');
}

main().catch((err: unknown) => {
  stopPanel();
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
