import { describe, expect } from 'vitest';
import { openStore, type Store, type UsageRow } from './index.ts';
import { test as base } from './test-store.ts';

const MONTH = '2025-06';
const thisMonth = () => new Date().toISOString().slice(0, 7);

/** Two apps (tenants) in the store: budgets and spend are per app, and per user of an app. */
const test = base.extend<{ a: string; b: string }>({
  a: async ({ store }, use) => use((await store.apps.create({ name: 'a' })).id),
  b: async ({ store }, use) => use((await store.apps.create({ name: 'b' })).id),
});

const bill = (appId: string, userId: string, costUsd: number): UsageRow => ({
  appId,
  userId,
  task: 'text',
  modelId: 'm',
  purpose: 'call',
  inputTokens: 1,
  outputTokens: 1,
  images: 0,
  costUsd,
  status: 'ok',
  latencyMs: 1,
});

const user = (appId: string, userId: string) => ({ appId, userId });

describe('set, get, delete', () => {
  test('a user without a budget is unlimited, with zero spend', async ({ store, a }) => {
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toEqual({ scope: 'user', appId: a, userId: 'u1', month: MONTH, spentUsd: 0, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: a }, MONTH)).toEqual({ scope: 'app', appId: a, month: MONTH, spentUsd: 0, reservedUsd: 0 });
  });

  test('set stores the limit (replacing it) and answers the current month', async ({ store, a }) => {
    const first = await store.budgets.set(user(a, 'u1'), 12.5);
    expect(first).toEqual({ scope: 'user', appId: a, userId: 'u1', monthlyUsd: 12.5, month: thisMonth(), spentUsd: 0, reservedUsd: 0, updatedAt: first.updatedAt });
    expect(Number.isNaN(Date.parse(first.updatedAt ?? ''))).toBe(false);
    expect((await store.budgets.set(user(a, 'u1'), 0.3)).monthlyUsd).toBe(0.3);
    expect((await store.budgets.get(user(a, 'u1'), MONTH)).monthlyUsd).toBe(0.3);
    expect((await store.budgets.get(user(a, 'u2'), MONTH)).monthlyUsd).toBeUndefined();
    // The app's own budget is another row.
    expect((await store.budgets.get({ appId: a }, MONTH)).monthlyUsd).toBeUndefined();
    expect((await store.budgets.set({ appId: a }, 40)).monthlyUsd).toBe(40);
    expect((await store.budgets.get(user(a, 'u1'), MONTH)).monthlyUsd).toBe(0.3);
  });

  test('the same user id in two apps is two users with two budgets', async ({ store, a, b }) => {
    await store.budgets.set(user(a, 'alice'), 1);
    expect((await store.budgets.get(user(b, 'alice'), MONTH)).monthlyUsd).toBeUndefined();
    await store.budgets.reserve(user(a, 'alice'), MONTH, 0.6);
    expect((await store.budgets.reserve(user(b, 'alice'), MONTH, 5)).ok).toBe(true);
    expect(await store.budgets.get(user(b, 'alice'), MONTH)).toMatchObject({ reservedUsd: 0 });
    await store.usage.record(bill(b, 'alice', 3), { month: MONTH });
    expect(await store.budgets.get(user(a, 'alice'), MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0.6 });
    expect((await store.budgets.reserve(user(a, 'alice'), MONTH, 0.4)).ok).toBe(true);
  });

  test('a budget for an app that does not exist is refused with APP_NOT_FOUND and nothing is stored', async ({ store }) => {
    await expect(store.budgets.set({ appId: 'nope' }, 1)).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
    await expect(store.budgets.set(user('nope', 'u1'), 1)).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
    expect((await store.budgets.get(user('nope', 'u1'), MONTH)).monthlyUsd).toBeUndefined();
  });

  test('delete removes the limit but keeps what was spent', async ({ store, a }) => {
    await store.budgets.set(user(a, 'u1'), 5);
    await store.budgets.reserve(user(a, 'u1'), MONTH, 2);
    expect(await store.budgets.delete(user(a, 'u1'))).toBe(true);
    expect(await store.budgets.delete(user(a, 'u1'))).toBe(false);
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toEqual({ scope: 'user', appId: a, userId: 'u1', month: MONTH, spentUsd: 0, reservedUsd: 2 });
    await store.budgets.set({ appId: a }, 5);
    expect(await store.budgets.delete({ appId: a })).toBe(true);
    expect(await store.budgets.delete({ appId: a })).toBe(false);
  });
});

