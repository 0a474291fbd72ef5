/**
 * A quarantined plugin on the console's plugin page, in a real Chromium: its status, the
 * quarantine's reason and each crash charged to it, and lifting it from the page. The plugin
 * really crashes its sandbox worker (past the worker's resident memory cap), once, which is
 * enough here (EASEL_SANDBOX_QUARANTINE_AFTER_CRASHES=1).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { useBrowser } from '../helpers/browser.ts';
import { signIn } from '../helpers/console.ts';
import { packWithCli } from '../helpers/pack.ts';

let host: RunningHost;
let appKey: string;
const browser = useBrowser(import.meta.filename);

beforeAll(async () => {
  host = await startHost({ sandbox: { workers: 1, workerMaxRssMb: 320, maxMemoryMb: 1024, quarantineAfterCrashes: 1, quarantineLiftMs: 0 } } as never);
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
  const up = await host.call('POST', '/v1/plugins/upload', { raw: (await packWithCli('test/fixtures/plugins/memory-hog')).tarball });
  if (up.status !== 201) throw new Error(`upload: ${up.status}`);
  await host.call('POST', '/v1/plugins/memory-hog/enable', { body: { grant: 'requested' } });
});
afterAll(async () => {
  await host?.close();
});

describe('a quarantined plugin', () => {
  test('shows why and since when, each crash, and is lifted from its page', async () => {
    const { page, shot } = browser();
    const crashed = await host.call('POST', '/v1/agents/memory-hog/hog/fill', { key: appKey, body: { mb: 640 } });
    expect(crashed.body.code).toBe('SANDBOX_CRASHED');
    const view = (await host.call('GET', '/v1/plugins/memory-hog')).body;
    expect(view.quarantine).not.toBeNull();

    await signIn(page, host.url, ADMIN_TOKEN);
    await page.goto(`${host.url}/console/plugins`);
    await expect(page.locator('tr[data-plugin=memory-hog] .status').textContent()).resolves.toBe('quarantined');
    await page.goto(`${host.url}/console/plugins/memory-hog`);
    const section = page.locator('[data-section=quarantine]');
    await expect(section.locator('p').first().textContent()).resolves.toBe(view.quarantine.reason);
    await expect(section.textContent()).resolves.toMatch(/until an admin lifts it/);
    await expect(section.locator('li').count()).resolves.toBe(view.quarantine.crashes.length);
    await expect(section.locator('li').first().textContent()).resolves.toContain(view.quarantine.crashes[0].reason);
    await shot('quarantined');

    await section.getByRole('button', { name: 'Lift the quarantine' }).click();
    await page.locator('h1 [data-status=enabled]').waitFor();
    expect(await page.locator('[data-section=quarantine]').count()).toBe(0);
    expect((await host.call('GET', '/v1/plugins/memory-hog')).body.quarantine).toBeNull();
  });
});
