/**
 * The schema, as ordered migrations. Append only: never edit a released migration, add the
 * next version. Each runs inside the opener's transaction, so no PRAGMA here (foreign_keys
 * and journal_mode are no-ops inside a transaction).
 */
import type { Migration } from '@easel/common/sqlite/migrate';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE plugins (
        name TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
        integrity TEXT NOT NULL,
        script_sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        files TEXT NOT NULL CHECK (json_valid(files)),
        installed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Rows owned by a plugin cascade with it; removal also deletes them explicitly.
      CREATE TABLE grants (
        plugin TEXT PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        permissions TEXT NOT NULL CHECK (json_valid(permissions)),
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE plugin_configs (
        plugin TEXT PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE kv (
        plugin TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (plugin, key)
      ) STRICT, WITHOUT ROWID;

      -- History outlives the plugin: no foreign key. seq orders pages (ids are random).
      CREATE TABLE executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        plugin_name TEXT NOT NULL,
        plugin_version TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('agent', 'workflow')),
        target TEXT NOT NULL,
        capability TEXT,
        api_key_id TEXT,
        input TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        output TEXT,
        error_code TEXT,
        error_message TEXT,
        duration_ms INTEGER,
        cpu_ms REAL,
        heap_used_bytes INTEGER,
        started_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX executions_by_plugin ON executions (plugin_name, seq);
      CREATE INDEX executions_by_status ON executions (status, seq);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
        details TEXT
      ) STRICT;
      CREATE INDEX audit_by_action ON audit_log (action, id);

      -- Only the sha256 of a key is kept; the key is shown once at creation.
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_sha256 TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'app')),
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
    `,
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
