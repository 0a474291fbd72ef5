/**
 * executions: one row per agent or workflow call; `seq` orders pages newest first. The cost
 * is summed from model_usage when the execution finishes (so it is exact and includes every
 * step); while it runs, reads sum it on the fly.
 */
import { groupCommitOf } from '@easel/common/sqlite/group-commit';
import type { ExecutionOutcome, ExecutionPurge, ExecutionQuery, ExecutionRecord, ExecutionRepository, NewExecution } from '../types.ts';
import { type Db, defined, now, toJson } from './shared.ts';
import { COLUMNS, DEFAULT_LIMIT, type ExecutionRow as Row, MAX_LIMIT, toRecord } from '../rows/executions.ts';
import { toUsd } from '../rows/money.ts';

export class SqliteExecutionRepository implements ExecutionRepository {
  #db;
  #writes;
  #insert;
  #get;
  #complete;
  #failRunning;
  #markRunning;
  #unfinished;
  #purge;
  // One statement per filter combination (at most 1024), prepared on first use and kept.
  #lists = new Map<string, ReturnType<Db['prepare']>>();

  constructor(db: Db) {
    this.#db = db;
    // Two writes per call on the execution hot path: batch them across concurrent calls.
    this.#writes = groupCommitOf(db);
    this.#insert = db.prepare(`
      INSERT INTO executions (id, plugin_name, plugin_version, kind, target, capability, api_key_id, app_id, user_id, input, status, started_at)
      VALUES (@id, @pluginName, @pluginVersion, @kind, @target, @capability, @apiKeyId, @appId, @userId, @input, @status, @startedAt)`);
    this.#markRunning = db.prepare(`UPDATE executions SET status = 'running', resumed = resumed + @resumed WHERE id = @id AND status IN ('queued', 'running')`);
    this.#unfinished = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM executions WHERE status IN ('queued', 'running') ORDER BY seq`);
    this.#get = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM executions WHERE id = ?`);
    // The status condition makes finishing atomic: of a completion, a cancel and failRunning, one wins.
    this.#complete = db.prepare(`
      UPDATE executions SET status = @status, output = @output, error_code = @errorCode, error_message = @errorMessage,
        duration_ms = @durationMs, cpu_ms = @cpuMs, heap_used_bytes = @heapUsedBytes, finished_at = @finishedAt, cost_nanos = (SELECT coalesce(sum(cost_nanos), 0) FROM model_usage WHERE execution_id = @id)
      WHERE id = @id AND status IN ('queued', 'running')
      RETURNING cost_nanos`);
    this.#failRunning = db.prepare(`
      UPDATE executions SET status = 'failed', error_code = 'HOST_RESTARTED', error_message = @reason, finished_at = @now,
        duration_ms = max(0, CAST(round((julianday(@now) - julianday(started_at)) * 86400000) AS INTEGER)),
        cost_nanos = (SELECT coalesce(sum(cost_nanos), 0) FROM model_usage WHERE execution_id = executions.id)
      WHERE status IN ('queued', 'running')`);
    this.#purge = purgeBatch(db);
  }

  async create(execution: NewExecution, status: 'queued' | 'running' = 'running'): Promise<ExecutionRecord> {
    const startedAt = now();
    await this.#writes.run(() => this.#insert.run({
      id: execution.id,
      pluginName: execution.pluginName,
      pluginVersion: execution.pluginVersion,
      kind: execution.kind,
      target: execution.target,
      capability: execution.capability ?? null,
      apiKeyId: execution.apiKeyId ?? null,
      appId: execution.appId ?? null,
      userId: execution.userId ?? null,
      input: toJson(execution.input),
      status,
      startedAt,
    }));
    return defined<ExecutionRecord>({ ...execution, status, costUsd: 0, resumed: 0, startedAt });
  }

  async markRunning(id: string, resumed = false): Promise<boolean> {
    return (await this.#writes.run(() => this.#markRunning.run({ id, resumed: resumed ? 1 : 0 }))).changes > 0;
  }

  async unfinished(): Promise<ExecutionRecord[]> {
    return this.#unfinished.all().map(toRecord);
  }

  async complete(id: string, outcome: ExecutionOutcome): Promise<{ won: boolean; costUsd: number }> {
    const row = await this.#writes.run(() => this.#complete.get({
      id,
      status: outcome.status,
      output: toJson(outcome.output),
      errorCode: outcome.errorCode ?? null,
      errorMessage: outcome.errorMessage ?? null,
      durationMs: Math.round(outcome.durationMs),
      cpuMs: outcome.cpuMs ?? null,
      heapUsedBytes: outcome.heapUsedBytes ?? null,
      finishedAt: now(),
    }) as { cost_nanos: number } | undefined);
    if (row !== undefined) return { won: true, costUsd: toUsd(row.cost_nanos) };
    // Another finisher won: the cost it recorded.
    return { won: false, costUsd: (await this.get(id))?.costUsd ?? 0 };
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const row = this.#get.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(query: ExecutionQuery = {}): Promise<{ items: ExecutionRecord[]; nextCursor?: string }> {
    const limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(query.limit ?? DEFAULT_LIMIT)));
    const params: Record<string, unknown> = { limit: limit + 1 };
    const where: string[] = [];
    if (query.plugin !== undefined) {
      where.push('plugin_name = @plugin');
      params.plugin = query.plugin;
    }
    if (query.userId !== undefined) {
      where.push('user_id = @userId');
      params.userId = query.userId;
    }
    if (query.kind !== undefined) {
      where.push('kind = @kind');
      params.kind = query.kind;
    }
    if (query.target !== undefined) {
      where.push('target = @target');
      params.target = query.target;
    }
    if (query.appId !== undefined) {
      where.push('app_id = @appId');
      params.appId = query.appId;
    }
    if (query.apiKeyId !== undefined) {
      where.push('api_key_id = @apiKeyId');
      params.apiKeyId = query.apiKeyId;
    }
    if (query.status !== undefined) {
      where.push('status = @status');
      params.status = query.status;
    }
    // Stored instants are toISOString() text: a range compares as text in that same form.
    if (query.startedSince !== undefined) {
      where.push('started_at >= @startedSince');
      params.startedSince = new Date(query.startedSince).toISOString();
    }
    if (query.startedUntil !== undefined) {
      where.push('started_at < @startedUntil');
      params.startedUntil = new Date(query.startedUntil).toISOString();
    }
    if (query.before !== undefined) {
      // The cursor is the id of the last item of the previous page; an unknown id gives an empty page.
      where.push('seq < (SELECT seq FROM executions WHERE id = @before)');
      params.before = query.before;
    }
    const key = where.join(' AND ');
    let statement = this.#lists.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare(`SELECT ${COLUMNS} FROM executions ${key === '' ? '' : `WHERE ${key}`} ORDER BY seq DESC LIMIT @limit`);
      this.#lists.set(key, statement);
    }
    const rows = statement.all(params) as Row[];
    const items = rows.slice(0, limit).map(toRecord);
    return rows.length > limit ? { items, nextCursor: items.at(-1)?.id } : { items };
  }

  async failRunning(reason: string): Promise<number> {
    return this.#failRunning.run({ reason, now: now() }).changes;
  }

  async purgeFinished(before: string, limit: number): Promise<ExecutionPurge> {
    return this.#purge.immediate(new Date(before).toISOString(), Math.max(1, Math.trunc(limit)));
  }
}

/**
 * One retention batch: executions finished before the cut-off, oldest first, each emptied of
 * its events and steps before its own row goes, so that at most `limit` rows are deleted
 * whatever the size of one execution's log (an execution with more is finished by later batches).
 */
function purgeBatch(db: Db) {
  // executions_by_finished: only finished executions have a finished_at; the status check is a
  // guard, its `+` keeps the planner off executions_by_status (which would sort every finished row).
  const due = db.prepare<{ before: string; limit: number }, string>(`
    SELECT id FROM executions WHERE finished_at < @before AND +status IN ('succeeded', 'failed', 'cancelled')
    ORDER BY finished_at LIMIT @limit`).pluck();
  const events = db.prepare(`DELETE FROM execution_events WHERE execution_id = @id AND seq IN (
    SELECT seq FROM execution_events WHERE execution_id = @id ORDER BY seq LIMIT @limit)`);
  const steps = db.prepare(`DELETE FROM execution_steps WHERE seq IN (
    SELECT seq FROM execution_steps WHERE execution_id = @id ORDER BY seq LIMIT @limit)`);
  const row = db.prepare(`DELETE FROM executions WHERE id = @id AND status IN ('succeeded', 'failed', 'cancelled')`);
  return db.transaction((before: string, limit: number): ExecutionPurge => {
    const done: ExecutionPurge = { executions: 0, steps: 0, events: 0, more: false };
    const ids = due.all({ before, limit });
    let left = limit;
    for (const id of ids) {
      const e = events.run({ id, limit: left }).changes;
      done.events += e;
      left -= e;
      if (left === 0) return { ...done, more: true };
      const s = steps.run({ id, limit: left }).changes;
      done.steps += s;
      left -= s;
      if (left === 0) return { ...done, more: true };
      done.executions += row.run({ id }).changes;
      left -= 1;
      if (left === 0) return { ...done, more: true };
    }
    return { ...done, more: ids.length === limit };
  });
}
