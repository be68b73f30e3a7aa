// Push benchmark (issue 15), written to bench/RESULTS.md. The panel is built and started as users
// start it (`npm start`, SQLite), set up through its pages, and watched in headless Chromium:
//  - kernel event -> browser graph: a bridge made inside lab host hv1 (not through Switchboard)
//    until its node is drawn on the open host page; its removal until the node is gone;
//  - draft edit -> another tab: one tab drafts an operation (the same tRPC call its form makes)
//    until a second tab, signed in separately, lists it;
//  - apply click -> "applied": five bridges drafted and reviewed, from the click on Apply until
//    the review dialog says the change is applied.
// Nothing on the page is reloaded or refreshed by hand: only live events can bring these.
//   sudo npm run bench:push   (BENCH_RUNS=N, default 40)
import os from 'node:os';
import { chromium, type Page } from '@playwright/test';
import { PROCESS_ANCHOR_ROW, processStartMs } from './process-anchor';
import { median, quantile, writeResultsSection } from './results';
import { seen } from './page-timing';
import { authorizeLabKey, ensureLab, type LabHost } from '../lab/testing';
import { readPanelState, startPanel, stopPanel } from '../e2e/panel-server';
import { createDb, type Db } from '../server/db/client';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
/** BENCH_ONLY=apply (or page, kernel, draft, comma-separated): run only those parts, print, write nothing. */
const ONLY = process.env.BENCH_ONLY?.split(',');
const runs = (part: 'page' | 'kernel' | 'draft' | 'apply') => !ONLY || ONLY.includes(part);
/** Applies are slower to clean up after (each leaves five bridges): fewer runs. */
const APPLY_RUNS = Math.min(RUNS, 20);
const PORT = 3221;
const ADMIN = { username: 'bench', password: 'a long benchmark password' };
const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

