/**
 * The test kit's `ctx.storage.put(key, bytes, type, { ttlSeconds })`: checked as the host checks
 * it, recorded with the put, shown as `expiresAt` by put, head and list; once expired the object
 * reads as absent, as on the host (the clock is moved with a faked Date).
 */
import { afterEach, describe, expect, expectTypeOf, test, vi } from 'vitest';
import type { BlobInfo, Storage, StoragePutOptions } from '../src/index.ts';
import { createTestContext } from '../src/testing/index.ts';
import { codeOf, manifestWith, PNG_BYTES } from './testing-helpers.ts';

const manifest = manifestWith({ storage: { read: true, write: true } });
const T0 = Date.parse('2031-06-01T00:00:00.000Z');

afterEach(() => {
  vi.useRealTimers();
});

test('types: put takes an optional { ttlSeconds }, BlobInfo may carry expiresAt', () => {
  expectTypeOf<Storage['put']>().parameter(3).toEqualTypeOf<StoragePutOptions | undefined>();
  expectTypeOf<StoragePutOptions['ttlSeconds']>().toEqualTypeOf<number | undefined>();
  expectTypeOf<BlobInfo['expiresAt']>().toEqualTypeOf<string | undefined>();
});

describe('storage TTLs in the test kit', () => {
  test('a TTL becomes expiresAt and is recorded; without one there is none', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const { ctx, recorded } = createTestContext({ manifest });
    const info = await ctx.storage.put('a', PNG_BYTES, 'image/png', { ttlSeconds: 60 });
    expect(info.expiresAt).toBe(new Date(T0 + 60_000).toISOString());
    const plain = await ctx.storage.put('b', PNG_BYTES, 'image/png');
    expect(plain).not.toHaveProperty('expiresAt');
    expect(await ctx.storage.head('a')).toEqual(info);
    expect((await ctx.storage.list()).map((i) => [i.key, i.expiresAt])).toEqual([
      ['a', info.expiresAt],
      ['b', undefined],
    ]);
    expect(recorded.puts.map((p) => [p.key, p.ttlSeconds])).toEqual([
      ['a', 60],
      ['b', undefined],
    ]);

    vi.setSystemTime(T0 + 60_000);
    expect(await ctx.storage.head('a')).toBeUndefined();
    expect(await ctx.storage.get('a')).toBeUndefined();
    expect(await codeOf(ctx.storage.url('a'))).toBe('BLOB_NOT_FOUND');
    expect((await ctx.storage.list()).map((i) => i.key)).toEqual(['b']);
    expect(await ctx.storage.get('b')).toEqual(PNG_BYTES);
  });

  test('a bad TTL is refused with BRIDGE_ARGUMENT_INVALID and stores nothing', async () => {
    const { ctx, recorded } = createTestContext({ manifest });
    for (const ttlSeconds of [0, -1, 2.5, 315_360_001, '60' as unknown as number]) {
      expect(await codeOf(ctx.storage.put('k', PNG_BYTES, 'image/png', { ttlSeconds })), String(ttlSeconds)).toBe('BRIDGE_ARGUMENT_INVALID');
    }
    expect(await ctx.storage.head('k')).toBeUndefined();
    expect(recorded.puts).toEqual([]);
  });
});
