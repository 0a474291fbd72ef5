/**
 * openPostgresStore: the store on PostgreSQL, for several host replicas sharing one database
 * (EASEL_STORE=postgres). Every repository runs the same store suites as SQLite's.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../types.ts';
import { openPgDatabase } from './database.ts';
import { PgApiKeyRepository, PgAppRepository } from './api-keys.ts';
import { PgAuditRepository } from './audit.ts';
import { PgBlobRepository } from './blobs.ts';
import { PgBudgetRepository } from './budgets.ts';
import { PgExecutionEventRepository } from './execution-events.ts';
import { PgExecutionRepository } from './executions.ts';
import { PgConfigRepository, PgGrantRepository } from './grants-configs.ts';
import { PgKvRepository } from './kv.ts';
import { PgModelCacheRepository } from './model-cache.ts';
import { PgPluginRepository } from './plugins.ts';
import { PgStepRepository } from './steps.ts';
import { PgUsageRepository } from './usage.ts';

export async function openPostgresStore(url: string, options: { owner?: string; maxConnections?: number } = {}): Promise<Store> {
  const db = await openPgDatabase(url, { maxConnections: options.maxConnections });
  const owner = options.owner ?? randomUUID();
  return {
    owner,
    plugins: new PgPluginRepository(db),
    grants: new PgGrantRepository(db),
    configs: new PgConfigRepository(db),
    kv: new PgKvRepository(db),
    audit: new PgAuditRepository(db),
    apiKeys: new PgApiKeyRepository(db),
    apps: new PgAppRepository(db),
    executions: new PgExecutionRepository(db),
    steps: new PgStepRepository(db),
    executionEvents: new PgExecutionEventRepository(db),
    usage: new PgUsageRepository(db),
    budgets: new PgBudgetRepository(db, owner),
    modelCache: new PgModelCacheRepository(db),
    blobs: new PgBlobRepository(db),
    close: () => db.close(),
  };
}
