// Issue 13's traffic control in the browser: an interface shaped from its details in people's
// units (10 Mbit/s), reviewed as the exact tc command with its undo and marked "undone by the
// next reboot", applied, badged on the graph in words; then the qdisc taken off again. Runs
// after first-start.spec.ts (alice and hv1 exist). The rate itself is measured in qos.int.test.ts.
import { expect, test, type Page } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn, startWithEmptyDraft } from './session';

test.describe.configure({ mode: 'serial' });

const hv1 = labHost('hv1');
const rootQdisc = async (dev: string) => (await hv1.exec(['tc', 'qdisc', 'show', 'dev', dev, 'root'])).stdout;

test.afterAll(async () => {
  await hv1.exec(['tc', 'qdisc', 'del', 'dev', 'eth1', 'root'], { allowFailure: true });
});

async function apply(page: Page, reason: string) {
  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await review.getByLabel('Reason').fill(reason);
  return review;
}

test('shape eth1 to 10 Mbit/s from its details, see it in words on the graph, and take it off again', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const graph = await openHost(page, 'hv1', 'if:eth1');
  await startWithEmptyDraft(page);
  const node = graph.locator('.react-flow__node[data-id="if:eth1"]');
  await node.click();
  const editor = page.getByTestId('shaping-editor');
  await editor.getByLabel('Shaping').selectOption('tbf');
  await editor.getByLabel('Rate (Mbit/s)').fill('10');
  await editor.getByRole('button', { name: 'Set' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('tbf 10 Mbit/s');

  const review = await apply(page, 'Hold eth1 to 10 Mbit/s');
  await expect(review.getByTestId('plan-command').first()).toContainText(/^tc qdisc replace dev eth1 root handle 1: tbf rate 10Mbit/);
  await expect(review.getByTestId('plan-inverse').first()).toHaveText('tc qdisc del dev eth1 root');
  await expect(review.getByTestId('plan-runtime-only').first()).toBeVisible();
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  expect(await rootQdisc('eth1')).toMatch(/tbf 1: root .*rate 10Mbit/);
  await page.keyboard.press('Escape');
  await expect(node).toContainText('tbf 10 Mbit/s');

  await node.click();
  await page.getByTestId('shaping-editor').getByRole('button', { name: 'Take the tbf off' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('take the root qdisc off eth1');
  const removal = await apply(page, 'Unshape eth1');
  await removal.getByRole('button', { name: 'Apply' }).click();
  await expect(removal.getByTestId('change-status')).toHaveText('applied');
  expect(await rootQdisc('eth1')).not.toContain('tbf');
  await page.keyboard.press('Escape');
  await expect(node).not.toContainText('tbf 10 Mbit/s');
});
