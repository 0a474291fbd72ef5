/**
 * Migration 5 introduces apps (tenants): a database written by a version 4 host must come
 * through with every app key in an app of its own (whose id is the key's id, so ctx.caller.app
 * stays the same), its executions, usage and spend attributed to that app, and every budget
 * still limiting what it limited.
 */
import { createHash } from 'node:crypto';
import { openDatabase } from '@easel/common/sqlite/open-database';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { openStore } from './index.ts';
import { LATEST_VERSION, MIGRATIONS } from './sqlite/migrations.ts';
import { pluginRecord, test } from './test-store.ts';

const V4 = MIGRATIONS.filter((m) => m.version <= 4);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const MONTH = new Date().toISOString().slice(0, 7);
const AT = `${MONTH}-01T10:00:00.000Z`;
const KEYS = { admin: 'esl_admin-key', web: 'esl_web-key', old: 'esl_old-key' };

async function v4Database(file: string): Promise<void> {
  const db = await openDatabase(file, V4);
  try {
    const key = db.prepare('INSERT INTO api_keys (id, key_sha256, role, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)');
    key.run('k-admin', sha(KEYS.admin), 'admin', 'ops', '2025-01-01T00:00:00.000Z', null);
    key.run('k-web', sha(KEYS.web), 'app', 'web shop', '2025-01-02T00:00:00.000Z', null);
    key.run('k-old', sha(KEYS.old), 'app', 'old app', '2025-01-03T00:00:00.000Z', '2025-02-01T00:00:00.000Z');
    const execution = db.prepare(`INSERT INTO executions (id, plugin_name, plugin_version, kind, target, capability, api_key_id, user_id, input, status, started_at)
      VALUES (?, 'p', '1.0.0', 'agent', 'echo', 'say', ?, ?, '{}', 'succeeded', '${AT}')`);
    execution.run('e-alice', 'k-web', 'alice');
    execution.run('e-old', 'k-old', 'key:k-old');
    // A row no app key can be named for (the v4 API could not make one; a hand-written row can).
    execution.run('e-stray', 'k-gone', 'bob');
    const usage = db.prepare(`INSERT INTO model_usage (at, user_id, plugin_name, execution_id, task, model_id, purpose, input_tokens, output_tokens, images, cost_nanos, status, latency_ms)
      VALUES ('${AT}', ?, 'p', ?, 'text', 'm', 'call', 1, 1, 0, ?, 'ok', 1)`);
    usage.run('alice', 'e-alice', 1_500_000_000);
    usage.run('key:k-old', 'e-old', 500_000_000);
    usage.run('key:k-web', null, 250_000_000);
    usage.run('bob', 'e-stray', 7_000_000_000);
    const budget = db.prepare(`INSERT INTO budgets (user_id, monthly_nanos, updated_at) VALUES (?, ?, '${AT}')`);
    budget.run('alice', 10_000_000_000);
    budget.run('key:k-old', 3_000_000_000);
    budget.run('carol', 5_000_000_000);
    db.prepare(`INSERT INTO monthly_spend (user_id, month, spent_nanos, reserved_nanos, updated_at) VALUES ('alice', '${MONTH}', 1500000000, 400000000, '${AT}')`).run();
    const plugin = pluginRecord('p');
    db.prepare(`INSERT INTO plugins (name, version, manifest, enabled, integrity, script_sha256, path, files, installed_at, updated_at)
      VALUES ('p', '1.0.0', ?, 1, 'sha512-x', ?, '/x', '[]', '${AT}', '${AT}')`).run(JSON.stringify(plugin.manifest), 'ab'.repeat(32));
    db.prepare(`INSERT INTO blobs (id, plugin, key, object_key, content_type, size, sha256, execution_id, created_at)
      VALUES ('b-1', 'p', 'pic.png', 'obj-1', 'image/png', 3, ?, 'e-alice', '${AT}')`).run('cd'.repeat(32));
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: 4 });
  } finally {
    db.close();
  }
}

