// Issue 5's browser path: drag veth-b onto br0, review the exact commands, apply with the steps
// shown live, see the edge become solid and the change in the history; then a change whose
// second step the kernel refuses is rolled back in front of the user and the host stays as it
// was. Runs after first-start.spec.ts (alice and hv1 exist).
import { expect, test, type Page } from '@playwright/test';
import { labHost } from '../lab/testing';
import { ADMIN, openHost, signIn } from './session';

test.describe.configure({ mode: 'serial' });

const hv1 = labHost('hv1');
const PENDING = /(^|\s)pending(\s|$)/;

const openHv1 = (page: Page) => openHost(page, 'hv1', 'if:br0');

const mtuOf = async (dev: string) => Number(/ mtu (\d+) /.exec((await hv1.exec(['ip', '-o', 'link', 'show', 'dev', dev])).stdout)?.[1]);
const masterOf = async (dev: string) => / master (\S+) /.exec((await hv1.exec(['ip', '-o', 'link', 'show', 'dev', dev])).stdout)?.[1] ?? null;

test.afterAll(async () => {
  await hv1.exec(['ip', 'link', 'set', 'dev', 'veth-b', 'nomaster'], { allowFailure: true });
  await hv1.exec(['ip', 'link', 'del', 'dev', 'brui'], { allowFailure: true });
});

test('drag veth-b onto br0, review the exact commands, apply live, and find it in the history', async ({ page }) => {
  expect(await masterOf('veth-b')).toBeNull();
  await signIn(page);
  const graph = await openHv1(page);

  await graph.locator('.react-flow__node[data-id="if:veth-b"] .react-flow__handle.source').dragTo(graph.locator('.react-flow__node[data-id="if:br0"] .react-flow__handle.target'));
  const draft = page.getByTestId('draft-panel');
  await expect(draft.getByTestId('draft-op')).toHaveCount(1);
  await expect(draft.getByTestId('draft-op')).toContainText('connect veth-b to br0');
  await expect(draft.getByTestId('draft-op')).toContainText('by alice');
  // Drawn as pending, and nothing has touched the host yet.
  await expect(graph.locator('.react-flow__edge[data-id="member:veth-b"]')).toHaveClass(PENDING);
  expect(await masterOf('veth-b')).toBeNull();
  // The draft lives on the server: it survives a reload.
  await page.reload();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('connect veth-b to br0');

  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('plan-command')).toHaveText(['ip link set dev veth-b master br0']);
  await expect(review.getByTestId('plan-inverse')).toHaveText(['ip link set dev veth-b nomaster']);
  // Who drafted each operation (the draft is shared between operators).
  await expect(review.getByTestId('plan-drafted-by')).toHaveText(['drafted by alice']);
  await page.screenshot({ path: 'test-results/screenshots/review.png', fullPage: true });

  // veth-b keeps its address as a port: valid, but the review warns, and Apply waits for a yes.
  await expect(review.getByTestId('plan-warning')).toHaveText(['Warning: veth-b keeps 198.18.250.2/30: as a port of br0 that address stops working (the bridge takes its traffic); move it to br0 in the same change.']);
  await review.getByLabel('Reason').fill('Give the test VM a path to br0');
  await expect(review.getByRole('button', { name: 'Apply' })).toBeDisabled();
  await review.getByRole('checkbox', { name: /I have read the warnings/ }).check();
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  await expect(review.getByTestId('step')).toHaveAttribute('data-status', 'ok');
  // The progress bar agrees with "1 of 1 step done": full, at once.
  await expect(review.getByText('1 of 1 step done')).toBeVisible();
  const bar = review.getByRole('progressbar', { name: 'Steps done' });
  await expect(bar).toHaveAttribute('aria-valuenow', '1');
  const [whole, filled] = [await bar.boundingBox(), await bar.locator('div').boundingBox()];
  expect(filled!.width).toBeCloseTo(whole!.width, 0);
  // The host waited for the panel's confirmation over a new connection, and got it.
  await expect(review.getByTestId('confirm-countdown')).toHaveAttribute('data-state', 'confirmed');
  await page.screenshot({ path: 'test-results/screenshots/applied.png', fullPage: true });
  expect(await masterOf('veth-b')).toBe('br0');

  const historyLink = review.getByRole('link', { name: 'Open in history' });
  const href = await historyLink.getAttribute('href');
  expect(href).toMatch(/^\/history\/\w+$/);
  await page.keyboard.press('Escape');
  // The edge is now the host's own: solid, not pending.
  const edge = page.getByTestId('topology-graph').locator('.react-flow__edge[data-id="member:veth-b"]');
  await expect(edge).toHaveCount(1);
  await expect(edge).not.toHaveClass(PENDING);
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(0);

  await page.goto('/history');
  const row = page.locator(`[data-id="change-${href!.split('/').pop()}"]`);
  await expect(row).toContainText('hv1');
  await expect(row).toContainText('Give the test VM a path to br0');
  await expect(row).toContainText('alice');
  // When, written one way (ISO 8601 order, the offset named), not a locale's 12/3/2026.
  await expect(row.locator('time').first()).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (UTC|[+-]\d\d:\d\d)$/);
  await row.getByRole('link').first().click();
  await expect(page.getByTestId('command')).toHaveText(['ip link set dev veth-b master br0']);
  await expect(page.getByTestId('inverse')).toHaveText(['ip link set dev veth-b nomaster']);
  await expect(page.getByText('Give the test VM a path to br0')).toBeVisible();
  await expect(page.getByTestId('change-diff')).toContainText('veth-b');
  // Its before/after in sentences: the port joined br0, not "master null → \"br0\"".
  await expect(page.getByTestId('change-diff').getByTestId('diff-field')).toContainText(['master none → br0']);
  // And in pictures: the host before and after side by side, laid out alike, the new port
  // connection only after (issue 14).
  const before = page.getByTestId('picture-before');
  const after = page.getByTestId('picture-after');
  await expect(page.getByTestId('change-pictures-summary')).toContainText('1 connection added');
  await expect(after.locator('.react-flow__edge[data-id="member:veth-b"]')).toHaveCount(1);
  await expect(before.locator('.react-flow__node[data-id="if:veth-b"]')).toBeVisible();
  await expect(before.locator('.react-flow__edge[data-id="member:veth-b"]')).toHaveCount(0);
  const placeOf = (side: typeof before, id: string) => side.locator(`.react-flow__node[data-id="${id}"]`).evaluate((n) => (n as HTMLElement).style.transform);
  for (const id of ['if:eth1', 'if:br0', 'if:veth-b', 'vm:web1']) expect(await placeOf(after, id), id).toBe(await placeOf(before, id));
  await page.screenshot({ path: 'test-results/screenshots/change-detail.png', fullPage: true });
});

