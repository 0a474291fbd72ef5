/**
 * The PostgreSQL store's connection pool, its transactions and its migrations. BIGINT columns
 * come back as numbers (the store's figures stay below 2^53: nanodollars, bytes, sequence
 * numbers), as SQLite gives them.
 */
import pg from 'pg';
import { StoreSchemaError } from '@easel/common/sqlite/migrate';
import { PG_MIGRATIONS, type PgMigration } from './schema.ts';

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Any advisory-lock key unique to Easel's migrations: replicas starting at once apply them once. */
const MIGRATION_LOCK = 0x6561_7365;

/** BIGINT, and NUMERIC (what sum() of BIGINT gives): numbers, as SQLite gives them. */
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

/** Opens a pool on `url` and applies pending migrations; StoreSchemaError when the database is newer. */
export async function openPgDatabase(url: string, options: { maxConnections?: number } = {}): Promise<PgDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types: PG_TYPES });
  // An idle connection the server drops must not end the process.
  pool.on('error', () => undefined);
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

async function migrate(transaction: PgDatabase['transaction'], url: string, migrations: readonly PgMigration[]): Promise<number[]> {
  const known = migrations.at(-1)?.version ?? 0;
  return transaction(async (db) => {
    // Held to the end of the transaction: a second replica waits here, then finds nothing to do.
    await db.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const { rows } = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > known) throw new StoreSchemaError(redacted(url), current, known);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      await db.query(m.sql);
      await db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
      applied.push(m.version);
    }
    return applied;
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
