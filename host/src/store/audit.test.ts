import { expect } from 'vitest';
import { test } from './test-store.ts';

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
