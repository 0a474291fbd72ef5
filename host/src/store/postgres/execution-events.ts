/** execution_events on PostgreSQL: each execution's event stream, keyed by (execution, seq), for replay. */
import type { ExecutionEventRecord, ExecutionEventRepository } from '../types.ts';
import { now } from '../rows/common.ts';
import { type EventRow as Row, toEvent as toRecord } from '../rows/execution-events.ts';
import { NOTIFY_EVENTS } from './change-feed.ts';
import type { PgDatabase } from './database.ts';

const MAX_LIMIT = 1000;

export class PgExecutionEventRepository implements ExecutionEventRepository {
  #db: PgDatabase;
  /** The last append of each execution still in flight: the next one waits for it. */
  #appending = new Map<string, Promise<void>>();

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  /**
   * One execution's appends commit in the order they were made (the pool would otherwise run
   * them at once on several connections, and a reader on another host could see seq 6 before 5).
   */
  append(events: readonly ExecutionEventRecord[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const id = events[0]!.executionId;
    const next = (this.#appending.get(id) ?? Promise.resolve()).catch(() => undefined).then(() => this.#insert(events));
    this.#appending.set(id, next);
    void next.finally(() => {
      if (this.#appending.get(id) === next) this.#appending.delete(id);
    }).catch(() => undefined);
    return next;
  }

  async #insert(events: readonly ExecutionEventRecord[]): Promise<void> {
    // One statement: an append is stored whole or not at all, and hosts following the execution
    // are told when it commits (change-feed.ts).
    await this.#db.pool.query(
      `WITH w AS (INSERT INTO execution_events (execution_id, seq, type, data, at)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) RETURNING execution_id)
       ${NOTIFY_EVENTS}`,
      [events.map((e) => e.executionId), events.map((e) => e.seq), events.map((e) => e.type), events.map((e) => e.data), events.map((e) => e.at)],
    );
  }

  async list(executionId: string, afterSeq: number, limit: number): Promise<ExecutionEventRecord[]> {
    const n = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
    const { rows } = await this.#db.pool.query<Row>('SELECT execution_id, seq, type, data, at FROM execution_events WHERE execution_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
      executionId,
      Math.max(0, Math.trunc(afterSeq)),
      n,
    ]);
    return rows.map(toRecord);
  }

  async lastSeq(executionId: string): Promise<number> {
    return (await this.#db.pool.query<{ n: number }>('SELECT coalesce(max(seq), 0) AS n FROM execution_events WHERE execution_id = $1', [executionId])).rows[0]?.n ?? 0;
  }

  async count(executionId: string): Promise<number> {
    return Number((await this.#db.pool.query<{ n: number }>('SELECT count(*) AS n FROM execution_events WHERE execution_id = $1', [executionId])).rows[0]?.n ?? 0);
  }

  /**
   * One retention batch of event logs: executions finished before the cut-off whose log is still
   * kept, oldest first. A log emptied within the batch is marked, so later batches start at the
   * next log still due.
   */
  async purgeFinished(before: string, limit: number): Promise<{ events: number; more: boolean }> {
    const cutoff = new Date(before).toISOString();
    const max = Math.max(1, Math.trunc(limit));
    const at = now();
    return this.#db.transaction(async (db) => {
      const ids = (
        await db.query<{ id: string }>(
          `SELECT id FROM executions WHERE finished_at < $1 AND events_purged_at IS NULL AND status IN ('succeeded', 'failed', 'cancelled') ORDER BY finished_at LIMIT $2`,
          [cutoff, max],
        )
      ).rows.map((r) => r.id);
      let removed = 0;
      for (const id of ids) {
        removed += (await db.query('DELETE FROM execution_events WHERE execution_id = $1 AND seq IN (SELECT seq FROM execution_events WHERE execution_id = $1 ORDER BY seq LIMIT $2)', [id, max - removed])).rowCount ?? 0;
        // The log may hold more than the batch had room for: it is marked by a later batch.
        if (removed === max) return { events: removed, more: true };
        await db.query('UPDATE executions SET events_purged_at = $1 WHERE id = $2', [at, id]);
      }
      return { events: removed, more: ids.length === max };
    });
  }
}
