/**
 * The cost report's store query: what it sums, per day, app, user, plugin and model, the cache,
 * routing and unreconciled figures, the budgets, and that every figure equals what stats() says
 * for the same app, user and range. Plus: one app's report reads nothing of another's, and its
 * queries read an index.
 */
import { afterEach, describe, expect, vi } from 'vitest';
import type { Store, UsageRow } from './index.ts';
import { storeUnder, test as base } from './test-store.ts';

const test = base.extend<{ apps: [string, string] }>({
  apps: async ({ store }, use) => {
    await use([(await store.apps.create({ name: 'one' })).id, (await store.apps.create({ name: 'two' })).id]);
  },
});

const row = (appId: string, over: Partial<UsageRow> = {}): UsageRow => ({
  appId,
  userId: 'u1',
  pluginName: 'p',
  task: 'text',
  modelId: 'm-small',
  purpose: 'call',
  inputTokens: 100,
  outputTokens: 20,
  images: 0,
  costUsd: 0.001,
  status: 'ok',
  latencyMs: 5,
  ...over,
});

const at = (iso: string) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(iso));
};
afterEach(() => {
  vi.useRealTimers();
});

const RANGE = { since: '2025-05-01T00:00:00.000Z', until: '2025-06-01T00:00:00.000Z' };

/** A month of calls of two apps: hits with savings, a miss, a fallback after a cooled failure, waits. */
async function seed(store: Store, [a, b]: [string, string]): Promise<void> {
  at('2025-04-30T23:59:59.999Z');
  await store.usage.record(row(a, { costUsd: 50 })); // before the range
  at('2025-05-01T10:00:00.000Z');
  await store.usage.record(row(a, { cacheMiss: true, quotaWaits: 2, costUsd: 0, status: 'failed', errorCode: 'MODEL_CALL_FAILED', inputTokens: 0, outputTokens: 0, cooled: true }));
  await store.usage.record(row(a, { fallback: true, modelId: 'm-big', costUsd: 0.25, inputTokens: 300, outputTokens: 40 }));
  await store.usage.record(row(a, { cached: 'exact', savedUsd: 0.25, costUsd: 0, inputTokens: 0, outputTokens: 0 }));
  at('2025-05-02T09:00:00.000Z');
  await store.usage.record(row(a, { userId: 'u2', pluginName: undefined, costUsd: 1.5 }));
  await store.usage.record(row(a, { userId: 'u3', pluginName: 'q', cached: 'semantic', savedUsd: 0.1, costUsd: 0, inputTokens: 0, outputTokens: 0 }));
  await store.usage.record(row(b, { userId: 'u1', costUsd: 4, modelId: 'm-big' }));
  at('2025-06-01T00:00:00.000Z');
  await store.usage.record(row(a, { costUsd: 70 })); // at `until`: outside
}

