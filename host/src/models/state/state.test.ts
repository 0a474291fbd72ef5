import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, test as base } from 'vitest';
import { freshDatabase, storeUnder } from '../../store/test-store.ts';
import { openPgRouterState, openRouterState, type RouterStateRepository } from './index.ts';

/**
 * The router state of the store this run is under: router-state.db (SQLite), or the store's
 * PostgreSQL database (the `store-postgres` project). `open` opens another one on the same
 * place, as a second host would.
 */
const test = base.extend<{ place: string; open: () => Promise<RouterStateRepository>; state: RouterStateRepository }>({
  place: async ({}, use) => {
    if (storeUnder === 'postgres') {
      const database = await freshDatabase();
      await use(database.url);
      await database.drop();
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'easel-router-state-'));
    await use(join(dir, 'router-state.db'));
    await rm(dir, { recursive: true, force: true });
  },
  open: async ({ place }, use) => {
    const opened: RouterStateRepository[] = [];
    await use(async () => {
      const state = storeUnder === 'postgres' ? await openPgRouterState(place) : await openRouterState(place);
      opened.push(state);
      return state;
    });
    for (const state of opened) await state.close();
  },
  state: async ({ open }, use) => {
    await use(await open());
  },
});

const T0 = 1_750_000_000_000;
const LIMITS = { rpm: 60, tpm: 6000 };

describe('take', () => {
  test('a bucket seen first starts full; takes until one bucket lacks, then both or neither', async ({ state }) => {
    expect(await state.take('m', LIMITS, 5000, T0)).toEqual({ ok: true });
    // 1000 tokens left, 59 requests: the token bucket lacks 500, refilled at 100/s.
    expect(await state.take('m', LIMITS, 1500, T0)).toEqual({ ok: false, retryAfterMs: 5000, limit: 'tpm' });
    // The refused take took nothing: 1000 tokens are still there.
    expect(await state.take('m', LIMITS, 1000, T0)).toEqual({ ok: true });
    expect(await state.take('m', LIMITS, 1, T0)).toEqual({ ok: false, retryAfterMs: 10, limit: 'tpm' });
    // Buckets are per model.
    expect(await state.take('other', LIMITS, 6000, T0)).toEqual({ ok: true });
  });

  test('retryAfterMs is the larger wait, rounded up, and taking then succeeds', async ({ state }) => {
    const limits = { rpm: 2, tpm: 7 };
    expect(await state.take('m', limits, 0, T0)).toEqual({ ok: true });
    expect(await state.take('m', limits, 7, T0)).toEqual({ ok: true });
    // No request left (one per 30 s) and 7 tokens missing (one per 60/7 s): the tokens decide.
    const refused = await state.take('m', limits, 7, T0);
    expect(refused).toEqual({ ok: false, retryAfterMs: 60_000, limit: 'tpm' });
    expect(await state.take('m', limits, 1, T0)).toEqual({ ok: false, retryAfterMs: 30_000, limit: 'rpm' });
    expect(await state.take('m', limits, 1, T0 + 29_990.5)).toEqual({ ok: false, retryAfterMs: 10, limit: 'rpm' });
    expect(await state.take('m', limits, 1, T0 + 30_000)).toEqual({ ok: true });

    const few = { rpm: 1000, tpm: 7 };
    expect(await state.take('n', few, 7, T0)).toEqual({ ok: true });
    // 1/7 of a minute is 8571.43 ms: rounded up, so taking then is never early.
    expect(await state.take('n', few, 1, T0)).toEqual({ ok: false, retryAfterMs: 8572, limit: 'tpm' });
    expect(await state.take('n', few, 1, T0 + 8571)).toMatchObject({ ok: false });
    expect(await state.take('n', few, 1, T0 + 8572)).toEqual({ ok: true });
  });

  test('tokens above tpm can never be taken', async ({ state }) => {
    expect(await state.take('m', LIMITS, 6001, T0)).toEqual({ ok: false, retryAfterMs: Infinity, limit: 'tpm' });
    expect(await state.take('m', LIMITS, 6000, T0)).toEqual({ ok: true });
  });

  test('buckets refill with time, up to capacity', async ({ state }) => {
    const limits = { rpm: 3, tpm: 1_000_000 };
    for (let i = 0; i < 3; i++) expect((await state.take('m', limits, 0, T0)).ok).toBe(true);
    expect((await state.take('m', limits, 0, T0)).ok).toBe(false);
    // One request per 20 s.
    expect((await state.take('m', limits, 0, T0 + 20_000)).ok).toBe(true);
    expect((await state.take('m', limits, 0, T0 + 20_000)).ok).toBe(false);
    // An hour idle refills to 3, not 180.
    for (let i = 0; i < 3; i++) expect((await state.take('m', limits, 0, T0 + 3_600_000)).ok).toBe(true);
    expect((await state.take('m', limits, 0, T0 + 3_600_000)).ok).toBe(false);
  });

  test('a clock behind the stored one refills nothing and credits no interval twice', async ({ state }) => {
    const limits = { rpm: 1, tpm: 100 };
    expect((await state.take('m', limits, 0, T0 + 60_000)).ok).toBe(true);
    expect((await state.take('m', limits, 0, T0)).ok).toBe(false);
    expect((await state.take('m', limits, 0, T0 + 60_000)).ok).toBe(false);
    expect((await state.take('m', limits, 0, T0 + 120_000)).ok).toBe(true);
  });

  test('a lowered limit clamps the stored level to the new capacity', async ({ state }) => {
    expect((await state.take('m', { rpm: 100, tpm: 10_000 }, 1000, T0)).ok).toBe(true);
    // 9000 tokens stored; the catalog now says 2000 per minute.
    expect(await state.take('m', { rpm: 100, tpm: 2000 }, 2000, T0)).toEqual({ ok: true });
    expect(await state.take('m', { rpm: 100, tpm: 2000 }, 1, T0)).toEqual({ ok: false, retryAfterMs: 30, limit: 'tpm' });
  });
});

