/**
 * Blob metadata rows, running totals per plugin and the orphan list the sweeper works from, on
 * PostgreSQL. Every statement binds the plugin as its own column; object keys never come from
 * plugin input. A commit locks its plugin's row first, so commits of one plugin on any replica
 * check the quota one after another.
 */
import { EaselError } from '../../errors/index.ts';
import type { BlobRecord, BlobRepository, NewBlob } from '../types.ts';
import { type BlobRow, checkQuota, compareCodePoints, toBlobRecord } from '../rows/blobs.ts';
import { now, pluginNotFound } from '../rows/common.ts';
import { prefixEnd } from '../rows/kv-keys.ts';
import type { PgDatabase, Queryable } from './database.ts';
import { Where } from './where.ts';

const ORPHAN = `INSERT INTO blob_orphans (object_key, reason, since) VALUES ($1, $2, $3)
  ON CONFLICT (object_key) DO UPDATE SET reason = excluded.reason, since = excluded.since`;

const usageOf = async (db: Queryable, plugin: string) =>
  (await db.query<{ bytes: number; objects: number }>('SELECT bytes, objects FROM blob_usage WHERE plugin = $1', [plugin])).rows[0] ?? { bytes: 0, objects: 0 };

/** Adds to a plugin's totals (an upsert: PostgreSQL checks the row it writes, not the one an INSERT proposes). */
const addUsage = (db: Queryable, plugin: string, bytes: number, objects: number) =>
  db.query(
    `INSERT INTO blob_usage (plugin, bytes, objects) VALUES ($1, greatest($2::bigint, 0), greatest($3::bigint, 0))
     ON CONFLICT (plugin) DO UPDATE SET bytes = blob_usage.bytes + $2, objects = blob_usage.objects + $3`,
    [plugin, bytes, objects],
  );

/** Deletes a row and releases its object, giving its size back to the plugin's totals. */
async function drop(db: Queryable, old: BlobRow, at: string): Promise<void> {
  await db.query('DELETE FROM blobs WHERE id = $1', [old.id]);
  await addUsage(db, old.plugin, -old.size, -1);
  await db.query(ORPHAN, [old.object_key, 'released', at]);
}

export class PgBlobRepository implements BlobRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async beginWrite(objectKey: string): Promise<void> {
    await this.#db.pool.query(ORPHAN, [objectKey, 'writing', now()]);
  }

  async commit(blob: NewBlob, limits: { maxBytes: number; maxObjects: number }): Promise<{ replaced?: BlobRecord }> {
    return this.#db.transaction(async (db) => {
      if ((await db.query('SELECT 1 FROM plugins WHERE name = $1 FOR UPDATE', [blob.pluginName])).rowCount === 0) throw pluginNotFound(blob.pluginName);
      // The write's mark must still be there: a sweeper that took it is deleting these bytes.
      if ((await db.query('DELETE FROM blob_orphans WHERE object_key = $1', [blob.objectKey])).rowCount !== 1) {
        throw new EaselError('STORAGE_UNAVAILABLE', { operation: 'put', reason: 'the write took longer than the sweeper allows (EASEL_STORAGE_SWEEP_AFTER_MS) and its object was removed' });
      }
      const old = (await db.query<BlobRow>('SELECT * FROM blobs WHERE plugin = $1 AND key = $2', [blob.pluginName, blob.key])).rows[0];
      const usage = await usageOf(db, blob.pluginName);
      const bytes = usage.bytes - (old?.size ?? 0) + blob.size;
      const objects = usage.objects + (old ? 0 : 1);
      checkQuota(blob.pluginName, usage, { bytes, objects }, limits);
      const at = now();
      if (old) await drop(db, old, at);
      await db.query(
        `INSERT INTO blobs (id, plugin, key, object_key, content_type, size, sha256, execution_id, app_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, (SELECT app_id FROM executions WHERE id = $8::text), $9, $10)`,
        [blob.id, blob.pluginName, blob.key, blob.objectKey, blob.contentType, blob.size, blob.sha256, blob.executionId ?? null, blob.createdAt, blob.expiresAt ?? null],
      );
      await addUsage(db, blob.pluginName, blob.size, 1);
      return old ? { replaced: toBlobRecord(old) } : {};
    });
  }

  async get(plugin: string, key: string): Promise<BlobRecord | undefined> {
    const row = (await this.#db.pool.query<BlobRow>('SELECT * FROM blobs WHERE plugin = $1 AND key = $2', [plugin, key])).rows[0];
    return row && toBlobRecord(row);
  }

  async byId(id: string): Promise<BlobRecord | undefined> {
    const row = (await this.#db.pool.query<BlobRow>('SELECT * FROM blobs WHERE id = $1', [id])).rows[0];
    return row && toBlobRecord(row);
  }

  async list(plugin: string, prefix: string, after: string | undefined, limit: number, liveAt?: string): Promise<BlobRecord[]> {
    // Strictly after `after` when it is inside the range, else from the prefix itself (inclusive).
    const op = after !== undefined && compareCodePoints(after, prefix) >= 0 ? '>' : '>=';
    const where = new Where().and('plugin = ?', plugin).and(`key ${op} ?`, op === '>' ? after : prefix);
    const end = prefixEnd(prefix);
    if (end !== undefined) where.and('key < ?', end);
    // Expired rows are skipped here, so a page is as long as the limit while more follow.
    if (liveAt !== undefined) where.and('(expires_at IS NULL OR expires_at > ?)', new Date(liveAt).toISOString());
    const sql = `SELECT * FROM blobs ${where} ORDER BY key LIMIT ${where.bind(limit)}`;
    return (await this.#db.pool.query<BlobRow>(sql, where.params)).rows.map(toBlobRecord);
  }

  async remove(plugin: string, key: string): Promise<BlobRecord | undefined> {
    return this.#db.transaction(async (db) => {
      const old = (await db.query<BlobRow>('SELECT * FROM blobs WHERE plugin = $1 AND key = $2 FOR UPDATE', [plugin, key])).rows[0];
      if (!old) return undefined;
      await drop(db, old, now());
      return toBlobRecord(old);
    });
  }

  async usage(plugin: string): Promise<{ bytes: number; objects: number }> {
    return usageOf(this.#db.pool, plugin);
  }

  async orphans(writingBefore: string, limit: number): Promise<string[]> {
    const { rows } = await this.#db.pool.query<{ object_key: string }>("SELECT object_key FROM blob_orphans WHERE reason = 'released' OR since < $1 ORDER BY since LIMIT $2", [writingBefore, limit]);
    return rows.map((r) => r.object_key);
  }

  async claim(objectKey: string): Promise<boolean> {
    return (await this.#db.pool.query('DELETE FROM blob_orphans WHERE object_key = $1', [objectKey])).rowCount === 1;
  }

  async release(objectKey: string): Promise<void> {
    await this.#db.pool.query(ORPHAN, [objectKey, 'released', now()]);
  }

  async expire(at: string, limit: number): Promise<{ expired: BlobRecord[]; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    const cutoff = new Date(at).toISOString();
    const expired = await this.#db.transaction(async (db) => {
      // blobs_by_expiry, oldest expiry first; like a delete: the quota goes back, the object is released.
      const rows = (await db.query<BlobRow>('SELECT * FROM blobs WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED', [cutoff, n])).rows;
      for (const old of rows) await drop(db, old, cutoff);
      return rows.map(toBlobRecord);
    });
    return { expired, more: expired.length === n };
  }
}
