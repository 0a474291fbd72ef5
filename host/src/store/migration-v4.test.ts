/**
 * Migration 4 rebuilds the executions table (SQLite cannot widen a CHECK in place): a
 * database written by a version 3 host must come through with every row, status and seq,
 * the new columns defaulted, and the new CHECKs in force.
 */
import { openDatabase } from '@easel/common/sqlite/open-database';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { openStore } from './index.ts';
import { MIGRATIONS } from './sqlite/migrations.ts';
import { test } from './test-store.ts';

const V3 = MIGRATIONS.filter((m) => m.version <= 3);

interface V3Row {
  seq: number;
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  kind?: 'agent' | 'workflow';
  user?: string;
  output?: string;
  error?: string;
}

// Gaps in seq on purpose (rows deleted by hand, say): they must survive as they are.
const ROWS: V3Row[] = [
  { seq: 1, id: 'done', status: 'succeeded', user: 'u1', output: '{"text":"hi"}' },
  { seq: 2, id: 'broke', status: 'failed', user: 'u1', error: 'PLUGIN_ERROR' },
  { seq: 5, id: 'flow', status: 'succeeded', kind: 'workflow', user: 'u2', output: '[1,2]' },
  { seq: 9, id: 'left-running', status: 'running', kind: 'workflow' },
];

async function v3Database(file: string): Promise<void> {
  const db = await openDatabase(file, V3);
  try {
    const insert = db.prepare(`INSERT INTO executions (seq, id, plugin_name, plugin_version, kind, target, capability, api_key_id, user_id, input,
        status, output, error_code, error_message, duration_ms, cpu_ms, heap_used_bytes, started_at, finished_at)
      VALUES (@seq, @id, 'p', '1.0.0', @kind, 'echo', @capability, 'key-1', @user, '{"n":1}', @status, @output, @error, @message, @duration, 2.5, 4096,
        '2025-01-01T00:00:00.000Z', @finished)`);
    for (const row of ROWS) {
      const kind = row.kind ?? 'agent';
      const finished = row.status !== 'running';
      insert.run({
        seq: row.seq,
        id: row.id,
        kind,
        capability: kind === 'agent' ? 'say' : null,
        user: row.user ?? null,
        status: row.status,
        output: row.output ?? null,
        error: row.error ?? null,
        message: row.error ? 'boom' : null,
        duration: finished ? 7 : null,
        finished: finished ? '2025-01-01T00:00:01.000Z' : null,
      });
    }
    // A call the v3 host billed: no step column yet.
    db.prepare(`INSERT INTO model_usage (at, user_id, plugin_name, execution_id, task, model_id, purpose, input_tokens, output_tokens, images, cost_nanos, status, latency_ms)
      VALUES ('2025-01-01T00:00:00.500Z', 'u1', 'p', 'done', 'text', 'm-small', 'call', 10, 2, 0, 1500000, 'ok', 30)`).run();
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: 3 });
  } finally {
    db.close();
  }
}

const raw = (file: string) => new Database(file);

test('a version 3 database migrates: rows, statuses and seq kept, new columns defaulted', async ({ file }) => {
  await v3Database(file);
  const store = await openStore(file);
  try {
    const db = raw(file);
    try {
      expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: MIGRATIONS.at(-1)?.version });
      expect(db.prepare('SELECT seq, id, status, cost_nanos, resumed FROM executions ORDER BY seq').all()).toEqual(
        ROWS.map((r) => ({ seq: r.seq, id: r.id, status: r.status, cost_nanos: null, resumed: 0 })),
      );
      // The old table is gone, the indexes are on the new one.
      const names = (db.prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'executions' AND type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      // (executions_by_app and executions_by_app_user come with version 5, executions_by_finished and executions_events_kept with 7.)
      expect(names).toEqual(['executions_by_app', 'executions_by_app_user', 'executions_by_finished', 'executions_by_key', 'executions_by_plugin', 'executions_by_status', 'executions_by_target', 'executions_by_user', 'executions_events_kept']);
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'executions_v4'").get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT step_id FROM model_usage').all()).toEqual([{ step_id: null }]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    // Every field reads back through the repository; the cost of a pre-v4 row is summed from its usage.
    expect(await store.executions.get('done')).toEqual({
      id: 'done',
      pluginName: 'p',
      pluginVersion: '1.0.0',
      kind: 'agent',
      target: 'echo',
      capability: 'say',
      apiKeyId: 'key-1',
      userId: 'u1',
      input: { n: 1 },
      status: 'succeeded',
      output: { text: 'hi' },
      durationMs: 7,
      cpuMs: 2.5,
      heapUsedBytes: 4096,
      costUsd: 0.0015,
      resumed: 0,
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:00:01.000Z',
    });
    expect(await store.executions.get('broke')).toMatchObject({ status: 'failed', errorCode: 'PLUGIN_ERROR', errorMessage: 'boom', costUsd: 0 });
    expect(await store.executions.get('flow')).toMatchObject({ kind: 'workflow', output: [1, 2] });
    expect(await store.executions.get('flow')).not.toHaveProperty('capability');
    // The running row is what a stop left behind: the next start sees it.
    expect((await store.executions.unfinished()).map((e) => e.id)).toEqual(['left-running']);
    // Pages still come newest first by seq; the filters use the new indexes.
    expect((await store.executions.list()).items.map((e) => e.id)).toEqual(['left-running', 'flow', 'broke', 'done']);
    expect((await store.executions.list({ apiKeyId: 'key-1', kind: 'workflow' })).items.map((e) => e.id)).toEqual(['left-running', 'flow']);

    // New rows come after the old ones (AUTOINCREMENT carried over), and may be queued.
    await store.executions.create({ id: 'new', pluginName: 'p', pluginVersion: '1.0.0', kind: 'workflow', target: 'flow', input: null }, 'queued');
    expect((await store.executions.list({ limit: 1 })).items.map((e) => e.id)).toEqual(['new']);
    const check = raw(file);
    try {
      expect((check.prepare("SELECT seq FROM executions WHERE id = 'new'").get() as { seq: number }).seq).toBeGreaterThan(9);
    } finally {
      check.close();
    }
    expect(await store.executions.markRunning('new')).toBe(true);
    expect(await store.executions.complete('new', { status: 'cancelled', errorCode: 'EXECUTION_CANCELLED', durationMs: 1 })).toMatchObject({ won: true });
    expect(await store.executions.get('new')).toMatchObject({ status: 'cancelled', resumed: 0 });

    // The steps and events tables are there and usable.
    await store.steps.begin({ id: 's1', executionId: 'new', callKey: 'k', depth: 1, pluginName: 'p', pluginVersion: '1.0.0', agent: 'a', capability: 'c', inputSha256: 'ab'.repeat(32) });
    expect(await store.steps.listByExecution('new')).toHaveLength(1);
  } finally {
    await store.close();
  }
});

