/**
 * grants and plugin_configs on PostgreSQL: what the admin approved for a plugin, and its
 * configuration. A write for a plugin that is not installed writes nothing (PLUGIN_NOT_FOUND).
 */
import type { Permissions } from '@easel/sdk';
import type { ConfigRepository, GrantRepository } from '../types.ts';
import { now, pluginNotFound } from '../rows/common.ts';
import { NOTIFY_WRITTEN } from './change-feed.ts';
import type { PgDatabase } from './database.ts';

/** One JSON value a plugin row owns, in `table`'s `column`. */
class PluginJson<T> {
  #db: PgDatabase;
  #get: string;
  #set: string;

  constructor(db: PgDatabase, table: string, column: string) {
    this.#db = db;
    this.#get = `SELECT ${column} AS value FROM ${table} WHERE plugin = $1`;
    // INSERT … SELECT … WHERE EXISTS writes nothing for an unknown plugin instead of raising a foreign-key error.
    // Every host on the database is told of the change when it commits (change-feed.ts).
    this.#set = `WITH w AS (INSERT INTO ${table} (plugin, ${column}, updated_at)
      SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM plugins WHERE name = $1)
      ON CONFLICT (plugin) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at
      RETURNING plugin) ${NOTIFY_WRITTEN}`;
  }

  async get(name: string): Promise<T | undefined> {
    const row = (await this.#db.pool.query<{ value: string }>(this.#get, [name])).rows[0];
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  async set(name: string, value: T): Promise<void> {
    const result = await this.#db.pool.query(this.#set, [name, JSON.stringify(value), now()]);
    if (result.rowCount === 0) throw pluginNotFound(name);
  }
}

export class PgGrantRepository implements GrantRepository {
  #rows: PluginJson<Permissions>;

  constructor(db: PgDatabase) {
    this.#rows = new PluginJson(db, 'grants', 'permissions');
  }

  async get(name: string): Promise<Permissions> {
    return (await this.#rows.get(name)) ?? {};
  }

  set(name: string, permissions: Permissions): Promise<void> {
    return this.#rows.set(name, permissions);
  }
}

export class PgConfigRepository implements ConfigRepository {
  #rows: PluginJson<Record<string, unknown>>;

  constructor(db: PgDatabase) {
    this.#rows = new PluginJson(db, 'plugin_configs', 'value');
  }

  get(name: string): Promise<Record<string, unknown> | undefined> {
    return this.#rows.get(name);
  }

  set(name: string, value: Record<string, unknown>): Promise<void> {
    return this.#rows.set(name, value);
  }
}
