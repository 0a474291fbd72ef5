import { describe, expect } from 'vitest';
import type { ReservationRequest, Store, UsageRow } from './index.ts';
import { storeUnder, test as base } from './test-store.ts';

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

/** A text call's hold of `amountUsd` for a user of an app in `month`. */
const request = (who: { appId: string; userId: string }, month: string, amountUsd: number, over: Partial<ReservationRequest> = {}): ReservationRequest => ({
  ...who,
  month,
  amountUsd,
  task: 'text',
  modelId: 'm',
  purpose: 'call',
  inputTokens: 100,
  outputTokens: 50,
  images: 0,
  ...over,
});

interface ReservationRow {
  id: string;
  owner: string;
  app_id: string;
  user_id: string;
  month: string;
  plugin_name: string | null;
  execution_id: string | null;
  step_id: string | null;
  task: string;
  model_id: string;
  purpose: string;
  input_tokens: number;
  output_tokens: number;
  images: number;
  amount_nanos: number;
  created_at: string;
}

type SideQuery = <T>(sql: string) => Promise<T[]>;

const reservations = (query: SideQuery) => query<ReservationRow>('SELECT * FROM model_reservations ORDER BY created_at, id');

/**
 * Spend rows whose hold is not the sum of the reservation rows beneath it (the user's own, or
 * for an app row every user's of the app), and reservations without a spend row: always none.
 */
const holdsWithoutRows = (query: SideQuery) =>
  query(
    `SELECT s.app_id, s.user_id, s.month, s.reserved_nanos, coalesce(sum(r.amount_nanos), 0) AS rows_nanos FROM monthly_spend s
     LEFT JOIN model_reservations r ON r.app_id = s.app_id AND r.month = s.month AND (s.user_id = '' OR r.user_id = s.user_id)
     GROUP BY s.app_id, s.user_id, s.month HAVING s.reserved_nanos <> coalesce(sum(r.amount_nanos), 0)
     UNION ALL SELECT r.app_id, r.user_id, r.month, NULL, r.amount_nanos FROM model_reservations r
     WHERE NOT EXISTS (SELECT 1 FROM monthly_spend s WHERE s.app_id = r.app_id AND s.user_id = r.user_id AND s.month = r.month)`,
  );

