/**
 * The spine end to end: pack with the CLI, upload over a real port, enable, execute, read
 * the execution back, restart on the same data dir, execute again.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let hello: Buffer;
let host: RunningHost;

beforeAll(async () => {
  const packed = await packWithCli('plugins-external/hello');
  hello = packed.tarball;
  const integrity = `sha512-${createHash('sha512').update(hello).digest('base64')}`;
  expect(packed.stdout).toContain(integrity);
  host = await startHost();
});
afterAll(async () => host?.close());

describe('hello, from pack to execution and across a restart', () => {
  let appKey: string;

  test('upload installs the plugin disabled, with its manifest', async () => {
    const res = await host.call('POST', '/v1/plugins/upload', { raw: hello });
    expect(res.status).toBe(201);
    expect(res.body.plugin).toMatchObject({ name: 'hello', version: '1.0.0', enabled: false, permissions: { kv: true } });
    const list = await host.call('GET', '/v1/plugins');
    expect(list.body.plugins.map((p: { name: string }) => p.name)).toEqual(['hello']);
    const one = await host.call('GET', '/v1/plugins/hello');
    expect(one.body.manifest.agents[0].type).toBe('greeter');
    expect(one.body.granted).toEqual({});
  });

  test('an app key runs nothing until the plugin is enabled', async () => {
    const created = await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'test app' } });
    expect(created.status).toBe(201);
    appKey = created.body.key;
    const res = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('PLUGIN_DISABLED');
    expect((await host.call('GET', '/v1/agents', { key: appKey })).body.agents).toEqual([]);
  });

  test('enable with the requested grant; the agent is listed and runs', async () => {
    const enabled = await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, granted: { kv: true } });
    const agents = await host.call('GET', '/v1/agents', { key: appKey });
    expect(agents.body.agents[0]).toMatchObject({ plugin: 'hello', agent: 'greeter' });
    const res = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ message: 'Hello, Ada!' });
    expect(typeof res.body.executionId).toBe('string');
    expect(res.body.durationMs).toBeGreaterThan(0);
    const exec = await host.call('GET', `/v1/executions/${res.body.executionId}`, { key: appKey });
    expect(exec.status).toBe(200);
    expect(exec.body).toMatchObject({ id: res.body.executionId, status: 'succeeded', pluginName: 'hello', pluginVersion: '1.0.0', output: { message: 'Hello, Ada!' } });
  });

  test('config is validated and reaches ctx.config', async () => {
    const bad = await host.call('PUT', '/v1/plugins/hello/config', { body: { config: { greeting: '' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('PLUGIN_CONFIG_INVALID');
    expect(bad.body.details.problems[0].path).toBe('/greeting');
    expect((await host.call('GET', '/v1/plugins/hello/config')).body.config).toEqual({});
    const good = await host.call('PUT', '/v1/plugins/hello/config', { body: { config: { greeting: '안녕하세요' } } });
    expect(good.status).toBe(200);
    const res = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } });
    expect(res.body.output).toEqual({ message: '안녕하세요, Ada!' });
  });

  test('kv state persists across a restart on the same data dir', async () => {
    const first = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Grace' } });
    expect(first.body.output).toEqual({ name: 'Grace', visits: 1 });
    const second = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Grace' } });
    expect(second.body.output.visits).toBe(2);

    host = await host.restart();
    const third = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Grace' } });
    expect(third.status).toBe(200);
    expect(third.body.output.visits).toBe(3);
    const earlier = await host.call('GET', `/v1/executions/${first.body.executionId}`, { key: appKey });
    expect(earlier.body).toMatchObject({ status: 'succeeded', output: { visits: 1 } });
  });

  test('bad input is refused before anything runs or is recorded', async () => {
    const res = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: '', extra: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INPUT_INVALID');
    expect(res.body.details.problems.map((p: { path: string }) => p.path).sort()).toEqual(['/', '/name']);
    const missing = await host.call('POST', '/v1/agents/hello/greeter/nope', { key: appKey, body: {} });
    expect(missing.body.code).toBe('AGENT_NOT_FOUND');
    const unknown = await host.call('POST', '/v1/agents/ghost/greeter/greet', { key: appKey, body: {} });
    expect(unknown.body.code).toBe('PLUGIN_NOT_FOUND');
  });

  test('an app cannot read another app’s execution', async () => {
    const other = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'other app' } })).body.key;
    const mine = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Lin' } });
    const res = await host.call('GET', `/v1/executions/${mine.body.executionId}`, { key: other });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('EXECUTION_NOT_FOUND');
  });

  test('a grant beyond the manifest is refused and changes nothing', async () => {
    const res = await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: { kv: true, storage: { write: true } } } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('GRANT_INVALID');
    expect(res.body.details.problems).toEqual([{ path: '/storage/write', message: 'not requested by the manifest' }]);
    expect((await host.call('GET', '/v1/plugins/hello')).body.granted).toEqual({ kv: true });
  });

  test('disable stops executions; uninstall removes the plugin and its data', async () => {
    expect((await host.call('POST', '/v1/plugins/hello/disable')).body.enabled).toBe(false);
    const res = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } });
    expect(res.body.code).toBe('PLUGIN_DISABLED');
    expect((await host.call('DELETE', '/v1/plugins/hello')).body.removed).toEqual({ name: 'hello', version: '1.0.0' });
    expect((await host.call('GET', '/v1/plugins/hello')).status).toBe(404);
    expect(await host.host.store.kv.count('hello')).toBe(0);
  });
});
