/**
 * Migration 7 (retention): a version 6 database comes through with its blobs' apps copied onto
 * the blob rows (so an app still reads its blobs once the execution record is purged), and the
 * purge's "what is due" queries read an index from their oldest due row instead of scanning.
 */
import { openDatabase } from '@easel/common/sqlite/open-database';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { openStore } from './index.ts';
import { MIGRATIONS } from './sqlite/migrations.ts';
import { pluginRecord, test } from './test-store.ts';

const V6 = MIGRATIONS.filter((m) => m.version <= 6);
const AT = '2031-01-01T00:00:00.000Z';

test('a version 6 database migrates: blob rows get the app of the execution that wrote them', async ({ file }) => {
  const v6 = await openDatabase(file, V6);
  try {
    const p = pluginRecord('p');
    v6.prepare(`INSERT INTO plugins (name, version, manifest, integrity, script_sha256, path, files, installed_at, updated_at) VALUES ('p', '1.0.0', ?, 'i', 's', '/x', '[]', '${AT}', '${AT}')`).run(JSON.stringify(p.manifest));
    v6.prepare(`INSERT INTO executions (id, plugin_name, plugin_version, kind, target, app_id, status, started_at, finished_at) VALUES ('e1', 'p', '1.0.0', 'agent', 'a', 'app-1', 'succeeded', '${AT}', '${AT}')`).run();
    const blob = v6.prepare(`INSERT INTO blobs (id, plugin, key, object_key, content_type, size, sha256, execution_id, created_at) VALUES (?, 'p', ?, ?, 'image/png', 1, '${'ab'.repeat(32)}', ?, '${AT}')`);
    blob.run('b1', 'k1', 'p/1', 'e1');
    blob.run('b2', 'k2', 'p/2', null);
  } finally {
    v6.close();
  }

  const store = await openStore(file);
  try {
    expect(await store.blobs.byId('b1')).toMatchObject({ appId: 'app-1' });
    expect(await store.blobs.byId('b2')).not.toHaveProperty('appId');
    expect(await store.blobs.byId('b2')).not.toHaveProperty('expiresAt');
    expect(await store.executions.get('e1')).not.toHaveProperty('eventsPurgedAt');
  } finally {
    await store.close();
  }
});

test("the purge's queries start from an index, never a scan of the table", async ({ file }) => {
  await (await openStore(file)).close();
  const db = new Database(file, { readonly: true });
  try {
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const cases: [string, string][] = [
      [`SELECT id FROM executions WHERE finished_at < '${AT}' AND +status IN ('succeeded', 'failed', 'cancelled') ORDER BY finished_at LIMIT 10`, 'executions_by_finished'],
      [`SELECT id FROM executions WHERE finished_at < '${AT}' AND events_purged_at IS NULL AND +status IN ('succeeded', 'failed', 'cancelled') ORDER BY finished_at LIMIT 10`, 'executions_events_kept'],
      [
        `SELECT id FROM model_usage WHERE at < '${AT}' AND (execution_id IS NULL OR execution_id NOT IN (SELECT id FROM executions WHERE status IN ('queued', 'running'))) ORDER BY at LIMIT 10`,
        'model_usage_by_at',
      ],
      [`SELECT id FROM audit_log WHERE at < '${AT}' ORDER BY at LIMIT 10`, 'audit_by_at'],
      [`SELECT * FROM blobs WHERE expires_at <= '${AT}' ORDER BY expires_at LIMIT 10`, 'blobs_by_expiry'],
      [`SELECT seq FROM execution_events WHERE execution_id = 'e' ORDER BY seq LIMIT 10`, 'PRIMARY KEY'],
      [`SELECT seq FROM execution_steps WHERE execution_id = 'e' ORDER BY seq LIMIT 10`, 'execution_steps_by_execution'],
    ];
    for (const [sql, index] of cases) {
      const detail = plan(sql);
      expect(detail, sql).toContain(index);
      expect(detail, sql).not.toMatch(/^SCAN \w+$|\| SCAN \w+$/);
    }
  } finally {
    db.close();
  }
});
