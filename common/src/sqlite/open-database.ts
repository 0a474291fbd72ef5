/** openDatabase: one SQLite connection with the pragmas a store relies on, its schema migrated. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, type Migration } from './migrate.ts';

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database at `file` (`:memory:` or '' for one in
 * memory) and applies the pending `migrations`, with `synchronous` FULL (the default) or
 * NORMAL. Rejects with StoreSchemaError when the file was written by newer code (a version
 * past the last of `migrations`).
 *
 * @example
 * ```ts
 * const db = await openDatabase(join(config.dataDir, 'easel.db'), MIGRATIONS);
 * ```
 */
export async function openDatabase(file: string, migrations: readonly Migration[], options: { synchronous?: 'full' | 'normal' } = {}): Promise<Database.Database> {
  const memory = file === ':memory:' || file === '';
  if (!memory) await mkdir(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    if (!memory && db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
      throw new Error(`${file}: SQLite refused WAL mode`);
    }
    // FULL unless asked otherwise: in WAL mode NORMAL survives a process crash but may lose the
    // last commits on power loss or an OS crash. By default a write reported as done (an
    // install, a grant or an execution row to a host client, a publish to npm) survives both;
    // the price is one fsync of the WAL per (group) commit.
    db.pragma(options.synchronous === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another process (a second host, a backup) may hold the write lock for a moment.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, file, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
