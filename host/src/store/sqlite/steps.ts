/**
 * execution_steps: one row per `ctx.agents.invoke`, keyed for replay by (execution, call key).
 * What a step cost is read from model_usage when it finishes: its own calls and its
 * sub-steps', so a step's figures include everything it set in motion.
 */
import { groupCommitOf } from '@easel/common/sqlite/group-commit';
import type { NewStep, StepOutcome, StepRecord, StepRepository } from '../types.ts';
import { type Db, now, toJson } from './shared.ts';
import { type StepRow as Row, toStep as toRecord } from '../rows/steps.ts';

export class SqliteStepRepository implements StepRepository {
  #writes;
  #begin;
  #finish;
  #get;
  #byExecution;
  #abandon;

  constructor(db: Db) {
    this.#writes = groupCommitOf(db);
    const byKey = db.prepare<[string, string], Row>('SELECT * FROM execution_steps WHERE execution_id = ? AND call_key = ?');
    const insert = db.prepare(`
      INSERT INTO execution_steps (id, execution_id, parent_step_id, call_key, depth, plugin_name, plugin_version, agent, capability, input_sha256, status, started_at)
      VALUES (@id, @executionId, @parentStepId, @callKey, @depth, @pluginName, @pluginVersion, @agent, @capability, @inputSha256, 'running', @startedAt)`);
    // A step run again after an interruption keeps its id (its earlier model calls stay charged to it).
    const restart = db.prepare(`
      UPDATE execution_steps SET status = 'running', attempts = attempts + 1, output = NULL, error_code = NULL, error_message = NULL,
        plugin_version = @pluginVersion, started_at = @startedAt, finished_at = NULL, duration_ms = NULL, cpu_ms = NULL, heap_peak_bytes = NULL
      WHERE id = @id`);
    this.#get = db.prepare<[string], Row>('SELECT * FROM execution_steps WHERE id = ?');
    this.#begin = db.transaction((step: NewStep, startedAt: string): { row: Row; replayed: boolean } => {
      const found = byKey.get(step.executionId, step.callKey);
      if (found?.status === 'succeeded') return { row: found, replayed: true };
      if (found) restart.run({ id: found.id, pluginVersion: step.pluginVersion, startedAt });
      else insert.run({ ...step, parentStepId: step.parentStepId ?? null, startedAt });
      return { row: this.#get.get(found?.id ?? step.id)!, replayed: false };
    });
    const tree = `WITH RECURSIVE tree(id) AS (SELECT @id UNION ALL SELECT s.id FROM execution_steps s JOIN tree t ON s.parent_step_id = t.id)`;
    this.#finish = db.prepare(`
      ${tree}, spent AS (
        SELECT coalesce(sum(cost_nanos), 0) AS cost, coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
          (SELECT json_group_array(model_id) FROM (SELECT DISTINCT model_id FROM model_usage WHERE step_id IN tree ORDER BY model_id)) AS models
        FROM model_usage WHERE step_id IN tree)
      UPDATE execution_steps SET status = @status, output = @output, error_code = @errorCode, error_message = @errorMessage,
        duration_ms = @durationMs, cpu_ms = @cpuMs, heap_peak_bytes = @heapPeakBytes, finished_at = @finishedAt,
        cost_nanos = (SELECT cost FROM spent), input_tokens = (SELECT input_tokens FROM spent),
        output_tokens = (SELECT output_tokens FROM spent), models = (SELECT models FROM spent)
      WHERE id = @id AND status = 'running'`);
    this.#byExecution = db.prepare<[string], Row>('SELECT * FROM execution_steps WHERE execution_id = ? ORDER BY seq');
    this.#abandon = db.prepare(`
      UPDATE execution_steps SET status = 'failed', error_code = @errorCode, error_message = @errorMessage, finished_at = @now
      WHERE execution_id = @executionId AND status = 'running'`);
  }

  async begin(step: NewStep): Promise<{ step: StepRecord; replayed: boolean }> {
    const { row, replayed } = await this.#writes.run(() => this.#begin(step, now()));
    return { step: toRecord(row), replayed };
  }

  async finish(id: string, outcome: StepOutcome): Promise<StepRecord | undefined> {
    await this.#writes.run(() => this.#finish.run({
      id,
      status: outcome.status,
      output: toJson(outcome.output),
      errorCode: outcome.errorCode ?? null,
      errorMessage: outcome.errorMessage ?? null,
      durationMs: outcome.durationMs,
      cpuMs: outcome.cpuMs ?? null,
      heapPeakBytes: outcome.heapPeakBytes === undefined ? null : Math.round(outcome.heapPeakBytes),
      finishedAt: now(),
    }));
    const row = this.#get.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  async abandon(executionId: string, errorCode: string, errorMessage: string): Promise<number> {
    return (await this.#writes.run(() => this.#abandon.run({ executionId, errorCode, errorMessage, now: now() }))).changes;
  }

  async listByExecution(executionId: string): Promise<StepRecord[]> {
    return this.#byExecution.all(executionId).map(toRecord);
  }
}
