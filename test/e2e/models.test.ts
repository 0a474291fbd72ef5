/**
 * ctx.models end to end: a plugin in its isolate calls the router over the bridge, the host
 * calls the built-in emulator through the real SDK, and the app sees results, costs, usage
 * and the right errors over HTTP. Denied calls never reach a model.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let appKey: string;
let appId: string;
let control: EmulatorControl;
const ALL = { models: { tasks: ['text', 'structured', 'image', 'embedding'], maxTier: 'premium' } };

beforeAll(async () => {
  host = await startHost({ models: { throttleCooldownMs: 60_000 } });
  ({ key: appKey, appId } = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body);
  const { tarball } = await packWithCli('test/fixtures/plugins/model-user');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  control = host.host.models.emulator?.control as EmulatorControl;
  expect(control).toBeDefined();
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await control.reset();
});

const grant = async (permissions: unknown) => expect((await host.call('POST', '/v1/plugins/model-user/enable', { body: { grant: permissions } })).status).toBe(200);
const run = (capability: string, body: unknown, user = 'user-1') => host.call('POST', `/v1/agents/model-user/writer/${capability}`, { key: appKey, body, headers: { 'x-easel-user': user } });

describe('allowed calls', () => {
  beforeAll(() => grant(ALL));

  test('text: result, cost, and a usage row for the app user, the plugin and the execution', async () => {
    const res = await run('text', { prompt: 'Write a haiku about Seoul', maxTokens: 40 });
    expect(res.status).toBe(200);
    expect(res.body.output).toMatchObject({ model: 'apac.amazon.nova-micro-v1:0', cached: false });
    expect(res.body.output.text).toMatch(/synthetic/i);
    const rows = await host.host.store.usage.listByExecution(res.body.executionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: 'user-1', pluginName: 'model-user', status: 'ok' });
    expect(rows[0]?.costUsd).toBeCloseTo(res.body.output.cost, 9);
    const execution = await host.call('GET', `/v1/executions/${res.body.executionId}`, { key: appKey });
    expect(execution.body.userId).toBe('user-1');
  });

  test('structured, embedding and streamed text cross the bridge', async () => {
    const schema = { type: 'object', required: ['mood'], properties: { mood: { enum: ['happy', 'calm'] } } };
    expect((await run('structured', { prompt: 'How does the sea feel?', schema })).body.output.value.mood).toMatch(/happy|calm/);
    expect((await run('embed', { text: '한강 공원' })).body.output).toMatchObject({ model: 'amazon.titan-embed-text-v2:0', length: 1024 });
    const streamed = await run('stream', { prompt: 'Tell a story about a fox', maxTokens: 60 });
    expect(streamed.status).toBe(200);
    expect(streamed.body.output.parts.length).toBeGreaterThan(1);
    expect(streamed.body.output.parts.join('')).toMatch(/synthetic/i);
  });

  test('images reach the plugin as PNG bytes; a sketch crosses the bridge for a variation', async () => {
    const made = await run('image', { prompt: 'a red bicycle', count: 2, width: 512, height: 512 });
    expect(made.status).toBe(200);
    expect(made.body.output).toMatchObject({ model: 'amazon.nova-canvas-v1:0', count: 2, width: 512, height: 512 });
    for (const signature of made.body.output.signatures) expect(signature).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const varied = await run('image', { prompt: 'make it watercolour', sketch: true, width: 512, height: 512 });
    expect(varied.status).toBe(200);
    const calls = await control.calls();
    expect(calls.map((c) => c.taskType)).toEqual(['TEXT_IMAGE', 'IMAGE_VARIATION']);
    // Bytes a plugin hands over are untrusted: what is not a PNG or JPEG never reaches a model.
    const garbage = await run('image', { prompt: 'vary this', sketch: 'garbage' });
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ code: 'MODEL_REQUEST_INVALID', message: expect.stringContaining('not a PNG or JPEG') });
    expect(await control.calls()).toHaveLength(2);
  });

  test('an abandoned stream is closed and billed when the execution ends', async () => {
    const res = await run('stream-abandon', { prompt: 'a long tale', maxTokens: 200 });
    expect(res.status).toBe(200);
    expect(typeof res.body.output.first).toBe('string');
    const rows = await host.host.store.usage.listByExecution(res.body.executionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe('ok');
  });

  test('the plugin config chooses the strategy', async () => {
    expect((await host.call('PUT', '/v1/plugins/model-user/config', { body: { config: { modelStrategy: 'quality-first' } } })).status).toBe(200);
    const res = await run('text', { prompt: 'best answer please', maxTokens: 20 });
    expect(res.body.output.model).toBe('global.anthropic.claude-opus-4-5-20251101-v1:0');
    await host.call('PUT', '/v1/plugins/model-user/config', { body: { config: {} } });
  });

  test('bad requests fail with MODEL_REQUEST_INVALID and call nothing', async () => {
    for (const body of [{ prompt: '' }, { prompt: 'x', maxTokens: -1 }, { prompt: 'x', tier: 'ultra' }, { prompt: 'x', extra: true }]) {
      const res = await run('text', body);
      expect(res.body).toMatchObject({ code: 'MODEL_REQUEST_INVALID' });
    }
    expect(await control.calls()).toEqual([]);
  });

  test('an invalid x-easel-user is refused before anything runs', async () => {
    const res = await run('text', { prompt: 'hi' }, 'u'.repeat(129));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('USER_ID_INVALID');
    // `key:` ids are the default users of app keys: no app may spend as another key's user.
    expect((await run('text', { prompt: 'hi' }, 'key:someone-else')).body.code).toBe('USER_ID_INVALID');
    expect(await control.calls()).toEqual([]);
  });
});

describe('budgets and cooling over HTTP', () => {
  beforeAll(() => grant(ALL));

  test('over budget: 402 BUDGET_EXCEEDED, nothing sent; the budget is visible in usage stats', async () => {
    expect((await host.call('PUT', `/v1/apps/${appId}/users/poor-user/budget`, { body: { monthlyUsd: 0 } })).status).toBe(200);
    const res = await run('text', { prompt: 'anything', maxTokens: 20 }, 'poor-user');
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('BUDGET_EXCEEDED');
    expect(await control.calls()).toEqual([]);
    const stats = await host.call('GET', '/v1/models/usage/poor-user/stats?period=monthly', { key: appKey });
    // Refused before any model was asked: nothing was billed, so no usage row either.
    expect(stats.body).toMatchObject({ userId: 'poor-user', calls: 0, costUsd: 0, budget: { monthlyUsd: 0, spentUsd: 0, reservedUsd: 0 } });
  });

  test('every candidate cooling: 429 MODELS_COOLING with retryAfterMs and Retry-After; the plugin sees the code', async () => {
    await grant({ models: { tasks: ['text'], maxTier: 'basic' } });
    await control.fault({ modelId: '*', exception: 'ThrottlingException', count: 10 });
    const res = await run('text', { prompt: 'are you there?', maxTokens: 20 });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('MODELS_COOLING');
    expect(res.body.details.retryAfterMs).toBeGreaterThan(0);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const caught = await run('catch', { prompt: 'still there?', maxTokens: 20 });
    expect(caught.body.output).toEqual({ code: 'MODELS_COOLING' });
    const health = await host.call('GET', '/v1/models/health', { key: appKey });
    const micro = health.body.models.find((m: { modelId: string }) => m.modelId === 'apac.amazon.nova-micro-v1:0');
    expect(micro).toMatchObject({ cooling: true, errors: 1 });
    for (const id of ['apac.amazon.nova-micro-v1:0', 'apac.amazon.nova-lite-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'apac.anthropic.claude-3-haiku-20240307-v1:0']) {
      await host.host.models.state.clearCooldown(id);
    }
  });
});

describe('uninstall', () => {
  test('a plugin\'s cached answers go with it', async () => {
    await grant(ALL);
    expect((await run('text', { prompt: 'cache me', maxTokens: 10 })).body.output.cached).toBe(false);
    expect((await run('text', { prompt: 'cache me', maxTokens: 10 })).body.output.cached).toBe('exact');
    expect((await host.call('DELETE', '/v1/plugins/model-user')).status).toBe(200);
    const { tarball } = await packWithCli('test/fixtures/plugins/model-user');
    expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    await grant(ALL);
    expect((await run('text', { prompt: 'cache me', maxTokens: 10 })).body.output.cached).toBe(false);
  });
});

describe('denied calls never reach a model', () => {
  test('no models grant: PERMISSION_DENIED, audited, no call', async () => {
    await grant({});
    const res = await run('text', { prompt: 'hello', maxTokens: 10 });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('PERMISSION_DENIED');
    expect(await control.calls()).toEqual([]);
    const audit = await host.host.store.audit.list({ limit: 5, action: 'models.text' });
    expect(audit[0]).toMatchObject({ outcome: 'denied', actor: expect.stringContaining('model-user') });
  });

  test('a task that was not granted: PERMISSION_DENIED, no call', async () => {
    await grant({ models: { tasks: ['text'], maxTier: 'premium' } });
    expect((await run('image', { prompt: 'a cat' })).body.code).toBe('PERMISSION_DENIED');
    expect((await run('embed', { text: 'a cat' })).body.code).toBe('PERMISSION_DENIED');
    expect(await control.calls()).toEqual([]);
  });

  test('asking above the granted tier: PERMISSION_DENIED, no call; within it the router stays under the grant', async () => {
    await grant({ models: { tasks: ['text', 'image'], maxTier: 'standard' } });
    expect((await run('text', { prompt: 'hello', tier: 'premium' })).body.code).toBe('PERMISSION_DENIED');
    expect((await run('image', { prompt: 'a cat', tier: 'premium' })).body.code).toBe('PERMISSION_DENIED');
    expect((await run('image', { prompt: 'a cat', quality: 'premium' })).body.code).toBe('PERMISSION_DENIED');
    expect(await control.calls()).toEqual([]);
    const res = await run('text', { prompt: 'the best you may', strategy: 'quality-first', maxTokens: 10 });
    expect(res.status).toBe(200);
    const chosen = host.host.models.router.catalog.models.find((m) => m.id === res.body.output.model);
    expect(chosen?.tier).toBe('standard');
  });
});