describe('refund', () => {
  test('adds back what was not used, capped at capacity', async ({ state }) => {
    expect((await state.take('m', LIMITS, 6000, T0)).ok).toBe(true);
    await state.refund('m', LIMITS, 1, 2500, T0);
    expect(await state.take('m', LIMITS, 2500, T0)).toEqual({ ok: true });
    expect((await state.take('m', LIMITS, 1, T0)).ok).toBe(false);
    await state.refund('m', LIMITS, 100, 1_000_000, T0);
    expect(await state.take('m', LIMITS, 6000, T0)).toEqual({ ok: true });
    expect(await state.take('m', LIMITS, 1, T0)).toEqual({ ok: false, retryAfterMs: 10, limit: 'tpm' });
    // The request bucket was capped at 60 too: 59 more requests fit, not 159.
    await state.refund('m', LIMITS, 0, 6000, T0);
    let taken = 0;
    while ((await state.take('m', LIMITS, 0, T0)).ok) taken++;
    expect(taken).toBe(59);
  });

  test('on a model never seen leaves it full', async ({ state }) => {
    await state.refund('m', LIMITS, 5, 5000, T0);
    expect(await state.take('m', LIMITS, 6000, T0)).toEqual({ ok: true });
  });
});

describe('cooldowns', () => {
  test('coolDown keeps the later until; cooling lists the running ones; clearCooldown ends one', async ({ state }) => {
    await state.coolDown('a', T0 + 1000, 'throttled');
    await state.coolDown('a', T0 + 500, 'earlier');
    await state.coolDown('b', T0 + 100, 'error');
    expect(await state.cooling(T0)).toEqual([
      { modelId: 'a', untilMs: T0 + 1000, reason: 'throttled' },
      { modelId: 'b', untilMs: T0 + 100, reason: 'error' },
    ]);
    await state.coolDown('a', T0 + 2000, 'throttled again');
    expect(await state.cooling(T0 + 100)).toEqual([{ modelId: 'a', untilMs: T0 + 2000, reason: 'throttled again' }]);
    await state.clearCooldown('a');
    expect(await state.cooling(T0)).toEqual([{ modelId: 'b', untilMs: T0 + 100, reason: 'error' }]);
  });
});

describe('shared', () => {
  test('two hosts on one store share the buckets and cooldowns', async ({ open, state }) => {
    const other = await open();
    const limits = { rpm: 10, tpm: 100 };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? state : other).take('m', limits, 10, T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(await other.take('m', limits, 0, T0)).toMatchObject({ ok: false });
    await other.coolDown('m', T0 + 1000, 'throttled');
    expect(await state.cooling(T0)).toEqual([{ modelId: 'm', untilMs: T0 + 1000, reason: 'throttled' }]);
  });

  test('close is idempotent', async ({ state }) => {
    await state.close();
    await expect(state.close()).resolves.toBeUndefined();
  });
});

if (storeUnder === 'sqlite') {
  describe('the file', () => {
    test('runs in WAL mode', async ({ place, state }) => {
      expect(state).toBeDefined();
      const db = new Database(place, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
    });
  });
}
