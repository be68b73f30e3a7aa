// Issue 15's push, in the browser: two tabs on the same host. A draft edit in one shows in the
// other as it happens, and the other tab does not poll for it while its live events are up.
// Runs after first-start.spec.ts (alice and hv1 exist).
import { expect, test, type Page } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn, startWithEmptyDraft } from './session';

const DRAFT_POLL_MS = 15_000; // components/changes/draft-context.tsx

/** Counts the page's requests that read the draft (tRPC batches name every procedure in the path). */
function countDraftReads(page: Page) {
  const counter = { reads: 0 };
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.includes('changes.draft')) counter.reads++;
  });
  return counter;
}

test("another tab's draft edit shows at once, with no polling while live", async ({ browser }) => {
  test.setTimeout(120_000);
  const editorContext = await browser.newContext();
  const watcherContext = await browser.newContext();
  const editor = await editorContext.newPage();
  const watcher = await watcherContext.newPage();
  try {
    await signIn(editor);
    await signIn(watcher);
    const graph = await openHost(editor, 'hv1', 'if:br0');
    await startWithEmptyDraft(editor);
    const watcherReads = countDraftReads(watcher);
    await openHost(watcher, 'hv1', 'if:br0');
    await expect(watcher.getByTestId('live-status')).toHaveAttribute('data-live', 'yes');
    await expect(watcher.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(0);

    // Longer than the draft's polling interval: a live page reads the draft no more.
    const before = watcherReads.reads;
    await watcher.waitForTimeout(DRAFT_POLL_MS + 2_000);
    expect(watcherReads.reads).toBe(before);

    await graph.locator('.react-flow__node[data-id="if:veth-b"] .react-flow__handle.source').dragTo(graph.locator('.react-flow__node[data-id="if:br0"] .react-flow__handle.target'));
    await expect(editor.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('connect veth-b to br0');
    // Well inside the polling interval: only the live event can have brought it.
    await expect(watcher.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('connect veth-b to br0', { timeout: 3_000 });
    await expect(watcher.locator('.react-flow__edge[data-id="member:veth-b"]')).toBeVisible({ timeout: 3_000 });
    expect(watcherReads.reads).toBe(before + 1);

    await editor.getByRole('button', { name: 'Discard draft' }).click();
    await expect(watcher.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(0, { timeout: 3_000 });
  } finally {
    await editorContext.close();
    await watcherContext.close();
  }
});

test('a change made on the host redraws the graph in place: no node already drawn blinks out', async ({ page }) => {
  const hv1 = labHost('hv1');
  await signIn(page);
  const graph = await openHost(page, 'hv1', 'if:br0');
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-live', 'yes');
  // React Flow hides a node it has to measure again (visibility: hidden); a redraw that forgot
  // the sizes would hide every node, handles and edges included, for a frame or more.
  await graph.evaluate((root) => {
    const hidden: string[] = [];
    (window as unknown as { hiddenNodes: string[] }).hiddenNodes = hidden;
    new MutationObserver((records) => {
      for (const r of records) {
        const node = r.target as HTMLElement;
        if (node.classList?.contains('react-flow__node') && node.style.visibility === 'hidden') hidden.push(node.dataset.id!);
      }
    }).observe(root.querySelector('.react-flow__nodes')!, { attributes: true, attributeFilter: ['style'], subtree: true });
  });
  try {
    await hv1.exec(['ip', 'link', 'add', 'sblive0', 'type', 'bridge']);
    await expect(graph.locator('.react-flow__node[data-id="if:sblive0"]')).toBeVisible();
    await hv1.exec(['ip', 'link', 'del', 'dev', 'sblive0']);
    await expect(graph.locator('.react-flow__node[data-id="if:sblive0"]')).toHaveCount(0);
  } finally {
    await hv1.exec(['ip', 'link', 'del', 'dev', 'sblive0'], { allowFailure: true });
  }
  const blinked = await page.evaluate(() => (window as unknown as { hiddenNodes: string[] }).hiddenNodes.filter((id) => id !== 'if:sblive0'));
  expect(blinked, 'nodes hidden by a live redraw').toEqual([]);
});