test("after the migration the CHECKs accept the new states and refuse others", async ({ file }) => {
  await v3Database(file);
  await (await openStore(file)).close();
  const db = raw(file);
  try {
    const insert = db.prepare(`INSERT INTO executions (id, plugin_name, plugin_version, kind, target, status, started_at, cost_nanos, resumed)
      VALUES (?, 'p', '1.0.0', 'workflow', 'flow', ?, '2025-01-02T00:00:00.000Z', ?, ?)`);
    for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled']) expect(() => insert.run(`ok-${status}`, status, 0, 0)).not.toThrow();
    expect(() => insert.run('bogus', 'bogus', 0, 0)).toThrow(/CHECK constraint failed/);
    expect(() => insert.run('negative-cost', 'queued', -1, 0)).toThrow(/CHECK constraint failed/);
    expect(() => insert.run('negative-resumed', 'queued', 0, -1)).toThrow(/CHECK constraint failed/);
    // The status of an old row can now move to cancelled, not to anything else.
    expect(db.prepare("UPDATE executions SET status = 'cancelled' WHERE id = 'left-running'").run().changes).toBe(1);
    expect(() => db.prepare("UPDATE executions SET status = 'bogus' WHERE id = 'done'").run()).toThrow(/CHECK constraint failed/);
    // Ids stay unique across old and new rows.
    expect(() => insert.run('done', 'queued', 0, 0)).toThrow(/UNIQUE constraint failed/);

    const step = db.prepare(`INSERT INTO execution_steps (id, execution_id, call_key, depth, plugin_name, plugin_version, agent, capability, input_sha256, status, started_at)
      VALUES (?, 'done', ?, ?, 'p', '1.0.0', 'a', 'c', ?, ?, '2025-01-02T00:00:00.000Z')`);
    const hash = 'ab'.repeat(32);
    expect(() => step.run('s1', 'k1', 1, hash, 'running')).not.toThrow();
    expect(() => step.run('s2', 'k1', 1, hash, 'running')).toThrow(/UNIQUE constraint failed/);
    expect(() => step.run('s3', 'k3', 0, hash, 'running')).toThrow(/CHECK constraint failed/);
    expect(() => step.run('s4', 'k4', 1, 'short', 'running')).toThrow(/CHECK constraint failed/);
    expect(() => step.run('s5', 'k5', 1, hash, 'queued')).toThrow(/CHECK constraint failed/);

    const event = db.prepare("INSERT INTO execution_events (execution_id, seq, type, data, at) VALUES ('done', ?, 'progress', ?, '2025-01-02T00:00:00.000Z')");
    expect(() => event.run(1, '{"message":"x"}')).not.toThrow();
    expect(() => event.run(1, '{}')).toThrow(/UNIQUE constraint failed|PRIMARY KEY/);
    expect(() => event.run(0, '{}')).toThrow(/CHECK constraint failed/);
    expect(() => event.run(2, 'not json')).toThrow(/CHECK constraint failed/);
  } finally {
    db.close();
  }
});
