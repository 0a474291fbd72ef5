/**
 * The registry's marketplace page (/-/marketplace/) in a real Chromium, against a real registry
 * process (registry/src/main.ts, as `npm start -w registry` runs it) on 127.0.0.1 with plugins
 * published over HTTP: search, a plugin's page (README rendered, versions, permissions, host
 * compatibility, downloads, a deprecated and a yanked version), a missing plugin, and a hostile
 * README that must not run. The browser harness fails a test on any console error it did not
 * allow and on any request off 127.0.0.1: the page loads nothing from elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowser } from '../helpers/browser.ts';
import { ADMIN_TOKEN, PASSWORD, bundle, publishBody, type BundleOptions } from '../registry/helpers.ts';

const MAIN = new URL('../../registry/src/main.ts', import.meta.url).pathname;
const PAGE = '/-/marketplace/';

const README = `# Poster

Writes social media posts from a topic, in the voice you choose.

## Use

| Input | Meaning |
| --- | --- |
| \`topic\` | what the post is about |
| \`voice\` | *friendly* or **formal** |

\`\`\`sh
curl -X POST $H/v1/p/poster/posts -d '{"topic":"cats"}'
\`\`\`

- fast
- cheap

See [the docs](https://example.com/docs).

## Things that must stay text

<script>window.__pwned = 'script'</script>

<img src="x" onerror="window.__pwned = 'img'">

[click me](javascript:window.__pwned='link') and ![badge](https://evil.example/badge.png)
`;

let child: ChildProcess;
let dataDir: string;
let url: string;
const browser = useBrowser(import.meta.filename);

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text, headers: res.headers };
}

async function publish(token: string, options: BundleOptions & { name: string; version: string }): Promise<void> {
  const res = await call('PUT', `/${options.name}`, { token, body: publishBody(options.name, options.version, await bundle(options)) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** Starts registry/src/main.ts on a free port; resolves with its URL once it listens. */
function startRegistryProcess(): Promise<string> {
  child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', EASEL_REGISTRY_PORT: '0', EASEL_REGISTRY_DATA_DIR: dataDir, EASEL_REGISTRY_ADMIN_TOKEN: ADMIN_TOKEN, EASEL_REGISTRY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const found = /listening on (http:\/\/\S+),/.exec(out)?.[1];
      if (found) resolve(found.replace('localhost', '127.0.0.1'));
    });
    child.on('exit', (code) => reject(new Error(`the registry exited (${code}) before listening: ${out} ${err}`)));
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'easel-registry-page-'));
  url = await startRegistryProcess();
  const login = await call('PUT', '/-/user/org.couchdb.user:alice', { body: { _id: 'org.couchdb.user:alice', name: 'alice', password: PASSWORD, type: 'user', roles: [] } });
  expect(login.status).toBe(201);
  const alice = login.body.token as string;

  const poster = { name: 'poster', description: 'Writes social media posts', keywords: ['social'] };
  await publish(alice, { ...poster, version: '1.0.0', readme: '# Poster 1.0\n\nThe first one.\n' });
  await publish(alice, { ...poster, version: '1.1.0', readme: '# Poster 1.1\n' });
  await publish(alice, {
    ...poster,
    version: '1.2.0',
    hostRange: '^1.2.0',
    readme: README,
    permissions: { kv: true, storage: { read: true, write: true }, models: { tasks: ['text'], maxTier: 'standard' } },
  });
  await publish(alice, { name: 'painter', version: '0.1.0', description: 'Paints a canvas', dependencies: { poster: '^1.0.0' } });

  const doc = (await call('GET', '/poster?write=true', { token: alice })).body;
  doc.versions['1.0.0'].deprecated = 'use 1.2 or later';
  expect((await call('PUT', '/poster', { token: alice, body: doc })).status).toBe(200);
  expect((await call('POST', '/api/v1/packages/poster/versions/1.1.0/yank', { token: ADMIN_TOKEN, body: { reason: 'leaks tokens in logs' } })).status).toBe(200);
  for (const version of ['1.2.0', '1.2.0', '1.2.0', '1.0.0']) expect((await call('GET', `/poster/-/poster-${version}.tgz`)).status).toBe(200);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

