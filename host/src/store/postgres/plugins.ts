/** plugins on PostgreSQL: one row per installed plugin name; replacing a version keeps what hangs off the name. */
import type { InstalledPlugin, NewPlugin, PluginRepository } from '../types.ts';
import { now } from '../rows/common.ts';
import { type PluginRow as Row, toPlugin } from '../rows/plugins.ts';
import { NOTIFY_WRITTEN, notifyPlugin } from './change-feed.ts';
import type { PgDatabase, Queryable } from './database.ts';

/** Tables whose rows belong to a plugin, emptied with it. */
const OWNED = ['kv', 'grants', 'plugin_configs', 'blobs', 'blob_usage'];

export class PgPluginRepository implements PluginRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async list(): Promise<InstalledPlugin[]> {
    return (await this.#db.pool.query<Row>('SELECT * FROM plugins ORDER BY name')).rows.map(toPlugin);
  }

  async get(name: string): Promise<InstalledPlugin | undefined> {
    const row = (await this.#db.pool.query<Row>('SELECT * FROM plugins WHERE name = $1', [name])).rows[0];
    return row === undefined ? undefined : toPlugin(row);
  }

  async install(record: NewPlugin): Promise<{ previous?: InstalledPlugin }> {
    return this.#db.transaction((db) => installOne(db, record));
  }

  async installSet(records: NewPlugin[]): Promise<{ previous?: InstalledPlugin }[]> {
    return this.#db.transaction(async (db) => {
      const results: { previous?: InstalledPlugin }[] = [];
      for (const record of records) results.push(await installOne(db, record));
      return results;
    });
  }

  async setEnabled(name: string, enabled: boolean): Promise<boolean> {
    const written = await this.#db.pool.query(`WITH w AS (UPDATE plugins SET enabled = $1, updated_at = $2 WHERE name = $3 RETURNING name AS plugin) ${NOTIFY_WRITTEN}`, [enabled, now(), name]);
    return (written.rowCount ?? 0) > 0;
  }

  async remove(name: string): Promise<InstalledPlugin | undefined> {
    return this.#db.transaction(async (db) => {
      const row = (await db.query<Row>('SELECT * FROM plugins WHERE name = $1 FOR UPDATE', [name])).rows[0];
      if (row === undefined) return undefined;
      // The plugin's objects become orphans in the same transaction: the sweeper deletes their bytes.
      await db.query(
        `INSERT INTO blob_orphans (object_key, reason, since) SELECT object_key, 'released', $1 FROM blobs WHERE plugin = $2
         ON CONFLICT (object_key) DO UPDATE SET reason = excluded.reason, since = excluded.since`,
        [now(), name],
      );
      for (const table of OWNED) await db.query(`DELETE FROM ${table} WHERE plugin = $1`, [name]);
      await db.query('DELETE FROM plugins WHERE name = $1', [name]);
      await notifyPlugin(db, name);
      return toPlugin(row);
    });
  }
}

async function installOne(db: Queryable, record: NewPlugin): Promise<{ previous?: InstalledPlugin }> {
  const before = (await db.query<Row>('SELECT * FROM plugins WHERE name = $1 FOR UPDATE', [record.name])).rows[0];
  const at = now();
  // An upsert, not a delete and insert: that would cascade to grants, config and kv.
  await db.query(
    `INSERT INTO plugins (name, version, manifest, enabled, integrity, script_sha256, path, files, installed_at, updated_at)
     VALUES ($1, $2, $3, false, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (name) DO UPDATE SET
       version = excluded.version, manifest = excluded.manifest, integrity = excluded.integrity,
       script_sha256 = excluded.script_sha256, path = excluded.path, files = excluded.files,
       updated_at = excluded.updated_at`,
    [record.name, record.version, JSON.stringify(record.manifest), record.integrity, record.scriptSha256, record.path, JSON.stringify(record.files), at],
  );
  await notifyPlugin(db, record.name);
  return before === undefined ? {} : { previous: toPlugin(before) };
}
