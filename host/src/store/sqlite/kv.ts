/**
 * kv: rows keyed by (plugin, key). Every statement binds the plugin as its own column, so no
 * key a plugin crafts can reach another plugin's rows.
 */
import type { KvRepository } from '../types.ts';
import { EaselError } from '../../errors/index.ts';
import { type Db, pluginNotFound } from './shared.ts';
import { prefixEnd } from '../rows/kv-keys.ts';

export { prefixEnd };

export class SqliteKvRepository implements KvRepository {
  #get;
  #set;
  #delete;
  #listRange;
  #listFrom;
  #count;
  #pluginExists;

  constructor(db: Db) {
    this.#get = db.prepare<[string, string], { value: string }>('SELECT value FROM kv WHERE plugin = ? AND key = ?');
    // One statement decides the key quota and the write together, so concurrent sets cannot overshoot it.
    this.#set = db.prepare(`
      INSERT INTO kv (plugin, key, value)
      SELECT @plugin, @key, @value
      WHERE EXISTS (SELECT 1 FROM plugins WHERE name = @plugin)
        AND (EXISTS (SELECT 1 FROM kv WHERE plugin = @plugin AND key = @key)
             OR (SELECT count(*) FROM kv WHERE plugin = @plugin) < @maxKeys)
      ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value`);
    this.#pluginExists = db.prepare<[string], number>('SELECT 1 FROM plugins WHERE name = ?').pluck();
    this.#delete = db.prepare('DELETE FROM kv WHERE plugin = ? AND key = ?');
    this.#listRange = db
      .prepare<[string, string, string, number], string>('SELECT key FROM kv WHERE plugin = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?')
      .pluck();
    this.#listFrom = db.prepare<[string, string, number], string>('SELECT key FROM kv WHERE plugin = ? AND key >= ? ORDER BY key LIMIT ?').pluck();
    this.#count = db.prepare<[string], number>('SELECT count(*) FROM kv WHERE plugin = ?').pluck();
  }

  async get(plugin: string, key: string): Promise<string | undefined> {
    return this.#get.get(plugin, key)?.value;
  }

  async set(plugin: string, key: string, json: string, maxKeys = Number.MAX_SAFE_INTEGER): Promise<void> {
    if (this.#set.run({ plugin, key, value: json, maxKeys }).changes > 0) return;
    if (this.#pluginExists.get(plugin) === undefined) throw pluginNotFound(plugin);
    throw new EaselError('KV_QUOTA_EXCEEDED', { limit: maxKeys });
  }

  async delete(plugin: string, key: string): Promise<boolean> {
    return this.#delete.run(plugin, key).changes > 0;
  }

  async list(plugin: string, prefix: string, limit: number): Promise<string[]> {
    // Lone surrogates reach SQLite as U+FFFD; bound the range on what SQLite will compare.
    const start = prefix.toWellFormed();
    const end = prefixEnd(start);
    return end === undefined ? this.#listFrom.all(plugin, start, limit) : this.#listRange.all(plugin, start, end, limit);
  }

  async count(plugin: string): Promise<number> {
    return this.#count.get(plugin) as number;
  }
}
