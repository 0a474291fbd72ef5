/**
 * The registry's PostgreSQL connection pool, its transactions and its migrations. Modelled on
 * the host's store (host/src/store/postgres/database.ts) but separate: the registry is its own
 * package, and its tables, migration record and advisory locks must not meet the host's when
 * both are given one database.
 */
import pg from 'pg';
import { StoreSchemaError } from '@easel/common/sqlite/migrate';
import { PG_MIGRATIONS, type PgMigration } from './migrations.ts';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Advisory-lock class ids (the two-int4 form of pg_advisory_lock: a lock space of its own,
 * apart from the host's one-bigint keys). Migrations take (MIGRATIONS, 0).
 */
export const LOCK_CLASS = { migrations: 0x5245_474d, packages: 0x5245_4750 } as const;

/** BIGINT and NUMERIC (what sum() and count() give): numbers, as SQLite gives them. */
const AS_NUMBER = new Set([20, 1700]);
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (AS_NUMBER.has(oid) ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

export interface PgDatabase {
  pool: pg.Pool;
  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back
   * when it throws. `snapshot`: every read sees the same snapshot (REPEATABLE READ, read only).
   */
  transaction<T>(fn: (client: Queryable) => Promise<T>, options?: { snapshot?: boolean }): Promise<T>;
  close(): Promise<void>;
}

/** A pool on `url`; errors of idle connections the server drops do not end the process. */
export function pgPool(url: string, max: number, connectTimeoutMs?: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: PG_TYPES, ...(connectTimeoutMs === undefined ? {} : { connectionTimeoutMillis: connectTimeoutMs }) });
  pool.on('error', () => undefined);
  return pool;
}

/** Opens a pool on `url` and applies pending migrations; StoreSchemaError when the database is newer. */
export async function openPgDatabase(url: string, maxConnections: number): Promise<PgDatabase> {
  // Bounded: a request waits at most this long for a connection (also the first connect at start).
  const pool = pgPool(url, maxConnections, 30_000);
  const transaction = async <T>(fn: (client: Queryable) => Promise<T>, options: { snapshot?: boolean } = {}): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query(options.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  try {
    await migrate(transaction, url, PG_MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return { pool, transaction, close: () => (closing ??= pool.end()) };
}

async function migrate(transaction: PgDatabase['transaction'], url: string, migrations: readonly PgMigration[]): Promise<void> {
  const known = migrations.at(-1)?.version ?? 0;
  await transaction(async (db) => {
    // Held to the end of the transaction: a second replica waits here, then finds nothing to do.
    await db.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS.migrations]);
    await db.query('CREATE TABLE IF NOT EXISTS registry_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const { rows } = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM registry_schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > known) throw new StoreSchemaError(redacted(url), current, known);
    for (const m of migrations) {
      if (m.version <= current) continue;
      await db.query(m.sql);
      await db.query('INSERT INTO registry_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
    }
  });
}

/** The URL without its password, for messages. */
export function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}

/** PostgreSQL's unique_violation. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '23505';