async function signIn(page: Page, baseURL: string) {
  await page.goto(`${baseURL}/sign-in`);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

async function setUp(page: Page, baseURL: string, hv1: LabHost): Promise<string> {
  await page.goto(readPanelState().setupLink);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Repeat password').fill(ADMIN.password);
  await page.getByRole('button', { name: /create/i }).click();
  await page.getByTestId('signed-in-user').waitFor();
  await page.goto(`${baseURL}/ssh-key`);
  await authorizeLabKey((await page.getByTestId('authorized-keys-line').textContent())!.trim());
  await page.goto(`${baseURL}/hosts`);
  await page.getByLabel('Address').fill(hv1.address);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByTestId('scanned-fingerprint').waitFor();
  await page.getByLabel('Name').fill('hv1');
  await page.getByRole('button', { name: 'Confirm fingerprint and add host' }).click();
  const row = page.locator('[data-id="host-hv1"]');
  await row.locator('[data-status="reachable"]').waitFor();
  const href = await row.getByRole('link', { name: 'hv1' }).getAttribute('href');
  return /\/hosts\/([^/?#]+)/.exec(href!)![1]!;
}

/**
 * Where a page load's time went, from the browser's own timings (ms since navigation): the HTML,
 * the scripts, the queries that carry the graph's data, and the layout (the canvas's user-timing
 * mark), so that a slow load says which part to work on.
 */
async function pagePhases(page: Page): Promise<Record<string, number>> {
  // A string, not a function: tsx's helpers (__name) do not exist inside the page.
  return page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const mark = performance.getEntriesByName('switchboard:graph-laid-out', 'mark')[0];
    // Requests made before the layout: those the graph waited for (the live subscription's first
    // re-read comes later and is not one of them).
    const before = mark ? mark.startTime : Infinity;
    const ended = (match) => Math.max(0, ...resources.filter((r) => match(r.name) && r.startTime < before).map((r) => r.responseEnd));
    return {
      'HTML received': nav.responseEnd,
      'scripts loaded': ended((n) => n.includes('/_next/static/') && n.endsWith('.js')),
      // The page brings the graph's first data in its HTML; a query only when it did not.
      'graph data received': ended((n) => n.includes('/api/trpc/') && n.includes('topology.latest')) || nav.responseEnd,
      'hydrated (DOM content loaded)': nav.domContentLoadedEventEnd,
      'layout done': mark ? mark.startTime : NaN,
    };
  })()`);
}

/** Page conditions (JavaScript expressions) for `seen`. */
const onPage = {
  node: (id: string) => `document.querySelector('.react-flow__node[data-id="${id}"]') !== null`,
  noNode: (id: string) => `document.querySelector('.react-flow__node[data-id="${id}"]') === null`,
  /** Drawn: in the DOM with a size, and not hidden (React Flow hides a node until it is measured). */
  nodeVisible: (id: string) =>
    `(() => { const n = document.querySelector('.react-flow__node[data-id="${id}"]'); if (!n) return false; const r = n.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(n).visibility !== 'hidden'; })()`,
  live: `document.querySelector('[data-testid="live-status"][data-live="yes"]') !== null`,
  draftOp: (text: string) => `[...document.querySelectorAll('[data-testid="draft-panel"] [data-testid="draft-op"]')].some((e) => e.textContent.includes(${JSON.stringify(text)}))`,
  noDraftOp: `document.querySelector('[data-testid="draft-panel"] [data-testid="draft-op"]') === null`,
  applied: `[...document.querySelectorAll('[data-testid="review-dialog"] [data-testid="change-status"]')].some((e) => e.textContent.trim() === 'applied')`,
};

async function openLive(page: Page, baseURL: string, hostId: string) {
  await page.goto(`${baseURL}/hosts/${hostId}`);
  await page.locator('.react-flow__node[data-id="if:br0"]').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid="live-status"][data-live="yes"]').waitFor({ timeout: 30_000 });
}

/** Drafts operations the way the page's forms do (the same tRPC call), from inside the page. */
async function draft(page: Page, hostId: string, operations: object[]) {
  const status = await page.evaluate(
    async ({ hostId, operations }) =>
      (await fetch('/api/trpc/changes.addOperations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostId, operations }) })).status,
    { hostId, operations },
  );
  if (status !== 200) throw new Error(`drafting failed: HTTP ${status}`);
}

/**
 * Where an apply click's time went: the page's click and its "applied" (epoch ms, by the page's
 * clock), and between them the change's audit records as the panel wrote them (same machine,
 * same clock).
 */
const APPLY_PHASES = [
  'click until the write-ahead record (checks, lock, the read before, the record)',
  'write-ahead record until the host waits for confirmation (the run of five steps)',
  'waiting until confirmed (a new SSH connection to the host)',
  'confirmed until the final record (the read after, the comparison, the record)',
  'final record until the page shows "applied" (event, query, draw)',
] as const;

async function applyPhases(db: Db, clickAt: number, appliedAt: number): Promise<number[]> {
  // The change this click started (the panel records its start after the click, by the same clock).
  const change = await db.changeSet.findFirstOrThrow({ where: { startedAt: { gte: new Date(clickAt) } }, orderBy: { startedAt: 'asc' }, select: { id: true } });
  const records = await db.auditRecord.findMany({ where: { changeId: change.id }, orderBy: { seq: 'asc' }, select: { kind: true, content: true, at: true } });
  const at = (kind: string, state?: string) => {
    const r = records.find((x) => x.kind === kind && (!state || (JSON.parse(x.content) as { state?: string }).state === state));
    if (!r) throw new Error(`change ${change.id} has no ${kind} ${state ?? ''} record`);
    return r.at.getTime();
  };
  const marks = [clickAt, at('change.started'), at('change.confirmation', 'waiting'), at('change.confirmation', 'confirmed'), at('change.finished'), appliedAt];
  return marks.slice(1).map((m, i) => m - marks[i]!);
}

/** Records, by the page's clock (epoch ms), when a button named Apply is clicked. */
const RECORD_APPLY_CLICKS = `document.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest('button') : null;
  if (button && button.textContent.trim() === 'Apply') window.__sbApplyClickAt = performance.timeOrigin + performance.now();
}, { capture: true })`;

const ms = (x: number) => `${Math.round(x)} ms`;
const stats = (xs: number[]) => `${ms(median(xs))} | ${ms(quantile(xs, 0.95))} | ${ms(Math.max(...xs))}`;

async function main() {
  const [hv1] = (await ensureLab({ hosts: 1 })) as [LabHost];
  await hv1.start();
  const anchorMs = await processStartMs(hv1);
  log('building and starting the panel');
  const { baseURL } = await startPanel(PORT);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const appear: number[] = [];
  const vanish: number[] = [];
  const draftSeen: number[] = [];
  const appliedSeen: number[] = [];
  const appliedPhases: number[][] = APPLY_PHASES.map(() => []);
  const pageDrawn: number[] = [];
  const pageLive: number[] = [];
  const pagePhase: Record<string, number[]> = {};
  try {
    const admin = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    const hostId = await setUp(admin, baseURL, hv1);
    await openLive(admin, baseURL, hostId);
    const other = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    await signIn(other, baseURL);
    await openLive(other, baseURL, hostId);

    // 0. The host page, warm (the panel and the connection already up): from navigation until
    // the graph is drawn with its nodes measured (visible) and the page is live, by the page's
    // own clock (which starts at the navigation).
    for (let i = 0; i <= (runs('page') ? 10 : -1); i++) {
      await admin.goto(`${baseURL}/hosts/${hostId}`, { waitUntil: 'commit' });
      const drawn = await seen(admin, onPage.nodeVisible('if:br0'), 60_000);
      const live = await seen(admin, onPage.live);
      if (i > 0) {
        pageDrawn.push(drawn);
        pageLive.push(live);
        const phases = await pagePhases(admin);
        for (const [name, at] of Object.entries(phases)) (pagePhase[name] ??= []).push(at);
      }
    }
    log(`host page phases (median ms from navigation): ${Object.entries(pagePhase).map(([k, v]) => `${k} ${Math.round(median(v))}`).join(', ')}`);
    log(`host page: drawn ${pageDrawn.map(Math.round).join(', ')} ms; live ${pageLive.map(Math.round).join(', ')} ms`);

    // 1. Kernel event -> graph. One warm-up round, then RUNS timed ones.
    for (let i = 0; i <= (runs('kernel') ? RUNS : -1); i++) {
      const node = `if:sbpush${i}`;
      let t0 = performance.now();
      await hv1.exec(['ip', 'link', 'add', `sbpush${i}`, 'type', 'bridge']);
      await seen(admin, onPage.node(node));
      if (i > 0) appear.push(performance.now() - t0);
      t0 = performance.now();
      await hv1.exec(['ip', 'link', 'del', 'dev', `sbpush${i}`]);
      await seen(admin, onPage.noNode(node));
      if (i > 0) vanish.push(performance.now() - t0);
    }
    log(`kernel event to graph: appear ${appear.map(Math.round).join(', ')} ms; vanish ${vanish.map(Math.round).join(', ')} ms`);

    // 2. Draft edit -> the other tab.
    for (let i = 0; i <= (runs('draft') ? RUNS : -1); i++) {
      const t0 = performance.now();
      await draft(admin, hostId, [{ kind: 'createBridge', name: `sbd${i}`, stp: false, vlanFiltering: false }]);
      await seen(other, onPage.draftOp(`sbd${i}`));
      if (i > 0) draftSeen.push(performance.now() - t0);
      await admin.evaluate(
        async (hostId) => fetch('/api/trpc/changes.discardDraft', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostId }) }),
        hostId,
      );
      await seen(other, onPage.noDraftOp);
    }
    log(`draft edit to the other tab: ${draftSeen.map(Math.round).join(', ')} ms`);

    // 3. Apply click -> "applied" (five bridges drafted, reviewed; timed by the page from the
    // click on Apply until it shows "applied").
    const { databaseFile } = readPanelState();
    const db = await createDb({ provider: 'sqlite', url: `file:${databaseFile}`, filePath: databaseFile });
    await admin.evaluate(RECORD_APPLY_CLICKS);
    for (let i = 0; i <= (runs('apply') ? APPLY_RUNS : -1); i++) {
      const names = Array.from({ length: 5 }, (_, k) => `sba${i}x${k}`);
      await draft(admin, hostId, names.map((name) => ({ kind: 'createBridge', name, stp: false, vlanFiltering: false })));
      await admin.getByTestId('draft-panel').getByTestId('draft-op').filter({ hasText: names[4]! }).waitFor({ timeout: 30_000 });
      await admin.getByRole('button', { name: 'Review changes' }).click();
      const review = admin.getByTestId('review-dialog');
      await review.getByLabel('Reason').fill('bench: five bridges');
      const apply = review.getByRole('button', { name: 'Apply' });
      await apply.waitFor();
      await admin.evaluate('window.__sbApplyClickAt = undefined');
      await apply.click();
      const appliedAt = (await admin.evaluate('performance.timeOrigin')) as number + (await seen(admin, onPage.applied));
      const clickAt = (await admin.evaluate('window.__sbApplyClickAt')) as number | undefined;
      if (clickAt === undefined) throw new Error('the page recorded no click on Apply');
      const phases = await applyPhases(db, clickAt, appliedAt);
      if (process.env.BENCH_TRACE) {
        const trace = (await admin.evaluate(`performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/trpc/') && performance.timeOrigin + r.responseEnd > ${clickAt}).map((r) => [r.name.split('/api/trpc/')[1].split('?')[0], Math.round(performance.timeOrigin + r.startTime - ${clickAt}), Math.round(performance.timeOrigin + r.responseEnd - ${clickAt})].join(' ')).join('; ')`)) as string;
        log(`apply ${i}: applied at ${Math.round(appliedAt - clickAt)}; phases ${phases.map(Math.round).join(' ')}; requests ${trace}`);
      }
      if (i > 0) {
        appliedSeen.push(appliedAt - clickAt);
        phases.forEach((d, k) => appliedPhases[k]!.push(d));
      }
      await admin.keyboard.press('Escape');
      await hv1.exec(['sh', '-c', names.map((n) => `ip link del dev ${n}`).join('; ')], { allowFailure: true });
    }
    log(`apply click to applied: ${appliedSeen.map(Math.round).join(', ')} ms`);
    await db.$disconnect();
  } finally {
    await browser.close();
    stopPanel();
  }

  const body = `## Push (issue 15)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores), one run of
\`sudo npm run bench:push\` (\`BENCH_RUNS=N\`): the panel built and started with \`npm start\` (SQLite),
lab host hv1 from its seed, headless Debian Chromium. Each figure runs from just before the cause
to the moment Chromium's page shows the effect, which the page itself checks on every animation
frame (Playwright's own waits poll every 500 ms after the first 270 ms, and made earlier figures
up to 500 ms too slow); nothing is reloaded or refreshed by hand, so only
the live path can bring it: the host's watch (ip monitor over the pooled SSH connection), a
probe and its store, the server-sent event, the page's query, and React Flow's layout and draw.

| what | runs | median | p95 | slowest | target |
|---|---|---|---|---|---|
| the host page, warm: from navigation until the graph is drawn | ${pageDrawn.length} | ${stats(pageDrawn)} | < 1 s |
| the same until it is also live (its event stream open) | ${pageLive.length} | ${stats(pageLive)} | |
${Object.entries(pagePhase)
  .map(([name, at]) => `| host page load, ${name} (from navigation) | ${at.length} | ${stats(at)} | |`)
  .join('\n')}
| kernel event: a bridge made inside hv1 until its node is on the open graph | ${appear.length} | ${stats(appear)} | p95 < 500 ms |
| kernel event: that bridge deleted until its node is gone | ${vanish.length} | ${stats(vanish)} | p95 < 500 ms |
| draft edit in one tab until another signed-in tab lists it | ${draftSeen.length} | ${stats(draftSeen)} | < 500 ms |
| a click on Apply for five new bridges until the review says "applied" (lock, re-read, write-ahead record, run, confirmation, re-read, compare) | ${appliedSeen.length} | ${stats(appliedSeen)} | < 1.5 s |
${APPLY_PHASES.map((name, k) => `| apply, ${name} | ${appliedPhases[k]!.length} | ${stats(appliedPhases[k]!)} | |`).join('\n')}
| ${PROCESS_ANCHOR_ROW}, before the panel starts | | ${anchorMs.toFixed(2)} ms each | | | |

One warm-up round of each is not counted. p95 is the value 95% of the runs stay within (of 40 runs the second slowest, of 20 the slowest).
`;
  if (ONLY) return void process.stdout.write(`${body}\n(BENCH_ONLY=${ONLY.join(',')}: bench/RESULTS.md left as it was)\n`);
  process.stdout.write((await writeResultsSection('push', body)) + '\n');
}

await main();
process.exit(0);
