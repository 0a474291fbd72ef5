/**
 * Executions at once per plugin for every host on the database, served in turns across hosts.
 * Each slot held is a running row. A host that finds the plugin at its limit keeps one waiting
 * row, its place in the plugin's line; a freed slot goes to the first places by seq, and a host
 * served gives up its place (asking again puts it at the back), so hosts take turns however many
 * executions each has waiting. Everything runs under the plugin's advisory lock; rows of gone
 * hosts are dropped as the next take finds them.
 */
import { randomUUID } from 'node:crypto';
import { now } from '../rows/common.ts';
import type { PluginSlotStore } from '../types.ts';
import { NOTIFY_SLOTS } from './change-feed.ts';
import type { PgDatabase, Queryable } from './database.ts';
import type { Replicas } from './replicas.ts';

export class PgPluginSlots implements PluginSlotStore {
  #db: PgDatabase;
  #replicas: Replicas;

  constructor(db: PgDatabase, replicas: Replicas) {
    this.#db = db;
    this.#replicas = replicas;
  }

  take(plugin: string, max: number): Promise<string | undefined> {
    const owner = this.#replicas.owner;
    return this.#db.transaction(async (db) => {
      await lockPlugin(db, plugin);
      await db.query(`DELETE FROM plugin_slots WHERE plugin = $1 AND ${this.#replicas.gone('owner', 2)}`, [plugin, this.#replicas.liveSince()]);
      const running = Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM plugin_slots WHERE plugin = $1 AND running', [plugin])).rows[0]?.n ?? 0);
      await db.query('INSERT INTO plugin_slots (id, plugin, owner, running, since) VALUES ($1, $2, $3, false, $4) ON CONFLICT DO NOTHING', [randomUUID(), plugin, owner, now()]);
      const free = max - running;
      if (free <= 0) return undefined;
      const served = await db.query<{ owner: string }>('SELECT owner FROM plugin_slots WHERE plugin = $1 AND NOT running ORDER BY seq LIMIT $2', [plugin, free]);
      if (!served.rows.some((row) => row.owner === owner)) return undefined;
      const id = randomUUID();
      await db.query('DELETE FROM plugin_slots WHERE plugin = $1 AND owner = $2 AND NOT running', [plugin, owner]);
      await db.query('INSERT INTO plugin_slots (id, plugin, owner, running, since) VALUES ($1, $2, $3, true, $4)', [id, plugin, owner, now()]);
      return id;
    });
  }

  async release(slotId: string): Promise<void> {
    await this.#db.pool.query(`WITH w AS (DELETE FROM plugin_slots WHERE id = $1 RETURNING plugin) ${NOTIFY_SLOTS}`, [slotId]);
  }

  async leave(plugins?: readonly string[]): Promise<void> {
    // The hosts behind in those lines may be served now: they are told.
    const which = plugins ? 'AND plugin = ANY($2)' : '';
    await this.#db.pool.query(
      `WITH w AS (DELETE FROM plugin_slots WHERE owner = $1 AND NOT running ${which} RETURNING plugin) ${NOTIFY_SLOTS}`,
      plugins ? [this.#replicas.owner, plugins] : [this.#replicas.owner],
    );
  }
}

function lockPlugin(db: Queryable, plugin: string) {
  return db.query("SELECT pg_advisory_xact_lock(hashtextextended('easel-plugin-slots:' || $1, 0))", [plugin]);
}
