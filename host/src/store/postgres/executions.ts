/**
 * executions on PostgreSQL: one row per agent or workflow call; `seq` orders pages newest
 * first. The cost is summed from model_usage when the execution finishes; while it runs, reads
 * sum it on the fly.
 */
import type { ExecutionOutcome, ExecutionPurge, ExecutionQuery, ExecutionRecord, ExecutionRepository, NewExecution } from '../types.ts';
import { defined, now, toJson } from '../rows/common.ts';
import { COLUMNS, DEFAULT_LIMIT, type ExecutionRow, MAX_LIMIT, toRecord } from '../rows/executions.ts';
import { toUsd } from '../rows/money.ts';
import type { PgDatabase } from './database.ts';
import type { Replicas } from './replicas.ts';
import { Where } from './where.ts';

const FINISHED = "('succeeded', 'failed', 'cancelled')";

export class PgExecutionRepository implements ExecutionRepository {
  #db: PgDatabase;
  #replicas: Replicas;

  constructor(db: PgDatabase, replicas: Replicas) {
    this.#db = db;
    this.#replicas = replicas;
  }

  async create(execution: NewExecution, status: 'queued' | 'running' = 'running'): Promise<ExecutionRecord> {
    const startedAt = now();
    await this.#db.pool.query(
      `INSERT INTO executions (id, plugin_name, plugin_version, kind, target, capability, api_key_id, app_id, user_id, input, status, started_at, owner)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        execution.id,
        execution.pluginName,
        execution.pluginVersion,
        execution.kind,
        execution.target,
        execution.capability ?? null,
        execution.apiKeyId ?? null,
        execution.appId ?? null,
        execution.userId ?? null,
        toJson(execution.input),
        status,
        startedAt,
        this.#replicas.owner,
      ],
    );
    return defined<ExecutionRecord>({ ...execution, status, costUsd: 0, resumed: 0, startedAt });
  }

  async markRunning(id: string, resumed = false): Promise<boolean> {
    const result = await this.#db.pool.query(`UPDATE executions SET status = 'running', resumed = resumed + $2 WHERE id = $1 AND status IN ('queued', 'running')`, [id, resumed ? 1 : 0]);
    return (result.rowCount ?? 0) > 0;
  }

  async unfinished(): Promise<ExecutionRecord[]> {
    // Taken over in one statement: of two hosts asking at once, each row goes to one.
    const { rows } = await this.#db.pool.query<ExecutionRow & { seq: number }>(
      `UPDATE executions SET owner = $1 WHERE status IN ('queued', 'running') AND ${this.#replicas.gone('owner', 2)}
       RETURNING seq, ${COLUMNS}`,
      [this.#replicas.owner, this.#replicas.liveSince()],
    );
    return rows.sort((a, b) => a.seq - b.seq).map(toRecord);
  }

  async complete(id: string, outcome: ExecutionOutcome): Promise<{ won: boolean; costUsd: number }> {
    // The status condition makes finishing atomic: of a completion, a cancel and failRunning, one wins.
    const { rows } = await this.#db.pool.query<{ cost_nanos: number }>(
      `UPDATE executions SET status = $2, output = $3, error_code = $4, error_message = $5, duration_ms = $6, cpu_ms = $7,
         heap_used_bytes = $8, finished_at = $9, cost_nanos = (SELECT coalesce(sum(cost_nanos), 0) FROM model_usage WHERE execution_id = $1)
       WHERE id = $1 AND status IN ('queued', 'running')
       RETURNING cost_nanos`,
      [id, outcome.status, toJson(outcome.output), outcome.errorCode ?? null, outcome.errorMessage ?? null, Math.round(outcome.durationMs), outcome.cpuMs ?? null, outcome.heapUsedBytes ?? null, now()],
    );
    if (rows[0] !== undefined) return { won: true, costUsd: toUsd(rows[0].cost_nanos) };
    // Another finisher won: the cost it recorded.
    return { won: false, costUsd: (await this.get(id))?.costUsd ?? 0 };
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const row = (await this.#db.pool.query<ExecutionRow>(`SELECT ${COLUMNS} FROM executions WHERE id = $1`, [id])).rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async list(query: ExecutionQuery = {}): Promise<{ items: ExecutionRecord[]; nextCursor?: string }> {
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(query.limit ?? DEFAULT_LIMIT)));
    const where = new Where();
    const equal = [
      ['plugin_name', query.plugin],
      ['user_id', query.userId],
      ['kind', query.kind],
      ['target', query.target],
      ['app_id', query.appId],
      ['api_key_id', query.apiKeyId],
      ['status', query.status],
    ] as const;
    for (const [column, value] of equal) if (value !== undefined) where.and(`${column} = ?`, value);
    // Stored instants are toISOString() text: a range compares as text in that same form.
    if (query.startedSince !== undefined) where.and('started_at >= ?', new Date(query.startedSince).toISOString());
    if (query.startedUntil !== undefined) where.and('started_at < ?', new Date(query.startedUntil).toISOString());
    // The cursor is the id of the last item of the previous page; an unknown id gives an empty page.
    if (query.before !== undefined) where.and('seq < (SELECT seq FROM executions WHERE id = ?)', query.before);
    const sql = `SELECT ${COLUMNS} FROM executions ${where} ORDER BY seq DESC LIMIT ${where.bind(limit + 1)}`;
    const rows = (await this.#db.pool.query<ExecutionRow>(sql, where.params)).rows;
    const items = rows.slice(0, limit).map(toRecord);
    return rows.length > limit ? { items, nextCursor: items.at(-1)?.id } : { items };
  }

  async failRunning(reason: string): Promise<number> {
    const at = now();
    const result = await this.#db.pool.query(
      `UPDATE executions SET status = 'failed', error_code = 'HOST_RESTARTED', error_message = $1, finished_at = $2::text,
         duration_ms = greatest(0, round(extract(epoch FROM ($2::text::timestamptz - started_at::timestamptz)) * 1000)),
         cost_nanos = (SELECT coalesce(sum(cost_nanos), 0) FROM model_usage WHERE execution_id = executions.id)
       WHERE status IN ('queued', 'running') AND ${this.#replicas.gone('owner', 3)}`,
      [reason, at, this.#replicas.liveSince()],
    );
    return result.rowCount ?? 0;
  }

  /**
   * One retention batch: executions finished before the cut-off, oldest first, each emptied of
   * its events and steps before its own row goes, so at most `limit` rows are deleted.
   */
  async purgeFinished(before: string, limit: number): Promise<ExecutionPurge> {
    const cutoff = new Date(before).toISOString();
    const max = Math.max(1, Math.trunc(limit));
    return this.#db.transaction(async (db) => {
      const done: ExecutionPurge = { executions: 0, steps: 0, events: 0, more: false };
      const ids = (await db.query<{ id: string }>(`SELECT id FROM executions WHERE finished_at < $1 AND status IN ${FINISHED} ORDER BY finished_at LIMIT $2`, [cutoff, max])).rows.map((r) => r.id);
      let left = max;
      for (const id of ids) {
        const e = (await db.query('DELETE FROM execution_events WHERE execution_id = $1 AND seq IN (SELECT seq FROM execution_events WHERE execution_id = $1 ORDER BY seq LIMIT $2)', [id, left])).rowCount ?? 0;
        done.events += e;
        left -= e;
        if (left === 0) return { ...done, more: true };
        const s = (await db.query('DELETE FROM execution_steps WHERE seq IN (SELECT seq FROM execution_steps WHERE execution_id = $1 ORDER BY seq LIMIT $2)', [id, left])).rowCount ?? 0;
        done.steps += s;
        left -= s;
        if (left === 0) return { ...done, more: true };
        done.executions += (await db.query(`DELETE FROM executions WHERE id = $1 AND status IN ${FINISHED}`, [id])).rowCount ?? 0;
        left -= 1;
        if (left === 0) return { ...done, more: true };
      }
      return { ...done, more: ids.length === max };
    });
  }
}
