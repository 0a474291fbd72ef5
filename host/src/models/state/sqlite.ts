/**
 * The router state in its own SQLite file: one row of two token buckets per model, and
 * cooldowns. Every decision is a transaction on the file, so host processes sharing it
 * share the quotas.
 */
import type { Migration } from '@easel/common/sqlite/migrate';
import { openDatabase } from '@easel/common/sqlite/open-database';
import type BetterSqlite3 from 'better-sqlite3';
import type { Cooldown, QuotaLimits, RouterStateRepository, TakeResult } from './types.ts';

const MINUTE_MS = 60_000;
/** Refill arithmetic is in floats: a level this close to what is needed counts as enough. */
const EPSILON = 1e-9;

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

interface Levels {
  requests: number;
  tokens: number;
}

interface BucketRow extends Levels {
  updated_ms: number;
}

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

    /** The levels at `nowMs`: full when first seen, else refilled and clamped to the (maybe changed) capacity. */
    const levels = (modelId: string, limits: QuotaLimits, nowMs: number): Levels & { updatedMs: number } => {
      const row = get.get(modelId);
      if (row === undefined) return { requests: limits.rpm, tokens: limits.tpm, updatedMs: nowMs };
      // A clock behind the stored one (another host) refills nothing and does not move time back,
      // which would credit the same interval twice.
      const elapsed = Math.max(0, nowMs - row.updated_ms);
      return {
        requests: Math.min(limits.rpm, row.requests + (elapsed * limits.rpm) / (limits.refillMs ?? MINUTE_MS)),
        tokens: Math.min(limits.tpm, row.tokens + (elapsed * limits.tpm) / (limits.refillMs ?? MINUTE_MS)),
        updatedMs: Math.max(nowMs, row.updated_ms),
      };
    };

    this.#take = db.transaction((modelId: string, limits: QuotaLimits, tokens: number, nowMs: number): TakeResult => {
      if (tokens > limits.tpm) return { ok: false, retryAfterMs: Infinity, limit: 'tpm' };
      if (limits.rpm < 1) return { ok: false, retryAfterMs: Infinity, limit: 'rpm' };
      const level = levels(modelId, limits, nowMs);
      const requestWait = waitMs(1 - level.requests, limits.rpm, limits.refillMs);
      const tokenWait = waitMs(tokens - level.tokens, limits.tpm, limits.refillMs);
      if (requestWait > 0 || tokenWait > 0) {
        return tokenWait > requestWait ? { ok: false, retryAfterMs: tokenWait, limit: 'tpm' } : { ok: false, retryAfterMs: requestWait, limit: 'rpm' };
      }
      put.run({
        modelId,
        requests: Math.max(0, level.requests - 1),
        tokens: Math.max(0, level.tokens - tokens),
        updatedMs: level.updatedMs,
      });
      return { ok: true };
    });

    this.#refund = db.transaction((modelId: string, limits: QuotaLimits, requests: number, tokens: number, nowMs: number) => {
      const level = levels(modelId, limits, nowMs);
      put.run({
        modelId,
        requests: Math.max(0, Math.min(limits.rpm, level.requests + requests)),
        tokens: Math.max(0, Math.min(limits.tpm, level.tokens + tokens)),
        updatedMs: level.updatedMs,
      });
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

/** Milliseconds until a bucket refilling `perMinute` per `refillMs` gains `missing`; 0 when nothing is missing. */
function waitMs(missing: number, perMinute: number, refillMs = MINUTE_MS): number {
  return missing <= EPSILON ? 0 : Math.ceil((missing * refillMs) / perMinute);
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
