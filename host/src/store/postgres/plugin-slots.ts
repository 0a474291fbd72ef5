/**
 * Executions at once per plugin for every host on the database, served in turns across hosts.
 * Each slot held is a running row. A host that finds the plugin at its limit keeps one waiting
 * row, its place in the plugin's line; a freed slot goes to the first places by seq, and a host
 * served gives up its place (asking again puts it at the back), so hosts take turns however many
 * executions each has waiting. A take is one call of the schema's easel_take_plugin_slot, which
 * runs under the plugin's advisory lock and drops the rows of gone hosts it finds.
 */
import { randomUUID } from 'node:crypto';
import { now } from '../rows/common.ts';
import type { PluginSlotStore } from '../types.ts';
import { NOTIFY_SLOTS } from './change-feed.ts';
import type { PgDatabase } from './database.ts';
import type { Replicas } from './replicas.ts';

export class PgPluginSlots implements PluginSlotStore {
  #db: PgDatabase;
  #replicas: Replicas;

  constructor(db: PgDatabase, replicas: Replicas) {
    this.#db = db;
    this.#replicas = replicas;
  }

  async take(plugin: string, max: number): Promise<string | undefined> {
    // One statement (schema v2's easel_take_plugin_slot): an execution's start waits one round trip.
    const { rows } = await this.#db.pool.query<{ slot: string | null }>('SELECT easel_take_plugin_slot($1, $2, $3, $4, $5, $6) AS slot', [
      plugin,
      this.#replicas.owner,
      max,
      this.#replicas.liveSince(),
      randomUUID(),
      now(),
    ]);
    return rows[0]?.slot ?? undefined;
  }

  async release(slotId: string): Promise<void> {
    await this.#db.pool.query('SELECT easel_release_plugin_slot($1)', [slotId]);
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

