/** openStore: the registry's SQLite store — one connection, pragmas, migrations, repositories. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RegistryStore } from '../types.ts';
import { SqliteDownloadRepository } from './downloads.ts';
import { migrate } from './migrate.ts';
import { SqlitePackageRepository } from './packages.ts';
import { SqliteTokenRepository, SqliteUserRepository } from './users.ts';

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database at `file` and brings its schema up to date.
 * Rejects with StoreSchemaError when the file was written by a newer registry.
 *
 * @example
 * ```ts
 * const store = await openStore(join(config.dataDir, 'registry.db'));
 * ```
 */
export async function openStore(file: string): Promise<RegistryStore> {
  const memory = file === ':memory:' || file === '';
  if (!memory) await mkdir(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    if (!memory && db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
      throw new Error(`${file}: SQLite refused WAL mode`);
    }
    // FULL: a publish reported to npm as done must survive power loss, not only a crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    users: new SqliteUserRepository(db),
    tokens: new SqliteTokenRepository(db),
    packages: new SqlitePackageRepository(db),
    downloads: new SqliteDownloadRepository(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
