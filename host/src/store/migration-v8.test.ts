/**
 * Migration 8 (usage report, audit filters): a version 7 database comes through with its usage
 * rows unchanged (the new per-call facts 0, so absent), and its audit rows naming the plugin
 * they are about by the rule that record() applies to new rows; the audit filters read an index.
 */
import { openDatabase } from '@easel/common/sqlite/open-database';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { openStore } from './index.ts';
import { pluginOfAudit } from './sqlite/audit.ts';
import { MIGRATIONS } from './sqlite/migrations.ts';
import { test } from './test-store.ts';

const V7 = MIGRATIONS.filter((m) => m.version <= 7);
const AT = '2031-01-01T00:00:00.000Z';

/** [actor, action, target, the plugin it is about]. */
const AUDIT: [string, string, string | null, string | undefined][] = [
  ['key:k1', 'plugin.install', 'canvas@1.2.0', 'canvas'],
  ['key:k1', 'plugin.enable', 'canvas', 'canvas'],
  ['host', 'plugin.quarantine', 'hostile@0.1.0', 'hostile'],
  ['plugin:writer@1.0.0#abc123', 'kv.get', 'exec-1', 'writer'],
  ['plugin:flow', 'agents.invoke', 'canvas/painter.paint', 'flow'],
  ['plugin:flow@2.0.0', 'workflow.finished', 'exec-2', 'flow'],
  ['key:k1', 'key.create', 'key-2', undefined],
  ['key:k1', 'retention.purge', null, undefined],
  ['key:k1', 'plugin.config', '', undefined],
];

test('a version 7 database migrates: usage rows keep their figures, audit rows name their plugin', async ({ file }) => {
  const v7 = await openDatabase(file, V7);
  try {
    v7.prepare(`INSERT INTO model_usage (at, app_id, user_id, plugin_name, execution_id, task, model_id, purpose, input_tokens, output_tokens, images, cost_nanos, cached, status, latency_ms)
      VALUES ('${AT}', 'app-1', 'u1', 'p', 'e1', 'text', 'm', 'call', 10, 5, 0, 1500, NULL, 'ok', 3)`).run();
    const audit = v7.prepare(`INSERT INTO audit_log (at, actor, action, target, outcome) VALUES ('${AT}', ?, ?, ?, 'ok')`);
    for (const [actor, action, target] of AUDIT) audit.run(actor, action, target);
  } finally {
    v7.close();
  }

  const store = await openStore(file);
  try {
    const [usage] = await store.usage.listByExecution('e1');
    expect(usage).toMatchObject({ appId: 'app-1', costUsd: 0.0000015, inputTokens: 10 });
    for (const field of ['savedUsd', 'cacheMiss', 'fallback', 'cooled', 'quotaWaits']) expect(usage).not.toHaveProperty(field);
    const listed = (await store.audit.list({ limit: 100 })).reverse();
    expect(listed.map((e) => e.plugin)).toEqual(AUDIT.map(([, , , plugin]) => plugin));
    // The rule record() applies to new rows is the migration's.
    expect(AUDIT.map(([actor, action, target]) => pluginOfAudit({ actor, action, target: target ?? undefined }))).toEqual(AUDIT.map(([, , , plugin]) => plugin));
    expect((await store.audit.list({ limit: 100, plugin: 'flow' })).map((e) => e.action)).toEqual(['workflow.finished', 'agents.invoke']);
  } finally {
    await store.close();
  }
});

test('the audit filters read a (column, id) index, newest first, without sorting', async ({ file }) => {
  await (await openStore(file)).close();
  const db = new Database(file, { readonly: true });
  try {
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const cases: [string, string][] = [
      ["SELECT * FROM audit_log WHERE plugin = 'p' AND id < 9 ORDER BY id DESC LIMIT 5", 'audit_by_plugin (plugin=? AND id<?)'],
      ["SELECT * FROM audit_log WHERE actor = 'key:1' AND id < 9 ORDER BY id DESC LIMIT 5", 'audit_by_actor (actor=? AND id<?)'],
      ["SELECT * FROM audit_log WHERE action = 'kv.get' AND id < 9 ORDER BY id DESC LIMIT 5", 'audit_by_action (action=? AND id<?)'],
    ];
    for (const [sql, index] of cases) {
      const detail = plan(sql);
      expect(detail, sql).toContain(index);
      expect(detail, sql).not.toContain('TEMP B-TREE');
    }
  } finally {
    db.close();
  }
});