test('a version 4 database migrates: every app key gets an app of its own, and its records follow it', async ({ file }) => {
  await v4Database(file);
  const store = await openStore(file);
  try {
    // Apps named after their keys, with the keys' ids; the admin key has none.
    expect(await store.apps.list()).toEqual([
      { id: 'k-web', name: 'web shop', createdAt: '2025-01-02T00:00:00.000Z' },
      { id: 'k-old', name: 'old app', createdAt: '2025-01-03T00:00:00.000Z' },
    ]);
    expect(await store.apiKeys.verify(KEYS.web)).toEqual({ id: 'k-web', role: 'app', label: 'web shop', appId: 'k-web' });
    expect(await store.apiKeys.verify(KEYS.admin)).toEqual({ id: 'k-admin', role: 'admin', label: 'ops' });
    // Still revoked, still listed, in order.
    expect(await store.apiKeys.verify(KEYS.old)).toBeUndefined();
    expect((await store.apiKeys.list()).map((k) => [k.id, k.appId, k.revokedAt !== undefined])).toEqual([
      ['k-admin', undefined, false],
      ['k-web', 'k-web', false],
      ['k-old', 'k-old', true],
    ]);

    // Executions, usage and blobs name their app.
    expect((await store.executions.get('e-alice'))?.appId).toBe('k-web');
    expect((await store.executions.get('e-old'))?.appId).toBe('k-old');
    expect(await store.executions.get('e-stray')).not.toHaveProperty('appId');
    expect((await store.executions.list({ appId: 'k-web' })).items.map((e) => e.id)).toEqual(['e-alice']);
    expect((await store.blobs.byId('b-1'))?.appId).toBe('k-web');
    const range = ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z'] as const;
    expect((await store.usage.stats({ appId: 'k-web', userId: 'alice' }, ...range)).costUsd).toBe(1.5);
    expect((await store.usage.stats({ appId: 'k-web', userId: 'key:k-web' }, ...range)).costUsd).toBe(0.25);
    expect((await store.usage.stats({ appId: 'k-old', userId: 'alice' }, ...range)).calls).toBe(0);

    // Spend per user and per app, rebuilt from usage; holds of the dead process dropped.
    expect(await store.budgets.get({ appId: 'k-web', userId: 'alice' }, MONTH)).toMatchObject({ monthlyUsd: 10, spentUsd: 1.5, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: 'k-web' }, MONTH)).toMatchObject({ spentUsd: 1.75, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: 'k-old' }, MONTH)).toMatchObject({ spentUsd: 0.5 });
    // A budget limits the user in the app that used it; a key's own user in its app; an id no
    // app used, in every app.
    expect((await store.budgets.get({ appId: 'k-old', userId: 'alice' }, MONTH)).monthlyUsd).toBeUndefined();
    expect((await store.budgets.get({ appId: 'k-old', userId: 'key:k-old' }, MONTH)).monthlyUsd).toBe(3);
    expect((await store.budgets.get({ appId: 'k-web', userId: 'key:k-old' }, MONTH)).monthlyUsd).toBeUndefined();
    expect((await store.budgets.get({ appId: 'k-web', userId: 'carol' }, MONTH)).monthlyUsd).toBe(5);
    expect((await store.budgets.get({ appId: 'k-old', userId: 'carol' }, MONTH)).monthlyUsd).toBe(5);
    expect((await store.budgets.get({ appId: 'k-web' }, MONTH)).monthlyUsd).toBeUndefined();

    // The migrated app takes new keys; the schema's CHECK keeps app keys in an app.
    const more = await store.apiKeys.create({ role: 'app', label: 'web ios', appId: 'k-web' });
    expect((await store.apps.keys('k-web')).map((k) => k.id)).toEqual(['k-web', more.id]);
  } finally {
    await store.close();
  }
  const db = new Database(file);
  try {
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: LATEST_VERSION });
    expect(() => db.prepare(`INSERT INTO api_keys (id, key_sha256, role, label, created_at) VALUES ('x', 'h', 'app', 'no app', '${AT}')`).run()).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO api_keys (id, key_sha256, role, label, app_id, created_at) VALUES ('y', 'h2', 'admin', 'ops', 'k-web', '${AT}')`).run()).toThrow(/CHECK/);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name LIKE '%_v5'").get()).toEqual({ n: 0 });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
});
