/**
 * openPostgresStore: the store on PostgreSQL (issue 17), for several host replicas sharing one
 * database. Work in progress: it has the repositories below, each run through the same store
 * suite as SQLite's; the host cannot use it until it implements the whole Store.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../types.ts';
import { openPgDatabase } from './database.ts';
import { PgApiKeyRepository, PgAppRepository } from './api-keys.ts';
import { PgAuditRepository } from './audit.ts';
import { PgBudgetRepository } from './budgets.ts';
import { PgExecutionEventRepository } from './execution-events.ts';
import { PgExecutionRepository } from './executions.ts';
import { PgConfigRepository, PgGrantRepository } from './grants-configs.ts';
import { PgKvRepository } from './kv.ts';
import { PgPluginRepository } from './plugins.ts';
import { PgStepRepository } from './steps.ts';
import { PgUsageRepository } from './usage.ts';

export type PgStore = Pick<Store, 'owner' | 'plugins' | 'grants' | 'configs' | 'kv' | 'audit' | 'apiKeys' | 'apps' | 'executions' | 'steps' | 'executionEvents' | 'usage' | 'budgets' | 'close'>;

export async function openPostgresStore(url: string, options: { owner?: string; maxConnections?: number } = {}): Promise<PgStore> {
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
    close: () => db.close(),
  };
}
