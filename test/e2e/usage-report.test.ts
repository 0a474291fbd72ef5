/**
 * The admin's read API for the console: GET /v1/usage/report, GET /v1/audit and the time
 * filters of GET /v1/executions, on a real host (SQLite file, sandbox workers, the Bedrock
 * emulator), after real calls of a real plugin. The report's figures equal the usage stats
 * routes' for the same app, user and period; app key B never sees app A; bad input is
 * REQUEST_INVALID with the field named, and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
const A = { key: '', id: '' };
const B = { key: '', id: '' };
let control: EmulatorControl;
const MICRO = 'apac.amazon.nova-micro-v1:0';
/** The period of the monthly stats, with room after now: the report of the same rows. */
let period = '';

const run = (app: { key: string }, user: string, body: unknown, capability = 'text') =>
  host.call('POST', `/v1/agents/model-user/writer/${capability}`, { key: app.key, body, headers: { 'x-easel-user': user } });

beforeAll(async () => {
  host = await startHost({ models: { throttleCooldownMs: 60_000, usageReportTop: 2 } as never });
  for (const app of [A, B]) {
    const made = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: `app ${app === A ? 'A' : 'B'}` } })).body;
    app.key = made.key;
    app.id = made.appId;
  }
  const { tarball } = await packWithCli('test/fixtures/plugins/model-user');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/model-user/enable', { body: { grant: { models: { tasks: ['text', 'embedding'], maxTier: 'basic' } } } })).status).toBe(200);
  control = host.host.models.emulator?.control as EmulatorControl;

  // App A: three users, a cache hit, a fallback after a throttle (which cools the model), an embedding.
  expect((await run(A, 'ana', { prompt: 'a poem about rain', maxTokens: 30 })).status).toBe(200);
  expect((await run(A, 'ana', { prompt: 'a poem about rain', maxTokens: 30 })).body.output.cached).toBe('exact');
  await control.fault({ modelId: MICRO, exception: 'ThrottlingException', count: 1 });
  expect((await run(A, 'ben', { prompt: 'a longer story about the sea and its boats', maxTokens: 120 })).status).toBe(200);
  await host.host.models.state.clearCooldown(MICRO);
  expect((await run(A, 'cho', { text: '서울의 밤' }, 'embed')).status).toBe(200);
  // App B: one user whose id is also one of A's (ids are per app).
  expect((await run(B, 'ana', { prompt: 'a note from app B', maxTokens: 20 })).status).toBe(200);
  await host.host.store.budgets.set({ appId: A.id }, 5);
  await host.host.store.budgets.set({ appId: A.id, userId: 'ben' }, 1);
  await host.host.store.budgets.set({ appId: B.id }, 7);

  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  period = `from=${monthStart}&to=${new Date(now.getTime() + 3_600_000).toISOString()}`;
});
afterAll(async () => {
  await host?.close();
});

/** The report fields that stats also has, as stats says them. */
const fromStats = (stats: any) => ({
  totals: { calls: stats.calls, failedCalls: stats.failedCalls, costUsd: stats.costUsd, inputTokens: stats.inputTokens, outputTokens: stats.outputTokens },
  byDay: stats.byDay.map((d: any) => ({ day: d.day, calls: d.calls, costUsd: d.costUsd, inputTokens: d.inputTokens, outputTokens: d.outputTokens })),
  byPlugin: stats.byPlugin.map((p: any) => ({ plugin: p.pluginName, calls: p.calls, costUsd: p.costUsd })),
  byModel: stats.byModel.map((m: any) => ({ model: m.modelId, calls: m.calls, costUsd: m.costUsd, inputTokens: m.inputTokens, outputTokens: m.outputTokens })),
});
/**
 * The fields a REQUEST_INVALID names. Schema problems say `querystring/x`, those the routes
 * find themselves `/querystring/x` (as the other routes do): both name the field.
 */
