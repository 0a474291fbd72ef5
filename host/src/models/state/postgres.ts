/**
 * The router state in the PostgreSQL store's database (EASEL_STORE=postgres): the same buckets
 * and cooldowns as router-state.db, shared by every host on the database. A take or refund locks
 * its model's row for its transaction, so two hosts cannot both spend the same level.
 */
import { openPgDatabase, type PgDatabase } from '../../store/postgres/database.ts';
import { type BucketRow, decideTake, refunded, type Stored } from './buckets.ts';
import type { Cooldown, QuotaLimits, RouterStateRepository, TakeResult } from './types.ts';

const PUT = `UPDATE router_buckets SET requests = $2, tokens = $3, updated_ms = $4 WHERE model_id = $1`;

export class PgRouterState implements RouterStateRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  take(modelId: string, limits: QuotaLimits, tokens: number, nowMs: number): Promise<TakeResult> {
    return this.#decide(modelId, (row) => decideTake(row, limits, tokens, nowMs));
  }

  async refund(modelId: string, limits: QuotaLimits, requests: number, tokens: number, nowMs: number): Promise<void> {
    await this.#decide(modelId, (row) => ({ result: undefined, after: refunded(row, limits, requests, tokens, nowMs) }));
  }

  /** Runs `decide` on the model's row, locked (a first sight inserts an empty row to lock, marked as unseen). */
  #decide<T>(modelId: string, decide: (row: BucketRow | undefined) => { result: T; after?: Stored }): Promise<T> {
    return this.#db.transaction(async (db) => {
      // updated_ms = -1: a row only made to be locked, which counts as never seen.
      await db.query('INSERT INTO router_buckets (model_id, requests, tokens, updated_ms) VALUES ($1, 0, 0, -1) ON CONFLICT (model_id) DO NOTHING', [modelId]);
      const found = (await db.query<BucketRow>('SELECT requests, tokens, updated_ms FROM router_buckets WHERE model_id = $1 FOR UPDATE', [modelId])).rows[0];
      const { result, after } = decide(found === undefined || found.updated_ms < 0 ? undefined : found);
      if (after) await db.query(PUT, [modelId, after.requests, after.tokens, after.updatedMs]);
      return result;
    });
  }

  async coolDown(modelId: string, untilMs: number, reason: string): Promise<void> {
    await this.#db.pool.query(
      `INSERT INTO router_cooldowns (model_id, until_ms, reason) VALUES ($1, $2, $3)
       ON CONFLICT (model_id) DO UPDATE SET until_ms = excluded.until_ms, reason = excluded.reason WHERE excluded.until_ms > router_cooldowns.until_ms`,
      [modelId, untilMs, reason],
    );
  }

  async cooling(nowMs: number): Promise<Cooldown[]> {
    const { rows } = await this.#db.pool.query<{ model_id: string; until_ms: number; reason: string }>('SELECT model_id, until_ms, reason FROM router_cooldowns WHERE until_ms > $1 ORDER BY model_id', [nowMs]);
    return rows.map((row) => ({ modelId: row.model_id, untilMs: row.until_ms, reason: row.reason }));
  }

  async clearCooldown(modelId: string): Promise<void> {
    await this.#db.pool.query('DELETE FROM router_cooldowns WHERE model_id = $1', [modelId]);
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

/** Opens the router state on the store's database at `url`, on a small pool of its own (every model call uses it). */
export async function openPgRouterState(url: string, maxConnections = 4): Promise<RouterStateRepository> {
  return new PgRouterState(await openPgDatabase(url, { maxConnections }));
}
