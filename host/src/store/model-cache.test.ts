import { describe, expect } from 'vitest';
import { test } from './test-store.ts';

const NOW = 1_750_000_000_000;

/** An L2-normalized vector. */
const unit = (...values: number[]): Float32Array => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / norm);
};

const semantic = (partition: string, vector: Float32Array, answer: unknown, over: { scope?: string; expiresAtMs?: number } = {}) => ({
  partition,
  scope: 'p',
  vector,
  answer,
  modelId: 'm',
  expiresAtMs: NOW + 60_000,
  ...over,
});

describe('exact', () => {
  test('put then get; a put replaces; expired entries are misses', async ({ store }) => {
    expect(await store.modelCache.getExact('k', NOW)).toBeUndefined();
    await store.modelCache.putExact({ key: 'k', scope: 'p', answer: { text: 'one' }, modelId: 'm1', expiresAtMs: NOW + 1000 });
    const hit = await store.modelCache.getExact('k', NOW);
    expect(hit).toEqual({ answer: { text: 'one' }, modelId: 'm1', createdAt: hit?.createdAt });
    expect(Number.isNaN(Date.parse(hit?.createdAt ?? ''))).toBe(false);

    await store.modelCache.putExact({ key: 'k', scope: 'p', answer: ['two'], modelId: 'm2', expiresAtMs: NOW + 2000 });
    expect(await store.modelCache.getExact('k', NOW + 1500)).toMatchObject({ answer: ['two'], modelId: 'm2' });
    // Expiry is exclusive: at expiresAtMs the entry is gone.
    expect(await store.modelCache.getExact('k', NOW + 2000)).toBeUndefined();
  });
});

describe('semantic', () => {
  test('nearest returns the most similar entry at or above the threshold, with its similarity', async ({ store }) => {
    await store.modelCache.putSemantic(semantic('text:m', unit(1, 0, 0), 'x-axis'));
    await store.modelCache.putSemantic(semantic('text:m', unit(1, 1, 0), 'diagonal'));
    await store.modelCache.putSemantic(semantic('other', unit(0, 1, 0), 'elsewhere'));

    const near = await store.modelCache.nearest('text:m', unit(1, 0.1, 0), 0.9, NOW);
    expect(near).toMatchObject({ answer: 'x-axis', modelId: 'm' });
    expect(near?.similarity).toBeCloseTo(1 / Math.hypot(1, 0.1), 6);
    // At the threshold exactly is a hit; just above the best similarity is a miss.
    const exact = await store.modelCache.nearest('text:m', unit(1, 0, 0), 1, NOW);
    expect(exact?.answer).toBe('x-axis');
    expect(await store.modelCache.nearest('text:m', unit(0, 1, 0), 0.71, NOW)).toBeUndefined();
    expect((await store.modelCache.nearest('text:m', unit(0, 1, 0), 0.7, NOW))?.answer).toBe('diagonal');
    // Partitions do not mix.
    expect(await store.modelCache.nearest('none', unit(0, 1, 0), 0, NOW)).toBeUndefined();
  });

  test('ignores expired entries and vectors of another length; the newest wins a tie', async ({ store }) => {
    await store.modelCache.putSemantic(semantic('t', unit(1, 0), 'old'));
    await store.modelCache.putSemantic(semantic('t', unit(1, 0), 'new'));
    await store.modelCache.putSemantic(semantic('t', unit(1, 0), 'expired', { expiresAtMs: NOW }));
    await store.modelCache.putSemantic(semantic('t', unit(1, 0, 0), 'three-dims'));
    expect(await store.modelCache.nearest('t', unit(1, 0), 0.5, NOW)).toMatchObject({ answer: 'new', similarity: 1 });
    expect(await store.modelCache.nearest('t', unit(1, 0), 0.5, NOW + 60_000)).toBeUndefined();
  });

  test('a vector that is a view into a larger buffer is stored as its own bytes', async ({ store }) => {
    const backing = new Float32Array([9, 9, 0.6, 0.8, 9]);
    await store.modelCache.putSemantic(semantic('t', backing.subarray(2, 4), 'view'));
    expect(await store.modelCache.nearest('t', unit(0.6, 0.8), 0.999, NOW)).toMatchObject({ answer: 'view' });
  });

  test('only the newest 2000 entries of a partition are scanned', async ({ store }) => {
    await store.modelCache.putSemantic(semantic('t', unit(1, 0), 'oldest'));
    await Promise.all(Array.from({ length: 1999 }, (_, i) => store.modelCache.putSemantic(semantic('t', unit(0, 1), i))));
    // Alone and last: the newest whatever order concurrent writes took.
    await store.modelCache.putSemantic(semantic('t', unit(0, 1), 1999));
    expect(await store.modelCache.nearest('t', unit(1, 0), 0.9, NOW)).toBeUndefined();
    expect((await store.modelCache.nearest('t', unit(0, 1), 0.9, NOW))?.answer).toBe(1999);
  });
});