const fields = (body: { details: { problems: { path: string }[] } }) => body.details.problems.map((p) => p.path.replace(/^\//, ''));
const byName = <T extends Record<string, unknown>>(list: T[], key: string) => [...list].sort((x, y) => String(x[key]).localeCompare(String(y[key])));

describe('GET /v1/usage/report', () => {
  test("equals the stats API's figures for the app and for each of its users, after real calls through the emulator", async () => {
    const res = await host.call('GET', `/v1/usage/report?${period}&app=${A.id}`);
    expect(res.status).toBe(200);
    const report = res.body;
    const stats = (await host.call('GET', `/v1/models/usage/stats?period=monthly&app=${A.id}`)).body;
    expect(stats.calls).toBe(5);
    const expected = fromStats(stats);
    expect(report.totals).toEqual(expected.totals);
    expect(report.byDay).toEqual(expected.byDay);
    expect(byName(report.byPlugin, 'plugin')).toEqual(expected.byPlugin);
    expect(byName(report.byModel, 'model')).toEqual(expected.byModel);
    expect(report.cache.hits).toBe(stats.cachedCalls);
    expect(report.unreconciled).toEqual({ calls: stats.unreconciledCalls, costUsd: stats.unreconciledUsd });
    expect(report.app).toBe(A.id);
    expect(report.byApp).toEqual([]);

    // Top 2 users (EASEL_USAGE_REPORT_TOP), dearest first, each as its own stats say.
    expect(report.byUser).toHaveLength(2);
    expect(report.byUser[0].costUsd).toBeGreaterThanOrEqual(report.byUser[1].costUsd);
    for (const user of report.byUser) {
      const own = (await host.call('GET', `/v1/models/usage/${user.user}/stats?period=monthly&app=${A.id}`)).body;
      expect(user).toEqual({ app: A.id, user: user.user, calls: own.calls, costUsd: own.costUsd });
    }
    // The app's budget first, then the user's, with this month's spend, as the budget routes say.
    const appBudget = (await host.call('GET', `/v1/apps/${A.id}/budget`)).body;
    const benBudget = (await host.call('GET', `/v1/apps/${A.id}/users/ben/budget`)).body;
    expect(report.budgets).toEqual([
      { scope: 'app', app: A.id, month: appBudget.month, limitUsd: 5, spentUsd: appBudget.spentUsd, reservedUsd: 0 },
      { scope: 'user', app: A.id, user: 'ben', month: benBudget.month, limitUsd: 1, spentUsd: benBudget.spentUsd, reservedUsd: 0 },
    ]);
    // What the emulator was asked: one hit, three misses (the throttled call once), the hit's saving, one fallback, one cooldown.
    expect(report.cache).toMatchObject({ hits: 1, misses: 3, hitRate: 0.25 });
    expect(report.cache.savedUsd).toBeGreaterThan(0);
    expect(report.routing).toEqual({ fallbacks: 1, cooldowns: 1, quotaWaits: 0 });
    expect(report.totals.failedCalls).toBe(1);
  });

  test('an admin without app= sees every app, each as its own stats say', async () => {
    const all = (await host.call('GET', `/v1/usage/report?${period}`)).body;
    expect(all).not.toHaveProperty('app');
    expect(byName(all.byApp, 'app').map((a: any) => a.app)).toEqual([A.id, B.id].sort());
    let calls = 0;
    for (const entry of all.byApp) {
      const stats = (await host.call('GET', `/v1/models/usage/stats?period=monthly&app=${entry.app}`)).body;
      expect(entry).toEqual({ app: entry.app, calls: stats.calls, costUsd: stats.costUsd });
      calls += stats.calls;
    }
    expect(all.totals.calls).toBe(calls);
    expect(all.budgets.map((b: any) => [b.scope, b.app])).toEqual(expect.arrayContaining([['app', A.id], ['app', B.id]]));
  });

  test('an app key sees its own app only: app B never sees app A, and naming A is refused as unknown', async () => {
    const own = await host.call('GET', `/v1/usage/report?${period}`, { key: B.key });
    expect(own.status).toBe(200);
    expect(own.body.app).toBe(B.id);
    const statsB = (await host.call('GET', '/v1/models/usage/stats?period=monthly', { key: B.key })).body;
    expect(own.body.totals).toEqual(fromStats(statsB).totals);
    expect(own.body.byApp).toEqual([]);
    expect(own.body.byUser).toEqual([{ app: B.id, user: 'ana', calls: 1, costUsd: statsB.costUsd }]);
    expect(own.body.budgets).toEqual([expect.objectContaining({ scope: 'app', app: B.id, limitUsd: 7 })]);
    expect(JSON.stringify(own.body)).not.toContain(A.id);
    expect(JSON.stringify(own.body)).not.toContain('ben');

    const other = await host.call('GET', `/v1/usage/report?${period}&app=${A.id}`, { key: B.key });
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('APP_NOT_FOUND');
    expect((await host.call('GET', `/v1/usage/report?app=${B.id}`, { key: B.key })).body.app).toBe(B.id);
    expect((await host.call('GET', '/v1/usage/report', { key: null })).status).toBe(401);
  });

  test('defaults to the last 30 days', async () => {
    const res = await host.call('GET', '/v1/usage/report', { key: A.key });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(30 * 86_400_000);
    expect(Math.abs(Date.parse(res.body.to) - Date.now())).toBeLessThan(60_000);
    expect(res.body.totals.calls).toBe(5);
  });

  test('bad input is REQUEST_INVALID naming the field, and changes nothing', async () => {
    const before = (await host.call('GET', `/v1/usage/report?${period}`)).body;
    const cases: [string, string][] = [
      ['from=yesterday', 'querystring/from'],
      ['to=2025-13-01T00:00:00Z', 'querystring/to'],
      ['from=2025-05-02T00:00:00Z&to=2025-05-01T00:00:00Z', 'querystring/to'],
      ['from=2025-05-01T00:00:00Z&to=2025-05-01T00:00:00Z', 'querystring/to'],
      // Longer than EASEL_USAGE_REPORT_MAX_DAYS (366).
      ['from=2024-01-01T00:00:00Z&to=2025-01-02T00:00:01Z', 'querystring/from'],
      ['app=not%20an%20id', 'querystring/app'],
    ];
    for (const [query, path] of cases) {
      const res = await host.call('GET', `/v1/usage/report?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe('REQUEST_INVALID');
      expect(fields(res.body), query).toContain(path);
    }
    // 366 days exactly is allowed.
    expect((await host.call('GET', '/v1/usage/report?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status).toBe(200);
    expect((await host.call('GET', `/v1/usage/report?${period}`)).body).toEqual(before);
  });
});

describe('GET /v1/audit', () => {
  test('admin only: newest first, filtered by action, plugin, actor and time, paged with before', async () => {
    const all = await host.call('GET', '/v1/audit?limit=500');
    expect(all.status).toBe(200);
    const ids = all.body.items.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(all.body).not.toHaveProperty('nextCursor');
    const actions = all.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['key.create', 'plugin.install', 'plugin.enable']));

    const plugin = (await host.call('GET', '/v1/audit?plugin=model-user')).body.items;
    expect(plugin.map((e: { action: string }) => e.action)).toEqual(['plugin.enable', 'plugin.install']);
    expect(plugin.every((e: { plugin: string }) => e.plugin === 'model-user')).toBe(true);
    const enable = (await host.call('GET', '/v1/audit?action=plugin.enable')).body.items;
    expect(enable).toHaveLength(1);
    expect(enable[0]).toMatchObject({ actor: expect.stringMatching(/^key:/), target: 'model-user', outcome: 'ok', details: { grant: { models: { maxTier: 'basic' } } } });
    const actor = enable[0].actor;
    expect((await host.call('GET', `/v1/audit?actor=${encodeURIComponent(actor)}&action=key.create`)).body.items).toHaveLength(2);
    expect((await host.call('GET', `/v1/audit?actor=${encodeURIComponent('key:nobody')}`)).body.items).toEqual([]);

    // Time: nothing before the host started, everything since.
    expect((await host.call('GET', '/v1/audit?until=2000-01-01T00:00:00Z')).body.items).toEqual([]);
    const since = all.body.items.at(-1).at;
    expect((await host.call('GET', `/v1/audit?since=${since}&limit=500`)).body.items).toHaveLength(all.body.items.length);

    // Pages of 2 give the whole list, in order, each page but the last with a cursor.
    const paged: number[] = [];
    let cursor: number | undefined;
    do {
      const page = (await host.call('GET', `/v1/audit?limit=2${cursor === undefined ? '' : `&before=${cursor}`}`)).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((e: { id: number }) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(paged).toEqual(ids);
  });

  test('app keys get FORBIDDEN; bad filters are REQUEST_INVALID naming the field', async () => {
    const forbidden = await host.call('GET', '/v1/audit', { key: A.key });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    expect((await host.call('GET', '/v1/audit', { key: null })).status).toBe(401);
    const cases: [string, string][] = [
      ['limit=0', 'querystring/limit'],
      ['limit=501', 'querystring/limit'],
      ['before=abc', 'querystring/before'],
      ['plugin=Not%20A%20Plugin', 'querystring/plugin'],
      ['since=soon', 'querystring/since'],
      ['since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z', 'querystring/until'],
    ];
    for (const [query, path] of cases) {
      const res = await host.call('GET', `/v1/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe('REQUEST_INVALID');
      expect(fields(res.body), query).toContain(path);
    }
  });
});

describe('GET /v1/executions time filters', () => {
  test('since and until narrow by start time, with the other filters and paging; app B never sees A', async () => {
    const mine = (await host.call('GET', '/v1/executions?plugin=model-user&status=succeeded', { key: A.key })).body.items;
    expect(mine).toHaveLength(4);
    const [newest, second] = mine;
    const between = `since=${encodeURIComponent(second.startedAt)}&until=${encodeURIComponent(newest.startedAt)}`;
    expect((await host.call('GET', `/v1/executions?${between}`, { key: A.key })).body.items.map((e: { id: string }) => e.id)).toEqual([second.id]);
    const sinceSecond = (await host.call('GET', `/v1/executions?since=${encodeURIComponent(second.startedAt)}&user=cho`, { key: A.key })).body.items;
    expect(sinceSecond.map((e: { userId: string }) => e.userId)).toEqual(['cho']);
    const page = (await host.call('GET', `/v1/executions?since=${encodeURIComponent(mine.at(-1).startedAt)}&limit=3`, { key: A.key })).body;
    expect(page.items).toHaveLength(3);
    const rest = (await host.call('GET', `/v1/executions?since=${encodeURIComponent(mine.at(-1).startedAt)}&limit=3&before=${page.nextCursor}`, { key: A.key })).body;
    expect([...page.items, ...rest.items].map((e: { id: string }) => e.id)).toEqual(mine.map((e: { id: string }) => e.id));

    const seenByB = (await host.call('GET', `/v1/executions?since=2000-01-01T00:00:00Z`, { key: B.key })).body.items;
    expect(seenByB).toHaveLength(1);
    expect(seenByB[0].appId).toBe(B.id);
    // An admin sees both apps in the same window.
    expect((await host.call('GET', '/v1/executions?since=2000-01-01T00:00:00Z')).body.items).toHaveLength(5);

    const backwards = `since=${encodeURIComponent(newest.startedAt)}&until=${encodeURIComponent(second.startedAt)}`;
    for (const [query, path] of [['since=monday', 'querystring/since'], ['until=2030-02-30T00:00:00Z', 'querystring/until'], [backwards, 'querystring/until']] as const) {
      const res = await host.call('GET', `/v1/executions?${query}`, { key: A.key });
      expect(res.status, query).toBe(400);
      expect(res.body.code, query).toBe('REQUEST_INVALID');
      expect(fields(res.body), query).toContain(path);
    }
  });
});
