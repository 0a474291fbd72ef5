import { expect } from 'vitest';
import { prefixEnd } from './sqlite/kv.ts';
import { pluginRecord, test } from './test-store.ts';

test('kv rows are scoped by plugin', async ({ store }) => {
  await store.plugins.install(pluginRecord('a'));
  await store.plugins.install(pluginRecord('b'));
  await store.kv.set('a', 'secret', '"a-only"');
  await store.kv.set('b', 'other', '1');

  expect(await store.kv.get('a', 'secret')).toBe('"a-only"');
  expect(await store.kv.get('b', 'secret')).toBeUndefined();
  expect(await store.kv.list('b', '', 100)).toEqual(['other']);
  expect(await store.kv.delete('b', 'secret')).toBe(false);
  expect(await store.kv.get('a', 'secret')).toBe('"a-only"');
  expect(await store.kv.count('a')).toBe(1);
});

test('set overwrites, delete reports whether a row went', async ({ store }) => {
  await store.plugins.install(pluginRecord('a'));
  await store.kv.set('a', 'k', '1');
  await store.kv.set('a', 'k', '{"n":2}');
  expect(await store.kv.get('a', 'k')).toBe('{"n":2}');
  expect(await store.kv.count('a')).toBe(1);
  expect(await store.kv.delete('a', 'k')).toBe(true);
  expect(await store.kv.delete('a', 'k')).toBe(false);
  expect(await store.kv.count('a')).toBe(0);
});

test('list takes the prefix literally (% and _ are not wildcards), sorted, limited', async ({ store }) => {
  await store.plugins.install(pluginRecord('a'));
  const keys = ['100%', '100%x', '1000', 'a_b', 'a_c', 'aXb', 'a%', 'ab', 'user:1', 'user:2', 'user:10', 'user;', 'user:\u{1F600}', 'user:\uffff'];
  for (const key of keys) await store.kv.set('a', key, 'true');

  expect(await store.kv.list('a', '100%', 10)).toEqual(['100%', '100%x']);
  expect(await store.kv.list('a', 'a_', 10)).toEqual(['a_b', 'a_c']);
  expect(await store.kv.list('a', 'a%', 10)).toEqual(['a%']);
  // Keys past U+FFFF sort after U+FFFF (SQLite orders by code point) and still match.
  expect(await store.kv.list('a', 'user:', 10)).toEqual(['user:1', 'user:10', 'user:2', 'user:\uffff', 'user:\u{1F600}']);
  expect(await store.kv.list('a', 'user:', 2)).toEqual(['user:1', 'user:10']);
  expect(await store.kv.list('a', '', 3)).toEqual(['100%', '100%x', '1000']);
  expect(await store.kv.list('a', 'zzz', 10)).toEqual([]);
});

test('prefixEnd bounds a prefix range in code point order', () => {
  expect(prefixEnd('ab')).toBe('ac');
  expect(prefixEnd('')).toBeUndefined();
  expect(prefixEnd('a\u{10FFFF}')).toBe('b');
  expect(prefixEnd('\u{10FFFF}')).toBeUndefined();
  expect(prefixEnd('a\ud7ff')).toBe('a\ue000');
  expect(prefixEnd('a\uffff')).toBe('a\u{10000}');
});

test('the key quota refuses a new key at the limit but still lets existing keys change', async ({ store }) => {
  await store.plugins.install(pluginRecord('a'));
  await store.plugins.install(pluginRecord('b'));
  await store.kv.set('a', 'k1', '1', 2);
  await store.kv.set('a', 'k2', '2', 2);
  await expect(store.kv.set('a', 'k3', '3', 2)).rejects.toMatchObject({ code: 'KV_QUOTA_EXCEEDED' });
  await store.kv.set('a', 'k2', '22', 2);
  expect(await store.kv.get('a', 'k2')).toBe('22');
  expect(await store.kv.count('a')).toBe(2);
  // The quota is per plugin.
  await store.kv.set('b', 'k3', '3', 2);
  await expect(store.kv.set('ghost', 'k', '1', 2)).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
});

test('the key quota holds when two hosts on one database set keys at once', async ({ store, another }) => {
  await store.plugins.install(pluginRecord('a'));
  const second = await another();
  const attempts = Array.from({ length: 24 }, (_, i) => (i % 2 ? store : second).kv.set('a', `k${i}`, String(i), 5).then(() => 'ok', (err: { code?: string }) => err.code));
  const outcomes = await Promise.all(attempts);
  expect(outcomes.filter((o) => o === 'ok')).toHaveLength(5);
  expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'KV_QUOTA_EXCEEDED')).toBe(true);
  expect(await store.kv.count('a')).toBe(5);
  expect(await second.kv.list('a', '', 100)).toEqual(await store.kv.list('a', '', 100));
});
