/**
 * The hosts (replicas) on one PostgreSQL database. Each store registers its owner id at open
 * and renews a heartbeat while it runs; a replica is alive while its heartbeat is younger than
 * the lease. What belongs to a replica that is gone (crashed, or closed) may be taken over:
 * its unfinished executions, its budget holds. A clean close deletes its row at once.
 */
import { now } from '../rows/common.ts';
import type { PgDatabase } from './database.ts';

export interface ReplicaOptions {
  /** How long a replica counts as alive after its last heartbeat, in ms (EASEL_REPLICA_LEASE_MS). */
  leaseMs: number;
}

export class Replicas {
  readonly owner: string;
  readonly #db: PgDatabase;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;

  private constructor(db: PgDatabase, owner: string, options: ReplicaOptions) {
    this.#db = db;
    this.owner = owner;
    this.#leaseMs = options.leaseMs;
  }

  /** Registers `owner` and beats every third of the lease (the timer does not keep the process alive). */
  static async join(db: PgDatabase, owner: string, options: ReplicaOptions): Promise<Replicas> {
    const replicas = new Replicas(db, owner, options);
    await replicas.beat();
    replicas.#timer = setInterval(() => void replicas.beat().catch(() => undefined), Math.max(1, Math.floor(options.leaseMs / 3)));
    replicas.#timer.unref();
    return replicas;
  }

  async beat(): Promise<void> {
    await this.#db.pool.query(
      `INSERT INTO replicas (id, started_at, heartbeat_ms) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET heartbeat_ms = greatest(replicas.heartbeat_ms, excluded.heartbeat_ms)`,
      [this.owner, now(), Date.now()],
    );
  }

  /** The oldest heartbeat that still counts as alive. */
  liveSince(): number {
    return Date.now() - this.#leaseMs;
  }

  /**
   * SQL true when `column` names no live replica (this one is live while it beats): a gone
   * replica, or none at all. `$param` must be bound to liveSince(). Schema v2's
   * easel_take_plugin_slot writes the same rule out in PL/pgSQL.
   */
  gone(column: string, param: number): string {
    return `(${column} IS NULL OR ${column} NOT IN (SELECT id FROM replicas WHERE heartbeat_ms >= $${param}))`;
  }

  /** Leaves: stops beating and deletes its row, so others may take over at once. */
  async leave(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#db.pool.query('DELETE FROM replicas WHERE id = $1', [this.owner]).catch(() => undefined);
  }
}
