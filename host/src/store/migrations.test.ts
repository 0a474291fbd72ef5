import { openDatabase } from '@easel/common/sqlite/open-database';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { openStore, StoreSchemaError } from './index.ts';
import { LATEST_VERSION, MIGRATIONS } from './sqlite/migrations.ts';
import { test } from './test-store.ts';

const versions = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  } finally {
    db.close();
  }
};

test('migrations are ordered, unique and end at LATEST_VERSION', () => {
  const list = MIGRATIONS.map((m) => m.version);
  expect(list).toEqual([...list].sort((a, b) => a - b));
  expect(new Set(list).size).toBe(list.length);
  expect(list.at(-1)).toBe(LATEST_VERSION);
});

test('openStore creates the folder, runs every migration once and records it', async ({ file }) => {
  const store = await openStore(file);
  await store.audit.record({ actor: 'test', action: 'first', outcome: 'ok' });
  await store.close();
  const recorded = versions(file);
  expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));

  // Reopening applies nothing (a rerun of CREATE TABLE would throw) and keeps the data.
  const again = await openStore(file);
  expect(await again.audit.list({ limit: 10 })).toHaveLength(1);
  await again.close();
  expect(versions(file)).toEqual(recorded);
});

test('a version 1 database upgrades in place: its executions keep their rows, without a user', async ({ file }) => {
  const v1 = await openDatabase(file, MIGRATIONS.slice(0, 1));
  v1.prepare(`INSERT INTO executions (id, plugin_name, plugin_version, kind, target, status, started_at)
    VALUES ('old', 'p', '1.0.0', 'agent', 'echo', 'running', '2025-01-01T00:00:00.000Z')`).run();
  v1.close();

  const store = await openStore(file);
  try {
    expect(versions(file)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    const old = await store.executions.get('old');
    expect(old).toMatchObject({ id: 'old', status: 'running' });
    expect(old).not.toHaveProperty('userId');
    await store.executions.create({ id: 'new', pluginName: 'p', pluginVersion: '1.0.0', kind: 'agent', target: 'echo', userId: 'u1', input: 1 });
    expect((await store.executions.list({ userId: 'u1' })).items.map((e) => e.id)).toEqual(['new']);
  } finally {
    await store.close();
  }
});

test('the database runs in WAL mode', async ({ file, store }) => {
  await store.plugins.list();
  const db = new Database(file);
  try {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  } finally {
    db.close();
  }
});

test('a schema newer than the code refuses to open, with a clear error', async ({ file }) => {
  await (await openStore(file)).close();
  const db = new Database(file);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_VERSION + 1, 'future', new Date().toISOString());
  db.close();

  const error = await openStore(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StoreSchemaError);
  expect(error).toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', found: LATEST_VERSION + 1, known: LATEST_VERSION });
  // Nothing was written by the refused open.
  expect(versions(file)).toHaveLength(MIGRATIONS.length + 1);
});

test('close is idempotent', async ({ store }) => {
  await store.close();
  await expect(store.close()).resolves.toBeUndefined();
});
