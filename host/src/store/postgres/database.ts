/**
 * The host store's PostgreSQL database: the shared pool, transactions and migrations
 * (@easel/common/postgres/database) with the host's schema, its migration record and its
 * migration lock.
 */
import { openPgDatabase as openDatabase, type PgDatabase } from '@easel/common/postgres/database';
import { PG_MIGRATIONS } from './schema.ts';

export { PG_TYPES, redacted, type PgDatabase, type Queryable } from '@easel/common/postgres/database';

/** Any advisory-lock key unique to Easel's migrations: replicas starting at once apply them once. */
const MIGRATION_LOCK = 0x6561_7365;

/** Opens a pool on `url` and applies pending migrations; StoreSchemaError when the database is newer. */
export function openPgDatabase(url: string, options: { maxConnections?: number } = {}): Promise<PgDatabase> {
  return openDatabase(url, { maxConnections: options.maxConnections ?? 10, migrations: PG_MIGRATIONS, migrationTable: 'schema_migrations', migrationLock: [MIGRATION_LOCK] });
}
