/** plugins: one row per installed plugin name; replacing a version keeps what hangs off the name. */
import type { InstalledPlugin, NewPlugin, PluginRepository } from '../types.ts';
import { type Db, now } from './shared.ts';
import { type PluginRow as Row, toPlugin } from '../rows/plugins.ts';

export class SqlitePluginRepository implements PluginRepository {
  #list;
  #get;
  #upsert;
  #setEnabled;
  #removeOwned;
  #delete;
  #install;
  #installSet;
  #remove;
  #releaseBlobs;

  constructor(db: Db) {
    this.#list = db.prepare<[], Row>('SELECT * FROM plugins ORDER BY name');
    this.#get = db.prepare<[string], Row>('SELECT * FROM plugins WHERE name = ?');
    // An UPSERT, not INSERT OR REPLACE: replace would delete the row and cascade to grants, config and kv.
    this.#upsert = db.prepare(`
      INSERT INTO plugins (name, version, manifest, enabled, integrity, script_sha256, path, files, installed_at, updated_at)
      VALUES (@name, @version, @manifest, 0, @integrity, @scriptSha256, @path, @files, @now, @now)
      ON CONFLICT (name) DO UPDATE SET
        version = excluded.version, manifest = excluded.manifest, integrity = excluded.integrity,
        script_sha256 = excluded.script_sha256, path = excluded.path, files = excluded.files,
        updated_at = excluded.updated_at`);
    this.#setEnabled = db.prepare('UPDATE plugins SET enabled = ?, updated_at = ? WHERE name = ?');
    this.#removeOwned = ['kv', 'grants', 'plugin_configs', 'blobs', 'blob_usage'].map((table) => db.prepare(`DELETE FROM ${table} WHERE plugin = ?`));
    this.#delete = db.prepare('DELETE FROM plugins WHERE name = ?');
    // The plugin's objects become orphans in the same transaction: the sweeper deletes their bytes.
    this.#releaseBlobs = db.prepare("INSERT OR REPLACE INTO blob_orphans (object_key, reason, since) SELECT object_key, 'released', ? FROM blobs WHERE plugin = ?");

    this.#install = db.transaction((record: NewPlugin): { previous?: InstalledPlugin } => {
      const before = this.#get.get(record.name);
      this.#upsert.run({
        name: record.name,
        version: record.version,
        manifest: JSON.stringify(record.manifest),
        integrity: record.integrity,
        scriptSha256: record.scriptSha256,
        path: record.path,
        files: JSON.stringify(record.files),
        now: now(),
      });
      return before === undefined ? {} : { previous: toPlugin(before) };
    });
    // better-sqlite3 nests a transaction function called inside another as a savepoint.
    this.#installSet = db.transaction((records: NewPlugin[]) => records.map((record) => this.#install(record)));
    this.#remove = db.transaction((name: string): InstalledPlugin | undefined => {
      const row = this.#get.get(name);
      if (row === undefined) return undefined;
      this.#releaseBlobs.run(now(), name);
      for (const statement of this.#removeOwned) statement.run(name);
      this.#delete.run(name);
      return toPlugin(row);
    });
  }

  async list(): Promise<InstalledPlugin[]> {
    return this.#list.all().map(toPlugin);
  }

  async get(name: string): Promise<InstalledPlugin | undefined> {
    const row = this.#get.get(name);
    return row === undefined ? undefined : toPlugin(row);
  }

  async install(record: NewPlugin): Promise<{ previous?: InstalledPlugin }> {
    return this.#install.immediate(record);
  }

  async installSet(records: NewPlugin[]): Promise<{ previous?: InstalledPlugin }[]> {
    return this.#installSet.immediate(records);
  }

  async setEnabled(name: string, enabled: boolean): Promise<boolean> {
    return this.#setEnabled.run(enabled ? 1 : 0, now(), name).changes > 0;
  }

  async remove(name: string): Promise<InstalledPlugin | undefined> {
    return this.#remove.immediate(name);
  }
}
