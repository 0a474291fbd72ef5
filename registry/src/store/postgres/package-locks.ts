/**
 * The package lock across replicas: a session advisory lock (pg_advisory_lock) held on a
 * connection of its own while the package service reads, checks and writes one package.
 *
 * Why this shape:
 * - Lock connections come from a pool of their own. Were they taken from the query pool, as
 *   many lock holders as it has connections would leave none for the queries they then run.
 * - A lock taken while holding another (a library's scope, after its package) goes on the same
 *   connection (found through AsyncLocalStorage), so a holder needs one lock connection at most
 *   and holders cannot starve each other of them.
 * - Requests of this replica for one key queue in memory first (KeyedMutex), so twenty
 *   publishes of one package hold one lock connection, not twenty.
 * - Keys are a 32-bit hash of the name: two names that collide only wait for each other.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { KeyedMutex } from '../common/keyed-mutex.ts';
import { LOCK_CLASS, pgPool } from './database.ts';

const keyOf = (key: string): number => createHash('sha256').update(key, 'utf8').digest().readInt32BE(0);

export class PgPackageLocks {
  #pool: pg.Pool;
  #local = new KeyedMutex();
  #held = new AsyncLocalStorage<pg.PoolClient>();

  constructor(url: string, maxConnections: number) {
    this.#pool = pgPool(url, maxConnections);
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.#local.run(key, async () => {
      const outer = this.#held.getStore();
      const client = outer ?? (await this.#pool.connect());
      let healthy = false;
      try {
        await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS.packages, keyOf(key)]);
        healthy = true;
        try {
          return await this.#held.run(client, task);
        } finally {
          healthy = await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS.packages, keyOf(key)]).then(
            () => true,
            () => false,
          );
        }
      } finally {
        // A connection whose unlock failed is closed: ending its session releases its locks.
        if (!outer) client.release(!healthy);
      }
    });
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
