// Who the browser tests sign in as (first-start.spec.ts creates the admin), and signing in.
import { expect, type Page } from '@playwright/test';

export const ADMIN = { username: 'alice', password: 'a long admin password' };

export async function signIn(page: Page, who: { username: string; password: string } = ADMIN) {
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: /sign in/i }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText(who.username);
}

/**
 * Opens a host's page from the hypervisors list once its connection test passes (an earlier
 * spec may have swapped its key and back), and waits for `readyNode` on its graph.
 */
export async function openHost(page: Page, name: string, readyNode: string) {
  await page.goto('/hosts');
  const row = page.locator(`[data-id="host-${name}"]`);
  await row.getByRole('button', { name: 'Test' }).click();
  await expect(row.locator('[data-status]')).toHaveAttribute('data-status', 'reachable');
  await row.getByRole('link', { name }).click();
  const graph = page.getByTestId('topology-graph');
  await expect(graph.locator(`.react-flow__node[data-id="${readyNode}"]`)).toBeVisible();
  return graph;
}

/**
 * Empties the open host's draft when an earlier spec left operations in it (safe-apply leaves a
 * refused "set eth0 down" in hv1's), once the draft has loaded.
 */
export async function startWithEmptyDraft(page: Page) {
  const drafted = page.getByTestId('draft-panel').getByTestId('draft-op');
  await expect(page.getByTestId('draft-panel').getByText('Loading the draft…')).toHaveCount(0);
  if (await drafted.count()) await page.getByRole('button', { name: 'Discard draft' }).click();
  await expect(drafted).toHaveCount(0);
}
