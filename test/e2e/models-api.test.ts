/** The models and budgets HTTP API: catalog, decisions, estimates, usage, health, budgets, and their errors. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let appKey: string;
let appId: string;

beforeAll(async () => {
  host = await startHost();
  ({ key: appKey, appId } = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body);
});
afterAll(async () => {
  await host?.close();
});

const app = (method: string, path: string, body?: unknown) => host.call(method, path, { key: appKey, body });

describe('catalog and decisions', () => {
  test('GET /v1/models: the Seoul catalog with its date, sources and availability, for admin and app keys', async () => {
    const res = await app('GET', '/v1/models');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ region: 'ap-northeast-2', currency: 'USD', target: 'emulator' });
    expect(res.body.verifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const byId = new Map(res.body.models.map((m: { id: string }) => [m.id, m]));
    expect(byId.get('amazon.nova-canvas-v1:0')).toMatchObject({ available: true, tasks: ['image'], residency: 'in-region', cooling: false });
    expect(byId.get('amazon.titan-image-generator-v1')).toMatchObject({ available: false });
    expect((await host.call('GET', '/v1/models')).status).toBe(200);
    expect((await host.call('GET', '/v1/models', { key: null })).status).toBe(401);
  });

  test('POST /v1/models/select: decision, estimated cost, reasoning, alternatives; nothing is called', async () => {
    const res = await app('POST', '/v1/models/select', { task: 'text', tier: 'standard', strategy: 'cost-first', inputTokens: 2000, outputTokens: 500 });
    expect(res.status).toBe(200);
    expect(res.body.model).toMatchObject({ id: 'apac.amazon.nova-pro-v1:0', tier: 'standard' });
    expect(res.body.estimatedCost).toBeCloseTo((2000 * 0.0008 + 500 * 0.0032) / 1000, 12);
    expect(res.body.reasoning).toMatch(/cost-first/);
    expect(res.body.alternatives.length).toBeGreaterThan(0);
    for (let i = 1; i < res.body.alternatives.length; i++) expect(res.body.alternatives[i].estimatedCost).toBeGreaterThanOrEqual(res.body.alternatives[i - 1].estimatedCost);
    expect(res.body.excluded.some((e: { reason: string }) => /below the standard/.test(e.reason))).toBe(true);
    expect(await host.host.models.emulator?.control.calls()).toEqual([]);
  });

  test('select errors: bad input 400, nothing qualifying 422 with the exclusions', async () => {
    expect((await app('POST', '/v1/models/select', { task: 'poetry' })).body.code).toBe('REQUEST_INVALID');
    const none = await app('POST', '/v1/models/select', { task: 'text', latency: 'fast', residency: 'in-region', tier: 'premium' });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('MODEL_NO_CANDIDATE');
    expect(none.body.details.excluded.length).toBeGreaterThan(0);
  });

  test('GET /v1/models/costs/estimate: for one model, or for every candidate', async () => {
    const one = await app('GET', '/v1/models/costs/estimate?task=image&model=amazon.nova-canvas-v1:0&images=3&width=2048&height=2048&quality=premium');
    expect(one.body.estimates).toEqual([{ model: 'amazon.nova-canvas-v1:0', costUsd: 3 * 0.08 }]);
    const all = await app('GET', '/v1/models/costs/estimate?task=embedding&inputTokens=5000');
    expect(all.body.estimates[0]).toEqual({ model: 'amazon.titan-embed-text-v2:0', costUsd: 5 * 0.00002 });
    expect((await app('GET', '/v1/models/costs/estimate?task=text&model=no.such-model')).body.code).toBe('MODEL_NOT_FOUND');
    expect((await app('GET', '/v1/models/costs/estimate?task=text&model=amazon.nova-canvas-v1:0')).body.code).toBe('MODEL_REQUEST_INVALID');
  });
});

describe('usage, health and budgets', () => {
  test('usage stats per period, with calls the service made for the user', async () => {
    await host.host.models.service.text({ prompt: 'count me', maxTokens: 10 }, { appId, userId: 'stats-user', pluginName: 'direct' });
    await host.host.models.service.text({ prompt: 'count me', maxTokens: 10 }, { appId, userId: 'stats-user', pluginName: 'direct' });
    for (const period of ['daily', 'weekly', 'monthly']) {
      const res = await app('GET', `/v1/models/usage/stats-user/stats?period=${period}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ period, appId, userId: 'stats-user', calls: 2, cachedCalls: 1 });
      // An admin names the app: user ids are per app.
      expect((await host.call('GET', `/v1/models/usage/stats-user/stats?period=${period}&app=${appId}`)).body).toMatchObject({ appId, calls: 2 });
      expect(res.body.byModel[0]).toMatchObject({ modelId: 'apac.amazon.nova-micro-v1:0', calls: 2 });
      expect(res.body.byPlugin[0]).toMatchObject({ pluginName: 'direct', calls: 2 });
    }
    expect((await app('GET', '/v1/models/usage/stats-user/stats?period=yearly')).status).toBe(400);
    expect((await host.call('GET', '/v1/models/usage/stats-user/stats')).body.code).toBe('REQUEST_INVALID');
  });

  test('health lists each available model with cooling, error rate and latency', async () => {
    const res = await app('GET', '/v1/models/health');
    expect(res.status).toBe(200);
    const micro = res.body.models.find((m: { modelId: string }) => m.modelId === 'apac.amazon.nova-micro-v1:0');
    expect(micro).toMatchObject({ cooling: false, errorRate: 0 });
    expect(micro.calls).toBeGreaterThan(0);
    expect(typeof micro.p50LatencyMs).toBe('number');
    expect(res.body.models.some((m: { modelId: string }) => m.modelId === 'amazon.titan-image-generator-v1')).toBe(false);
  });

  test('budgets: admin sets, reads and removes, per user of an app and per app; apps may only read their own; bad amounts are refused and change nothing', async () => {
    const path = `/v1/apps/${appId}/users/budget-user/budget`;
    const set = await host.call('PUT', path, { body: { monthlyUsd: 12.5 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ scope: 'user', appId, userId: 'budget-user', monthlyUsd: 12.5, spentUsd: 0, reservedUsd: 0 });
    expect((await host.call('PUT', path, { key: appKey, body: { monthlyUsd: 1000 } })).status).toBe(403);
    expect((await host.call('PUT', path, { body: { monthlyUsd: -1 } })).body.code).toBe('REQUEST_INVALID');
    expect((await host.call('GET', path)).body.monthlyUsd).toBe(12.5);
    expect((await host.call('GET', path, { key: appKey })).body.monthlyUsd).toBe(12.5);
    const whole = await host.call('PUT', `/v1/apps/${appId}/budget`, { body: { monthlyUsd: 40 } });
    expect(whole.body).toMatchObject({ scope: 'app', appId, monthlyUsd: 40 });
    expect(whole.body).not.toHaveProperty('userId');
    expect((await host.call('DELETE', `/v1/apps/${appId}/budget`)).status).toBe(204);
    expect((await host.call('DELETE', path)).status).toBe(204);
    expect((await host.call('GET', path)).body.monthlyUsd).toBeUndefined();
    expect((await host.call('DELETE', path)).body.code).toBe('BUDGET_NOT_FOUND');
    expect((await host.call('PUT', '/v1/apps/no-such-app/budget', { body: { monthlyUsd: 1 } })).body.code).toBe('APP_NOT_FOUND');
    const audit = await host.host.store.audit.list({ limit: 5, action: 'budget.set' });
    expect(audit).toHaveLength(2);
  });
});