describe('prune and clearScope', () => {
  test('prune drops expired entries, then the oldest past maxEntries per table', async ({ store }) => {
    for (let i = 0; i < 4; i++) {
      await store.modelCache.putExact({ key: `k${i}`, scope: 'p', answer: i, modelId: 'm', expiresAtMs: NOW + (i === 0 ? 0 : 1000) });
      await store.modelCache.putSemantic(semantic('t', unit(1, i), i, { expiresAtMs: NOW + (i === 3 ? 0 : 1000) }));
    }
    // Rewriting k1 makes it the newest exact entry.
    await store.modelCache.putExact({ key: 'k1', scope: 'p', answer: 'again', modelId: 'm', expiresAtMs: NOW + 1000 });

    // Exact: k0 expired, k2 oldest past 2. Semantic: 3 expired, 0 oldest past 2.
    expect(await store.modelCache.prune(NOW, 2)).toBe(4);
    expect(await store.modelCache.getExact('k0', 0)).toBeUndefined();
    expect(await store.modelCache.getExact('k2', NOW)).toBeUndefined();
    expect((await store.modelCache.getExact('k1', NOW))?.answer).toBe('again');
    expect((await store.modelCache.getExact('k3', NOW))?.answer).toBe(3);
    expect(await store.modelCache.nearest('t', unit(1, 0), 0.99, 0)).toBeUndefined();
    expect((await store.modelCache.nearest('t', unit(1, 2), 0.99, 0))?.answer).toBe(2);
    expect(await store.modelCache.prune(NOW, 2)).toBe(0);
    expect(await store.modelCache.prune(NOW + 1000, 2)).toBe(4);
  });

  test('clearScope removes one scope from both tables', async ({ store }) => {
    await store.modelCache.putExact({ key: 'a', scope: 'p', answer: 1, modelId: 'm', expiresAtMs: NOW + 1000 });
    await store.modelCache.putExact({ key: 'b', scope: 'q', answer: 2, modelId: 'm', expiresAtMs: NOW + 1000 });
    await store.modelCache.putSemantic(semantic('t', unit(1, 0), 'p-answer'));
    await store.modelCache.putSemantic(semantic('t', unit(0, 1), 'q-answer', { scope: 'q' }));

    expect(await store.modelCache.clearScope('p')).toBe(2);
    expect(await store.modelCache.getExact('a', NOW)).toBeUndefined();
    expect((await store.modelCache.getExact('b', NOW))?.answer).toBe(2);
    expect(await store.modelCache.nearest('t', unit(1, 0), 0.9, NOW)).toBeUndefined();
    expect((await store.modelCache.nearest('t', unit(0, 1), 0.9, NOW))?.answer).toBe('q-answer');
    expect(await store.modelCache.clearScope('p')).toBe(0);
  });
});