/** reserve() with the defaults above; the reservation id when it held. */
const hold = (store: Store, who: { appId: string; userId: string }, month: string, amountUsd: number) => store.budgets.reserve(request(who, month, amountUsd));
const idOf = (result: Awaited<ReturnType<Store['budgets']['reserve']>>): string => {
  if (!result.ok) throw new Error('the reservation was refused');
  return result.reservationId;
};

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
    await hold(store, user(a, 'alice'), MONTH, 0.6);
    expect((await hold(store, user(b, 'alice'), MONTH, 5)).ok).toBe(true);
    // Held without a budget too (a call in flight is never lost), but in b's rows only.
    expect(await store.budgets.get(user(b, 'alice'), MONTH)).toMatchObject({ reservedUsd: 5 });
    await store.usage.record(bill(b, 'alice', 3), { month: MONTH });
    expect(await store.budgets.get(user(a, 'alice'), MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0.6 });
    expect((await hold(store, user(a, 'alice'), MONTH, 0.4)).ok).toBe(true);
  });

  test('a budget for an app that does not exist is refused with APP_NOT_FOUND and nothing is stored', async ({ store }) => {
    await expect(store.budgets.set({ appId: 'nope' }, 1)).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
    await expect(store.budgets.set(user('nope', 'u1'), 1)).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
    expect((await store.budgets.get(user('nope', 'u1'), MONTH)).monthlyUsd).toBeUndefined();
  });

  test('delete removes the limit but keeps what was spent', async ({ store, a }) => {
    await store.budgets.set(user(a, 'u1'), 5);
    await hold(store, user(a, 'u1'), MONTH, 2);
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
    const first = await hold(store, u1, MONTH, 0.4);
    expect(first).toEqual({ ok: true, reservationId: expect.any(String), status: expect.objectContaining({ scope: 'user', monthlyUsd: 1, reservedUsd: 0.4, spentUsd: 0 }) });
    await store.usage.record(bill(a, 'u1', 0.3), { reservationId: idOf(first) });
    // 0.3 spent: 0.7 is exactly what is left (0.3 + 0.7 in floats is 0.99999…, in nano-dollars exact).
    const exact = await hold(store, u1, MONTH, 0.7);
    expect(exact).toMatchObject({ ok: true, status: { spentUsd: 0.3, reservedUsd: 0.7 } });
    const refused = await hold(store, u1, MONTH, 0.000001);
    expect(refused).toEqual({ ok: false, status: expect.objectContaining({ scope: 'user', spentUsd: 0.3, reservedUsd: 0.7 }) });
    // Months are separate.
    expect((await hold(store, u1, '2025-07', 1)).ok).toBe(true);
    expect((await hold(store, u1, '2025-08', 1.01)).ok).toBe(false);
    expect(await store.budgets.get(u1, '2025-08')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test("an app's budget binds all its users together; the refusal names the app scope", async ({ store, a, b }) => {
    await store.budgets.set({ appId: a }, 1);
    const first = await hold(store, user(a, 'u1'), MONTH, 0.6);
    expect(first.ok).toBe(true);
    // No user budget: the app's still holds, and another user of the app shares it.
    const refused = await hold(store, user(a, 'u2'), MONTH, 0.5);
    expect(refused).toEqual({ ok: false, status: expect.objectContaining({ scope: 'app', appId: a, monthlyUsd: 1, reservedUsd: 0.6 }) });
    expect((await hold(store, user(a, 'u2'), MONTH, 0.4)).ok).toBe(true);
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ reservedUsd: 1 });
    // Both the user rows and the app row hold.
    expect(await store.budgets.get(user(a, 'u2'), MONTH)).toMatchObject({ reservedUsd: 0.4 });
    // Another app is not touched.
    expect((await hold(store, user(b, 'u1'), MONTH, 100)).ok).toBe(true);
    // Billing moves the hold to spend at both scopes.
    await store.usage.record(bill(a, 'u1', 0.1), { reservationId: idOf(first) });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ spentUsd: 0.1, reservedUsd: 0.4 });
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ spentUsd: 0.1, reservedUsd: 0 });
    expect((await hold(store, user(a, 'u3'), MONTH, 0.5)).ok).toBe(true);
  });

  test('a call must fit both budgets: the tighter one refuses, and nothing is held at the other', async ({ sideQuery, another, store, a }) => {
    await store.budgets.set({ appId: a }, 10);
    await store.budgets.set(user(a, 'u1'), 1);
    const overUser = await hold(store, user(a, 'u1'), MONTH, 2);
    expect(overUser).toMatchObject({ ok: false, status: { scope: 'user', monthlyUsd: 1 } });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ reservedUsd: 0 });
    await store.budgets.set({ appId: a }, 0.5);
    const overApp = await hold(store, user(a, 'u1'), MONTH, 0.75);
    expect(overApp).toMatchObject({ ok: false, status: { scope: 'app', monthlyUsd: 0.5 } });
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ reservedUsd: 0 });
    expect((await reservations(sideQuery))).toEqual([]);
  });

  test('without a budget at either scope a call always holds, so that a crash cannot lose it', async ({ store, a }) => {
    const result = await hold(store, user(a, 'free'), MONTH, 1_000);
    expect(result).toEqual({ ok: true, reservationId: expect.any(String), status: { scope: 'user', appId: a, userId: 'free', month: MONTH, spentUsd: 0, reservedUsd: 1_000 } });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ reservedUsd: 1_000 });
    expect(await store.budgets.release(idOf(result))).toBe(true);
    expect(await store.budgets.get(user(a, 'free'), MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test('release gives back that reservation at both scopes, once; an unknown id is a no-op', async ({ store, a }) => {
    const u1 = user(a, 'u1');
    await store.budgets.set(u1, 10);
    const three = idOf(await hold(store, u1, MONTH, 3));
    const quarter = idOf(await hold(store, u1, MONTH, 1.25));
    expect(await store.budgets.release(quarter)).toBe(true);
    expect((await store.budgets.get(u1, MONTH)).reservedUsd).toBe(3);
    expect((await store.budgets.get({ appId: a }, MONTH)).reservedUsd).toBe(3);
    expect(await store.budgets.release(quarter)).toBe(false);
    expect((await store.budgets.get(u1, MONTH)).reservedUsd).toBe(3);
    expect(await store.budgets.release('no-such-reservation')).toBe(false);
    expect(await store.budgets.release(three)).toBe(true);
    expect(await store.budgets.get(u1, MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test('concurrent reservations never hold more than the limit, even from two connections', async ({ sideQuery, another, store, a }) => {
    await store.budgets.set(user(a, 'u1'), 1);
    const other = await another();
    try {
      const attempts = Array.from({ length: 60 }, (_, i) => hold(i % 2 === 0 ? store : other, user(a, 'u1'), MONTH, 0.07));
      const results = await Promise.all(attempts);
      const held = results.filter((r) => r.ok).length;
      // floor(1 / 0.07) = 14 fit; the rest are refused.
      expect(held).toBe(14);
      expect(results.filter((r) => !r.ok)).toHaveLength(46);
      expect((await store.budgets.get(user(a, 'u1'), MONTH)).reservedUsd).toBe(0.98);
      // One row per hold, each owned by the connection that took it.
      const rows = (await reservations(sideQuery));
      expect(rows).toHaveLength(14);
      expect(rows.every((r) => r.owner === store.owner || r.owner === other.owner)).toBe(true);
      expect((await holdsWithoutRows(sideQuery))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  test("concurrent reservations of several users, from two connections, never hold more than the app's budget", async ({ sideQuery, another, store, a }) => {
    await store.budgets.set({ appId: a }, 1);
    // Generous user budgets: only the app's binds.
    for (const u of ['u1', 'u2', 'u3']) await store.budgets.set(user(a, u), 0.5);
    const other = await another();
    try {
      const stores: Store[] = [store, other];
      const attempts = Array.from({ length: 90 }, (_, i) => hold(stores[i % 2]!, user(a, `u${(i % 3) + 1}`), MONTH, 0.07));
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r.ok)).toHaveLength(14);
      const app = await store.budgets.get({ appId: a }, MONTH);
      expect(app.reservedUsd).toBe(0.98);
      let users = 0;
      for (const u of ['u1', 'u2', 'u3']) {
        const held = (await store.budgets.get(user(a, u), MONTH)).reservedUsd;
        expect(held).toBeLessThanOrEqual(0.5);
        users += held;
      }
      expect(Math.round(users * 100)).toBe(98);
      expect((await reservations(sideQuery))).toHaveLength(14);
      expect((await holdsWithoutRows(sideQuery))).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('reservation rows', () => {
  test('a hold and its row are written together, with who, what for and the worst case it prices', async ({ sideQuery, another, store, a }) => {
    const u1 = user(a, 'u1');
    const held = await store.budgets.reserve(
      request(u1, MONTH, 0.08, { pluginName: 'canvas', executionId: 'e1', stepId: 's1', task: 'image', modelId: 'amazon.nova-canvas-v1:0', inputTokens: 0, outputTokens: 0, images: 2 }),
    );
    const rows = (await reservations(sideQuery));
    expect(rows).toEqual([
      {
        id: idOf(held),
        owner: store.owner,
        app_id: a,
        user_id: 'u1',
        month: MONTH,
        plugin_name: 'canvas',
        execution_id: 'e1',
        step_id: 's1',
        task: 'image',
        model_id: 'amazon.nova-canvas-v1:0',
        purpose: 'call',
        input_tokens: 0,
        output_tokens: 0,
        images: 2,
        amount_nanos: 80_000_000,
        created_at: expect.any(String),
      },
    ]);
    expect(Number.isNaN(Date.parse(rows[0]!.created_at))).toBe(false);
    await hold(store, user(a, 'u2'), MONTH, 0.5);
    await hold(store, u1, '2025-07', 0.25);
    expect((await holdsWithoutRows(sideQuery))).toEqual([]);
  });

  test('a reservation whose row cannot be written holds nothing: the hold is taken back with it', async ({ sideQuery, another, store, a }) => {
    // The hold statement alone would pass (no budget); the row's CHECK refuses the task.
    await expect(store.budgets.reserve(request(user(a, 'u1'), MONTH, 1, { task: 'video' as never }))).rejects.toThrow(/check/i);
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ reservedUsd: 0 });
    expect(await store.budgets.get({ appId: a }, MONTH)).toMatchObject({ reservedUsd: 0 });
    expect((await reservations(sideQuery))).toEqual([]);
    // Another write of the same batch is not harmed.
    const [bad, good] = await Promise.allSettled([store.budgets.reserve(request(user(a, 'u1'), MONTH, 1, { task: 'video' as never })), hold(store, user(a, 'u1'), MONTH, 2)]);
    expect([bad.status, good.status]).toEqual(['rejected', 'fulfilled']);
    expect(await store.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ reservedUsd: 2 });
    expect((await holdsWithoutRows(sideQuery))).toEqual([]);
  });

  test("billing deletes the row and gives back its own amount, in the reservation's month", async ({ sideQuery, another, store, a }) => {
    const u1 = user(a, 'u1');
    const held = idOf(await hold(store, u1, '2025-05', 0.9));
    const other = idOf(await hold(store, u1, '2025-05', 0.4));
    // The month now is another one: the spend goes where the hold was.
    await store.usage.record(bill(a, 'u1', 0.3), { reservationId: held });
    expect(await store.budgets.get(u1, '2025-05')).toMatchObject({ spentUsd: 0.3, reservedUsd: 0.4 });
    expect(await store.budgets.get({ appId: a }, '2025-05')).toMatchObject({ spentUsd: 0.3, reservedUsd: 0.4 });
    expect((await reservations(sideQuery)).map((r) => r.id)).toEqual([other]);
    // Billed twice (a retry of a caller): the second row is recorded but gives nothing back.
    await store.usage.record(bill(a, 'u1', 0.3), { reservationId: held, month: '2025-05' });
    expect(await store.budgets.get(u1, '2025-05')).toMatchObject({ spentUsd: 0.6, reservedUsd: 0.4 });
    expect((await holdsWithoutRows(sideQuery))).toEqual([]);
  });

  test("a reservation of another user or app is not released by a usage row that names it", async ({ sideQuery, another, store, a, b }) => {
    const theirs = idOf(await hold(store, user(a, 'u2'), MONTH, 0.5));
    await store.usage.record(bill(a, 'u1', 0.1), { reservationId: theirs, month: MONTH });
    await store.usage.record(bill(b, 'u2', 0.1), { reservationId: theirs, month: MONTH });
    expect(await store.budgets.get(user(a, 'u2'), MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0.5 });
    expect((await reservations(sideQuery)).map((r) => r.id)).toEqual([theirs]);
    expect((await holdsWithoutRows(sideQuery))).toEqual([]);
  });
});

describe('chargeAbandoned', () => {
  test("at a start, a dead process's reservations become unreconciled usage rows charged at their holds, in one go", async ({ sideQuery, another, a, b }) => {
    const dead = await another({ owner: 'boot-dead' });
    await dead.budgets.set(user(a, 'u1'), 10);
    const image = { pluginName: 'canvas', executionId: 'e1', stepId: 's1', task: 'image', modelId: 'img', inputTokens: 0, outputTokens: 0, images: 1 } as const;
    await dead.budgets.reserve(request(user(a, 'u1'), MONTH, 0.08, image));
    await dead.budgets.reserve(request(user(a, 'u1'), MONTH, 0.08, image));
    await dead.budgets.reserve(request(user(a, 'u2'), MONTH, 0.5, { executionId: 'e2', inputTokens: 4000, outputTokens: 1000 }));
    await dead.budgets.reserve(request(user(b, 'u1'), '2025-07', 0.25, { purpose: 'cache-embedding', task: 'embedding', modelId: 'emb' }));
    // A call that was billed before the death leaves no reservation.
    const billed = idOf(await dead.budgets.reserve(request(user(a, 'u1'), MONTH, 1)));
    await dead.usage.record(bill(a, 'u1', 0.7), { reservationId: billed });
    // The process dies: nothing settles its calls (a closed connection is as good as a kill).
    await dead.close();

    const next = await another({ owner: 'boot-next' });
    try {
      // Its own calls in flight meanwhile are not the dead one's.
      const mine = idOf(await next.budgets.reserve(request(user(a, 'u1'), MONTH, 0.3)));
      const charged = await next.budgets.chargeAbandoned();
      expect(charged).toEqual({
        calls: 4,
        costUsd: 0.91,
        groups: [
          { modelId: 'emb', calls: 1, costUsd: 0.25 },
          { modelId: 'm', calls: 1, costUsd: 0.5 },
          { pluginName: 'canvas', modelId: 'img', calls: 2, costUsd: 0.16 },
        ],
      });
      expect((await reservations(sideQuery)).map((r) => [r.id, r.owner])).toEqual([[mine, 'boot-next']]);
      expect((await holdsWithoutRows(sideQuery))).toEqual([]);

      // Spend took the holds, at both scopes, in each reservation's month.
      expect(await next.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ monthlyUsd: 10, spentUsd: 0.86, reservedUsd: 0.3 });
      expect(await next.budgets.get(user(a, 'u2'), MONTH)).toMatchObject({ spentUsd: 0.5, reservedUsd: 0 });
      expect(await next.budgets.get({ appId: a }, MONTH)).toMatchObject({ spentUsd: 1.36, reservedUsd: 0.3 });
      expect(await next.budgets.get(user(b, 'u1'), '2025-07')).toMatchObject({ spentUsd: 0.25, reservedUsd: 0 });
      expect(await next.budgets.get({ appId: b }, '2025-07')).toMatchObject({ spentUsd: 0.25, reservedUsd: 0 });

      // The rows say what they were for, the worst case they were charged at, and that they are unreconciled.
      const rows = await next.usage.listByExecution('e1');
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toEqual({
          id: expect.any(Number),
          at: expect.any(String),
          appId: a,
          userId: 'u1',
          pluginName: 'canvas',
          executionId: 'e1',
          stepId: 's1',
          task: 'image',
          modelId: 'img',
          purpose: 'call',
          inputTokens: 0,
          outputTokens: 0,
          images: 1,
          costUsd: 0.08,
          status: 'unreconciled',
          latencyMs: 0,
          reservationId: expect.any(String),
        });
      }
      expect((await next.usage.listByExecution('e2'))[0]).toMatchObject({ status: 'unreconciled', inputTokens: 4000, outputTokens: 1000, costUsd: 0.5 });

      // Stats count them, per user and for the app as a whole.
      const range = ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z'] as const;
      expect(await next.usage.stats(user(a, 'u1'), ...range)).toMatchObject({ calls: 3, unreconciledCalls: 2, unreconciledUsd: 0.16, costUsd: 0.86, failedCalls: 0 });
      const app = await next.usage.stats({ appId: a }, ...range);
      expect(app).toMatchObject({ appId: a, calls: 4, unreconciledCalls: 3, unreconciledUsd: 0.66, costUsd: 1.36 });
      expect(app).not.toHaveProperty('userId');
      expect(app.byPlugin).toEqual([expect.objectContaining({ pluginName: 'canvas', calls: 2, unreconciledCalls: 2, unreconciledUsd: 0.16 })]);

      // The budget counts them: 10 - 0.86 spent - 0.3 held leaves 8.84.
      expect((await hold(next, user(a, 'u1'), MONTH, 8.85)).ok).toBe(false);
      expect((await hold(next, user(a, 'u1'), MONTH, 8.84)).ok).toBe(true);

      // Nothing is charged twice, and the live process's own holds are never charged.
      expect(await next.budgets.chargeAbandoned()).toEqual({ calls: 0, costUsd: 0, groups: [] });
      expect((await next.usage.stats({ appId: a }, ...range)).unreconciledCalls).toBe(3);
    } finally {
      await next.close();
    }
  });

  test('a late bill for a charged reservation gives nothing back and never drives a hold below 0', async ({ sideQuery, another, a }) => {
    // A long lease: the slow host beats once a minute, so it stays as gone as the test makes it.
    const slow = await another({ owner: 'boot-slow', leaseMs: 180_000 });
    const next = await another({ owner: 'boot-next' });
    try {
      const id = idOf(await slow.budgets.reserve(request(user(a, 'u1'), MONTH, 0.5)));
      // With replicas a live host's holds are never charged: this one missed its heartbeats (a long pause).
      if (storeUnder === 'postgres') await sideQuery("UPDATE replicas SET heartbeat_ms = 0 WHERE id = 'boot-slow'");
      expect((await next.budgets.chargeAbandoned()).calls).toBe(1);
      await slow.usage.record(bill(a, 'u1', 0.2), { reservationId: id, month: MONTH });
      expect(await next.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ spentUsd: 0.7, reservedUsd: 0 });
      expect(await slow.budgets.release(id)).toBe(false);
      expect((await holdsWithoutRows(sideQuery))).toEqual([]);
    } finally {
      await slow.close();
      await next.close();
    }
  });

  test('with nothing in flight there is nothing to charge', async ({ sideQuery, another, store, a }) => {
    const id = idOf(await hold(store, user(a, 'u1'), MONTH, 0.5));
    await store.budgets.release(id);
    await store.close();
    const next = await another();
    try {
      expect(await next.budgets.chargeAbandoned()).toEqual({ calls: 0, costUsd: 0, groups: [] });
      expect(await next.budgets.get(user(a, 'u1'), MONTH)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
      expect((await next.usage.stats({ appId: a }, '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z')).calls).toBe(0);
    } finally {
      await next.close();
    }
  });
});
