// Timing what a page shows, by the page's own clock, for the browser benchmarks.
import type { Page } from '@playwright/test';

/**
 * Waits until `condition` (a JavaScript expression, evaluated inside the page) holds, checked on
 * every animation frame by the page itself; resolves with the page's clock then (ms since its
 * navigation began). The timed waits use this, not locator.waitFor: Playwright polls a locator
 * from the test process at 0, 20, 50, 100 and 100 ms and then every 500 ms, so an effect that
 * came just after ~270 ms was seen ~500 ms late. That made the figures bimodal (~350 or ~850 ms
 * for the same kernel event) and every timed figure over ~270 ms up to 500 ms too slow.
 */
export async function seen(page: Page, condition: string, timeout = 30_000): Promise<number> {
  // A string, not a function: tsx's helpers (__name) do not exist inside the page.
  const handle = await page.waitForFunction(`(${condition}) ? performance.now() : false`, undefined, { polling: 'raf', timeout });
  return (await handle.jsonValue()) as number;
}
