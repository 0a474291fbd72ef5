/**
 * The router state in its own SQLite file: one row of two token buckets per model, and
 * cooldowns. Every decision is a transaction on the file, so host processes sharing it
 * share the quotas.
 */
import type { Migration } from '@easel/common/sqlite/migrate';
import { openDatabase } from '@easel/common/sqlite/open-database';
import type BetterSqlite3 from 'better-sqlite3';
import { type BucketRow, decideTake, refunded } from './buckets.ts';
import type { Cooldown, QuotaLimits, RouterStateRepository, TakeResult } from './types.ts';


const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'buckets and cooldowns',
    sql: `
      -- Levels as of updated_ms; refilled lazily on the next take or refund.
      CREATE TABLE buckets (
        model_id TEXT PRIMARY KEY,
        requests REAL NOT NULL CHECK (requests >= 0),
        tokens REAL NOT NULL CHECK (tokens >= 0),
        updated_ms REAL NOT NULL
      ) STRICT;

      CREATE TABLE cooldowns (
        model_id TEXT PRIMARY KEY,
        until_ms REAL NOT NULL,
        reason TEXT NOT NULL
      ) STRICT;
    `,
  },
];


export class SqliteRouterState implements RouterStateRepository {
  #db;
  #take;
  #refund;
  #coolDown;
  #cooling;
  #clearCooldown;

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    const get = db.prepare<[string], BucketRow>('SELECT requests, tokens, updated_ms FROM buckets WHERE model_id = ?');
    const put = db.prepare(`
      INSERT INTO buckets (model_id, requests, tokens, updated_ms) VALUES (@modelId, @requests, @tokens, @updatedMs)
      ON CONFLICT (model_id) DO UPDATE SET requests = excluded.requests, tokens = excluded.tokens, updated_ms = excluded.updated_ms`);

    this.#take = db.transaction((modelId: string, limits: QuotaLimits, tokens: number, nowMs: number): TakeResult => {
      const decided = decideTake(get.get(modelId), limits, tokens, nowMs);
      if (decided.after) put.run({ modelId, ...decided.after });
      return decided.result;
    });

    this.#refund = db.transaction((modelId: string, limits: QuotaLimits, requests: number, tokens: number, nowMs: number) => {
      put.run({ modelId, ...refunded(get.get(modelId), limits, requests, tokens, nowMs) });
    });

    this.#coolDown = db.prepare(`
      INSERT INTO cooldowns (model_id, until_ms, reason) VALUES (?, ?, ?)
      ON CONFLICT (model_id) DO UPDATE SET until_ms = excluded.until_ms, reason = excluded.reason
      WHERE excluded.until_ms > cooldowns.until_ms`);
    this.#cooling = db.prepare<[number], { model_id: string; until_ms: number; reason: string }>(
      'SELECT model_id, until_ms, reason FROM cooldowns WHERE until_ms > ? ORDER BY model_id',
    );
    this.#clearCooldown = db.prepare('DELETE FROM cooldowns WHERE model_id = ?');
  }

  async take(modelId: string, limits: QuotaLimits, tokens: number, nowMs: number): Promise<TakeResult> {
    // IMMEDIATE takes the write lock before reading the levels: two processes cannot both
    // read the same level and both spend it.
    return this.#take.immediate(modelId, limits, tokens, nowMs);
  }

  async refund(modelId: string, limits: QuotaLimits, requests: number, tokens: number, nowMs: number): Promise<void> {
    this.#refund.immediate(modelId, limits, requests, tokens, nowMs);
  }

  async coolDown(modelId: string, untilMs: number, reason: string): Promise<void> {
    this.#coolDown.run(modelId, untilMs, reason);
  }

  async cooling(nowMs: number): Promise<Cooldown[]> {
    return this.#cooling.all(nowMs).map((row) => ({ modelId: row.model_id, untilMs: row.until_ms, reason: row.reason }));
  }

  async clearCooldown(modelId: string): Promise<void> {
    this.#clearCooldown.run(modelId);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

/**
 * Opens (creating if needed) the router state file and brings its schema up to date.
 *
 * @example
 * ```ts
 * const state = await openRouterState(join(config.dataDir, 'router-state.db'));
 * const taken = await state.take('claude-haiku', { rpm: 50, tpm: 40_000 }, 1200, Date.now());
 * ```
 */
export async function openRouterState(file: string): Promise<RouterStateRepository> {
  const db = await openDatabase(file, MIGRATIONS);
  // NORMAL, not the FULL openDatabase sets: every model call writes this file, so an fsync per
  // commit would be paid on the hot path, and everything in it expires within minutes, so
  // losing the last commits to a power loss or OS crash is harmless (a bucket a little fuller,
  // a cooldown forgotten). A process crash still loses nothing in WAL mode.
  db.pragma('synchronous = NORMAL');
  return new SqliteRouterState(db);
}
