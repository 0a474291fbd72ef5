/**
 * The marketplace and plugin pages in a real Chromium, against a real host installing from a
 * real Easel registry on loopback: search, a plugin's page (README, versions, permissions,
 * downloads, yanked and deprecated versions), installing with a grant chosen on the page, the
 * resolver's explanation of a refused install, config edited with inline errors, and the
 * dependency warnings of disable and the result of upgrade.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { useBrowser } from '../helpers/browser.ts';
import { signIn } from '../helpers/console.ts';
import { packWithCli } from '../helpers/pack.ts';
import { packSpec, startRegistry, type PluginSpec, type RunningRegistry } from '../helpers/registry.ts';

let registry: RunningRegistry;
let host: RunningHost;
const browser = useBrowser(import.meta.filename);

const SPECS: PluginSpec[] = [
  { name: 'shared', version: '1.0.0' },
  { name: 'shared', version: '2.0.0' },
  { name: 'needs-shared-1', version: '1.0.0', dependencies: { shared: '^1.0.0' } },
  { name: 'needs-shared-2', version: '1.0.0', dependencies: { shared: '^2.0.0' } },
  { name: 'yanky', version: '1.0.0' },
  { name: 'yanky', version: '1.1.0' },
  { name: 'climber', version: '1.0.0' },
  { name: 'climber', version: '1.2.0' },
];

beforeAll(async () => {
  registry = await startRegistry();
  const published = [await packWithCli('plugins-external/canvas').then((p) => p.tarball), ...(await Promise.all(SPECS.map(packSpec)))];
  for (const tarball of published) {
    const res = await registry.publish(tarball);
    if (res.status !== 201) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const yank = await registry.request('POST', '/api/v1/packages/yanky/versions/1.1.0/yank', { reason: 'corrupts its store' }, registry.adminToken);
  if (yank.status >= 300) throw new Error(`yank: ${yank.status}`);
  const doc = (await registry.request('GET', '/yanky?write=true', undefined, registry.token)).body;
  doc.versions['1.0.0'].deprecated = 'use 2.x when it comes';
  const deprecated = await registry.request('PUT', '/yanky', doc, registry.token);
  if (deprecated.status >= 300) throw new Error(`deprecate: ${deprecated.status}`);
  host = await startHost({ registries: { urls: registry.url, trustedKeys: await registry.trustedKeys() } } as never);
});
afterAll(async () => {
  await host?.close();
  await registry?.close();
});

describe('the marketplace', () => {
  test('lists and searches the registry’s plugins', async () => {
    const { page, shot } = browser();
    await signIn(page, host.url, ADMIN_TOKEN);
    await page.goto(`${host.url}/console/marketplace`);
    await page.locator('[data-page=marketplace] table').waitFor();
    const names = await page.locator('[data-page=marketplace] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-plugin')));
    expect(names).toEqual(expect.arrayContaining(['canvas', 'shared', 'needs-shared-1', 'needs-shared-2', 'yanky', 'climber']));
    await expect(page.locator('tr[data-plugin=canvas]').textContent()).resolves.toMatch(/models: image, text up to standard/);
    await shot('marketplace');
    await page.fill('input[type=search]', 'cartoon');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('[data-page=marketplace] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-plugin')))).toEqual(['canvas']);
    expect(new URL(page.url()).search).toBe('?q=cartoon');
  });

  test('a plugin’s page shows its README, versions, what it asks for and its downloads, and installs it with the grant chosen there', async () => {
    const { page, shot } = browser();
    await page.goto(`${host.url}/console/marketplace`);
    await page.locator('tr[data-plugin=canvas] a').click();
    const detail = page.locator('[data-page=marketplace-plugin][data-plugin=canvas]');
    await detail.waitFor();
    await expect(page.locator('.markdown h1').textContent()).resolves.toBe('Canvas');
    await expect(page.locator('tr[data-version="1.1.0"]').textContent()).resolves.toMatch(/\^1\.1\.0.*yes.*blob storage \(read, write\)/);
    await expect(page.locator('[data-fact=downloads]').textContent()).resolves.toBe('0');
    await expect(page.locator('[data-fact=installed]').textContent()).resolves.toBe('no');
    // The grant: everything it asks, but models at most at the basic tier.
    const grant = page.locator('[data-grant-editor=install]');
    await expect(grant.locator('input[type=checkbox]').evaluateAll((boxes) => boxes.map((b) => (b as unknown as { checked: boolean }).checked))).resolves.toEqual([true, true, true, true]);
    await grant.locator('select[name=maxTier]').selectOption('basic');
    await shot('canvas in the marketplace');
    await page.getByRole('button', { name: 'Install canvas 1.1.0' }).click();
    const result = page.locator('[data-result=installed]');
    await expect(result.textContent()).resolves.toMatch(/Installed: canvas 1\.1\.0 \(install\)\. Enabled: canvas\./);
    await shot('canvas installed');

    const installed = (await host.call('GET', '/v1/plugins/canvas')).body;
    expect(installed).toMatchObject({ version: '1.1.0', enabled: true });
    expect(installed.granted).toEqual({ storage: { read: true, write: true }, models: { tasks: ['image', 'text'], maxTier: 'basic' } });
    // The page reloads what is installed, and the download the install made is counted.
    await expect(page.locator('[data-fact=installed]').textContent()).resolves.toBe('1.1.0 (enabled)');
    await expect(page.locator('[data-fact=downloads]').textContent()).resolves.toBe('1');
    await result.getByRole('link', { name: 'Open canvas' }).click();
    await expect(page.locator('[data-section=granted]').textContent()).resolves.toMatch(/models: image, text up to basic/);
  });

  test('yanked and deprecated versions are marked', async () => {
    const { page } = browser();
    await page.goto(`${host.url}/console/marketplace/yanky`);
    await page.locator('tr[data-version="1.1.0"]').waitFor();
    await expect(page.locator('tr[data-version="1.1.0"]').getAttribute('class')).resolves.toBe('yanked');
    await expect(page.locator('tr[data-version="1.1.0"]').textContent()).resolves.toMatch(/yanked: corrupts its store/);
    await expect(page.locator('tr[data-version="1.0.0"]').textContent()).resolves.toMatch(/deprecated: use 2\.x when it comes/);
    // The install picks what an install would take: not the yanked version.
    await expect(page.locator('#install-version').inputValue()).resolves.toBe('1.0.0');
  });

  test('a refused install shows who requires what and why each version was rejected, and installs nothing', async () => {
    const { page, allow, shot } = browser();
    allow(/status of 409/);
    const first = await host.call('POST', '/v1/plugins/install', { body: { name: 'needs-shared-1', grant: 'requested', dependencyGrants: { shared: 'requested' } } });
    expect(first.status).toBe(201);
    await page.goto(`${host.url}/console/marketplace/needs-shared-2`);
    await page.getByRole('button', { name: 'Install needs-shared-2 1.0.0' }).click();
    const box = page.locator('[data-section=install] .error-box[data-code=RESOLVE_CONFLICT]');
    await box.waitFor();
    await expect(box.locator('.resolve-explanation > p').first().textContent()).resolves.toBe('No version of shared fits.');
    const ranges = await box.locator('.resolve-explanation ul li').allTextContents();
    expect(ranges).toEqual(expect.arrayContaining(['^1.0.0 from needs-shared-1@1.0.0', '^2.0.0 from needs-shared-2@1.0.0']));
    const considered = await box.locator('table tbody tr td:first-child').allTextContents();
    expect(considered).toEqual(['2.0.0', '1.0.0']);
    await expect(box.locator('.suggestion').count()).resolves.toBe(1);
    await shot('install refused');
    expect((await host.call('GET', '/v1/plugins')).body.plugins.map((p: { name: string }) => p.name).sort()).toEqual(['canvas', 'needs-shared-1', 'shared']);
  });
});

describe('a plugin’s page', () => {
  test('the config form is generated from its schema and shows the host’s problems inline', async () => {
    const { page, allow, shot } = browser();
    allow(/status of 400/);
    await page.goto(`${host.url}/console/plugins/canvas`);
    const config = page.locator('form[data-section=config]');
    await config.waitFor();
    await config.locator('#config-maxImages').fill('9');
    await config.getByRole('button', { name: 'Save config' }).click();
    await expect(config.locator('[data-field="/maxImages"] .field-errors').textContent()).resolves.toBe('must be <= 4');
    await expect(config.locator('#config-maxImages').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot('config refused');
    expect((await host.call('GET', '/v1/plugins/canvas/config')).body.config.maxImages).toBeUndefined();
    await config.locator('#config-maxImages').fill('2');
    await config.locator('#config-defaultStyle').selectOption({ label: 'cartoon' });
    await config.getByRole('button', { name: 'Save config' }).click();
    await config.locator('[role=status]').waitFor();
    expect((await host.call('GET', '/v1/plugins/canvas/config')).body.config).toEqual({ maxImages: 2, defaultStyle: 'cartoon' });
  });

  test('disabling a plugin others depend on warns with their names, and can still be forced', async () => {
    const { page, allow, shot } = browser();
    allow(/status of 409/);
    await page.goto(`${host.url}/console/plugins/shared`);
    await page.locator('[data-section=dependents]').waitFor();
    await expect(page.locator('[data-section=dependents]').textContent()).resolves.toMatch(/needs-shared-1 1\.0\.0 needs \^1\.0\.0 \(enabled\)/);
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    const box = page.locator('[data-section=actions] .error-box[data-code=PLUGIN_IN_USE]');
    await expect(box.textContent()).resolves.toMatch(/Depended on by: needs-shared-1/);
    expect((await host.call('GET', '/v1/plugins/shared')).body.enabled).toBe(true);
    await shot('disable refused');
    await page.getByRole('button', { name: 'Disable anyway' }).click();
    await expect(page.locator('[data-section=actions] [role=status]').textContent()).resolves.toMatch(/needs-shared-1 stay enabled/);
    await page.locator('[data-status=disabled]').waitFor();
    expect((await host.call('GET', '/v1/plugins/shared')).body.enabled).toBe(false);
  });

  test('upgrade installs the highest version in the range and says what changed', async () => {
    const { page } = browser();
    expect((await host.call('POST', '/v1/plugins/install', { body: { name: 'climber', range: '1.0.0', grant: 'requested' } })).status).toBe(201);
    await page.goto(`${host.url}/console/plugins/climber`);
    await page.locator('[data-page=plugin][data-plugin=climber]').waitFor();
    await page.getByRole('button', { name: 'Upgrade' }).click();
    await expect(page.locator('[data-section=actions] [role=status]').textContent()).resolves.toBe('climber upgrade 1.0.0 → 1.2.0');
    expect((await host.call('GET', '/v1/plugins/climber')).body.version).toBe('1.2.0');
  });

  test('uninstall asks first, then removes it', async () => {
    const { page } = browser();
    await page.goto(`${host.url}/console/plugins/climber`);
    await page.getByRole('button', { name: 'Uninstall…' }).click();
    await page.getByRole('button', { name: 'Uninstall climber' }).click();
    await page.locator('[data-page=plugins]').waitFor();
    expect((await host.call('GET', '/v1/plugins/climber')).status).toBe(404);
  });
});
