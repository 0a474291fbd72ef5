/** openStore: the SQLite store — one connection, pragmas, migrations, repositories. */
import { randomUUID } from 'node:crypto';
import { openDatabase } from '@easel/common/sqlite/open-database';
import type { Store } from '../types.ts';
import { SqliteApiKeyRepository } from './api-keys.ts';
import { SqliteAppRepository } from './apps.ts';
import { SqliteAuditRepository } from './audit.ts';
import { SqliteBlobRepository } from './blobs.ts';
import { SqliteBudgetRepository } from './budgets.ts';
import { SqliteConfigRepository } from './configs.ts';
import { SqliteExecutionEventRepository } from './execution-events.ts';
import { SqliteExecutionRepository } from './executions.ts';
import { SqliteGrantRepository } from './grants.ts';
import { SqliteKvRepository } from './kv.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteModelCacheRepository } from './model-cache.ts';
import { SqlitePluginRepository } from './plugins.ts';
import { SqliteStepRepository } from './steps.ts';
import { SqliteUsageRepository } from './usage.ts';

/**
 * Opens (creating if needed) the SQLite database at `file` and brings its schema up to date.
 * Rejects with StoreSchemaError when the file was written by a newer host. `owner` is the
 * boot id this process's reservations carry (Store.owner); default a fresh random one.
 * `synchronous`: SQLite's, FULL by default (EASEL_DB_SYNCHRONOUS).
 *
 * @example
 * ```ts
 * const store = await openStore(join(config.dataDir, 'easel.db'));
 * const interrupted = await store.executions.unfinished();
 * ```
 */
export async function openStore(file: string, options: { owner?: string; synchronous?: 'full' | 'normal' } = {}): Promise<Store> {
  const owner = options.owner ?? randomUUID();
  const db = await openDatabase(file, MIGRATIONS, { synchronous: options.synchronous });
  return {
    owner,
    plugins: new SqlitePluginRepository(db),
    grants: new SqliteGrantRepository(db),
    configs: new SqliteConfigRepository(db),
    executions: new SqliteExecutionRepository(db),
    steps: new SqliteStepRepository(db),
    kv: new SqliteKvRepository(db),
    audit: new SqliteAuditRepository(db),
    apiKeys: new SqliteApiKeyRepository(db),
    apps: new SqliteAppRepository(db),
    usage: new SqliteUsageRepository(db),
    budgets: new SqliteBudgetRepository(db, owner),
    modelCache: new SqliteModelCacheRepository(db),
    blobs: new SqliteBlobRepository(db),
    executionEvents: new SqliteExecutionEventRepository(db),
    async close() {
      if (db.open) db.close();
    },
  };
}
