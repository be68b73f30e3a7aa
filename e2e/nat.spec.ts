// Issue 13's NAT in the browser: libvirt's masquerade drawn as a NAT edge and said in the host
// card; a port forward drafted from the host card, reviewed as a diff of Switchboard's table
// plus the accept libvirt's network needs, applied, badged on the network it reaches and
// listed as Switchboard's; then removed from the card again. Runs after first-start.spec.ts
// (alice and hv1 exist). The connection through the forward is tested in nat.int.test.ts.
import { expect, test, type Page } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn, startWithEmptyDraft } from './session';

test.describe.configure({ mode: 'serial' });

const hv1 = labHost('hv1');
const nftTable = async () => (await hv1.exec(['nft', 'list', 'table', 'inet', 'switchboard'], { allowFailure: true })).stdout;

test.afterAll(async () => {
  await hv1.exec(['nft', 'delete', 'table', 'inet', 'switchboard'], { allowFailure: true });
});

async function reviewAndApply(page: Page, reason: string) {
  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await review.getByLabel('Reason').fill(reason);
  const acknowledge = review.getByRole('checkbox', { name: /I have read the warnings/ });
  if (await acknowledge.count()) await acknowledge.check();
  return review;
}

test('forward a port of hv1 into its NAT network from the host card, see it on the graph, and remove it again', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const graph = await openHost(page, 'hv1', 'net:default');
  await startWithEmptyDraft(page);
  // libvirt's own masquerade of its NAT network: an edge to the uplink, a sentence in the card.
  await expect(graph.locator('.react-flow__edge.nat-edge').first()).toBeAttached();
  const summary = page.getByTestId('firewall-summary');
  await expect(summary.locator('[data-testid="firewall-rule"][data-kind="masquerade"][data-owner="libvirt"]').first()).toContainText('198.19.122.0/24 masqueraded');

  const form = page.getByTestId('port-forward-form');
  await form.getByLabel('Host port').fill('8080');
  await form.getByLabel('To address').fill('198.19.122.77');
  await form.getByLabel('To port').fill('80');
  await form.getByLabel('Arriving on').selectOption('eth0');
  await form.getByRole('button', { name: 'Forward' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('forward tcp port 8080 → 198.19.122.77 port 80 (arriving on eth0)');

  const review = await reviewAndApply(page, 'Publish the test web server');
  await expect(review.getByTestId('plan-command')).toContainText(['nft -f @doc1', /^iptables -w -I FORWARD -d 198\.19\.122\.77\/32 -o virbr0 -p tcp .* --comment switchboard:\w+ -j ACCEPT$/]);
  // Switchboard's table as a diff: the rule added, with the change it belongs to.
  await expect(review.getByTestId('boot-file-diff').locator('[data-change="added"]').filter({ hasText: 'dnat ip to 198.19.122.77:80' })).toHaveCount(1);
  // No VM holds that address: a warning to acknowledge, in words.
  await expect(review.getByTestId('plan-warning')).toContainText([/No VM on hv1 is known to hold 198\.19\.122\.77/]);
  await review.getByRole('button', { name: 'Apply' }).click();
  await expect(review.getByTestId('change-status')).toHaveText('applied');
  expect(await nftTable()).toMatch(/iifname "eth0" tcp dport 8080 dnat ip to 198\.19\.122\.77:80 comment "switchboard:\w+"/);
  await page.keyboard.press('Escape');

  await expect(graph.locator('.react-flow__node[data-id="net:default"] [data-testid="port-forward-badge"]')).toHaveText('tcp 8080 → 80');
  const forward = summary.locator('[data-testid="firewall-rule"][data-kind="port-forward"][data-owner="switchboard"]');
  await expect(forward).toContainText('tcp port 8080 → 198.19.122.77 port 80 (arriving on eth0) — Switchboard');
  await page.screenshot({ path: 'test-results/screenshots/port-forward.png', fullPage: true });

  await forward.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toContainText('stop forwarding tcp port 8080 → 198.19.122.77 port 80 (arriving on eth0)');
  const removal = await reviewAndApply(page, 'Unpublish the test web server');
  await removal.getByRole('button', { name: 'Apply' }).click();
  await expect(removal.getByTestId('change-status')).toHaveText('applied');
  expect(await nftTable()).not.toContain('dport 8080');
  await page.keyboard.press('Escape');
  await expect(summary.locator('[data-testid="firewall-rule"][data-kind="port-forward"]')).toHaveCount(0);
});
