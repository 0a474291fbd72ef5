import { expect } from 'vitest';
import { pluginRecord, test } from './test-store.ts';

test('install, get, list; unknown names resolve undefined/false', async ({ store }) => {
  expect(await store.plugins.install(pluginRecord('beta'))).toEqual({});
  await store.plugins.install(pluginRecord('alpha'));
  const alpha = await store.plugins.get('alpha');
  expect(alpha).toMatchObject({ ...pluginRecord('alpha'), enabled: false });
  expect(alpha?.installedAt).toBe(alpha?.updatedAt);
  expect((await store.plugins.list()).map((p) => p.name)).toEqual(['alpha', 'beta']);

  expect(await store.plugins.get('nope')).toBeUndefined();
  expect(await store.plugins.setEnabled('nope', true)).toBe(false);
  expect(await store.plugins.remove('nope')).toBeUndefined();
  expect(await store.grants.get('nope')).toEqual({});
  expect(await store.configs.get('nope')).toBeUndefined();
});

test('grants, config and kv of an unknown plugin are refused with PLUGIN_NOT_FOUND', async ({ store }) => {
  await expect(store.grants.set('ghost', { kv: true })).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
  await expect(store.configs.set('ghost', { a: 1 })).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
  await expect(store.kv.set('ghost', 'k', '1')).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
});

test('replacing a version keeps the enabled flag, grants, config, kv and installedAt', async ({ store }) => {
  await store.plugins.install(pluginRecord('canvas', '1.0.0'));
  await store.plugins.setEnabled('canvas', true);
  await store.grants.set('canvas', { kv: true, storage: { read: true } });
  await store.configs.set('canvas', { theme: 'dark' });
  await store.kv.set('canvas', 'counter', '3');
  const first = await store.plugins.get('canvas');

  const { previous } = await store.plugins.install(pluginRecord('canvas', '2.0.0'));
  expect(previous).toEqual(first);
  const now = await store.plugins.get('canvas');
  expect(now).toMatchObject({ version: '2.0.0', enabled: true, integrity: 'sha512-2.0.0', installedAt: first?.installedAt });
  expect(now?.manifest.version).toBe('2.0.0');
  expect(await store.grants.get('canvas')).toEqual({ kv: true, storage: { read: true } });
  expect(await store.configs.get('canvas')).toEqual({ theme: 'dark' });
  expect(await store.kv.get('canvas', 'counter')).toBe('3');
});

test('setEnabled toggles the flag', async ({ store }) => {
  await store.plugins.install(pluginRecord('p'));
  expect(await store.plugins.setEnabled('p', true)).toBe(true);
  expect((await store.plugins.get('p'))?.enabled).toBe(true);
  await store.plugins.setEnabled('p', false);
  expect((await store.plugins.get('p'))?.enabled).toBe(false);
});

test('remove deletes the plugin with its grants, config and kv, leaving others alone', async ({ store }) => {
  for (const name of ['gone', 'kept']) {
    await store.plugins.install(pluginRecord(name));
    await store.grants.set(name, { kv: true });
    await store.configs.set(name, { x: name });
    await store.kv.set(name, 'k', '"v"');
  }
  const removed = await store.plugins.remove('gone');
  expect(removed?.name).toBe('gone');
  expect(await store.plugins.get('gone')).toBeUndefined();
  expect(await store.grants.get('gone')).toEqual({});
  expect(await store.configs.get('gone')).toBeUndefined();
  expect(await store.kv.count('gone')).toBe(0);

  expect(await store.grants.get('kept')).toEqual({ kv: true });
  expect(await store.configs.get('kept')).toEqual({ x: 'kept' });
  expect(await store.kv.get('kept', 'k')).toBe('"v"');

  // Reinstalling the same name starts clean: nothing of the old install comes back.
  await store.plugins.install(pluginRecord('gone'));
  expect(await store.grants.get('gone')).toEqual({});
  expect(await store.kv.count('gone')).toBe(0);
});

test('remove is one transaction: a failure part-way leaves everything in place', async ({ refuse, store }) => {
  await store.plugins.install(pluginRecord('p'));
  await store.grants.set('p', { kv: true });
  await store.configs.set('p', { a: 1 });
  await store.kv.set('p', 'k', '1');

  // A trigger makes the last step (deleting the plugin row) fail after the others ran.
  const undo = await refuse('plugins', 'DELETE');
  await expect(store.plugins.remove('p')).rejects.toThrow('refused');
  expect(await store.grants.get('p')).toEqual({ kv: true });
  expect(await store.configs.get('p')).toEqual({ a: 1 });
  expect(await store.kv.get('p', 'k')).toBe('1');
  expect(await store.plugins.get('p')).toBeDefined();

  await undo();
  expect((await store.plugins.remove('p'))?.name).toBe('p');
});

test('install is one transaction: a failed replace keeps the previous version', async ({ refuse, store }) => {
  await store.plugins.install(pluginRecord('p', '1.0.0'));
  await refuse('plugins', 'UPDATE');
  await expect(store.plugins.install(pluginRecord('p', '2.0.0'))).rejects.toThrow('refused');
  expect((await store.plugins.get('p'))?.version).toBe('1.0.0');
});

test('installSet records every plugin or none', async ({ store }) => {
  await store.plugins.install(pluginRecord('a', '1.0.0'));
  const results = await store.plugins.installSet([pluginRecord('a', '2.0.0'), pluginRecord('b', '1.0.0')]);
  expect(results.map((r) => r.previous?.version)).toEqual(['1.0.0', undefined]);
  expect((await store.plugins.list()).map((p) => `${p.name}@${p.version}`)).toEqual(['a@2.0.0', 'b@1.0.0']);
  // A failing record (manifest that cannot be serialized) rolls the whole set back.
  const broken = { ...pluginRecord('c', '1.0.0'), manifest: { toJSON: () => { throw new Error('boom'); } } } as never;
  await expect(store.plugins.installSet([pluginRecord('a', '3.0.0'), broken])).rejects.toThrow('boom');
  expect((await store.plugins.list()).map((p) => `${p.name}@${p.version}`)).toEqual(['a@2.0.0', 'b@1.0.0']);
});