describe('reserve and release', () => {
  test('holds while spent + reserved + amount stays within the limit, inclusive', async ({ store, a }) => {
    const u1 = user(a, 'u1');
    await store.budgets.set(u1, 1);
    const first = await store.budgets.reserve(u1, MONTH, 0.4);
    expect(first).toEqual({ ok: true, held: true, status: expect.objectContaining({ scope: 'user', monthlyUsd: 1, reservedUsd: 0.4, spentUsd: 0 }) });
    await store.usage.record(bill(a, 'u1', 0.3), { reservedUsd: 0.4, month: MONTH });
    // 0.3 spent: 0.7 is exactly what is left (0.3 + 0.7 in floats is 0.99999…, in nano-dollars exact).
    const exact = await store.budgets.reserve(u1, MONTH, 0.7);
    expect(exact).toMatchObject({ ok: true, held: true, status: { spentUsd: 0.3, reservedUsd: 0.7 } });
    const refused = await store.budgets.reserve(u1, MONTH, 0.000001);
    expect(refused).toEqual({ ok: false, held: false, status: expect.objectContaining({ scope: 'user', spentUsd: 0.3, reservedUsd: 0.7 }) });
    // Months are separate.
    expect((await store.budgets.reserve(u1, '2025-07', 1)).ok).toBe(true);
    expect((await store.budgets.reserve(u1, '2025-08', 1.01)).ok).toBe(false);
    expect(await store.budgets.get(u1, '2025-08')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test("an app's budget binds all its users together; the refusal names the app scope", async ({ store, a, b }) => {
    await store.budgets.set({ appId: a }, 1);
    expect((await store.budgets.reserve(user(a, 'u1'), MONTH, 0.6)).held).toBe(true);
    // No user budget: the app's still holds, and another user of the app shares it.
    const refused = await store.budgets.reserve(user(a, 'u2'), MONTH, 0.5);
    expect(refused).toEqual({ ok: false, held: false, status: expect.objectContaining({ scope: 'app', appId: a, monthlyUsd: 1, reservedUsd: 0.6 }) });
    expect((await store.budgets.reserve(user(a, 'u2'), MONTH, 0.4)).held).toBe(true);
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ reservedUsd: 1 });
    // Both the user rows and the app row hold.
    expect(await store.budgets.get(user(a, 'u2'), MONTH)).toMatchObject({ reservedUsd: 0.4 });
    // Another app is not touched.
    expect((await store.budgets.reserve(user(b, 'u1'), MONTH, 100)).ok).toBe(true);
    // Billing moves the hold to spend at both scopes.
    await store.usage.record(bill(a, 'u1', 0.1), { reservedUsd: 0.6, month: MONTH });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ spentUsd: 0.1, reservedUsd: 0.4 });
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ spentUsd: 0.1, reservedUsd: 0 });
    expect((await store.budgets.reserve(user(a, 'u3'), MONTH, 0.5)).ok).toBe(true);
  });

  test('a call must fit both budgets: the tighter one refuses, and nothing is held at the other', async ({ store, a }) => {
    await store.budgets.set({ appId: a }, 10);
    await store.budgets.set(user(a, 'u1'), 1);
    const overUser = await store.budgets.reserve(user(a, 'u1'), MONTH, 2);
    expect(overUser).toMatchObject({ ok: false, held: false, status: { scope: 'user', monthlyUsd: 1 } });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ reservedUsd: 0 });
    await store.budgets.set({ appId: a }, 0.5);
    const overApp = await store.budgets.reserve(user(a, 'u1'), MONTH, 0.75);
    expect(overApp).toMatchObject({ ok: false, held: false, status: { scope: 'app', monthlyUsd: 0.5 } });
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ reservedUsd: 0 });
  });

  test('a user without a budget in an app without one always succeeds and nothing is held or written', async ({ store, a }) => {
    const result = await store.budgets.reserve(user(a, 'free'), MONTH, 1_000);
    expect(result).toEqual({ ok: true, held: false, status: { scope: 'user', appId: a, userId: 'free', month: MONTH, spentUsd: 0, reservedUsd: 0 } });
    expect(await store.budgets.clearReservations()).toBe(0);
  });

  test('release gives back at both scopes, never below 0; releasing an unknown month is a no-op', async ({ store, a }) => {
    const u1 = user(a, 'u1');
    await store.budgets.set(u1, 10);
    await store.budgets.reserve(u1, MONTH, 3);
    await store.budgets.release(u1, MONTH, 1.25);
    expect((await store.budgets.get(u1, MONTH)).reservedUsd).toBe(1.75);
    expect((await store.budgets.get({ appId: a }, MONTH)).reservedUsd).toBe(1.75);
    await store.budgets.release(u1, MONTH, 5);
    expect((await store.budgets.get(u1, MONTH)).reservedUsd).toBe(0);
    expect((await store.budgets.get({ appId: a }, MONTH)).reservedUsd).toBe(0);
    await store.budgets.release(u1, '1999-01', 5);
    expect(await store.budgets.get(u1, '1999-01')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test('concurrent reservations never hold more than the limit, even from two connections', async ({ file, store, a }) => {
    await store.budgets.set(user(a, 'u1'), 1);
    const other = await openStore(file);
    try {
      const attempts = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : other).budgets.reserve(user(a, 'u1'), MONTH, 0.07));
      const results = await Promise.all(attempts);
      const held = results.filter((r) => r.held).length;
      // floor(1 / 0.07) = 14 fit; the rest are refused.
      expect(held).toBe(14);
      expect(results.filter((r) => !r.ok)).toHaveLength(46);
      expect((await store.budgets.get(user(a, 'u1'), MONTH)).reservedUsd).toBe(0.98);
    } finally {
      await other.close();
    }
  });

  test("concurrent reservations of several users, from two connections, never hold more than the app's budget", async ({ file, store, a }) => {
    await store.budgets.set({ appId: a }, 1);
    // Generous user budgets: only the app's binds.
    for (const u of ['u1', 'u2', 'u3']) await store.budgets.set(user(a, u), 0.5);
    const other = await openStore(file);
    try {
      const stores: Store[] = [store, other];
      const attempts = Array.from({ length: 90 }, (_, i) => stores[i % 2]!.budgets.reserve(user(a, `u${(i % 3) + 1}`), MONTH, 0.07));
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r.held)).toHaveLength(14);
      const app = await store.budgets.get({ appId: a }, MONTH);
      expect(app.reservedUsd).toBe(0.98);
      let users = 0;
      for (const u of ['u1', 'u2', 'u3']) {
        const held = (await store.budgets.get(user(a, u), MONTH)).reservedUsd;
        expect(held).toBeLessThanOrEqual(0.5);
        users += held;
      }
      expect(Math.round(users * 100)).toBe(98);
    } finally {
      await other.close();
    }
  });

  test('clearReservations drops every hold and keeps spend', async ({ store, a }) => {
    await store.budgets.set(user(a, 'u1'), 10);
    await store.budgets.set(user(a, 'u2'), 10);
    await store.budgets.reserve(user(a, 'u1'), MONTH, 1);
    await store.budgets.reserve(user(a, 'u2'), MONTH, 2);
    await store.budgets.reserve(user(a, 'u2'), '2025-07', 2);
    await store.usage.record(bill(a, 'u1', 0.5), { month: MONTH });
    // u1, u2 and the app in June; u2 and the app in July.
    expect(await store.budgets.clearReservations()).toBe(5);
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ spentUsd: 0.5, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ spentUsd: 0.5, reservedUsd: 0 });
    expect((await store.budgets.get(user(a, 'u2'), '2025-07')).reservedUsd).toBe(0);
    expect(await store.budgets.clearReservations()).toBe(0);
  });
});