test('a change whose second step the kernel refuses is rolled back before your eyes, and the host stays as it was', async ({ page }) => {
  expect(await mtuOf('veth-a')).toBe(1500);
  expect(await mtuOf('vxlan100')).toBe(1500);
  await signIn(page);
  const graph = await openHv1(page);

  const setMtu = async (dev: string, mtu: string) => {
    await graph.locator(`.react-flow__node[data-id="if:${dev}"]`).click();
    const editor = page.getByTestId('interface-editor');
    await editor.getByLabel('MTU').fill(mtu);
    await editor.getByRole('button', { name: 'Set MTU' }).click();
  };
  await setMtu('veth-a', '1400');
  await expect(page.getByTestId('draft-op')).toHaveCount(1);
  // vxlan100 rides on eth2 (MTU 1550) with 50 bytes of encapsulation: the kernel allows 1500 at most.
  await setMtu('vxlan100', '9000');
  await expect(page.getByTestId('draft-op')).toHaveCount(2);

  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('plan-command')).toHaveText(['ip link set dev veth-a mtu 1400', 'ip link set dev vxlan100 mtu 9000']);
  // What the graph will look like, in sentences: no JSON, no field paths (issue 14).
  await expect(review.getByTestId('plan-diff')).toContainText('veth-a: MTU 1500 → 1400');
  expect(await review.getByTestId('plan-diff').innerText()).not.toMatch(/[{}[\]"]|[a-z][A-Z]\w*\.\w/);
  await review.getByLabel('Reason').fill('Jumbo frames on the overlay');
  await review.getByRole('button', { name: 'Apply' }).click();

  await expect(review.getByTestId('change-status')).toHaveText('rolled-back');
  const steps = review.getByTestId('step');
  await expect(steps.nth(0)).toHaveAttribute('data-status', 'rolled-back');
  await expect(steps.nth(1)).toHaveAttribute('data-status', 'failed');
  await expect(steps.nth(1)).toContainText('Invalid argument');
  await expect(steps.nth(0).getByTestId('rollback-command')).toHaveText(['ip link set dev veth-a mtu 1500']);
  await page.screenshot({ path: 'test-results/screenshots/rolled-back.png', fullPage: true });

  expect(await mtuOf('veth-a')).toBe(1500);
  expect(await mtuOf('vxlan100')).toBe(1500);
  // The draft stays, so the operator can fix the MTU and try again.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(2);
  await page.getByRole('button', { name: 'Discard draft' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(0);
});

test('create a bridge from the New menu with an address, undo one operation, apply, then delete it again', async ({ page }) => {
  await signIn(page);
  const graph = await openHv1(page);
  const draft = page.getByTestId('draft-panel');

  await page.getByTestId('new-menu').locator('summary').click();
  await page.getByTestId('new-menu').getByRole('button', { name: /^Bridge/ }).click();
  const form = page.getByTestId('new-form');
  await form.getByLabel('Name').fill('brui');
  await form.getByLabel('STP').check();
  await form.getByRole('button', { name: 'Add bridge to draft' }).click();
  // Ghosted until applied; the inspector edits what the draft will create.
  const node = graph.locator('.react-flow__node[data-id="if:brui"]');
  await expect(node.locator('[data-pending="added"]')).toBeVisible();
  await node.click();
  const editor = page.getByTestId('interface-editor');
  await editor.getByLabel('New address').fill('203.0.113.77/24');
  await editor.getByRole('button', { name: 'Add address' }).click();
  await editor.getByLabel('MTU').fill('1400');
  await editor.getByRole('button', { name: 'Set MTU' }).click();
  // Drafted up (issue 14): create, bring up, address, MTU.
  await expect(draft.getByTestId('draft-op')).toHaveCount(4);
  // Undo just the MTU.
  await draft.getByRole('button', { name: 'Undo set MTU of brui to 1400' }).click();
  await expect(draft.getByTestId('draft-op')).toHaveCount(3);

  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('plan-command')).toHaveText(['ip link add name brui type bridge stp_state 1', 'ip link set dev brui up', 'ip address add 203.0.113.77/24 dev brui']);
  await review.getByLabel('Reason').fill('A bridge for the test network');
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  await page.keyboard.press('Escape');
  await expect(node.locator('[data-pending]')).toHaveCount(0);
  expect((await hv1.exec(['ip', '-o', 'address', 'show', 'dev', 'brui'])).stdout).toContain('203.0.113.77/24');
  expect((await hv1.exec(['ip', '-o', 'link', 'show', 'dev', 'brui'])).stdout).toMatch(/[<,]UP[,>]/);

  await node.click();
  await page.getByTestId('interface-editor').getByRole('button', { name: 'Delete brui' }).click();
  await expect(node.locator('[data-pending="removed"]')).toBeVisible();
  await page.getByRole('button', { name: 'Review changes' }).click();
  await expect(review.getByTestId('plan-command')).toHaveText(['ip link del dev brui']);
  // The inverse re-creates it exactly: same MAC, STP, address.
  await expect(review.getByTestId('plan-inverse').first()).toContainText('ip link add name brui address');
  await expect(review.getByTestId('plan-inverse').first()).toContainText('type bridge stp_state 1');
  await review.getByLabel('Reason').fill('Not needed after all');
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  await page.keyboard.press('Escape');
  await expect(node).toHaveCount(0);
  expect((await hv1.exec(['ip', 'link', 'show', 'dev', 'brui'], { allowFailure: true })).code).not.toBe(0);
});

test('the audit page reports the chain intact and lists sign-ins with who and from where', async ({ page }) => {
  await signIn(page);
  await page.goto('/audit');
  await expect(page.getByTestId('chain-status')).toHaveText('intact');
  const events = page.getByTestId('security-events');
  await events.getByTestId('event-group').selectOption('sign-in');
  const signedIn = events.getByTestId('security-event').filter({ hasText: 'signed in' }).first();
  await expect(signedIn).toContainText(ADMIN.username);
  await expect(signedIn).toContainText(/address \S+/);
  await events.getByTestId('event-user').fill('nobody-like-this');
  await expect(events.getByText('No security events match.')).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/audit.png', fullPage: true });
});

test('a 16-character interface name is refused with the rule, not cut short', async ({ page }) => {
  await signIn(page);
  await openHv1(page);
  await page.getByTestId('new-menu').locator('summary').click();
  await page.getByTestId('new-menu').getByRole('button', { name: /^Bridge/ }).click();
  const form = page.getByTestId('new-form');
  await form.getByLabel('Name').fill('abcdefghijklmnop');
  await expect(form.getByLabel('Name')).toHaveValue('abcdefghijklmnop');
  await form.getByRole('button', { name: 'Add bridge to draft' }).click();
  await expect(form.getByRole('alert')).toContainText('An interface name is 1-15 characters');
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(0);
});
