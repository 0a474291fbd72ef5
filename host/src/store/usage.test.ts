import { afterEach, describe, expect, vi } from 'vitest';
import type { ReservationRequest, UsageRow } from './index.ts';
import { storeUnder, test as base } from './test-store.ts';

/** The app the rows bill to, made afresh in each test's store (budgets need it to exist). */
let APP = '';
let U1 = { appId: APP, userId: 'u1' };
const test = base.extend<{ app: string }>({
  app: [
    async ({ store }, use) => {
      APP = (await store.apps.create({ name: 'app 1' })).id;
      U1 = { appId: APP, userId: 'u1' };
      await use(APP);
    },
    { auto: true },
  ],
});

const row = (over: Partial<UsageRow> = {}): UsageRow => ({
  appId: APP,
  userId: 'u1',
  pluginName: 'p',
  executionId: 'e1',
  task: 'text',
  modelId: 'm-small',
  purpose: 'call',
  inputTokens: 100,
  outputTokens: 20,
  images: 0,
  costUsd: 0.001,
  status: 'ok',
  latencyMs: 250,
  ...over,
});

/** A text call's hold of `amountUsd` in `month`. */
const hold = (who: { appId: string; userId: string }, month: string, amountUsd: number): ReservationRequest => ({
  ...who,
  month,
  amountUsd,
  task: 'text',
  modelId: 'm-small',
  purpose: 'call',
  inputTokens: 100,
  outputTokens: 20,
  images: 0,
});

/** Fakes only Date, so the group commit's setImmediate still runs. */
const at = (iso: string) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(iso));
};

afterEach(() => {
  vi.useRealTimers();
});

