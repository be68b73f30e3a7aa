// Issue 13's traffic control in the browser: an interface shaped from its details in people's
// units (10 Mbit/s), reviewed as the exact tc command with its undo and marked "undone by the
// next reboot", applied, badged on the graph in words; then the qdisc taken off again. Runs
// after first-start.spec.ts (alice and hv1 exist). The rate itself is measured in qos.int.test.ts.
// Then an HTB class and a filter added under hv1's seeded tree from the inspector, and removed.
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

test("add an HTB class under eth2's seeded tree and steer a port into it from the inspector, then remove both", async ({ page }) => {
  test.setTimeout(180_000);
  const tcOf = async (what: 'class' | 'filter') => (await hv1.exec(['tc', what, 'show', 'dev', 'eth2'])).stdout;
  expect(await tcOf('class')).not.toContain('1:30');
  await signIn(page);
  const graph = await openHost(page, 'hv1', 'if:eth2');
  await startWithEmptyDraft(page);
  await graph.locator('.react-flow__node[data-id="if:eth2"]').click();
  const editor = page.getByTestId('htb-editor');
  const classForm = editor.getByTestId('htb-class-form');
  // The next free class id is offered: the seeded tree has 1:10 and 1:20.
  await expect(classForm.getByLabel('Class id')).toHaveValue('1:30');
  await classForm.getByLabel('Rate (Mbit/s)').fill('5');
  await classForm.getByRole('button', { name: 'Add' }).click();
  const draft = page.getByTestId('draft-panel').getByTestId('draft-op');
  await expect(draft).toContainText('HTB class 1:30 on eth2: 5 Mbit/s');
  const filterForm = editor.getByTestId('htb-filter-form');
  await filterForm.getByLabel('IP protocol').selectOption('tcp');
  await filterForm.getByLabel('Destination port').fill('9400');
  await filterForm.getByLabel('Class').selectOption('1:30');
  await filterForm.getByRole('button', { name: 'Steer' }).click();
  await expect(draft).toHaveCount(2);
  await expect(draft.nth(1)).toContainText('into class 1:30');

  const review = await apply(page, 'Give port 9400 its own 5 Mbit/s class');
  await expect(review.getByTestId('plan-command').filter({ hasText: /^tc class add dev eth2 parent 1: classid 1:30 htb rate 5Mbit/ })).toHaveCount(1);
  await expect(review.getByTestId('plan-command').filter({ hasText: /^tc filter add dev eth2 parent 1: protocol ip prio \d+ u32 .*flowid 1:30/ })).toHaveCount(1);
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  expect(await tcOf('class')).toMatch(/class htb 1:30 root .*rate 5Mbit/); // tc prints a class under the qdisc itself as "root"
  expect(await tcOf('filter')).toMatch(/flowid 1:30/);
  await page.keyboard.press('Escape');

  // Both listed in the inspector in words, each with its Remove.
  await graph.locator('.react-flow__node[data-id="if:eth2"]').click();
  const added = page.getByTestId('htb-editor').locator('[data-testid="htb-class"][data-classid="1:30"]');
  await expect(added).toContainText('5 Mbit/s');
  const steering = page.getByTestId('htb-editor').getByTestId('htb-filter').filter({ hasText: '1:30' });
  await steering.getByRole('button', { name: 'Remove' }).click();
  await added.getByRole('button', { name: 'Remove' }).click();
  await expect(draft).toHaveCount(2);
  const removal = await apply(page, 'Port 9400 back into the default class');
  await removal.getByRole('button', { name: 'Apply' }).click();
  await expect(removal.getByTestId('change-status')).toHaveText('applied');
  expect(await tcOf('class')).not.toContain('1:30');
  expect(await tcOf('filter')).not.toMatch(/flowid 1:30/);
});