/** A fresh load of the page (from about:blank, so a view left by the test before is gone). */
async function open(hash = ''): Promise<Page> {
  const { page } = browser();
  await page.goto('about:blank');
  await page.goto(`${url}${PAGE}${hash}`);
  return page;
}

describe('served by the registry', () => {
  it('/ leads to the page; the page, its script and its style come from the registry under a strict Content-Security-Policy', async () => {
    const home = await call('GET', '/');
    expect(home.status).toBe(302);
    expect(new URL(home.headers.get('location')!, `${url}/`).href).toBe(`${url}${PAGE}`);
    expect(new URL((await call('GET', '/-/marketplace')).headers.get('location')!, `${url}/-/marketplace`).href).toBe(`${url}${PAGE}`);

    const page = await call('GET', PAGE);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);
    expect(page.body).not.toMatch(/<script>|<style>|style=/);
    for (const [file, type] of [['app.js', /^text\/javascript/], ['app.css', /^text\/css/]] as const) {
      const asset = await call('GET', `${PAGE}${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type'), file).toMatch(type);
      expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
      expect(String(asset.body).length).toBeGreaterThan(1000);
    }
    expect((await call('GET', `${PAGE}other.js`)).body.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('search', () => {
  it('lists every plugin, finds one by a word of its description, and says when nothing matches', async () => {
    const page = await open();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('2 plugins');
    const poster = page.getByTestId('card-poster');
    await expect.poll(() => poster.textContent()).toContain('Writes social media posts');
    expect(await poster.textContent()).toMatch(/1\.2\.0.*Host API \^1\.2\.0.*4 downloads/s);
    expect(await poster.getByText('kv', { exact: true }).count()).toBe(1);
    expect(await page.getByTestId('authors').textContent()).toContain(`npx easel publish --registry ${url}`);
    await browser().shot('search all');

    await page.getByTestId('search-input').fill('canvas');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('1 plugin matching “canvas”');
    expect(await page.getByTestId('results').locator('li').count()).toBe(1);
    expect(page.url()).toBe(`${url}${PAGE}#/?q=canvas`);
    await browser().shot('search canvas');

    await page.getByTestId('search-input').fill('nothing-like-this');
    await page.getByTestId('search-input').press('Enter');
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('No plugin matches “nothing-like-this”.');
    expect(await page.getByTestId('results').locator('li').count()).toBe(0);
  });

  it('a result leads to the plugin\'s page', async () => {
    const page = await open('#/?q=canvas');
    await page.getByTestId('card-painter').getByRole('link', { name: 'painter' }).click();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('0.1.0');
    expect(page.url()).toBe(`${url}${PAGE}#/plugin/painter`);
    expect(await page.getByTestId('readme').textContent()).toContain('This version has no README.');
    expect(await page.getByTestId('dependencies').textContent()).toContain('poster ^1.0.0');
    expect(await page.getByTestId('dependencies').getByRole('link', { name: 'poster' }).getAttribute('href')).toBe('#/plugin/poster');
  });
});

describe('a plugin\'s page', () => {
  it('shows its README rendered, and nothing in it runs or loads', async () => {
    const page = await open('#/plugin/poster');
    const readme = page.getByTestId('readme');
    await expect.poll(() => readme.locator('h1').textContent()).toBe('Poster');
    expect(await readme.locator('h2').allTextContents()).toEqual(['README', 'Use', 'Things that must stay text']);
    expect(await readme.locator('table td').allTextContents()).toEqual(['topic', 'what the post is about', 'voice', 'friendly or formal']);
    expect(await readme.locator('td em').textContent()).toBe('friendly');
    expect(await readme.locator('pre code').textContent()).toContain(`curl -X POST $H/v1/p/poster/posts -d '{"topic":"cats"}'`);
    expect(await readme.locator('li').allTextContents()).toEqual(['fast', 'cheap']);
    const docs = readme.getByRole('link', { name: 'the docs' });
    expect(await docs.getAttribute('href')).toBe('https://example.com/docs');
    expect(await docs.getAttribute('rel')).toBe('noopener noreferrer nofollow');

    // The hostile lines are on the page as text: no element, no handler, no request.
    const text = await readme.textContent();
    expect(text).toContain(`<script>window.__pwned = 'script'</script>`);
    expect(text).toContain(`<img src="x" onerror="window.__pwned = 'img'">`);
    expect(await readme.locator('script, img, iframe, [onerror], [onclick], [style]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"], a[href^="data:"]').count()).toBe(0);
    expect(await readme.getByText('click me').evaluate((el) => el.tagName)).toBe('P');
    const badge = readme.getByRole('link', { name: 'image: badge' });
    expect(await badge.getAttribute('href')).toBe('https://evil.example/badge.png');
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    await browser().shot('plugin poster');
  });

  it('shows its versions, with the deprecated and the yanked one marked, and its downloads', async () => {
    const page = await open('#/plugin/poster');
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('1.2.0');
    const rows = page.getByTestId('versions').locator('tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-testid')))).toEqual(['version-1.2.0', 'version-1.1.0', 'version-1.0.0']);
    const row = (v: string) => page.getByTestId(`version-${v}`);
    expect(await row('1.2.0').textContent()).toMatch(/^1\.2\.0latest.*\^1\.2\.03/);
    expect(await row('1.2.0').getAttribute('class')).toBe('');
    expect(await row('1.1.0').getAttribute('class')).toBe('yanked');
    expect(await row('1.1.0').locator('td').last().textContent()).toBe('yanked: leaks tokens in logs');
    expect(await row('1.0.0').getAttribute('class')).toBe('deprecated');
    expect(await row('1.0.0').locator('td').last().textContent()).toBe('deprecated: use 1.2 or later');
    // Downloads in all, and of the version shown; the table has each version's.
    expect(await page.getByTestId('downloads-total').textContent()).toBe('4');
    expect(await page.getByTestId('downloads').textContent()).toContain('Version 1.2.03');
    expect(await row('1.0.0').locator('td').nth(3).textContent()).toBe('1');
    // The latest version is neither: no badge.
    expect(await page.getByTestId('yanked').count()).toBe(0);
    expect(await page.getByTestId('deprecated').count()).toBe(0);
  });

  it('a yanked version\'s and a deprecated version\'s own pages say so', async () => {
    const page = await open('#/plugin/poster');
    await page.getByTestId('version-1.1.0').getByRole('link', { name: '1.1.0' }).click();
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('1.1.0');
    expect(await page.getByTestId('yanked').textContent()).toBe('Yanked: leaks tokens in logs. Hosts that pinned it keep it; no host installs it fresh.');
    expect(await page.getByText('Latest is 1.2.0').count()).toBe(1);
    // Its install line installs the latest: a host never picks a yanked version fresh.
    expect(await page.getByTestId('install').locator('pre').first().textContent()).toBe('POST /v1/plugins/install\n{"name":"poster","range":"^1.2.0"}');
    await browser().shot('plugin poster yanked');

    await page.goto(`${url}${PAGE}#/plugin/poster/1.0.0`);
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('1.0.0');
    expect(await page.getByTestId('deprecated').textContent()).toBe('Deprecated: use 1.2 or later');
    expect(await page.getByTestId('yanked').count()).toBe(0);
    // Each version's own README.
    expect(await page.getByTestId('readme').locator('h1').textContent()).toBe('Poster 1.0');
    await browser().shot('plugin poster deprecated');
  });

  it('shows the permissions it asks for and its limits', async () => {
    const page = await open('#/plugin/poster');
    const permissions = page.getByTestId('permissions');
    await expect.poll(() => permissions.locator('ul').first().locator('li').allTextContents()).toEqual([
      'Calls AI models for text tasks, up to the standard tier (billed to whoever runs it)',
      'Reads and writes files in its own blob storage',
      'Keeps data in its own key-value store',
    ]);
    expect(await permissions.textContent()).toContain('Memory: up to 32 MB per isolate');
    // An older version asks for less: the page shows the version's own manifest.
    await page.goto(`${url}${PAGE}#/plugin/poster/1.0.0`);
    await expect.poll(() => page.getByTestId('shown-version').textContent()).toBe('1.0.0');
    expect(await page.getByTestId('permissions').locator('ul').first().locator('li').allTextContents()).toEqual(['Keeps data in its own key-value store']);
  });

  it('shows the host API it runs on, and which version a host of a given API version would install', async () => {
    const page = await open('#/plugin/poster');
    await expect.poll(() => page.getByTestId('host-range').textContent()).toBe('^1.2.0');
    const input = page.getByTestId('host-version');
    const pick = page.getByTestId('compatibility-pick');
    await input.fill('1.3.0');
    await expect.poll(() => pick.textContent()).toBe('The newest version that runs on host API 1.3.0: 1.2.0.');
    // 1.2.0 needs ^1.2.0 and 1.1.0 is yanked: a 1.1 host gets 1.0.0.
    await input.fill('1.1.0');
    await expect.poll(() => pick.textContent()).toBe('The newest version that runs on host API 1.1.0: 1.0.0.');
    expect(await page.getByTestId('compatibility-answer').textContent()).toContain('Runs there: 1.1.0 (yanked), 1.0.0');
    await input.fill('2.0.0');
    await expect.poll(() => pick.textContent()).toBe('No version runs on host API 2.0.0.');
    await browser().shot('plugin poster compatibility');
  });

  it('a plugin or version that does not exist gets a readable not-found', async () => {
    // The API's 404 is the answer the page reads; Chromium logs it as a failed resource.
    browser().allow(/status of 404/);
    const page = await open('#/plugin/no-such-plugin');
    await expect.poll(() => page.getByTestId('not-found').textContent()).toBe('No plugin named no-such-plugin');
    const message = (await call('GET', '/api/v1/packages/no-such-plugin')).body.message as string;
    expect(await page.getByTestId('error').textContent()).toBe(message);
    expect(await page.title()).toBe('No plugin named no-such-plugin · Easel plugin marketplace');
    expect(await page.getByRole('link', { name: 'Search for “no-such-plugin”' }).getAttribute('href')).toBe('#/?q=no-such-plugin');
    await browser().shot('plugin not found');

    await page.goto(`${url}${PAGE}#/plugin/poster/9.9.9`);
    await expect.poll(() => page.getByTestId('not-found').textContent()).toBe('No version 9.9.9 of poster');
    await page.goto(`${url}${PAGE}#/nowhere`);
    await expect.poll(() => page.getByTestId('error').textContent()).toBe('Nothing is at #/nowhere.');
  });
});

describe('the Content-Security-Policy', () => {
  it('stops markup that reached the page by any other way: inline handlers and inline scripts do not run', async () => {
    browser().allow(/Content Security Policy|status of 404/);
    const page = await open();
    await expect.poll(() => page.getByTestId('result-count').textContent()).toBe('2 plugins');
    // Page code as text: this file is type-checked without the DOM library.
    await page.evaluate(`(async () => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective));
      // An element with an inline handler, as innerHTML would make it: its image fails (404), its onerror is refused.
      document.getElementById('main').insertAdjacentHTML('beforeend', '<img id="probe" src="no-such-image.png" onerror="window.__handler = 1">');
      await new Promise((resolve) => document.getElementById('probe').addEventListener('error', resolve));
      const script = document.createElement('script');
      script.textContent = 'window.__script = 1';
      document.body.append(script);
    })()`);
    // Violation reports arrive as events after the refusal: wait for both.
    await expect.poll(() => page.evaluate('[...window.__violations].sort()')).toEqual(['script-src-attr', 'script-src-elem']);
    expect(await page.evaluate('[typeof window.__handler, typeof window.__script]')).toEqual(['undefined', 'undefined']);
  });
});
