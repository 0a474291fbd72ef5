/**
 * openPostgresStore: the store on PostgreSQL, for several host replicas sharing one database
 * (EASEL_STORE=postgres). Every repository runs the same store suites as SQLite's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../types.ts';
import { StoreSchemaError } from '@easel/common/sqlite/migrate';
import { StoreStartError } from '../store-start-error.ts';
import { openPgDatabase, type PgDatabase, redacted } from './database.ts';
import { PgApiKeyRepository, PgAppRepository } from './api-keys.ts';
import { PgAuditRepository } from './audit.ts';
import { PgBlobRepository } from './blobs.ts';
import { PgBudgetRepository } from './budgets.ts';
import { ChangeFeed } from './change-feed.ts';
import { PgExecutionEventRepository } from './execution-events.ts';
import { holdExclusively } from './exclusive-lock.ts';
import { PgExecutionRepository } from './executions.ts';
import { PgConfigRepository, PgGrantRepository } from './grants-configs.ts';
import { PgKeySlots } from './key-slots.ts';
import { PgKvRepository } from './kv.ts';
import { PgModelCacheRepository } from './model-cache.ts';
import { PgPluginSlots } from './plugin-slots.ts';
import { PgPluginRepository } from './plugins.ts';
import { PgRateWindows } from './rate-windows.ts';
import { Replicas } from './replicas.ts';
import { PgStepRepository } from './steps.ts';
import { PgUsageRepository } from './usage.ts';

export interface PostgresStoreOptions {
  owner?: string;
  maxConnections?: number;
  /** The store is this host's alone (EASEL_REPLICAS=one): a session lock held until close. */
  exclusive?: boolean;
  /** `exclusive`: the connection holding the lock broke and another host took it meanwhile. */
  onExclusiveLost?: (error: Error) => void;
  leaseMs?: number;
}

/**
 * Opens the store at `url`, migrating its schema. With `exclusive`, a second host on the same
 * database is refused with StoreStartError. Unreachable databases are a StoreStartError too,
 * naming the URL without its password.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  let db: PgDatabase;
  try {
    db = await openPgDatabase(url, { maxConnections: options.maxConnections });
  } catch (error) {
    if (error instanceof StoreSchemaError) throw error;
    throw new StoreStartError(`cannot open the PostgreSQL database at ${redacted(url)}: ${(error as Error).message}; check EASEL_DATABASE_URL and that the server is up`, { cause: error });
  }
  let release = async () => undefined as void;
  if (options.exclusive) {
    try {
      release = await holdExclusively(db, options.onExclusiveLost ?? (() => undefined));
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  const owner = options.owner ?? randomUUID();
  const replicas = await Replicas.join(db, owner, { leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS });
  const changes = await ChangeFeed.open(url, db.pool);
  return {
    owner,
    changes,
    rateWindows: new PgRateWindows(db),
    keySlots: new PgKeySlots(db, replicas),
    pluginSlots: new PgPluginSlots(db, replicas),
    async periodicTurn(job: string, holdMs: number): Promise<boolean> {
      // Taken when free or lapsed, kept by its holder: one statement, so two hosts asking at once cannot both get it.
      const nowMs = Date.now();
      const { rowCount } = await db.pool.query(
        `INSERT INTO periodic_turns (job, owner, until_ms) VALUES ($1, $2, $3)
         ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
         WHERE periodic_turns.owner = excluded.owner OR periodic_turns.until_ms <= $4`,
        [job, owner, nowMs + holdMs, nowMs],
      );
      return (rowCount ?? 0) > 0;
    },
    async sharedSecret(name: string): Promise<Buffer> {
      // The first host's random bytes win; every later one reads them.
      await db.pool.query('INSERT INTO shared_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32)]);
      return (await db.pool.query<{ value: Buffer }>('SELECT value FROM shared_secrets WHERE name = $1', [name])).rows[0]!.value;
    },
    plugins: new PgPluginRepository(db),
    grants: new PgGrantRepository(db),
    configs: new PgConfigRepository(db),
    kv: new PgKvRepository(db),
    audit: new PgAuditRepository(db),
    apiKeys: new PgApiKeyRepository(db),
    apps: new PgAppRepository(db),
    executions: new PgExecutionRepository(db, replicas),
    steps: new PgStepRepository(db),
    executionEvents: new PgExecutionEventRepository(db),
    usage: new PgUsageRepository(db),
    budgets: new PgBudgetRepository(db, replicas),
    modelCache: new PgModelCacheRepository(db),
    blobs: new PgBlobRepository(db),
    async close() {
      await changes.close();
      // Its periodic jobs go to the next host that asks, without waiting for them to lapse.
      await db.pool.query('DELETE FROM periodic_turns WHERE owner = $1', [owner]).catch(() => undefined);
      await replicas.leave();
      await release();
      await db.close();
    },
  };
}

/** EASEL_REPLICA_LEASE_MS's default. */
export const DEFAULT_LEASE_MS = 10_000;
