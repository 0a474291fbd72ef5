/**
 * What the host adds for the console, over real HTTP: the console's static files at /console
 * (its page for every console address, hashed assets kept, security headers, a page saying how
 * to build it when it is not built), GET /v1/whoami for either role, and the marketplace routes
 * (admin only) over a real registry.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { consoleRoutes, installErrorHandling } from '../../host/src/api/index.ts';
import { CONSOLE_DIST } from '../../host/src/api/console.ts';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { packSpec, startRegistry, type RunningRegistry } from '../helpers/registry.ts';

describe('the console’s files', () => {
  let dist: string;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'easel-console-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><div id="app"></div><script type="module" src="/console/assets/index-abc123.js"></script>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log("hi")');
    await writeFile(join(dist, 'secret.txt'), 'not an asset');
    app = Fastify();
    installErrorHandling(app);
    await app.register(consoleRoutes, { root: dist });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dist, { recursive: true, force: true });
  });

  test('/console goes to /console/, which serves the page with the security headers and no caching', async () => {
    const redirect = await fetch(`${url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/console/');
    const res = await fetch(`${url}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
    expect(res.headers.get('content-security-policy')).toMatch(/connect-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(await res.text()).toContain('<div id="app">');
  });

  test('every other console address answers the page, which picks what to show', async () => {
    for (const path of ['/console/plugins', '/console/plugins/canvas', '/console/executions/1?status=failed', '/console/secret.txt']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('<div id="app">');
    }
  });

  test('hashed assets are served and kept for a year; a missing one is 404 ROUTE_NOT_FOUND', async () => {
    const res = await fetch(`${url}/console/assets/index-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log("hi")');
    const missing = await fetch(`${url}/console/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('ROUTE_NOT_FOUND');
  });

  test('no path leaves the assets folder', async () => {
    // Sent as is: fetch would collapse the dot segments before they reach the host.
    for (const path of ['/console/assets/../secret.txt', '/console/assets/%2e%2e/secret.txt', '/console/assets/..%2fsecret.txt', '/console/assets/%2e%2e/%2e%2e/package.json']) {
      const { status, body } = await rawGet(url, path);
      expect(body, path).not.toContain('not an asset');
      expect(body, path).not.toContain('"workspaces"');
      expect([200, 400, 403, 404], path).toContain(status);
      if (status === 200) expect(body, path).toContain('<div id="app">');
    }
  });

  test('without a build the host still starts, and /console says how to build it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'easel-console-none-'));
    const bare = Fastify();
    installErrorHandling(bare);
    await bare.register(consoleRoutes, { root: join(empty, 'dist') });
    const at = await bare.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${at}/console/plugins`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('./run npm run build -w console');
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /v1/whoami', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(async () => {
    await host?.close();
  });

  test('answers an admin key’s role, and an app key’s app, and nothing else', async () => {
    const admin = await host.call('GET', '/v1/whoami');
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual({ keyId: expect.any(String), role: 'admin', label: expect.any(String) });
    const made = (await host.call('POST', '/v1/apps', { body: { name: 'web shop' } })).body;
    const key = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'shop ios', app: made.id } })).body;
    const app = await host.call('GET', '/v1/whoami', { key: key.key });
    expect(app.body).toEqual({ keyId: key.id, role: 'app', label: 'shop ios', appId: made.id, appName: 'web shop' });
  });

  test('a missing, unknown or revoked key is refused', async () => {
    expect((await host.call('GET', '/v1/whoami', { key: null })).body.code).toBe('AUTH_REQUIRED');
    expect((await host.call('GET', '/v1/whoami', { key: 'nope' })).body.code).toBe('AUTH_INVALID');
    const key = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'gone' } })).body;
    await host.call('DELETE', `/v1/keys/${key.id}`);
    const revoked = await host.call('GET', '/v1/whoami', { key: key.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('AUTH_INVALID');
  });
});

describe('the marketplace routes', () => {
  let registry: RunningRegistry;
  let host: RunningHost;
  let appKey: string;
  beforeAll(async () => {
    registry = await startRegistry();
    for (const spec of [
      { name: 'painter', version: '1.0.0' },
      { name: 'painter', version: '1.1.0' },
      { name: 'future', version: '1.0.0', hostRange: '^2.0.0' },
    ]) {
      const res = await registry.publish(await packSpec(spec));
      if (res.status !== 201) throw new Error(`publish: ${res.status}`);
    }
    await registry.request('POST', '/api/v1/packages/painter/versions/1.1.0/yank', { reason: 'smears' }, registry.adminToken);
    host = await startHost({ registries: { urls: registry.url, trustedKeys: await registry.trustedKeys() } } as never);
    appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
  });
  afterAll(async () => {
    await host?.close();
    await registry?.close();
  });

  test('a search lists the registry’s plugins with what runs here and what is installed', async () => {
    const all = await host.call('GET', '/v1/marketplace');
    expect(all.status).toBe(200);
    expect(all.body.plugins.map((p: { name: string }) => p.name).sort()).toEqual(['future', 'painter']);
    const future = all.body.plugins.find((p: { name: string }) => p.name === 'future');
    expect(future).toMatchObject({ latest: '1.0.0', hostRange: '^2.0.0', runsHere: false, installed: null, registry: registry.url, permissions: {} });
    expect((await host.call('GET', '/v1/marketplace?q=future')).body.plugins.map((p: { name: string }) => p.name)).toEqual(['future']);
    expect((await host.call('GET', '/v1/marketplace?q=nothing-like-it')).body.plugins).toEqual([]);
  });

  test('a plugin’s page has its versions, yanks, downloads and whether it is installed', async () => {
    await host.call('POST', '/v1/plugins/install', { body: { name: 'painter', range: '1.0.0' } });
    const res = await host.call('GET', '/v1/marketplace/painter');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'painter', latest: '1.1.0', downloads: 1, installed: { version: '1.0.0', enabled: false }, readme: '' });
    expect(res.body.versions).toEqual([
      expect.objectContaining({ version: '1.1.0', runsHere: true, yanked: { at: expect.any(String), reason: 'smears' }, downloads: 0, tags: ['latest'] }),
      expect.objectContaining({ version: '1.0.0', runsHere: true, yanked: null, deprecated: null, downloads: 1, hostRange: '^1.0.0' }),
    ]);
  });

  test('refusals: an unknown plugin, a bad name, a long query, an app key', async () => {
    const unknown = await host.call('GET', '/v1/marketplace/absent');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'PACKAGE_NOT_FOUND']);
    const bad = await host.call('GET', '/v1/marketplace/Not_A_Name');
    expect([bad.status, bad.body.code]).toEqual([400, 'REQUEST_INVALID']);
    const long = await host.call('GET', `/v1/marketplace?q=${'x'.repeat(300)}`);
    expect([long.status, long.body.code]).toEqual([400, 'REQUEST_INVALID']);
    for (const path of ['/v1/marketplace', '/v1/marketplace/painter']) {
      const res = await host.call('GET', path, { key: appKey });
      expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
    }
  });

  test('without a configured registry it answers REGISTRY_UNAVAILABLE', async () => {
    const bare = await startHost();
    try {
      const res = await bare.call('GET', '/v1/marketplace');
      expect([res.status, res.body.code]).toEqual([502, 'REGISTRY_UNAVAILABLE']);
    } finally {
      await bare.close();
    }
  });
});

describe('the host serves the built console', () => {
  test('at /console on a real host: the build when there is one, else how to make it', async () => {
    const built = existsSync(join(CONSOLE_DIST, 'index.html'));
    const host = await startHost();
    try {
      const res = await fetch(`${host.url}/console/`);
      expect(res.status).toBe(built ? 200 : 503);
      expect(await res.text()).toMatch(built ? /\/console\/assets\/index-[\w-]+\.js/ : /npm run build -w console/);
    } finally {
      await host.close();
    }
  });
});
