/** Applies pending migrations, recording each in schema_migrations, in one transaction. */
import type { Database } from 'better-sqlite3';

/**
 * One step of a schema, in a list ordered by version. Append only: never edit a released
 * migration, add the next version. Each runs inside migrate's transaction, so no PRAGMA in
 * `sql` (foreign_keys and journal_mode are no-ops inside a transaction).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The database was written by a newer host: opening it could corrupt what this code does not know. */
export class StoreSchemaError extends Error {
  readonly code = 'STORE_SCHEMA_TOO_NEW';
  readonly found: number;
  readonly known: number;

  constructor(file: string, found: number, known: number) {
    super(`${file} has schema version ${found}, newer than this host knows (${known}); run a newer Easel host or restore a backup`);
    this.name = 'StoreSchemaError';
    this.found = found;
    this.known = known;
  }
}

/**
 * Returns the versions applied now (empty when the schema was current).
 * Throws StoreSchemaError when the file records a version past the last of `migrations`.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[]): number[] {
  const known = migrations.at(-1)?.version ?? 0;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  // IMMEDIATE takes the write lock before reading the version, so two hosts opening the
  // same file at once cannot both apply a migration.
  const run = db.transaction((): number[] => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > known) throw new StoreSchemaError(file, current, known);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
      applied.push(m.version);
    }
    return applied;
  });
  return run.immediate();
}
