/**
 * The registry store's contract, run against SQLite (default project) and PostgreSQL
 * (`store-postgres` project): each repository, the same records from both stores.
 */
import { describe, expect } from 'vitest';
import { libraryVersion, pluginVersion, withUsers } from './test-records.ts';
import { test } from './test-store.ts';

describe('users', () => {
  test('create once, get with or without email', async ({ store }) => {
    expect(await store.users.create({ name: 'alice', email: 'a@example.com', passwordHash: 'h1' })).toBe(true);
    expect(await store.users.create({ name: 'alice', passwordHash: 'h2' })).toBe(false);
    expect(await store.users.create({ name: 'bob', passwordHash: 'h3' })).toBe(true);
    expect(await store.users.get('alice')).toEqual({ name: 'alice', email: 'a@example.com', passwordHash: 'h1', createdAt: expect.any(String) });
    expect(await store.users.get('bob')).not.toHaveProperty('email');
    expect(await store.users.get('carol')).toBeUndefined();
  });
});

describe('tokens', () => {
  test('issue, resolve, list newest first, revoke by key and by token', async ({ store }) => {
    await withUsers(store, 'alice', 'bob');
    const a1 = await store.tokens.issue('alice');
    const a2 = await store.tokens.issue('alice', { readonly: true, name: 'ci', cidrWhitelist: ['10.0.0.0/8'] });
    const b1 = await store.tokens.issue('bob');
    expect(a1.token).toMatch(/^ereg_/);
    expect(a2.info).toEqual({ key: a2.info.key, user: 'alice', name: 'ci', readonly: true, cidrWhitelist: ['10.0.0.0/8'], createdAt: expect.any(String) });
    expect(await store.tokens.resolve(a1.token)).toEqual({ role: 'user', name: 'alice', readonly: false });
    expect(await store.tokens.resolve(a2.token)).toEqual({ role: 'user', name: 'alice', readonly: true, cidrWhitelist: ['10.0.0.0/8'] });
    const listed = await store.tokens.list('alice', { limit: 10, offset: 0 });
    expect(listed.total).toBe(2);
    expect(new Set(listed.tokens.map((t) => t.key))).toEqual(new Set([a1.info.key, a2.info.key]));
    expect((await store.tokens.list('alice', { limit: 1, offset: 1 })).tokens).toHaveLength(1);
    expect(await store.tokens.revokeKey(b1.info.key, 'alice')).toBe(false);
    expect(await store.tokens.revokeKey(a2.info.key, 'alice')).toBe(true);
    expect(await store.tokens.revokeKey(a2.info.key)).toBe(false);
    expect(await store.tokens.resolve(a2.token)).toBeUndefined();
    expect(await store.tokens.revoke(b1.token)).toBe(true);
    expect(await store.tokens.revoke(b1.token)).toBe(false);
    expect(await store.tokens.resolve(b1.token)).toBeUndefined();
    expect((await store.tokens.list('alice', { limit: 10, offset: 0 })).total).toBe(1);
  });

  test('an expired token resolves to nothing and is not listed', async ({ store }) => {
    await withUsers(store, 'alice');
    const past = await store.tokens.issue('alice', { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const future = await store.tokens.issue('alice', { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await store.tokens.resolve(past.token)).toBeUndefined();
    expect(await store.tokens.resolve(future.token)).toEqual({ role: 'user', name: 'alice', readonly: false });
    expect((await store.tokens.list('alice', { limit: 10, offset: 0 })).tokens.map((t) => t.key)).toEqual([future.info.key]);
  });

  test('admin tokens: add once, setOnlyAdmin revokes the others and un-revokes its own', async ({ store }) => {
    expect(await store.tokens.countAdmins()).toBe(0);
    expect(await store.tokens.addAdmin('admin-one-0123456789')).toBe(true);
    expect(await store.tokens.addAdmin('admin-one-0123456789')).toBe(false);
    await store.tokens.setOnlyAdmin('admin-two-0123456789');
    expect(await store.tokens.countAdmins()).toBe(1);
    expect(await store.tokens.resolve('admin-one-0123456789')).toBeUndefined();
    expect(await store.tokens.resolve('admin-two-0123456789')).toEqual({ role: 'admin', name: '~admin' });
    await store.tokens.setOnlyAdmin('admin-one-0123456789');
    expect(await store.tokens.resolve('admin-one-0123456789')).toEqual({ role: 'admin', name: '~admin' });
    expect(await store.tokens.resolve('admin-two-0123456789')).toBeUndefined();
  });
});

describe('password failures', () => {
  test('counts per subject in a window, a new window after it, forgive takes one back', async ({ store }) => {
    const f = store.passwordFailures;
    expect(await f.hit(['user:a', 'addr:x'], 1000, 10_000)).toEqual([{ failures: 1, windowStart: 10_000 }, { failures: 1, windowStart: 10_000 }]);
    expect(await f.hit(['user:a', 'addr:y'], 1000, 10_500)).toEqual([{ failures: 2, windowStart: 10_000 }, { failures: 1, windowStart: 10_500 }]);
    await f.forgive(['user:a', 'user:a', 'user:a']);
    expect(await f.hit(['user:a'], 1000, 10_900)).toEqual([{ failures: 1, windowStart: 10_000 }]);
    // The window started at 10 000 is over at 11 000: a fresh one.
    expect(await f.hit(['user:a', 'addr:y'], 1000, 11_000)).toEqual([{ failures: 1, windowStart: 11_000 }, { failures: 2, windowStart: 10_500 }]);
  });
});

describe('packages', () => {
  test('publish creates the package, owner, version, tags and bumps rev; get, version and texts read them', async ({ store }) => {
    await withUsers(store, 'alice');
    await store.packages.publish(pluginVersion('widget', '1.0.0'), ['latest'], 'alice');
    await store.packages.publish(pluginVersion('widget', '1.1.0-beta.1'), ['next'], 'alice');
    const pkg = (await store.packages.get('widget'))!;
    expect(pkg).toMatchObject({ name: 'widget', rev: 2, owners: ['alice'], ownerEmails: { alice: 'alice@example.com' }, distTags: { latest: '1.0.0', next: '1.1.0-beta.1' } });
    expect(pkg.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0-beta.1']);
    const { readme: _readme, ...stored } = pluginVersion('widget', '1.0.0');
    expect(await store.packages.version('widget', '1.0.0')).toEqual({ ...stored, publishedAt: expect.any(String) });
    expect(await store.packages.texts('widget', '1.0.0')).toEqual({ readme: '# widget' });
    expect(await store.packages.texts('widget', '9.9.9')).toEqual({});
    expect(await store.packages.get('nothing')).toBeUndefined();
  });

  test('a taken number is VERSION_EXISTS, live or tombstone; the revision does not move', async ({ store }) => {
    await withUsers(store, 'alice');
    await store.packages.publish(pluginVersion('widget', '1.0.0'), ['latest'], 'alice');
    await expect(store.packages.publish(pluginVersion('widget', '1.0.0'), ['latest'], 'alice')).rejects.toMatchObject({ code: 'VERSION_EXISTS' });
    await store.packages.publish(pluginVersion('widget', '2.0.0'), [], 'alice');
    await store.packages.unpublish('widget', ['1.0.0'], '2.0.0');
    await expect(store.packages.publish(pluginVersion('widget', '1.0.0'), [], 'alice')).rejects.toMatchObject({ code: 'VERSION_EXISTS' });
    expect((await store.packages.get('widget'))!.rev).toBe(3);
  });

  test('tags, deprecations, yanks and owners each bump rev by one', async ({ store }) => {
    await withUsers(store, 'alice', 'bob');
    await store.packages.publish(pluginVersion('widget', '1.0.0'), ['latest'], 'alice');
    await store.packages.setTag('widget', 'stable', '1.0.0');
    expect(await store.packages.removeTag('widget', 'stable')).toBe(true);
    expect(await store.packages.removeTag('widget', 'stable')).toBe(false);
    await store.packages.setDeprecations('widget', new Map([['1.0.0', 'use 2']]));
    await store.packages.setYanked('widget', '1.0.0', { at: '2024-01-01T00:00:00.000Z', reason: 'broken' });
    await store.packages.setOwners('widget', ['bob', 'alice']);
    const pkg = (await store.packages.get('widget'))!;
    expect(pkg.rev).toBe(6);
    expect(pkg.distTags).toEqual({ latest: '1.0.0' });
    expect(pkg.owners).toEqual(['alice', 'bob']);
    expect(pkg.versions[0]).toMatchObject({ deprecated: 'use 2', yanked: { at: '2024-01-01T00:00:00.000Z', reason: 'broken' } });
    await store.packages.setDeprecations('widget', new Map([['1.0.0', null]]));
    await store.packages.setYanked('widget', '1.0.0', null);
    const cleared = (await store.packages.version('widget', '1.0.0'))!;
    expect(cleared).not.toHaveProperty('deprecated');
    expect(cleared).not.toHaveProperty('yanked');
  });

  test('unpublish makes tombstones, drops their tags, sets latest, returns integrities no live version uses', async ({ store }) => {
    await withUsers(store, 'alice');
    const shared = pluginVersion('widget', '1.0.0').integrity;
    await store.packages.publish(pluginVersion('widget', '1.0.0'), ['latest'], 'alice');
    await store.packages.publish(pluginVersion('widget', '1.1.0'), ['beta'], 'alice');
    await store.packages.publish(pluginVersion('other', '1.0.0', { integrity: shared }), ['latest'], 'alice');
    expect(await store.packages.unpublish('widget', ['1.0.0', '1.1.0', '7.0.0'])).toEqual([pluginVersion('widget', '1.1.0').integrity]);
    const pkg = (await store.packages.get('widget'))!;
    expect(pkg.distTags).toEqual({});
    expect(pkg.versions.every((v) => v.unpublishedAt !== undefined)).toBe(true);
    expect(pkg.owners).toEqual(['alice']);
    await store.packages.publish(pluginVersion('widget', '2.0.0'), [], 'alice');
    await store.packages.publish(pluginVersion('widget', '3.0.0'), ['latest'], 'alice');
    await store.packages.unpublish('widget', ['3.0.0'], '2.0.0');
    expect((await store.packages.get('widget'))!.distTags).toEqual({ latest: '2.0.0' });
  });

  test('scopeOwners: owners of any package of the scope, wildcards literal', async ({ store }) => {
    await withUsers(store, 'alice', 'bob', 'carol');
    await store.packages.publish(libraryVersion('@easel/a', '1.0.0'), ['latest'], 'alice');
    await store.packages.publish(libraryVersion('@easel/b', '1.0.0'), ['latest'], 'bob');
    await store.packages.publish(libraryVersion('@easelx/c', '1.0.0'), ['latest'], 'carol');
    expect(await store.packages.scopeOwners('@easel')).toEqual(['alice', 'bob']);
    expect(await store.packages.scopeOwners('@e_sel')).toEqual([]);
  });

  test('search: every word, live versions, kind filter, exact name then downloads then name', async ({ store }) => {
    await withUsers(store, 'alice');
    await store.packages.publish(pluginVersion('weather', '1.0.0', { description: 'Forecast agent', keywords: ['rain'] }), ['latest'], 'alice');
    await store.packages.publish(pluginVersion('forecast', '1.0.0', { description: 'weather forecasts' }), ['latest'], 'alice');
    await store.packages.publish(pluginVersion('umbrella', '1.0.0', { description: 'forecast of rain' }), ['latest'], 'alice');
    await store.packages.publish(libraryVersion('@easel/forecast-lib', '1.0.0', 'forecast helpers'), ['latest'], 'alice');
    await store.packages.publish(pluginVersion('gone', '1.0.0', { description: 'forecast' }), ['latest'], 'alice');
    await store.packages.unpublish('gone', ['1.0.0']);
    await store.downloads.record('umbrella', '1.0.0');
    await store.downloads.record('umbrella', '1.0.0');
    await store.downloads.record('weather', '1.0.0');
    const page = { limit: 10, offset: 0 };
    expect(await store.packages.search({ text: 'FORECAST', ...page })).toEqual({ total: 4, names: ['forecast', 'umbrella', 'weather', '@easel/forecast-lib'] });
    expect(await store.packages.search({ text: 'forecast rain', ...page })).toEqual({ total: 2, names: ['umbrella', 'weather'] });
    expect(await store.packages.search({ text: 'forecast', kind: 'library', ...page })).toEqual({ total: 1, names: ['@easel/forecast-lib'] });
    expect(await store.packages.search({ text: 'forecast', kind: 'plugin', limit: 1, offset: 1 })).toEqual({ total: 3, names: ['umbrella'] });
    expect(await store.packages.search({ text: '100%', ...page })).toEqual({ total: 0, names: [] });
    expect((await store.packages.search({ text: '', ...page })).total).toBe(4);
  });
});

describe('downloads', () => {
  test('per version and UTC day; totals for names, zero for unknown', async ({ store }) => {
    await store.downloads.record('widget', '1.0.0');
    await store.downloads.record('widget', '1.0.0');
    await store.downloads.record('widget', '2.0.0');
    await store.downloads.record('other', '1.0.0');
    const today = new Date().toISOString().slice(0, 10);
    expect(await store.downloads.counts('widget')).toEqual({ total: 3, versions: { '1.0.0': 2, '2.0.0': 1 }, days: [{ day: today, count: 3 }] });
    expect(await store.downloads.counts('none')).toEqual({ total: 0, versions: {}, days: [] });
    expect(await store.downloads.totals(['widget', 'none'])).toEqual(new Map([['widget', 3], ['none', 0]]));
    expect(await store.downloads.totals([])).toEqual(new Map());
  });
});
