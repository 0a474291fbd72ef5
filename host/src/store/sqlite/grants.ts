/** grants: what the admin approved for a plugin (a subset of what its manifest asks for). */
import type { Permissions } from '@easel/sdk';
import type { GrantRepository } from '../types.ts';
import { type Db, now, pluginNotFound } from './shared.ts';

export class SqliteGrantRepository implements GrantRepository {
  #get;
  #set;

  constructor(db: Db) {
    this.#get = db.prepare<[string], { permissions: string }>('SELECT permissions FROM grants WHERE plugin = ?');
    // INSERT … SELECT … WHERE EXISTS writes nothing for an unknown plugin instead of raising a foreign-key error.
    this.#set = db.prepare(`
      INSERT INTO grants (plugin, permissions, updated_at)
      SELECT @plugin, @permissions, @now WHERE EXISTS (SELECT 1 FROM plugins WHERE name = @plugin)
      ON CONFLICT (plugin) DO UPDATE SET permissions = excluded.permissions, updated_at = excluded.updated_at`);
  }

  async get(name: string): Promise<Permissions> {
    const row = this.#get.get(name);
    return row === undefined ? {} : JSON.parse(row.permissions);
  }

  async set(name: string, permissions: Permissions): Promise<void> {
    const result = this.#set.run({ plugin: name, permissions: JSON.stringify(permissions), now: now() });
    if (result.changes === 0) throw pluginNotFound(name);
  }
}
