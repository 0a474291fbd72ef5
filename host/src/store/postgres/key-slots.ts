/**
 * Executions at once per app key, for every host on the database: one row per slot held, taken
 * under the key's advisory lock (count, then insert, as one step across hosts). Slots of hosts
 * that are gone are dropped as the next take finds them.
 */
import { randomUUID } from 'node:crypto';
import { now } from '../rows/common.ts';
import type { KeySlotStore } from '../types.ts';
import type { PgDatabase } from './database.ts';
import type { Replicas } from './replicas.ts';

export class PgKeySlots implements KeySlotStore {
  #db: PgDatabase;
  #replicas: Replicas;

  constructor(db: PgDatabase, replicas: Replicas) {
    this.#db = db;
    this.#replicas = replicas;
  }

  take(keyId: string, max: number): Promise<string | undefined> {
    return this.#db.transaction(async (db) => {
      await db.query("SELECT pg_advisory_xact_lock(hashtextextended('easel-key-slots:' || $1, 0))", [keyId]);
      await db.query(`DELETE FROM key_slots WHERE key_id = $1 AND ${this.#replicas.gone('owner', 2)}`, [keyId, this.#replicas.liveSince()]);
      const held = Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM key_slots WHERE key_id = $1', [keyId])).rows[0]?.n ?? 0);
      if (held >= max) return undefined;
      const id = randomUUID();
      await db.query('INSERT INTO key_slots (id, key_id, owner, taken_at) VALUES ($1, $2, $3, $4)', [id, keyId, this.#replicas.owner, now()]);
      return id;
    });
  }

  async release(slotId: string): Promise<void> {
    await this.#db.pool.query('DELETE FROM key_slots WHERE id = $1', [slotId]);
  }
}