describe('report', () => {
  test('sums the range per day, user, plugin and model, with cache, routing and budgets', async ({ store, apps }) => {
    const [a, b] = apps;
    await seed(store, apps);
    await store.budgets.set({ appId: a }, 10);
    await store.budgets.set({ appId: a, userId: 'u2' }, 2);
    await store.budgets.set({ appId: b, userId: 'u1' }, 100);
    const report = await store.usage.report({ appId: a, ...RANGE, top: 2, budgetMonth: '2025-05' });
    expect(report).toEqual({
      totals: { calls: 5, failedCalls: 1, costUsd: 1.75, inputTokens: 400, outputTokens: 60 },
      byDay: [
        { day: '2025-05-01', calls: 3, costUsd: 0.25, inputTokens: 300, outputTokens: 40 },
        { day: '2025-05-02', calls: 2, costUsd: 1.5, inputTokens: 100, outputTokens: 20 },
      ],
      byApp: [],
      // Dearest first, at most `top`.
      byUser: [
        { app: a, user: 'u2', calls: 1, costUsd: 1.5 },
        { app: a, user: 'u1', calls: 3, costUsd: 0.25 },
      ],
      byPlugin: [
        { plugin: 'p', calls: 3, costUsd: 0.25 },
        { plugin: 'q', calls: 1, costUsd: 0 },
      ],
      byModel: [
        { model: 'm-small', calls: 4, costUsd: 1.5, inputTokens: 100, outputTokens: 20 },
        { model: 'm-big', calls: 1, costUsd: 0.25, inputTokens: 300, outputTokens: 40 },
      ],
      cache: { hits: 2, misses: 1, hitRate: 2 / 3, savedUsd: 0.35 },
      routing: { fallbacks: 1, cooldowns: 1, quotaWaits: 2 },
      budgets: [
        { scope: 'app', app: a, month: '2025-05', limitUsd: 10, spentUsd: 1.75, reservedUsd: 0 },
        { scope: 'user', app: a, user: 'u2', month: '2025-05', limitUsd: 2, spentUsd: 1.5, reservedUsd: 0 },
      ],
      unreconciled: { calls: 0, costUsd: 0 },
    });
  });

  test('every figure equals what stats() says for the same app, user and range', async ({ store, apps }) => {
    const [a] = apps;
    await seed(store, apps);
    const report = await store.usage.report({ appId: a, ...RANGE, top: 50, budgetMonth: '2025-05' });
    const stats = await store.usage.stats({ appId: a }, RANGE.since, RANGE.until);
    expect(report.totals).toEqual({ calls: stats.calls, failedCalls: stats.failedCalls, costUsd: stats.costUsd, inputTokens: stats.inputTokens, outputTokens: stats.outputTokens });
    expect(report.cache.hits).toBe(stats.cachedCalls);
    expect(report.byDay).toEqual(stats.byDay.map((d) => ({ day: d.day, calls: d.calls, costUsd: d.costUsd, inputTokens: d.inputTokens, outputTokens: d.outputTokens })));
    expect([...report.byPlugin].sort((x, y) => x.plugin.localeCompare(y.plugin))).toEqual(stats.byPlugin.map((p) => ({ plugin: p.pluginName, calls: p.calls, costUsd: p.costUsd })));
    expect([...report.byModel].sort((x, y) => x.model.localeCompare(y.model))).toEqual(
      stats.byModel.map((m) => ({ model: m.modelId, calls: m.calls, costUsd: m.costUsd, inputTokens: m.inputTokens, outputTokens: m.outputTokens })),
    );
    for (const user of report.byUser) {
      const one = await store.usage.stats({ appId: a, userId: user.user }, RANGE.since, RANGE.until);
      expect(user).toEqual({ app: a, user: user.user, calls: one.calls, costUsd: one.costUsd });
    }
    expect(report.byUser.reduce((n, u) => n + u.calls, 0)).toBe(stats.calls);
  });

  test("every app's report lists each app, and one app's report reads nothing of another's", async ({ store, apps }) => {
    const [a, b] = apps;
    await seed(store, apps);
    const all = await store.usage.report({ ...RANGE, top: 50, budgetMonth: '2025-05' });
    expect(all.byApp).toEqual([
      { app: b, calls: 1, costUsd: 4 },
      { app: a, calls: 5, costUsd: 1.75 },
    ]);
    expect(all.totals).toMatchObject({ calls: 6, costUsd: 5.75 });
    const two = await store.usage.report({ appId: b, ...RANGE, top: 50, budgetMonth: '2025-05' });
    expect(two).toMatchObject({ totals: { calls: 1, costUsd: 4 }, byUser: [{ app: b, user: 'u1', calls: 1, costUsd: 4 }], cache: { hits: 0, misses: 0, hitRate: 0 } });
    expect(JSON.stringify(two)).not.toContain(a);
  });

  test('unreconciled calls (charged at a start for a dead process) count apart, and in the cost', async ({ another, store, apps }) => {
    const [a] = apps;
    const month = new Date().toISOString().slice(0, 7);
    const dead = await another({ owner: 'dead-process' });
    try {
      await dead.budgets.reserve({ appId: a, userId: 'u1', month, amountUsd: 0.5, task: 'text', modelId: 'm-small', purpose: 'call', inputTokens: 10, outputTokens: 10, images: 0 });
    } finally {
      await dead.close();
    }
    expect((await store.budgets.chargeAbandoned()).calls).toBe(1);
    await store.usage.record(row(a, { costUsd: 0.25 }));
    const since = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 60_000).toISOString();
    const report = await store.usage.report({ appId: a, since, until, top: 50, budgetMonth: month });
    expect(report.unreconciled).toEqual({ calls: 1, costUsd: 0.5 });
    expect(report.totals).toMatchObject({ calls: 2, costUsd: 0.75 });
    expect((await store.usage.stats({ appId: a }, since, until)).unreconciledUsd).toBe(0.5);
  });

  // On SQLite only: PostgreSQL's plan follows its statistics (see usage.test.ts).
  if (storeUnder !== 'postgres') {
    test("reads the range from the (app_id, at) index for one app and the (at) index for every app", async ({ plan, store }) => {
      await store.usage.record(row('x'));
      const group = (range: string) => `SELECT app_id, user_id, sum(cost_nanos) AS c FROM model_usage WHERE ${range} GROUP BY app_id, user_id ORDER BY c DESC LIMIT 5`;
      expect(await plan(group("app_id = 'a' AND at >= 'a' AND at < 'b'"))).toContain('model_usage_by_app (app_id=? AND at>? AND at<?)');
      expect(await plan(group("at >= 'a' AND at < 'b'"))).toContain('model_usage_by_at (at>? AND at<?)');
      expect(await plan("SELECT count(*), sum(saved_nanos), sum(fallback) FROM model_usage WHERE at >= 'a' AND at < 'b'")).toContain('model_usage_by_at (at>? AND at<?)');
    });
  }


});

describe('new usage fields', () => {
  test('read back on the row where set, absent where 0', async ({ store, apps }) => {
    const [a] = apps;
    await store.usage.record(row(a, { executionId: 'e', cached: 'exact', savedUsd: 0.125, costUsd: 0 }));
    await store.usage.record(row(a, { executionId: 'e', cacheMiss: true, fallback: true, cooled: true, quotaWaits: 3 }));
    await store.usage.record(row(a, { executionId: 'e' }));
    const [plain, flagged, hit] = await store.usage.listByExecution('e');
    expect(hit).toMatchObject({ cached: 'exact', savedUsd: 0.125 });
    expect(flagged).toMatchObject({ cacheMiss: true, fallback: true, cooled: true, quotaWaits: 3 });
    for (const field of ['savedUsd', 'cacheMiss', 'fallback', 'cooled', 'quotaWaits']) expect(plain).not.toHaveProperty(field);
  });
});
