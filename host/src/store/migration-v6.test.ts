/**
 * Migration 6 adds reservation rows beneath the holds and the `unreconciled` usage status. A
 * version 5 database comes through with its usage rows and ids, its spend, and no hold (holds
 * made before have no rows to be charged from; a start dropped them before this version too).
 */
import { openDatabase } from '@easel/common/sqlite/open-database';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { openStore } from './index.ts';
import { MIGRATIONS } from './sqlite/migrations.ts';
import { test } from './test-store.ts';

const V5 = MIGRATIONS.filter((m) => m.version <= 5);
const MONTH = new Date().toISOString().slice(0, 7);
const AT = `${MONTH}-01T10:00:00.000Z`;

test('a version 5 database migrates: usage rows and spend kept, stale holds dropped, unreconciled rows need their reservation', async ({ file }) => {
  const v5 = await openDatabase(file, V5);
  try {
    v5.prepare(`INSERT INTO apps (id, name, created_at) VALUES ('web', 'web', '${AT}')`).run();
    const usage = v5.prepare(`INSERT INTO model_usage (id, at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens, images, cost_nanos, cached, status, error_code, latency_ms)
      VALUES (?, '${AT}', 'web', 'alice', 'p', 'e1', ?, 'text', 'm', 'call', 10, 5, 0, ?, NULL, ?, ?, 12)`);
    usage.run(7, 's1', 1_000_000_000, 'ok', null);
    usage.run(9, null, 0, 'failed', 'MODEL_CALL_FAILED');
    const spend = v5.prepare(`INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at) VALUES ('web', ?, '${MONTH}', 1000000000, 400000000, '${AT}')`);
    spend.run('alice');
    spend.run('');
    expect(v5.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: 5 });
  } finally {
    v5.close();
  }

  const store = await openStore(file);
  try {
    const rows = await store.usage.listByExecution('e1');
    expect(rows.map((r) => [r.id, r.status, r.stepId, r.costUsd, r.errorCode])).toEqual([
      [9, 'failed', undefined, 0, 'MODEL_CALL_FAILED'],
      [7, 'ok', 's1', 1, undefined],
    ]);
    expect(rows[1]).not.toHaveProperty('reservationId');
    expect(await store.budgets.get({ appId: 'web', userId: 'alice' }, MONTH)).toMatchObject({ spentUsd: 1, reservedUsd: 0 });
    expect(await store.budgets.get({ appId: 'web' }, MONTH)).toMatchObject({ spentUsd: 1, reservedUsd: 0 });
    // ids go on from the last one.
    await store.usage.record({ appId: 'web', userId: 'alice', executionId: 'e1', task: 'text', modelId: 'm', purpose: 'call', inputTokens: 1, outputTokens: 1, images: 0, costUsd: 0, status: 'ok', latencyMs: 1 });
    expect((await store.usage.listByExecution('e1'))[0]?.id).toBe(10);
    expect(await store.budgets.chargeAbandoned()).toEqual({ calls: 0, costUsd: 0, groups: [] });
  } finally {
    await store.close();
  }

  const db = new Database(file);
  try {
    const insert = (status: string, reservation: string | null) =>
      db
        .prepare(`INSERT INTO model_usage (at, app_id, user_id, task, model_id, purpose, input_tokens, output_tokens, images, cost_nanos, status, latency_ms, reservation_id)
          VALUES ('${AT}', 'web', 'alice', 'text', 'm', 'call', 0, 0, 0, 0, ?, 0, ?)`)
        .run(status, reservation);
    expect(() => insert('unreconciled', null)).toThrow(/CHECK/);
    expect(() => insert('ok', 'r-1')).toThrow(/CHECK/);
    expect(() => insert('lost', null)).toThrow(/CHECK/);
    expect(insert('unreconciled', 'r-1').changes).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name LIKE '%_v6'").get()).toEqual({ n: 0 });
    const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'model_usage' AND sql IS NOT NULL ORDER BY name").pluck().all();
    // (model_usage_by_at comes with version 7.)
    expect(indexes).toEqual(['model_usage_by_app', 'model_usage_by_app_user', 'model_usage_by_at', 'model_usage_by_execution', 'model_usage_by_step']);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
});
