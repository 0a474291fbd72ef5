/** Every route refuses a missing key, an unknown key and a key of the wrong role, and changes nothing. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let appKey: string;
beforeAll(async () => {
  host = await startHost();
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => host?.close());

const EXECUTION = '00000000-0000-4000-8000-000000000000';
/** `any`: either role may call it (it scopes what it answers to the key instead). */
const routes: { method: string; path: string; role: 'admin' | 'app' | 'any'; body?: unknown }[] = [
  { method: 'POST', path: '/v1/plugins/upload', role: 'admin' },
  { method: 'GET', path: '/v1/plugins', role: 'admin' },
  { method: 'GET', path: '/v1/plugins/hello', role: 'admin' },
  { method: 'POST', path: '/v1/plugins/hello/enable', role: 'admin', body: {} },
  { method: 'POST', path: '/v1/plugins/hello/disable', role: 'admin' },
  { method: 'DELETE', path: '/v1/plugins/hello', role: 'admin' },
  { method: 'GET', path: '/v1/plugins/hello/config', role: 'admin' },
  { method: 'PUT', path: '/v1/plugins/hello/config', role: 'admin', body: { config: {} } },
  { method: 'GET', path: '/v1/plugins/hello/logs', role: 'admin' },
  { method: 'POST', path: '/v1/keys', role: 'admin', body: { role: 'app', label: 'x' } },
  { method: 'GET', path: '/v1/keys', role: 'admin' },
  { method: 'DELETE', path: '/v1/keys/some-id', role: 'admin' },
  { method: 'GET', path: '/v1/agents', role: 'app' },
  { method: 'POST', path: '/v1/agents/hello/greeter/greet', role: 'app', body: { name: 'x' } },
  { method: 'GET', path: `/v1/executions/${EXECUTION}`, role: 'any' },
];

describe.each(routes)('$method $path ($role)', ({ method, path, role, body }) => {
  test('missing key: 401 AUTH_REQUIRED', async () => {
    const res = await host.call(method, path, { key: null, body });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED', error: 'Unauthorized' });
  });
  test('unknown key: 401 AUTH_INVALID', async () => {
    const res = await host.call(method, path, { key: 'esl_not-a-real-key', body });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('AUTH_INVALID');
  });
  // A route either role may call has no wrong role.
  if (role !== 'any') {
    test('wrong role: 403 FORBIDDEN', async () => {
      const res = await host.call(method, path, { key: role === 'admin' ? appKey : undefined, body });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', error: 'Forbidden' });
    });
  }
});

test('refused requests changed nothing', async () => {
  const keys = (await host.call('GET', '/v1/keys')).body.keys;
  expect(keys.map((k: { role: string }) => k.role).sort()).toEqual(['admin', 'app']);
  expect((await host.call('GET', '/v1/plugins')).body.plugins).toEqual([]);
});

test('a revoked key stops working', async () => {
  const created = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'short-lived' } })).body;
  expect((await host.call('GET', '/v1/agents', { key: created.key })).status).toBe(200);
  expect((await host.call('DELETE', `/v1/keys/${created.id}`)).status).toBe(200);
  const res = await host.call('GET', '/v1/agents', { key: created.key });
  expect(res.status).toBe(401);
  expect(res.body.code).toBe('AUTH_INVALID');
  // Revoking it again, or a key that never was, names the key as missing.
  for (const id of [created.id, 'no-such-key']) {
    const again = await host.call('DELETE', `/v1/keys/${id}`);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('KEY_NOT_FOUND');
  }
});

test('health needs no key', async () => {
  expect((await host.call('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
  expect((await host.call('GET', '/readyz', { key: null })).status).toBe(200);
});

test('a request without a valid key is refused before its body is read', async () => {
  // A body that never finishes: answered 401 at once means the host did not wait to read it.
  const never = new ReadableStream({ start(controller) { controller.enqueue(new Uint8Array(1024)); } });
  const started = performance.now();
  const res = await fetch(`${host.url}/v1/plugins/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip' },
    body: never,
    duplex: 'half',
  } as RequestInit);
  expect(res.status).toBe(401);
  expect(((await res.json()) as { code: string }).code).toBe('AUTH_REQUIRED');
  expect(performance.now() - started).toBeLessThan(2000);
  // Invalid JSON from a client without a key gets 401, not a parse error.
  const bad = await fetch(`${host.url}/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  expect(bad.status).toBe(401);
});

test('changing EASEL_ADMIN_TOKEN rotates it: the old token stops working, API-made admin keys stay', async () => {
  const { startHost: start } = await import('../helpers/host.ts');
  const first = await start({ adminToken: 'first-admin-token-0123456789' });
  const made = (await first.call('POST', '/v1/keys', { key: 'first-admin-token-0123456789', body: { role: 'admin', label: 'ops' } })).body.key;
  await first.host.app.close();
  const second = await start({ adminToken: 'second-admin-token-0123456789' }, first.dataDir);
  try {
    expect((await second.call('GET', '/v1/keys', { key: 'first-admin-token-0123456789' })).body.code).toBe('AUTH_INVALID');
    expect((await second.call('GET', '/v1/keys', { key: 'second-admin-token-0123456789' })).status).toBe(200);
    expect((await second.call('GET', '/v1/keys', { key: made })).status).toBe(200);
  } finally {
    await second.close();
    await (await import('node:fs/promises')).rm(first.dataDir, { recursive: true, force: true });
  }
});