describe('record and listByExecution', () => {
  test('every field reads back, newest first, optional fields absent', async ({ store }) => {
    await store.usage.record(row({ latencyMs: 12.4 }));
    await store.usage.record(
      row({ task: 'embedding', purpose: 'cache-embedding', modelId: 'm-embed', costUsd: 0, cached: 'semantic', status: 'failed', errorCode: 'MODEL_TIMEOUT' }),
    );
    await store.usage.record(row({ executionId: 'other' }));
    await store.usage.record(row({ executionId: undefined, pluginName: undefined }));

    const list = await store.usage.listByExecution('e1');
    expect(list.map((r) => r.modelId)).toEqual(['m-embed', 'm-small']);
    expect(list[0]?.id).toBeGreaterThan(list[1]?.id ?? Infinity);
    expect(list[1]).toEqual({ ...row(), latencyMs: 12, id: list[1]?.id, at: list[1]?.at });
    expect(list[0]).toMatchObject({ purpose: 'cache-embedding', cached: 'semantic', status: 'failed', errorCode: 'MODEL_TIMEOUT', costUsd: 0 });
    expect(Number.isNaN(Date.parse(list[0]?.at ?? ''))).toBe(false);
    expect(list[1]).not.toHaveProperty('cached');
    expect(list[1]).not.toHaveProperty('errorCode');
    expect(await store.usage.listByExecution('none')).toEqual([]);
  });

  test('concurrent records all commit; a bad one fails alone, without its spend', async ({ store }) => {
    const results = await Promise.allSettled([
      store.usage.record(row({ costUsd: 1 })),
      store.usage.record(row({ costUsd: 2 }), { month: 'not-a-month' }),
      store.usage.record(row({ costUsd: 4 })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Concurrent writes: which one a store numbers first is its own business (PostgreSQL's pool runs them at once).
    expect((await store.usage.listByExecution('e1')).map((r) => r.costUsd).sort()).toEqual([1, 4]);
    const month = new Date().toISOString().slice(0, 7);
    expect((await store.budgets.get(U1, month)).spentUsd).toBe(5);
  });
});

describe('spend', () => {
  test('adds cost to the month of the call and releases what the call held, never below 0', async ({ store }) => {
    at('2025-03-31T23:59:59.000Z');
    await store.budgets.set(U1, 10);
    const two = await store.budgets.reserve(hold(U1, '2025-03', 2));
    const half = await store.budgets.reserve(hold(U1, '2025-03', 0.5));
    await store.usage.record(row({ costUsd: 1.5 }), { reservationId: two.ok ? two.reservationId : '' });
    expect(await store.budgets.get(U1, '2025-03')).toMatchObject({ spentUsd: 1.5, reservedUsd: 0.5 });
    await store.usage.record(row({ costUsd: 0.25 }), { reservationId: half.ok ? half.reservationId : '' });
    expect(await store.budgets.get(U1, '2025-03')).toMatchObject({ spentUsd: 1.75, reservedUsd: 0 });

    at('2025-04-01T00:00:00.000Z');
    await store.usage.record(row({ costUsd: 1 }));
    // An explicit month wins over the clock (a call that reserved in March, billed in April).
    await store.usage.record(row({ costUsd: 2 }), { month: '2025-03' });
    expect((await store.budgets.get(U1, '2025-04')).spentUsd).toBe(1);
    expect((await store.budgets.get(U1, '2025-03')).spentUsd).toBe(3.75);
  });

  test('is kept for users (and apps) without a budget, so a budget set mid-month sees it', async ({ store }) => {
    const month = new Date().toISOString().slice(0, 7);
    const free = { appId: APP, userId: 'free' };
    await store.usage.record(row({ userId: 'free', costUsd: 3 }));
    expect(await store.budgets.get(free, month)).toEqual({ scope: 'user', appId: APP, userId: 'free', month, spentUsd: 3, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: APP }, month)).toEqual({ scope: 'app', appId: APP, month, spentUsd: 3, reservedUsd: 0 });
    const status = await store.budgets.set(free, 4);
    expect(status).toMatchObject({ monthlyUsd: 4, spentUsd: 3 });
    expect((await store.budgets.reserve(hold(free, month, 1.5))).ok).toBe(false);
    expect((await store.budgets.reserve(hold(free, month, 1))).ok).toBe(true);
  });

  test("adds to the app's spend as well as the user's, and one app's spend is not another's", async ({ store }) => {
    const month = new Date().toISOString().slice(0, 7);
    await store.usage.record(row({ userId: 'u1', costUsd: 1 }));
    await store.usage.record(row({ userId: 'u2', costUsd: 2 }));
    await store.usage.record(row({ appId: 'app-2', userId: 'u1', costUsd: 4 }));
    expect((await store.budgets.get({ appId: APP }, month)).spentUsd).toBe(3);
    expect((await store.budgets.get(U1, month)).spentUsd).toBe(1);
    expect((await store.budgets.get({ appId: 'app-2', userId: 'u1' }, month)).spentUsd).toBe(4);
    expect((await store.usage.stats({ appId: 'app-2', userId: 'u1' }, '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')).costUsd).toBe(4);
    expect((await store.usage.stats(U1, '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')).costUsd).toBe(1);
  });

  test('money adds without float drift', async ({ store }) => {
    const month = new Date().toISOString().slice(0, 7);
    for (let i = 0; i < 3; i++) {
      await store.usage.record(row({ costUsd: 0.1 }));
      await store.usage.record(row({ costUsd: 0.2 }));
    }
    expect(0.1 + 0.2 + 0.1 + 0.2 + 0.1 + 0.2).not.toBe(0.9);
    expect((await store.budgets.get(U1, month)).spentUsd).toBe(0.9);
    expect((await store.usage.stats(U1, '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')).costUsd).toBe(0.9);
  });
});

describe('stats', () => {
  test('totals and breakdowns by model, plugin and UTC day over [since, until)', async ({ store }) => {
    at('2025-05-01T23:30:00.000Z');
    await store.usage.record(row({ costUsd: 0.5, inputTokens: 10, outputTokens: 5 }));
    await store.usage.record(row({ costUsd: 0, cached: 'exact', pluginName: 'q' }));
    at('2025-05-02T00:10:00.000Z');
    await store.usage.record(row({ modelId: 'm-big', costUsd: 1.25, task: 'image', images: 2, inputTokens: 0, outputTokens: 0 }));
    await store.usage.record(row({ modelId: 'm-big', status: 'failed', costUsd: 0, errorCode: 'X', pluginName: undefined }));
    await store.usage.record(row({ userId: 'u2', costUsd: 100 }));
    at('2025-05-03T00:00:00.000Z');
    await store.usage.record(row({ costUsd: 7 }));

    const stats = await store.usage.stats(U1, '2025-05-01T00:00:00.000Z', '2025-05-03T00:00:00.000Z');
    const totals = (calls: number, cachedCalls: number, failedCalls: number, costUsd: number, inputTokens: number, outputTokens: number, images: number) =>
      ({ calls, cachedCalls, failedCalls, unreconciledCalls: 0, unreconciledUsd: 0, costUsd, inputTokens, outputTokens, images });
    expect(stats).toEqual({
      appId: APP,
      userId: 'u1',
      since: '2025-05-01T00:00:00.000Z',
      until: '2025-05-03T00:00:00.000Z',
      ...totals(4, 1, 1, 1.75, 210, 45, 2),
      byModel: [
        { modelId: 'm-big', ...totals(2, 0, 1, 1.25, 100, 20, 2) },
        { modelId: 'm-small', ...totals(2, 1, 0, 0.5, 110, 25, 0) },
      ],
      // Rows without a plugin count in the totals but in no plugin.
      byPlugin: [
        { pluginName: 'p', ...totals(2, 0, 0, 1.75, 10, 5, 2) },
        { pluginName: 'q', ...totals(1, 1, 0, 0, 100, 20, 0) },
      ],
      byDay: [
        { day: '2025-05-01', ...totals(2, 1, 0, 0.5, 110, 25, 0) },
        { day: '2025-05-02', ...totals(2, 0, 1, 1.25, 100, 20, 2) },
      ],
    });
  });

  test('a range with no usage gives zeros; instants in another form are normalized', async ({ store }) => {
    at('2025-05-01T12:00:00.000Z');
    await store.usage.record(row());
    const empty = await store.usage.stats({ appId: APP, userId: 'nobody' }, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    expect(empty).toMatchObject({ calls: 0, cachedCalls: 0, failedCalls: 0, unreconciledCalls: 0, unreconciledUsd: 0, costUsd: 0, inputTokens: 0, byModel: [], byPlugin: [], byDay: [] });
    const offset = await store.usage.stats(U1, '2025-05-01T13:00:00+02:00', '2025-05-01T14:30:00+02:00');
    expect(offset).toMatchObject({ since: '2025-05-01T11:00:00.000Z', calls: 1 });
  });

  test("an app's stats cover every user of the app, and no other app", async ({ store }) => {
    at('2025-05-01T12:00:00.000Z');
    await store.usage.record(row({ userId: 'u1', costUsd: 1 }));
    await store.usage.record(row({ userId: 'u2', costUsd: 2, status: 'failed', errorCode: 'X' }));
    await store.usage.record(row({ appId: 'app-2', userId: 'u1', costUsd: 4 }));
    const stats = await store.usage.stats({ appId: APP }, '2025-05-01T00:00:00.000Z', '2025-05-02T00:00:00.000Z');
    expect(stats).toMatchObject({ appId: APP, calls: 2, failedCalls: 1, costUsd: 3, byPlugin: [{ pluginName: 'p', calls: 2, costUsd: 3 }], byDay: [{ day: '2025-05-01', calls: 2 }] });
    expect(stats).not.toHaveProperty('userId');
  });

  // SQLite's plan is fixed by its indexes; PostgreSQL's follows its statistics, so the index it
  // picks for a table of one row says nothing about a full one: these run on SQLite only.
  if (storeUnder !== 'postgres') {
    test("an app's stats are a range scan on the (app_id, at) index", async ({ plan, store }) => {
      await store.usage.record(row());
      expect(await plan("SELECT count(*) FROM model_usage WHERE app_id = 'a' AND at >= 'a' AND at < 'b'")).toContain('model_usage_by_app (app_id=? AND at>? AND at<?)');
    });

    test('is a range scan on the (app_id, user_id, at) index', async ({ plan, store }) => {
      await store.usage.record(row());
      expect(await plan("SELECT count(*) FROM model_usage WHERE app_id = 'a' AND user_id = 'u1' AND at >= 'a' AND at < 'b'")).toContain(
        'model_usage_by_app_user (app_id=? AND user_id=? AND at>? AND at<?)',
      );
    });
  }


});
