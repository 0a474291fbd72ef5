/**
 * The registry store's PostgreSQL database: the shared pool, transactions and migrations
 * (@easel/common/postgres/database) with the registry's schema. Its tables, migration record and
 * advisory locks are its own, so they never meet the host's when both are given one database.
 */
import { openPgDatabase as openDatabase, type PgDatabase } from '@easel/common/postgres/database';
import { PG_MIGRATIONS } from './migrations.ts';

export { pgPool, PG_TYPES, redacted, type PgDatabase, type Queryable } from '@easel/common/postgres/database';

/**
 * Advisory-lock class ids (the two-int4 form of pg_advisory_lock: a lock space of its own,
 * apart from the host's one-bigint keys). Migrations take (MIGRATIONS, 0).
 */
export const LOCK_CLASS = { migrations: 0x5245_474d, packages: 0x5245_4750 } as const;

/** Opens a pool on `url` and applies pending migrations; StoreSchemaError when the database is newer. */
export function openPgDatabase(url: string, maxConnections: number): Promise<PgDatabase> {
  // Bounded: a request waits at most this long for a connection (also the first connect at start).
  return openDatabase(url, { maxConnections, connectTimeoutMs: 30_000, migrations: PG_MIGRATIONS, migrationTable: 'registry_schema_migrations', migrationLock: [LOCK_CLASS.migrations, 0] });
}

/** PostgreSQL's unique_violation. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '23505';
