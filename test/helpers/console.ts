/** What the console's browser tests share: signing in, reading the navigation. */
import type { Page } from 'playwright-core';

/** Every admin page of the console, by address. */
export const ADMIN_PAGES = ['/plugins', '/plugins/canvas', '/marketplace', '/marketplace/canvas', '/keys', '/apps', '/apps/some-app', '/budgets', '/audit'];

/** Opens the console in a fresh tab state and signs in with `key`. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  // Cleared on a page of the same origin that runs no script: on the console itself, a page
  // signed in before would fetch, between the clear and a reload, without a key (401).
  await page.goto(`${url}/healthz`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${url}/console/`);
  await page.fill('#api-key', key);
  await page.click('form button[type=submit]');
  await page.locator('header.top').waitFor();
}

export async function navLinks(page: Page): Promise<string[]> {
  return page.locator('nav[aria-label=pages] a').allTextContents();
}
