// Issue 11's browser path: "New" → network (NAT, DHCP), the review shows the virsh commands and
// the network document, apply, the graph draws the network and libvirt runs it; db1 dragged onto
// it moves its NIC there live; the history shows both, and Revert puts each back. Runs after
// first-start.spec.ts (alice and hv1 exist).
import { expect, test, type Page } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn } from './session';

test.describe.configure({ mode: 'serial' });

const hv1 = labHost('hv1');
const virshNetworks = async () => (await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', 'net-list', '--all', '--name'])).stdout.split('\n').map((l) => l.trim()).filter(Boolean);

const openHv1 = (page: Page) => openHost(page, 'hv1', 'net:default');

async function reviewAndApply(page: Page, reason: string) {
  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await review.getByLabel('Reason').fill(reason);
  return review;
}

/** The change that created the network (test 1), reverted last. */
let networkChange = '';

test.afterAll(async () => {
  for (const args of [['net-destroy', 'uinat'], ['net-undefine', 'uinat']]) await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', ...args], { allowFailure: true });
});

test('create a NAT network from New, review its virsh commands and document, and apply it', async ({ page }) => {
  expect(await virshNetworks()).not.toContain('uinat');
  await signIn(page);
  const graph = await openHv1(page);

  await page.getByTestId('new-menu').locator('summary').click();
  await page.getByRole('button', { name: /^Network/ }).click();
  const form = page.getByTestId('network-form');
  await form.getByLabel('Name').fill('uinat');
  // The form proposes a subnet the host does not use, with a DHCP range inside it.
  await expect(form.getByLabel('Address')).not.toHaveValue('');
  await form.getByLabel('Address').fill('10.91.0.1');
  await form.getByLabel('Range from').fill('10.91.0.100');
  await form.getByLabel('to', { exact: true }).fill('10.91.0.150');
  await form.getByRole('button', { name: 'Add network to draft' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('create NAT network uinat, 10.91.0.1/24, DHCP 10.91.0.100-10.91.0.150');
  // Drawn before it exists, and nothing has touched the host yet.
  await expect(graph.locator('.react-flow__node[data-id="net:uinat"]')).toBeVisible();
  expect(await virshNetworks()).not.toContain('uinat');

  const review = await reviewAndApply(page, 'A NAT network for the test lab');
  await expect(review.getByTestId('plan-command')).toHaveText([
    'virsh -q -c qemu:///system net-define @doc1',
    'virsh -q -c qemu:///system net-autostart uinat',
    'virsh -q -c qemu:///system net-start uinat',
  ]);
  const doc = review.getByTestId('command-document');
  await expect(doc).toHaveCount(1);
  await doc.locator('summary').click();
  await expect(doc).toContainText('libvirt network definition');
  await expect(doc.locator('pre')).toContainText('<forward mode="nat"/>');
  await expect(doc.locator('pre')).toContainText('<range start="10.91.0.100" end="10.91.0.150"/>');
  await page.screenshot({ path: 'test-results/screenshots/review-network.png', fullPage: true });
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  expect(await virshNetworks()).toContain('uinat');
  const historyHref = await review.getByRole('link', { name: 'Open in history' }).getAttribute('href');
  await page.keyboard.press('Escape');

  // The graph shows it as the host's own, and its inspector offers what can be done with it.
  await graph.locator('.react-flow__node[data-id="net:uinat"]').click();
  const inspector = page.getByTestId('inspector');
  await expect(inspector).toContainText('uinat');
  await expect(page.getByTestId('network-editor').getByRole('button', { name: 'Stop' })).toBeVisible();

  networkChange = historyHref!;
});

test("drag db1 onto the new network: its NIC moves there live, the review shows libvirt's element as the document, and Revert puts it back", async ({ page }) => {
  await signIn(page);
  const graph = await openHv1(page);
  const nicOf = async () => {
    const list = (await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', 'domiflist', 'db1'])).stdout;
    return list.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[4] === '52:54:00:01:02:01')!;
  };
  const [tap, , source] = await nicOf();
  expect(source).toBe('isolated');

  await graph.locator('.react-flow__node[data-id="vm:db1"] .react-flow__handle.source').dragTo(graph.locator('.react-flow__node[data-id="net:uinat"] .react-flow__handle.target'));
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText("move db1's NIC 52:54:00:01:02:01 to network uinat");
  const review = await reviewAndApply(page, 'db1 joins the lab network');
  await expect(review.getByTestId('plan-command')).toHaveText(['virsh -q -c qemu:///system update-device db1 @doc1 --config', 'virsh -q -c qemu:///system update-device db1 @doc1 --live']);
  await expect(review.getByTestId('command-document')).toHaveCount(4);
  await review.getByTestId('command-document').first().locator('summary').click();
  await expect(review.getByTestId('command-document').first().locator('pre')).toContainText("<source network='uinat'/>");
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  const moveHref = await review.getByRole('link', { name: 'Open in history' }).getAttribute('href');
  await page.keyboard.press('Escape');
  expect((await nicOf())[2]).toBe('uinat');
  // On the graph the tap is now a port of the new network's bridge.
  const bridge = / master (\S+) /.exec((await hv1.exec(['ip', '-o', 'link', 'show', 'dev', tap!])).stdout)?.[1];
  expect((await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', 'net-info', 'uinat'])).stdout).toContain(`Bridge:         ${bridge}`);
  await expect(graph.locator(`.react-flow__edge[data-id="member:${tap}"]`)).toHaveCount(1);
  await graph.locator('.react-flow__node[data-id="vm:db1"]').click();
  await expect(page.getByTestId('nic-editor').first()).toContainText('52:54:00:01:02:01 on network uinat');

  await page.goto(moveHref!);
  await expect(page.getByTestId('command')).toHaveText(['virsh -q -c qemu:///system update-device db1 @doc1 --config', 'virsh -q -c qemu:///system update-device db1 @doc1 --live']);
  await page.getByRole('button', { name: 'Revert' }).click();
  await page.waitForURL(/\/hosts\//);
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText("move db1's NIC 52:54:00:01:02:01 to network isolated");
  const revert = await reviewAndApply(page, 'Revert: db1 back on its own network');
  await revert.getByRole('button', { name: 'Apply' }).click();
  await expect(revert.getByTestId('change-status')).toHaveText('applied');
  expect((await nicOf())[2]).toBe('isolated');
});

test('revert the network from the history: libvirt no longer has it', async ({ page }) => {
  await signIn(page);
  await openHv1(page);
  await page.goto(networkChange);
  await expect(page.getByTestId('command').first()).toHaveText('virsh -q -c qemu:///system net-define @doc1');
  await expect(page.getByTestId('command-document')).toHaveCount(1);
  await page.getByRole('button', { name: 'Revert' }).click();
  await page.waitForURL(/\/hosts\//);
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('delete network uinat');
  // The revert is labelled with the change it undoes, and its review starts with a reason saying so.
  const label = `CHG-${networkChange.split('/').pop()!.slice(0, 8)}`;
  await expect(page.getByTestId('draft-op-revert-of')).toHaveText(`revert of ${label}`);
  await page.getByRole('button', { name: 'Review changes' }).click();
  await expect(page.getByTestId('review-dialog').getByLabel('Reason')).toHaveValue(new RegExp(`^Revert of ${label}`));
  await page.keyboard.press('Escape');
  const revert = await reviewAndApply(page, 'Revert: lab network no longer needed');
  await expect(revert.getByTestId('plan-command')).toHaveText(['virsh -q -c qemu:///system net-destroy uinat', 'virsh -q -c qemu:///system net-undefine uinat']);
  await revert.getByRole('button', { name: 'Apply' }).click();
  await expect(revert.getByTestId('change-status')).toHaveText('applied');
  expect(await virshNetworks()).not.toContain('uinat');

  // In the history the two changes link to each other.
  await page.goto(networkChange);
  const revertedBy = page.getByTestId('reverted-by').getByRole('link');
  await expect(revertedBy).toHaveText(/^CHG-\w{8}$/);
  const revertLabel = (await revertedBy.textContent())!;
  await revertedBy.click();
  await expect(page.getByTestId('change-label')).toHaveText(revertLabel);
  await expect(page.getByTestId('revert-of').getByRole('link')).toHaveText(label);
});
