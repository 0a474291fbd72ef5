/**
 * The console's admin pages in a real Chromium against a real host: keys (created, shown once,
 * revoked), apps, budgets set and removed, and the audit log that recorded it all, filtered.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { useBrowser } from '../helpers/browser.ts';
import { signIn } from '../helpers/console.ts';

let host: RunningHost;
const browser = useBrowser(import.meta.filename);

beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.close();
});

describe('apps and keys', () => {
  test('an app is created, and a key for it is shown once, works, and is revoked', async () => {
    const { page, shot } = browser();
    await signIn(page, host.url, ADMIN_TOKEN);
    await page.goto(`${host.url}/console/apps`);
    await page.fill('input[name=name]', 'web shop');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('[data-section=apps] tbody tr', { hasText: 'web shop' });
    await row.waitFor();
    const appId = (await row.getAttribute('data-app'))!;

    await page.goto(`${host.url}/console/keys`);
    await page.locator('[data-section=keys]').waitFor();
    await page.fill('input[name=label]', 'shop ios');
    await page.selectOption('select[name=app]', { label: 'web shop' });
    await page.getByRole('button', { name: 'Create' }).click();
    const key = (await page.locator('[data-created-key]').textContent())!.trim();
    const who = await host.call('GET', '/v1/whoami', { key });
    expect(who.body).toMatchObject({ role: 'app', label: 'shop ios', appId });
    await shot('key created');
    // Shown once: a reload lists it without the key.
    await page.reload();
    const keyRow = page.locator('[data-section=keys] tbody tr', { hasText: 'shop ios' });
    await keyRow.waitFor();
    expect(await page.locator('[data-created-key]').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    await keyRow.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => keyRow.locator('td').nth(4).textContent()).toMatch(/^revoked /);
    expect((await host.call('GET', '/v1/whoami', { key })).status).toBe(401);

    await page.goto(`${host.url}/console/apps/${appId}`);
    await expect(page.locator('[data-page=app] h1').textContent()).resolves.toBe('web shop');
    await expect(page.locator('[data-page=app] tbody').textContent()).resolves.toMatch(/shop ios.*revoked/);
  });

  test('the key of this session has no Revoke button', async () => {
    const { page } = browser();
    await page.goto(`${host.url}/console/keys`);
    const own = page.locator('[data-section=keys] tbody tr', { hasText: '(this session)' });
    await own.waitFor();
    expect(await own.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
  });
});

describe('budgets', () => {
  test('an app’s and a user’s budgets are set, shown with their use, and removed', async () => {
    const { page, shot } = browser();
    const app = (await host.call('POST', '/v1/apps', { body: { name: 'budgeted' } })).body;
    await page.goto(`${host.url}/console/budgets`);
    await page.locator('[data-section=budgets]').waitFor();
    await page.selectOption('select[name=app]', { label: 'budgeted' });
    await page.fill('input[name=monthlyUsd]', '5');
    await page.getByRole('button', { name: 'Set budget' }).click();
    const appRow = page.locator(`tr[data-budget="app:${app.id}:"]`);
    await expect.poll(() => appRow.textContent()).toMatch(/\$0 spent of \$5\.00 \(0%\)/);
    await page.fill('input[name=user]', 'user-42');
    await page.fill('input[name=monthlyUsd]', '0.5');
    await page.getByRole('button', { name: 'Set budget' }).click();
    const userRow = page.locator(`tr[data-budget="user:${app.id}:user-42"]`);
    await expect.poll(() => userRow.textContent()).toMatch(/user-42.*\$0 spent of \$0\.5000/);
    expect((await host.call('GET', `/v1/apps/${app.id}/users/user-42/budget`)).body.monthlyUsd).toBe(0.5);
    await shot('budgets');
    await userRow.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => userRow.count()).toBe(0);
    expect((await host.call('GET', `/v1/apps/${app.id}/users/user-42/budget`)).body.monthlyUsd).toBeUndefined();
    expect((await host.call('GET', `/v1/apps/${app.id}/budget`)).body.monthlyUsd).toBe(5);
  });
});

describe('the audit log', () => {
  test('lists what was done, newest first, and filters by action', async () => {
    const { page, shot } = browser();
    await page.goto(`${host.url}/console/audit`);
    await page.locator('[data-section=audit]').waitFor();
    const actions = await page.locator('[data-section=audit] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    const api = (await host.call('GET', '/v1/audit?limit=100')).body.items.map((i: { action: string }) => i.action);
    expect(actions).toEqual(api);
    expect(actions).toEqual(expect.arrayContaining(['app.create', 'key.create', 'key.revoke', 'budget.set', 'budget.delete']));
    await shot('audit log');
    await page.fill('input[name=action]', 'budget.set');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('[data-section=audit] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))).toEqual(['budget.set', 'budget.set']);
    expect(new URL(page.url()).searchParams.get('action')).toBe('budget.set');
  });
});
