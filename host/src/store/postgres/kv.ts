/**
 * kv on PostgreSQL: rows keyed by (plugin, key). Every statement binds the plugin as its own
 * column, so no key a plugin crafts can reach another plugin's rows. Keys compare in code point
 * order (`COLLATE "C"` on UTF-8), as in SQLite.
 */
import type { KvRepository } from '../types.ts';
import { EaselError } from '../../errors/index.ts';
import { pluginNotFound } from '../rows/common.ts';
import { prefixEnd } from '../rows/kv-keys.ts';
import type { PgDatabase } from './database.ts';

export class PgKvRepository implements KvRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async get(plugin: string, key: string): Promise<string | undefined> {
    return (await this.#db.pool.query<{ value: string }>('SELECT value FROM kv WHERE plugin = $1 AND key = $2', [plugin, key])).rows[0]?.value;
  }

  async set(plugin: string, key: string, json: string, maxKeys = Number.MAX_SAFE_INTEGER): Promise<void> {
    await this.#db.transaction(async (db) => {
      // The plugin's row lock orders concurrent sets of one plugin, on every replica: each counts
      // the keys after the one before it committed, so the quota cannot be overshot.
      const exists = await db.query('SELECT 1 FROM plugins WHERE name = $1 FOR UPDATE', [plugin]);
      if (exists.rowCount === 0) throw pluginNotFound(plugin);
      const written = await db.query(
        `INSERT INTO kv (plugin, key, value)
         SELECT $1, $2, $3
         WHERE EXISTS (SELECT 1 FROM kv WHERE plugin = $1 AND key = $2)
            OR (SELECT count(*) FROM kv WHERE plugin = $1) < $4
         ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value`,
        [plugin, key, json, maxKeys],
      );
      if (written.rowCount === 0) throw new EaselError('KV_QUOTA_EXCEEDED', { limit: maxKeys });
    });
  }

  async delete(plugin: string, key: string): Promise<boolean> {
    return ((await this.#db.pool.query('DELETE FROM kv WHERE plugin = $1 AND key = $2', [plugin, key])).rowCount ?? 0) > 0;
  }

  async list(plugin: string, prefix: string, limit: number): Promise<string[]> {
    // Lone surrogates reach the server as U+FFFD; bound the range on what it will compare.
    const start = prefix.toWellFormed();
    const end = prefixEnd(start);
    const { rows } =
      end === undefined
        ? await this.#db.pool.query<{ key: string }>('SELECT key FROM kv WHERE plugin = $1 AND key >= $2 ORDER BY key LIMIT $3', [plugin, start, limit])
        : await this.#db.pool.query<{ key: string }>('SELECT key FROM kv WHERE plugin = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4', [plugin, start, end, limit]);
    return rows.map((r) => r.key);
  }

  async count(plugin: string): Promise<number> {
    return Number((await this.#db.pool.query<{ n: number }>('SELECT count(*) AS n FROM kv WHERE plugin = $1', [plugin])).rows[0]?.n ?? 0);
  }
}
