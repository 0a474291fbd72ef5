/** model_cache_exact and model_cache_semantic on PostgreSQL: reusable model answers (see ../rows/model-cache.ts). */
import type { CachedAnswer, ModelCacheRepository } from '../types.ts';
import { now } from '../rows/common.ts';
import { type AnswerRow, MAX_SCANNED, nearestOf, toAnswer, toBlob } from '../rows/model-cache.ts';
import type { PgDatabase } from './database.ts';

const TABLES = ['model_cache_exact', 'model_cache_semantic'] as const;
/** Each table's order of age (newest highest). */
const AGE = { model_cache_exact: 'seq', model_cache_semantic: 'id' } as const;

export class PgModelCacheRepository implements ModelCacheRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async getExact(key: string, nowMs: number): Promise<CachedAnswer | undefined> {
    const row = (await this.#db.pool.query<AnswerRow>('SELECT answer, model_id, created_at FROM model_cache_exact WHERE key = $1 AND expires_at_ms > $2', [key, nowMs])).rows[0];
    return row === undefined ? undefined : toAnswer(row);
  }

  async putExact(entry: { key: string; scope: string; answer: unknown; modelId: string; expiresAtMs: number }): Promise<void> {
    // A rewrite takes a new seq: prune reads it as the entry's age.
    await this.#db.pool.query(
      `INSERT INTO model_cache_exact (key, scope, answer, model_id, created_at, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key) DO UPDATE SET seq = nextval('model_cache_exact_seq'), scope = excluded.scope, answer = excluded.answer,
         model_id = excluded.model_id, created_at = excluded.created_at, expires_at_ms = excluded.expires_at_ms`,
      [entry.key, entry.scope, JSON.stringify(entry.answer), entry.modelId, now(), Math.round(entry.expiresAtMs)],
    );
  }

  async nearest(partition: string, vector: Float32Array, threshold: number, nowMs: number): Promise<(CachedAnswer & { similarity: number }) | undefined> {
    const scanned = await this.#db.pool.query<{ id: number; vector: Buffer }>('SELECT id, vector FROM model_cache_semantic WHERE partition = $1 AND expires_at_ms > $2 ORDER BY id DESC LIMIT $3', [
      partition,
      nowMs,
      MAX_SCANNED,
    ]);
    const best = nearestOf(scanned.rows, vector, threshold);
    if (best === undefined) return undefined;
    // Pruned or cleared since the scan: a miss.
    const row = (await this.#db.pool.query<AnswerRow>('SELECT answer, model_id, created_at FROM model_cache_semantic WHERE id = $1', [best.id])).rows[0];
    return row === undefined ? undefined : { ...toAnswer(row), similarity: best.similarity };
  }

  async putSemantic(entry: { partition: string; scope: string; vector: Float32Array; answer: unknown; modelId: string; expiresAtMs: number }): Promise<void> {
    await this.#db.pool.query('INSERT INTO model_cache_semantic (partition, scope, vector, answer, model_id, created_at, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      entry.partition,
      entry.scope,
      toBlob(entry.vector),
      JSON.stringify(entry.answer),
      entry.modelId,
      now(),
      Math.round(entry.expiresAtMs),
    ]);
  }

  async prune(nowMs: number, maxEntries: number): Promise<number> {
    const keep = Math.max(0, Math.trunc(maxEntries));
    return this.#db.transaction(async (db) => {
      let removed = 0;
      for (const table of TABLES) {
        removed += (await db.query(`DELETE FROM ${table} WHERE expires_at_ms <= $1`, [nowMs])).rowCount ?? 0;
        const age = AGE[table];
        removed += (await db.query(`DELETE FROM ${table} WHERE ${age} IN (SELECT ${age} FROM ${table} ORDER BY ${age} DESC OFFSET $1)`, [keep])).rowCount ?? 0;
      }
      return removed;
    });
  }

  async clearScope(scope: string): Promise<number> {
    return this.#db.transaction(async (db) => {
      let removed = 0;
      for (const table of TABLES) removed += (await db.query(`DELETE FROM ${table} WHERE scope = $1`, [scope])).rowCount ?? 0;
      return removed;
    });
  }
}
