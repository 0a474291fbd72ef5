/**
 * Blob metadata rows, running totals per plugin and the orphan list the sweeper works from.
 * Every statement binds the plugin as its own column, so no key a plugin crafts reaches
 * another plugin's rows; object keys never come from plugin input.
 */
import { EaselError } from '../../errors/index.ts';
import type { BlobRecord, BlobRepository, NewBlob } from '../types.ts';
import { type Db, now, pluginNotFound } from './shared.ts';
import { type BlobRow as Row, checkQuota, compareCodePoints, toBlobRecord as toRecord } from '../rows/blobs.ts';
import { prefixEnd } from '../rows/kv-keys.ts';

export class SqliteBlobRepository implements BlobRepository {
  #get;
  #byId;
  #listRange;
  #listFrom;
  #usage;
  #orphan;
  #orphans;
  #forget;
  #commit;
  #remove;
  #expire;

  constructor(db: Db) {
    this.#get = db.prepare<[string, string], Row>('SELECT * FROM blobs WHERE plugin = ? AND key = ?');
    this.#byId = db.prepare<[string], Row>('SELECT * FROM blobs WHERE id = ?');
    // A range scan on (plugin, key): `from` is inclusive (the prefix) or exclusive (a page's last
    // key). Expired rows are skipped in SQL, so a page is as long as the limit while more follow.
    const page = (op: '>=' | '>', bounded: boolean) =>
      db.prepare<unknown[], Row>(
        `SELECT * FROM blobs WHERE plugin = ? AND key ${op} ? ${bounded ? 'AND key < ?' : ''} AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?`,
      );
    this.#listRange = { '>=': page('>=', true), '>': page('>', true) };
    this.#listFrom = { '>=': page('>=', false), '>': page('>', false) };
    this.#usage = db.prepare<[string], { bytes: number; objects: number }>('SELECT bytes, objects FROM blob_usage WHERE plugin = ?');
    this.#orphan = db.prepare('INSERT OR REPLACE INTO blob_orphans (object_key, reason, since) VALUES (?, ?, ?)');
    this.#orphans = db.prepare<[string, number], string>("SELECT object_key FROM blob_orphans WHERE reason = 'released' OR since < ? ORDER BY since LIMIT ?").pluck();
    this.#forget = db.prepare('DELETE FROM blob_orphans WHERE object_key = ?');
    const pluginExists = db.prepare<[string], number>('SELECT 1 FROM plugins WHERE name = ?').pluck();
    const insert = db.prepare(`
      INSERT INTO blobs (id, plugin, key, object_key, content_type, size, sha256, execution_id, app_id, created_at, expires_at)
      VALUES (@id, @plugin, @key, @objectKey, @contentType, @size, @sha256, @executionId,
        (SELECT app_id FROM executions WHERE id = @executionId), @createdAt, @expiresAt)`);
    const deleteRow = db.prepare('DELETE FROM blobs WHERE id = ?');
    // Not an upsert: SQLite checks CHECK (bytes >= 0) on the row an INSERT proposes before it
    // resolves the conflict, so a negative change (a delete, a smaller overwrite) would fail.
    const ensureUsage = db.prepare('INSERT OR IGNORE INTO blob_usage (plugin, bytes, objects) VALUES (?, 0, 0)');
    const changeUsage = db.prepare('UPDATE blob_usage SET bytes = bytes + @bytes, objects = objects + @objects WHERE plugin = @plugin');
    const addUsage = { run: (change: { plugin: string; bytes: number; objects: number }) => (ensureUsage.run(change.plugin), changeUsage.run(change)) };

    this.#commit = db.transaction((blob: NewBlob, limits: { maxBytes: number; maxObjects: number }): { replaced?: BlobRecord } => {
      if (pluginExists.get(blob.pluginName) === undefined) throw pluginNotFound(blob.pluginName);
      // The write's mark must still be there: a sweeper that took it is deleting these bytes.
      if (this.#forget.run(blob.objectKey).changes !== 1) {
        throw new EaselError('STORAGE_UNAVAILABLE', { operation: 'put', reason: 'the write took longer than the sweeper allows (EASEL_STORAGE_SWEEP_AFTER_MS) and its object was removed' });
      }
      const old = this.#get.get(blob.pluginName, blob.key);
      const usage = this.#usage.get(blob.pluginName) ?? { bytes: 0, objects: 0 };
      const bytes = usage.bytes - (old?.size ?? 0) + blob.size;
      const objects = usage.objects + (old ? 0 : 1);
      checkQuota(blob.pluginName, usage, { bytes, objects }, limits);
      const time = now();
      if (old) {
        deleteRow.run(old.id);
        this.#orphan.run(old.object_key, 'released', time);
      }
      insert.run({ ...blob, plugin: blob.pluginName, executionId: blob.executionId ?? null, expiresAt: blob.expiresAt ?? null });
      addUsage.run({ plugin: blob.pluginName, bytes: blob.size - (old?.size ?? 0), objects: old ? 0 : 1 });
      return old ? { replaced: toRecord(old) } : {};
    });
    this.#remove = db.transaction((plugin: string, key: string): BlobRecord | undefined => {
      const old = this.#get.get(plugin, key);
      if (!old) return undefined;
      deleteRow.run(old.id);
      addUsage.run({ plugin, bytes: -old.size, objects: -1 });
      this.#orphan.run(old.object_key, 'released', now());
      return toRecord(old);
    });
    // blobs_by_expiry, oldest expiry first; like a delete: the quota goes back, the object is released.
    const due = db.prepare<{ now: string; limit: number }, Row>('SELECT * FROM blobs WHERE expires_at <= @now ORDER BY expires_at LIMIT @limit');
    this.#expire = db.transaction((at: string, limit: number): BlobRecord[] => {
      const rows = due.all({ now: at, limit });
      for (const old of rows) {
        deleteRow.run(old.id);
        addUsage.run({ plugin: old.plugin, bytes: -old.size, objects: -1 });
        this.#orphan.run(old.object_key, 'released', at);
      }
      return rows.map(toRecord);
    });
  }

  async beginWrite(objectKey: string): Promise<void> {
    this.#orphan.run(objectKey, 'writing', now());
  }

  async commit(blob: NewBlob, limits: { maxBytes: number; maxObjects: number }): Promise<{ replaced?: BlobRecord }> {
    return this.#commit.immediate(blob, limits);
  }

  async get(plugin: string, key: string): Promise<BlobRecord | undefined> {
    const row = this.#get.get(plugin, key);
    return row && toRecord(row);
  }

  async byId(id: string): Promise<BlobRecord | undefined> {
    const row = this.#byId.get(id);
    return row && toRecord(row);
  }

  async list(plugin: string, prefix: string, after: string | undefined, limit: number, liveAt?: string): Promise<BlobRecord[]> {
    // Strictly after `after` when it is inside the range, else from the prefix itself (inclusive).
    const op = after !== undefined && compareCodePoints(after, prefix) >= 0 ? '>' : '>=';
    const from = op === '>' ? (after as string) : prefix;
    const end = prefixEnd(prefix);
    // '' sorts before every ISO instant: without `liveAt` no row counts as expired.
    const live = liveAt === undefined ? '' : new Date(liveAt).toISOString();
    const rows = end === undefined ? this.#listFrom[op].all(plugin, from, live, limit) : this.#listRange[op].all(plugin, from, end, live, limit);
    return rows.map(toRecord);
  }

  async remove(plugin: string, key: string): Promise<BlobRecord | undefined> {
    return this.#remove.immediate(plugin, key);
  }

  async usage(plugin: string): Promise<{ bytes: number; objects: number }> {
    return this.#usage.get(plugin) ?? { bytes: 0, objects: 0 };
  }

  async orphans(writingBefore: string, limit: number): Promise<string[]> {
    return this.#orphans.all(writingBefore, limit);
  }

  async claim(objectKey: string): Promise<boolean> {
    return this.#forget.run(objectKey).changes === 1;
  }

  async release(objectKey: string): Promise<void> {
    this.#orphan.run(objectKey, 'released', now());
  }

  async expire(at: string, limit: number): Promise<{ expired: BlobRecord[]; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    const expired = this.#expire.immediate(new Date(at).toISOString(), n);
    return { expired, more: expired.length === n };
  }
}
