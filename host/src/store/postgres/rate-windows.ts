/** Request windows per key on PostgreSQL: one row per key, counted in one atomic upsert per request. */
import type { RateWindows } from '../types.ts';
import type { PgDatabase } from './database.ts';

export class PgRateWindows implements RateWindows {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async hit(key: string, windowMs: number, nowMs: number): Promise<{ count: number; windowStartMs: number }> {
    // A window over at `nowMs` starts again with this request; otherwise it counts one more.
    const { rows } = await this.#db.pool.query<{ count: number; window_start_ms: number }>(
      `INSERT INTO rate_windows (key, window_start_ms, count) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN rate_windows.window_start_ms + $3 <= $2 THEN 1 ELSE rate_windows.count + 1 END,
         window_start_ms = CASE WHEN rate_windows.window_start_ms + $3 <= $2 THEN $2 ELSE rate_windows.window_start_ms END
       RETURNING count, window_start_ms`,
      [key, Math.round(nowMs), Math.round(windowMs)],
    );
    const row = rows[0] as { count: number; window_start_ms: number };
    return { count: row.count, windowStartMs: row.window_start_ms };
  }
}
