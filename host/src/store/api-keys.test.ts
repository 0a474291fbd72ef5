import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { test } from './test-store.ts';

const KEY_FORMAT = /^esl_[A-Za-z0-9_-]{43}$/;

test('create returns the key once; verify finds it; revoke ends it', async ({ store }) => {
  const admin = await store.apiKeys.create({ role: 'admin', label: 'ops' });
  const app = await store.apiKeys.create({ role: 'app', label: 'web' });
  expect(admin.key).toMatch(KEY_FORMAT);
  expect(app.key).not.toBe(admin.key);

  expect(await store.apiKeys.verify(admin.key)).toEqual({ id: admin.id, role: 'admin', label: 'ops' });
  // An app key made without an app gets one of its own, with the key's id.
  expect(app.appId).toBe(app.id);
  expect(admin).not.toHaveProperty('appId');
  expect(await store.apiKeys.verify(app.key)).toEqual({ id: app.id, role: 'app', label: 'web', appId: app.id });
  expect(await store.apps.get(app.id)).toEqual({ id: app.id, name: 'web', createdAt: expect.any(String) });
  expect(await store.apiKeys.verify(`${app.key}x`)).toBeUndefined();
  expect(await store.apiKeys.verify('')).toBeUndefined();
  expect(await store.apiKeys.count()).toBe(2);

  expect(await store.apiKeys.revoke(app.id)).toBe(true);
  expect(await store.apiKeys.revoke(app.id)).toBe(false);
  expect(await store.apiKeys.revoke('unknown')).toBe(false);
  expect(await store.apiKeys.verify(app.key)).toBeUndefined();
  expect(await store.apiKeys.count()).toBe(1);

  const listed = await store.apiKeys.list();
  expect(listed.map((k) => [k.id, k.role, k.label, k.appId])).toEqual([
    [admin.id, 'admin', 'ops', undefined],
    [app.id, 'app', 'web', app.id],
  ]);
  expect(listed[0]).not.toHaveProperty('revokedAt');
  expect(listed[1]?.revokedAt).toBeDefined();
  expect(JSON.stringify(listed)).not.toMatch(/[0-9a-f]{64}/);
});

test("keys of one app: created for an existing app, listed with it; an unknown app or an admin key with an app is refused and nothing is stored", async ({ store }) => {
  const shop = await store.apps.create({ name: 'shop' });
  const one = await store.apiKeys.create({ role: 'app', label: 'web', appId: shop.id });
  const two = await store.apiKeys.create({ role: 'app', label: 'ios', appId: shop.id });
  expect([one.appId, two.appId]).toEqual([shop.id, shop.id]);
  expect((await store.apiKeys.verify(two.key))?.appId).toBe(shop.id);
  expect((await store.apps.keys(shop.id)).map((k) => k.id)).toEqual([one.id, two.id]);
  expect(await store.apps.list()).toEqual([shop]);

  await expect(store.apiKeys.create({ role: 'app', label: 'lost', appId: 'no-such-app' })).rejects.toMatchObject({ code: 'APP_NOT_FOUND' });
  await expect(store.apiKeys.create({ role: 'admin', label: 'ops', appId: shop.id })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  expect(await store.apiKeys.count()).toBe(2);
  expect(await store.apps.list()).toEqual([shop]);
});

test('createWithKey is idempotent and a revoked token stays revoked', async ({ store }) => {
  const token = 'bootstrap-admin-token-0123456789';
  const first = await store.apiKeys.createWithKey(token, { role: 'admin', label: 'EASEL_ADMIN_TOKEN' });
  expect(first.created).toBe(true);
  const again = await store.apiKeys.createWithKey(token, { role: 'admin', label: 'EASEL_ADMIN_TOKEN' });
  expect(again).toEqual({ id: first.id, created: false });
  expect(await store.apiKeys.count()).toBe(1);
  expect(await store.apiKeys.verify(token)).toMatchObject({ id: first.id, role: 'admin' });

  await store.apiKeys.revoke(first.id);
  await store.apiKeys.createWithKey(token, { role: 'admin', label: 'EASEL_ADMIN_TOKEN' });
  expect(await store.apiKeys.verify(token)).toBeUndefined();
});

test('only hashes reach the database', async ({ storedText, store }) => {
  const { key } = await store.apiKeys.create({ role: 'admin', label: 'ops' });
  const token = 'bootstrap-admin-token-abcdefghij';
  await store.apiKeys.createWithKey(token, { role: 'admin', label: 'env' });

  // Read while open (SQLite's rows may sit in the WAL) and again after close (checkpointed).
  const hash = createHash('sha256').update(key).digest('hex');
  const whileOpen = await storedText();
  await store.close();
  const afterClose = await storedText();
  expect(afterClose).toContain(hash);
  for (const text of [whileOpen, afterClose]) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4));
    expect(text).not.toContain(token);
  }
});
