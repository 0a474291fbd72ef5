/**
 * model_cache_exact and model_cache_semantic: reusable model answers (JSON text). Semantic
 * entries carry an embedding as Float32Array bytes; similarity is computed here in JS, since
 * vectors are L2-normalized by the caller a dot product is the cosine.
 */
import { groupCommitOf } from '@easel/common/sqlite/group-commit';
import type { CachedAnswer, ModelCacheRepository } from '../types.ts';
import { type Db, now } from './shared.ts';
import { type AnswerRow, MAX_SCANNED, nearestOf, toAnswer, toBlob } from '../rows/model-cache.ts';

export class SqliteModelCacheRepository implements ModelCacheRepository {
  #writes;
  #getExact;
  #putExact;
  #scan;
  #semanticById;
  #putSemantic;
  #prune;
  #clearScope;

  constructor(db: Db) {
    // Written after model calls on the hot path: batch the commits.
    this.#writes = groupCommitOf(db);
    this.#getExact = db.prepare<[string, number], AnswerRow>(
      'SELECT answer, model_id, created_at FROM model_cache_exact WHERE key = ? AND expires_at_ms > ?',
    );
    // REPLACE, not an upsert: the rewritten row gets a new rowid, which prune reads as its age.
    this.#putExact = db.prepare(`
      INSERT OR REPLACE INTO model_cache_exact (key, scope, answer, model_id, created_at, expires_at_ms)
      VALUES (@key, @scope, @answer, @modelId, @createdAt, @expiresAtMs)`);
    this.#scan = db.prepare<[string, number, number], { id: number; vector: Buffer }>(
      'SELECT id, vector FROM model_cache_semantic WHERE partition = ? AND expires_at_ms > ? ORDER BY id DESC LIMIT ?',
    );
    this.#semanticById = db.prepare<[number], AnswerRow>('SELECT answer, model_id, created_at FROM model_cache_semantic WHERE id = ?');
    this.#putSemantic = db.prepare(`
      INSERT INTO model_cache_semantic (partition, scope, vector, answer, model_id, created_at, expires_at_ms)
      VALUES (@partition, @scope, @vector, @answer, @modelId, @createdAt, @expiresAtMs)`);
    const statements = ['model_cache_exact', 'model_cache_semantic'].flatMap((table) => [
      db.prepare(`DELETE FROM ${table} WHERE expires_at_ms <= @nowMs`),
      db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ORDER BY rowid DESC LIMIT -1 OFFSET @maxEntries)`),
    ]);
    this.#prune = db.transaction((params: { nowMs: number; maxEntries: number }) =>
      statements.reduce((removed, statement) => removed + statement.run(params).changes, 0),
    );
    const clears = ['model_cache_exact', 'model_cache_semantic'].map((table) => db.prepare(`DELETE FROM ${table} WHERE scope = ?`));
    this.#clearScope = db.transaction((scope: string) => clears.reduce((removed, statement) => removed + statement.run(scope).changes, 0));
  }

  async getExact(key: string, nowMs: number): Promise<CachedAnswer | undefined> {
    const row = this.#getExact.get(key, nowMs);
    return row === undefined ? undefined : toAnswer(row);
  }

  async putExact(entry: { key: string; scope: string; answer: unknown; modelId: string; expiresAtMs: number }): Promise<void> {
    const params = { ...entry, answer: JSON.stringify(entry.answer), createdAt: now(), expiresAtMs: Math.round(entry.expiresAtMs) };
    await this.#writes.run(() => this.#putExact.run(params));
  }

  async nearest(
    partition: string,
    vector: Float32Array,
    threshold: number,
    nowMs: number,
  ): Promise<(CachedAnswer & { similarity: number }) | undefined> {
    const best = nearestOf(this.#scan.all(partition, nowMs, MAX_SCANNED), vector, threshold);
    if (best === undefined) return undefined;
    // Pruned or cleared since the scan: a miss.
    const row = this.#semanticById.get(best.id);
    return row === undefined ? undefined : { ...toAnswer(row), similarity: best.similarity };
  }

  async putSemantic(entry: {
    partition: string;
    scope: string;
    vector: Float32Array;
    answer: unknown;
    modelId: string;
    expiresAtMs: number;
  }): Promise<void> {
    const params = {
      ...entry,
      vector: toBlob(entry.vector),
      answer: JSON.stringify(entry.answer),
      createdAt: now(),
      expiresAtMs: Math.round(entry.expiresAtMs),
    };
    await this.#writes.run(() => this.#putSemantic.run(params));
  }

  async prune(nowMs: number, maxEntries: number): Promise<number> {
    return this.#prune({ nowMs, maxEntries: Math.max(0, Math.trunc(maxEntries)) });
  }

  async clearScope(scope: string): Promise<number> {
    return this.#clearScope(scope);
  }
}
