/**
 * execution_steps on PostgreSQL: one row per `ctx.agents.invoke`, keyed for replay by
 * (execution, call key). What a step cost is read from model_usage when it finishes: its own
 * calls and its sub-steps'.
 */
import type { NewStep, StepOutcome, StepRecord, StepRepository } from '../types.ts';
import { now, toJson } from '../rows/common.ts';
import { type StepRow, toStep } from '../rows/steps.ts';
import type { PgDatabase, Queryable } from './database.ts';

export class PgStepRepository implements StepRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async begin(step: NewStep): Promise<{ step: StepRecord; replayed: boolean }> {
    const startedAt = now();
    return this.#db.transaction(async (db) => {
      // A first run inserts; a row that is there already (a replay, or a run after an interruption) is locked and read.
      const inserted = await db.query<StepRow>(
        `INSERT INTO execution_steps (id, execution_id, parent_step_id, call_key, depth, plugin_name, plugin_version, agent, capability, input_sha256, status, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'running', $11)
         ON CONFLICT (execution_id, call_key) DO NOTHING RETURNING *`,
        [step.id, step.executionId, step.parentStepId ?? null, step.callKey, step.depth, step.pluginName, step.pluginVersion, step.agent, step.capability, step.inputSha256, startedAt],
      );
      if (inserted.rows[0] !== undefined) return { step: toStep(inserted.rows[0]), replayed: false };
      const found = (await db.query<StepRow>('SELECT * FROM execution_steps WHERE execution_id = $1 AND call_key = $2 FOR UPDATE', [step.executionId, step.callKey])).rows[0] as StepRow;
      if (found.status === 'succeeded') return { step: toStep(found), replayed: true };
      // A step run again after an interruption keeps its id (its earlier model calls stay charged to it).
      const restarted = await db.query<StepRow>(
        `UPDATE execution_steps SET status = 'running', attempts = attempts + 1, output = NULL, error_code = NULL, error_message = NULL,
           plugin_version = $2, started_at = $3, finished_at = NULL, duration_ms = NULL, cpu_ms = NULL, heap_peak_bytes = NULL
         WHERE id = $1 RETURNING *`,
        [found.id, step.pluginVersion, startedAt],
      );
      return { step: toStep(restarted.rows[0] as StepRow), replayed: false };
    });
  }

  async finish(id: string, outcome: StepOutcome): Promise<StepRecord | undefined> {
    await finishStep(this.#db.pool, id, outcome);
    return this.#get(id);
  }

  async abandon(executionId: string, errorCode: string, errorMessage: string): Promise<number> {
    const result = await this.#db.pool.query(
      `UPDATE execution_steps SET status = 'failed', error_code = $2, error_message = $3, finished_at = $4 WHERE execution_id = $1 AND status = 'running'`,
      [executionId, errorCode, errorMessage, now()],
    );
    return result.rowCount ?? 0;
  }

  async listByExecution(executionId: string): Promise<StepRecord[]> {
    return (await this.#db.pool.query<StepRow>('SELECT * FROM execution_steps WHERE execution_id = $1 ORDER BY seq', [executionId])).rows.map(toStep);
  }

  async #get(id: string): Promise<StepRecord | undefined> {
    const row = (await this.#db.pool.query<StepRow>('SELECT * FROM execution_steps WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : toStep(row);
  }
}

/** Records the outcome with the usage of the step and of every step below it. */
function finishStep(db: Queryable, id: string, outcome: StepOutcome) {
  return db.query(
    `WITH RECURSIVE tree(id) AS (SELECT $1::text UNION ALL SELECT s.id FROM execution_steps s JOIN tree t ON s.parent_step_id = t.id),
     spent AS (
       SELECT coalesce(sum(cost_nanos), 0) AS cost, coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
         (SELECT coalesce(json_agg(model_id ORDER BY model_id), '[]'::json)::text FROM (SELECT DISTINCT model_id FROM model_usage WHERE step_id IN (SELECT id FROM tree)) m) AS models
       FROM model_usage WHERE step_id IN (SELECT id FROM tree))
     UPDATE execution_steps SET status = $2, output = $3, error_code = $4, error_message = $5,
       duration_ms = $6, cpu_ms = $7, heap_peak_bytes = $8, finished_at = $9,
       cost_nanos = (SELECT cost FROM spent), input_tokens = (SELECT input_tokens FROM spent),
       output_tokens = (SELECT output_tokens FROM spent), models = (SELECT models FROM spent)
     WHERE id = $1 AND status = 'running'`,
    [
      id,
      outcome.status,
      toJson(outcome.output),
      outcome.errorCode ?? null,
      outcome.errorMessage ?? null,
      outcome.durationMs,
      outcome.cpuMs ?? null,
      outcome.heapPeakBytes === undefined ? null : Math.round(outcome.heapPeakBytes),
      now(),
    ],
  );
}
