/**
 * The console in a real Chromium: signing in with an admin key, an app key and a wrong one;
 * an app key's console shows no admin page, in its navigation or at an admin page's address;
 * the key lives in the tab's session storage only, and signing out forgets it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { useBrowser } from '../helpers/browser.ts';
import { signIn, ADMIN_PAGES, navLinks } from '../helpers/console.ts';

let host: RunningHost;
let appKey: string;
const browser = useBrowser(import.meta.filename);

beforeAll(async () => {
  host = await startHost();
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'shop web' } })).body.key;
});
afterAll(async () => {
  await host?.close();
});

describe('signing in', () => {
  test('an admin key sees every page in the navigation and lands on the plugins', async () => {
    const { page, shot } = browser();
    await signIn(page, host.url, ADMIN_TOKEN);
    await page.locator('[data-page=plugins]').waitFor();
    expect(await navLinks(page)).toEqual(['Plugins', 'Marketplace', 'Run', 'Executions', 'Costs', 'Keys', 'Apps', 'Budgets', 'Audit log']);
    await expect(page.locator('header .who').textContent()).resolves.toMatch(/admin key/);
    // Kept in the tab's session storage, never in local storage or a cookie.
    expect(await page.evaluate(() => sessionStorage.getItem('easel.console.key'))).toBe(ADMIN_TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    // A reload keeps the session.
    await page.reload();
    await page.locator('[data-page=plugins]').waitFor();
    await shot('admin signed in');
  });

  test('a wrong key is refused with a clear message and nothing is kept', async () => {
    const { page, allow, shot } = browser();
    allow(/status of 401/);
    await page.goto(`${host.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.fill('#api-key', 'not-a-key-of-this-host');
    await page.click('form button[type=submit]');
    await expect(page.locator('[data-page=sign-in] [role=alert]').textContent()).resolves.toMatch(/not valid/);
    expect(await page.evaluate(() => sessionStorage.getItem('easel.console.key'))).toBeNull();
    await shot('wrong key');
  });

  test('signing out forgets the key and shows the sign-in again', async () => {
    const { page } = browser();
    await signIn(page, host.url, ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('[data-page=sign-in]').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('easel.console.key'))).toBeNull();
  });
});

describe('an app key', () => {
  test('sees only what an app may: no admin page in the navigation, and admin addresses say they need an admin key', async () => {
    const { page, shot } = browser();
    await signIn(page, host.url, appKey);
    await page.locator('[data-page=run]').waitFor();
    expect(await navLinks(page)).toEqual(['Run', 'Executions', 'Costs']);
    await expect(page.locator('header .who').textContent()).resolves.toMatch(/app key of shop web/);
    await shot('app signed in');
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    for (const path of ADMIN_PAGES) {
      await page.goto(`${host.url}/console${path}`);
      await expect(page.locator('[data-page=needs-admin] h1').textContent()).resolves.toBe('This page needs an admin key');
      expect(await navLinks(page)).toEqual(['Run', 'Executions', 'Costs']);
    }
    await shot('app at an admin page');
    // The pages did not even ask the admin routes (no 403s to hide).
    expect(asked.filter((p) => /^\/v1\/(plugins|keys|apps|audit|marketplace|retention)/.test(p))).toEqual([]);
  });
});
