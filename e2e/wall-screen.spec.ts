// Issue 14's kiosk with several hosts: a wall screen shows one host at a time in large type and
// turns to the next every 15 s by itself, saying which one of how many it shows. Runs last
// (alice, hv1 and, after real-kernel.spec.ts, kv1 exist); hv2 is added here so there are
// always several. The page's clock is Playwright's, so 15 s pass at once.
import { expect, test } from '@playwright/test';
import { labHost } from '../lab/testing';
import { signIn } from './session';

const hv2 = labHost('hv2');

test('the kiosk shows one host at a time and turns to the next every 15 s, within one 1920×1080 screen', async ({ page }) => {
  await signIn(page);
  await page.goto('/hosts');
  if (!(await page.locator('[data-id="host-hv2"]').count())) {
    await page.getByLabel('Address').fill(hv2.address);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByTestId('scanned-fingerprint')).toHaveText(await hv2.hostKeyFingerprint());
    await page.getByLabel('Name').fill('hv2');
    await page.getByRole('button', { name: 'Confirm fingerprint and add host' }).click();
    await expect(page.locator('[data-id="host-hv2"] [data-status]')).toHaveAttribute('data-status', 'reachable');
  }

  await page.clock.install();
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/kiosk?every=5');
  const pager = page.getByTestId('kiosk-pager');
  const shown = page.locator('section[data-id^="dash-"]');
  await expect(pager).toContainText(/^Host 1 of ([2-9]), next in 15 s/, { timeout: 30_000 });
  const count = Number(/of (\d+)/.exec((await pager.textContent())!)![1]);
  await expect(shown).toHaveCount(1);
  const first = await shown.getAttribute('data-id');
  // The host's name is wall-screen large (24 px), and the page needs no scrolling.
  expect(await shown.locator('h2').evaluate((h) => parseFloat(getComputedStyle(h).fontSize))).toBeGreaterThanOrEqual(24);
  expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(1080);

  await page.clock.runFor(15_000);
  await expect(pager).toContainText(`Host 2 of ${count}`);
  await expect(shown).toHaveCount(1);
  expect(await shown.getAttribute('data-id')).not.toBe(first);
  // Round and round: after every host, the first again.
  await page.clock.runFor(15_000 * (count - 1));
  await expect(pager).toContainText(`Host 1 of ${count}`);
  expect(await shown.getAttribute('data-id')).toBe(first);
});
