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
