// Confirmed apply in the browser: the host's window is set on the Hypervisors page; a change
// that cuts the panel off (hv1's management interface set down) shows the host's wait as a
// countdown, and the host undoes it by itself when the window closes. Runs after
// first-start.spec.ts (alice and hv1 exist), and last: it changes hv1's settings and puts them back.
import { expect, test, type Page } from '@playwright/test';
import { labHost } from '../lab/testing';
import { openHost, signIn } from './session';

test.describe.configure({ mode: 'serial' });

const hv1 = labHost('hv1');
// Long enough that a loaded CI machine's first poll of the steps still lands inside the window
// (at 8 s one run saw the page go from applying straight to "expired").
const WINDOW_S = 15;

async function setWindow(page: Page, seconds: number) {
  await page.goto('/hosts');
  const row = page.locator('[data-id="host-hv1"]');
  await row.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByTestId('edit-host');
  await form.getByLabel('Confirmation window (seconds)').fill(String(seconds));
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(row).toContainText(`within ${seconds} s`);
}

test.afterAll(async () => {
  await hv1.exec(['ip', 'link', 'set', 'dev', 'eth0', 'up'], { allowFailure: true });
});

test('a change that cuts the panel off counts down, and the host undoes it by itself', async ({ page }) => {
  await signIn(page);
  // A wrong value is refused with what is wrong, and nothing is saved.
  await page.goto('/hosts');
  await page.locator('[data-id="host-hv1"]').getByRole('button', { name: 'Edit' }).click();
  const form = page.getByTestId('edit-host');
  await form.getByLabel('Confirmation window (seconds)').fill('2');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByText(/Wait at least 5 s/).first()).toBeVisible();
  await form.getByLabel('Confirmation window (seconds)').fill(String(WINDOW_S));
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('[data-id="host-hv1"]')).toContainText(`within ${WINDOW_S} s`);

  const graph = await openHost(page, 'hv1', 'if:eth0');
  await graph.locator('.react-flow__node[data-id="if:eth0"]').click();
  await page.getByTestId('inspector').getByRole('button', { name: 'Set eth0 down' }).click();
  await expect(page.getByTestId('draft-panel').getByTestId('draft-op')).toHaveCount(1);
  await page.getByRole('button', { name: 'Review changes' }).click();
  const review = page.getByTestId('review-dialog');
  await expect(review.getByTestId('confirm-window')).toContainText('hv1 undoes it by itself');
  await expect(review.getByLabel('Seconds to wait for the confirmation')).toHaveAttribute('placeholder', String(WINDOW_S));
  await review.getByLabel('Reason').fill('Cut the panel off on purpose');
  await review.getByRole('checkbox', { name: /I accept what the steps marked disruptive do/ }).check();
  await review.getByRole('button', { name: 'Apply' }).click();

  // The host waits; the page counts down, once a second.
  const countdown = review.getByTestId('confirm-countdown');
  await expect(countdown).toHaveAttribute('data-state', 'waiting', { timeout: 20_000 });
  const secondsLeft = async () => Number((await review.getByTestId('confirm-seconds-left').textContent())?.replace(/\D/g, ''));
  // Timed by the test's own clock: on a loaded machine the two reads can lie further apart than
  // the 2 s asked for, and the count must follow the time that really passed, within a second.
  const firstReadAt = Date.now();
  const first = await secondsLeft();
  expect(first).toBeLessThanOrEqual(WINDOW_S);
  await page.waitForTimeout(2_000);
  const later = await secondsLeft();
  const elapsedS = (Date.now() - firstReadAt) / 1000;
  expect(later).toBeLessThan(first);
  expect(first - later).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);

  // The window closes unconfirmed: the host undoes the change, and the page says so.
  await expect(review.getByTestId('change-status')).toHaveText('rolled-back-by-host', { timeout: (WINDOW_S + 60) * 1000 });
  await expect(countdown).toHaveAttribute('data-state', 'expired');
  await expect(review.getByTestId('step')).toHaveAttribute('data-status', 'rolled-back');
  expect((await hv1.exec(['ip', '-o', 'link', 'show', 'dev', 'eth0'])).stdout).toMatch(/[<,]UP[,>]/);
  await page.screenshot({ path: 'test-results/screenshots/rolled-back-by-host.png', fullPage: true });
  await page.keyboard.press('Escape');

  await setWindow(page, 30);
});
