/**
 * kv: rows keyed by (plugin, key). Every statement binds the plugin as its own column, so no
 * key a plugin crafts can reach another plugin's rows.
 */
import type { KvRepository } from '../types.ts';
import { EaselError } from '../../errors/index.ts';
import { type Db, pluginNotFound } from './shared.ts';

const MAX_CODE_POINT = 0x10ffff;

/**
 * The smallest string greater than every string starting with `prefix`, in SQLite's order
 * (UTF-8 bytes, i.e. code points); undefined when there is none. A range scan instead of LIKE,
 * so `%` and `_` are plain characters and the primary key index is used.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < MAX_CODE_POINT) {
      // Skip the surrogate block: it has no UTF-8 form.
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

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
