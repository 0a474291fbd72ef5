/** Applies pending migrations, recording each in schema_migrations, in one transaction. */
import type { Database } from 'better-sqlite3';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations.ts';

/** The database was written by a newer registry: opening it could corrupt what this code does not know. */
export class StoreSchemaError extends Error {
  readonly code = 'STORE_SCHEMA_TOO_NEW';
  readonly found: number;
  readonly known: number;

  constructor(file: string, found: number, known: number) {
    super(`${file} has schema version ${found}, newer than this registry knows (${known}); run a newer Easel registry or restore a backup`);
    this.name = 'StoreSchemaError';
    this.found = found;
    this.known = known;
  }
}

/** Returns the versions applied now (empty when the schema was current). */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const known = migrations.at(-1)?.version ?? LATEST_VERSION;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  // IMMEDIATE takes the write lock before reading the version, so two registries opening the
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
