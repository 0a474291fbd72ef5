import { afterEach, expect, vi } from 'vitest';
import { test } from './test-store.ts';

afterEach(() => {
  vi.useRealTimers();
});

test('audit entries list newest first, filtered by action, limited', async ({ store }) => {
  await store.audit.record({ actor: 'key:1', action: 'plugin.install', target: 'a@1.0.0', outcome: 'ok' });
  await store.audit.record({ actor: 'plugin:a@1.0.0', action: 'kv.get', target: 'exec-1', outcome: 'denied' });
  await store.audit.record({ actor: 'key:1', action: 'plugin.enable', target: 'a', outcome: 'ok', details: { grant: { kv: true } } });
  await store.audit.record({ actor: 'key:1', action: 'plugin.install', target: 'b@1.0.0', outcome: 'failed' });

  const all = await store.audit.list({ limit: 10 });
  expect(all.map((e) => e.action)).toEqual(['plugin.install', 'plugin.enable', 'kv.get', 'plugin.install']);
  expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
  expect(all[1]).toMatchObject({ actor: 'key:1', target: 'a', outcome: 'ok', details: { grant: { kv: true } } });
  expect(all[0]).not.toHaveProperty('details');
  expect(Number.isNaN(Date.parse(all[0]?.at ?? ''))).toBe(false);

  expect((await store.audit.list({ limit: 10, action: 'plugin.install' })).map((e) => e.target)).toEqual(['b@1.0.0', 'a@1.0.0']);
  expect(await store.audit.list({ limit: 2 })).toHaveLength(2);
});

test('entries name their plugin; filters by plugin, actor and time combine; before pages by id', async ({ store }) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2030-01-01T00:00:00.000Z'));
  await store.audit.record({ actor: 'key:1', action: 'plugin.install', target: 'a@1.0.0', outcome: 'ok' });
  vi.setSystemTime(new Date('2030-01-02T00:00:00.000Z'));
  await store.audit.record({ actor: 'plugin:a@1.0.0#ff', action: 'kv.get', target: 'exec-1', outcome: 'denied' });
  await store.audit.record({ actor: 'key:2', action: 'budget.set', target: 'app x', outcome: 'ok', plugin: 'b' });
  vi.setSystemTime(new Date('2030-01-03T00:00:00.000Z'));
  await store.audit.record({ actor: 'key:1', action: 'plugin.enable', target: 'a', outcome: 'ok' });

  const all = await store.audit.list({ limit: 10 });
  expect(all.map((e) => e.plugin)).toEqual(['a', 'b', 'a', 'a']);
  expect((await store.audit.list({ limit: 10, plugin: 'a' })).map((e) => e.action)).toEqual(['plugin.enable', 'kv.get', 'plugin.install']);
  expect((await store.audit.list({ limit: 10, plugin: 'a', actor: 'key:1' })).map((e) => e.action)).toEqual(['plugin.enable', 'plugin.install']);
  const day2 = { since: '2030-01-02T00:00:00Z', until: '2030-01-03T00:00:00+00:00' };
  expect((await store.audit.list({ limit: 10, ...day2 })).map((e) => e.action)).toEqual(['budget.set', 'kv.get']);
  expect((await store.audit.list({ limit: 10, plugin: 'a', ...day2 })).map((e) => e.action)).toEqual(['kv.get']);
  const first = await store.audit.list({ limit: 2, plugin: 'a' });
  const next = await store.audit.list({ limit: 2, plugin: 'a', before: first.at(-1)?.id });
  expect([...first, ...next].map((e) => e.action)).toEqual(['plugin.enable', 'kv.get', 'plugin.install']);
  expect(await store.audit.list({ limit: 10, plugin: 'nobody' })).toEqual([]);
});
