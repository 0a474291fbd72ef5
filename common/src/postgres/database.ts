/**
 * A PostgreSQL connection pool, its transactions and its migrations, as the host's store and
 * the registry's store both use them. BIGINT and NUMERIC (what sum() and count() give) come
 * back as numbers, as SQLite gives them (the figures stay below 2^53). Each user names its own
 * migration table and advisory lock, so a host and a registry given one database never meet.
 */
import pg from 'pg';
import { StoreSchemaError } from '../sqlite/migrate.ts';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** One step of a schema, in a list ordered by version; append only once released. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

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

export interface OpenPgOptions {
  maxConnections: number;
  /** How long a query waits for a connection (the first connect at start too); unset: without bound. */
  connectTimeoutMs?: number;
  migrations: readonly PgMigration[];
  /** Where applied versions are recorded. */
  migrationTable: string;
  /** The advisory lock (one bigint key, or two int keys) replicas starting at once take to migrate once. */
  migrationLock: readonly [number] | readonly [number, number];
}

/** A pool on `url`; errors of idle connections the server drops do not end the process. */
export function pgPool(url: string, max: number, connectTimeoutMs?: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types: PG_TYPES, ...(connectTimeoutMs === undefined ? {} : { connectionTimeoutMillis: connectTimeoutMs }) });
  pool.on('error', () => undefined);
  return pool;
}

/** Opens a pool on `url` and applies pending migrations; StoreSchemaError when the database is newer. */
export async function openPgDatabase(url: string, options: OpenPgOptions): Promise<PgDatabase> {
  const pool = pgPool(url, options.maxConnections, options.connectTimeoutMs);
  const transaction = async <T>(fn: (client: Queryable) => Promise<T>, txOptions: { snapshot?: boolean } = {}): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query(txOptions.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
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
    await migrate(transaction, url, options);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return { pool, transaction, close: () => (closing ??= pool.end()) };
}

async function migrate(transaction: PgDatabase['transaction'], url: string, { migrations, migrationTable: table, migrationLock: lock }: OpenPgOptions): Promise<void> {
  const known = migrations.at(-1)?.version ?? 0;
  await transaction(async (db) => {
    // Held to the end of the transaction: a second replica waits here, then finds nothing to do.
    await db.query(`SELECT pg_advisory_xact_lock(${lock.map((_, i) => `$${i + 1}`).join(', ')})`, [...lock]);
    await db.query(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const { rows } = await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`);
    const current = rows[0]?.v ?? 0;
    if (current > known) throw new StoreSchemaError(redacted(url), current, known);
    for (const m of migrations) {
      if (m.version <= current) continue;
      await db.query(m.sql);
      await db.query(`INSERT INTO ${table} (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, new Date().toISOString()]);
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
