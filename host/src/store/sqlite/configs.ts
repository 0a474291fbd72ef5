/** plugin_configs: the admin-set configuration of a plugin (validated by the caller against its schema). */
import type { ConfigRepository } from '../types.ts';
import { type Db, now, pluginNotFound } from './shared.ts';

export class SqliteConfigRepository implements ConfigRepository {
  #get;
  #set;

  constructor(db: Db) {
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM plugin_configs WHERE plugin = ?');
    this.#set = db.prepare(`
      INSERT INTO plugin_configs (plugin, value, updated_at)
      SELECT @plugin, @value, @now WHERE EXISTS (SELECT 1 FROM plugins WHERE name = @plugin)
      ON CONFLICT (plugin) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
  }

  async get(name: string): Promise<Record<string, unknown> | undefined> {
    const row = this.#get.get(name);
    return row === undefined ? undefined : JSON.parse(row.value);
  }

  async set(name: string, value: Record<string, unknown>): Promise<void> {
    const result = this.#set.run({ plugin: name, value: JSON.stringify(value), now: now() });
    if (result.changes === 0) throw pluginNotFound(name);
  }
}
