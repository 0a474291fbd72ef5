import { describe, expect } from 'vitest';
import { openStore, type UsageRow } from './index.ts';
import { test } from './test-store.ts';

const MONTH = '2025-06';
const thisMonth = () => new Date().toISOString().slice(0, 7);

const bill = (userId: string, costUsd: number): UsageRow => ({
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

describe('set, get, delete', () => {
  test('a user without a budget is unlimited, with zero spend', async ({ store }) => {
    expect(await store.budgets.get('u1', MONTH)).toEqual({ userId: 'u1', month: MONTH, spentUsd: 0, reservedUsd: 0 });
  });

  test('set stores the limit (replacing it) and answers the current month', async ({ store }) => {
    const first = await store.budgets.set('u1', 12.5);
    expect(first).toEqual({ userId: 'u1', monthlyUsd: 12.5, month: thisMonth(), spentUsd: 0, reservedUsd: 0, updatedAt: first.updatedAt });
    expect(Number.isNaN(Date.parse(first.updatedAt ?? ''))).toBe(false);
    expect((await store.budgets.set('u1', 0.3)).monthlyUsd).toBe(0.3);
    expect((await store.budgets.get('u1', MONTH)).monthlyUsd).toBe(0.3);
    expect((await store.budgets.get('u2', MONTH)).monthlyUsd).toBeUndefined();
  });

  test('delete removes the limit but keeps what was spent', async ({ store }) => {
    await store.budgets.set('u1', 5);
    await store.budgets.reserve('u1', MONTH, 2);
    expect(await store.budgets.delete('u1')).toBe(true);
    expect(await store.budgets.delete('u1')).toBe(false);
    expect(await store.budgets.get('u1', MONTH)).toEqual({ userId: 'u1', month: MONTH, spentUsd: 0, reservedUsd: 2 });
  });
});

describe('reserve and release', () => {
  test('holds while spent + reserved + amount stays within the limit, inclusive', async ({ store }) => {
    await store.budgets.set('u1', 1);
    const first = await store.budgets.reserve('u1', MONTH, 0.4);
    expect(first).toEqual({ ok: true, held: true, status: expect.objectContaining({ monthlyUsd: 1, reservedUsd: 0.4, spentUsd: 0 }) });
    await store.usage.record(bill('u1', 0.3), { reservedUsd: 0.4, month: MONTH });
    // 0.3 spent: 0.7 is exactly what is left (0.3 + 0.7 in floats is 0.99999…, in nano-dollars exact).
    const exact = await store.budgets.reserve('u1', MONTH, 0.7);
    expect(exact).toMatchObject({ ok: true, held: true, status: { spentUsd: 0.3, reservedUsd: 0.7 } });
    const refused = await store.budgets.reserve('u1', MONTH, 0.000001);
    expect(refused).toEqual({ ok: false, held: false, status: expect.objectContaining({ spentUsd: 0.3, reservedUsd: 0.7 }) });
    // Months are separate.
    expect((await store.budgets.reserve('u1', '2025-07', 1)).ok).toBe(true);
    expect((await store.budgets.reserve('u1', '2025-08', 1.01)).ok).toBe(false);
    expect(await store.budgets.get('u1', '2025-08')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test('a user without a budget always succeeds and nothing is held or written', async ({ store }) => {
    const result = await store.budgets.reserve('free', MONTH, 1_000);
    expect(result).toEqual({ ok: true, held: false, status: { userId: 'free', month: MONTH, spentUsd: 0, reservedUsd: 0 } });
    expect(await store.budgets.clearReservations()).toBe(0);
  });

  test('release gives back, never below 0; releasing an unknown month is a no-op', async ({ store }) => {
    await store.budgets.set('u1', 10);
    await store.budgets.reserve('u1', MONTH, 3);
    await store.budgets.release('u1', MONTH, 1.25);
    expect((await store.budgets.get('u1', MONTH)).reservedUsd).toBe(1.75);
    await store.budgets.release('u1', MONTH, 5);
    expect((await store.budgets.get('u1', MONTH)).reservedUsd).toBe(0);
    await store.budgets.release('u1', '1999-01', 5);
    expect(await store.budgets.get('u1', '1999-01')).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  test('concurrent reservations never hold more than the limit, even from two connections', async ({ file, store }) => {
    await store.budgets.set('u1', 1);
    const other = await openStore(file);
    try {
      const attempts = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : other).budgets.reserve('u1', MONTH, 0.07));
      const results = await Promise.all(attempts);
      const held = results.filter((r) => r.held).length;
      // floor(1 / 0.07) = 14 fit; the rest are refused.
      expect(held).toBe(14);
      expect(results.filter((r) => !r.ok)).toHaveLength(46);
      expect((await store.budgets.get('u1', MONTH)).reservedUsd).toBe(0.98);
    } finally {
      await other.close();
    }
  });

  test('clearReservations drops every hold and keeps spend', async ({ store }) => {
    await store.budgets.set('u1', 10);
    await store.budgets.set('u2', 10);
    await store.budgets.reserve('u1', MONTH, 1);
    await store.budgets.reserve('u2', MONTH, 2);
    await store.budgets.reserve('u2', '2025-07', 2);
    await store.usage.record(bill('u1', 0.5), { month: MONTH });
    expect(await store.budgets.clearReservations()).toBe(3);
    expect(await store.budgets.get('u1', MONTH)).toMatchObject({ spentUsd: 0.5, reservedUsd: 0 });
    expect((await store.budgets.get('u2', '2025-07')).reservedUsd).toBe(0);
    expect(await store.budgets.clearReservations()).toBe(0);
  });
});
