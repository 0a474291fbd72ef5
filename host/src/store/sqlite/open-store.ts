/** openStore: the SQLite store — one connection, pragmas, migrations, repositories. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../types.ts';
import { SqliteApiKeyRepository } from './api-keys.ts';
import { SqliteAuditRepository } from './audit.ts';
import { SqliteConfigRepository } from './configs.ts';
import { SqliteExecutionRepository } from './executions.ts';
import { SqliteGrantRepository } from './grants.ts';
import { SqliteKvRepository } from './kv.ts';
import { migrate } from './migrate.ts';
import { SqlitePluginRepository } from './plugins.ts';

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database at `file` and brings its schema up to date.
 * Rejects with StoreSchemaError when the file was written by a newer host.
 *
 * @example
 * ```ts
 * const store = await openStore(join(config.dataDir, 'easel.db'));
 * await store.executions.failRunning('the host restarted');
 * ```
 */
export async function openStore(file: string): Promise<Store> {
  const memory = file === ':memory:' || file === '';
  if (!memory) await mkdir(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    if (!memory && db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') {
      throw new Error(`${file}: SQLite refused WAL mode`);
    }
    // FULL, not NORMAL: in WAL mode NORMAL survives a process crash but may lose the last
    // commits on power loss or an OS crash. An install, a grant or an execution row reported
    // to a client as done must survive both; the price is one fsync of the WAL per commit.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another process (a second host, a backup) may hold the write lock for a moment.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }

  return {
    plugins: new SqlitePluginRepository(db),
    grants: new SqliteGrantRepository(db),
    configs: new SqliteConfigRepository(db),
    executions: new SqliteExecutionRepository(db),
    kv: new SqliteKvRepository(db),
    audit: new SqliteAuditRepository(db),
    apiKeys: new SqliteApiKeyRepository(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
