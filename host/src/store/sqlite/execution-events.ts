/** execution_events: each execution's event stream, keyed by (execution, seq), for replay. */
import { groupCommitOf } from '@easel/common/sqlite/group-commit';
import type { ExecutionEventRecord, ExecutionEventRepository } from '../types.ts';
import { type Db, now } from './shared.ts';
import { type EventRow as Row, toEvent as toRecord } from '../rows/execution-events.ts';

const MAX_LIMIT = 1000;

export class SqliteExecutionEventRepository implements ExecutionEventRepository {
  #writes;
  #insertAll;
  #list;
  #lastSeq;
  #count;
  #purge;

  constructor(db: Db) {
    // Token deltas arrive many per second per execution: batch them across executions.
    this.#writes = groupCommitOf(db);
    const insert = db.prepare('INSERT INTO execution_events (execution_id, seq, type, data, at) VALUES (@executionId, @seq, @type, @data, @at)');
    // Nested in the group commit's transaction this is a savepoint: one append is stored whole or not at all.
    this.#insertAll = db.transaction((events: readonly ExecutionEventRecord[]) => {
      for (const e of events) insert.run({ executionId: e.executionId, seq: e.seq, type: e.type, data: e.data, at: e.at });
    });
    this.#list = db.prepare<[string, number, number], Row>(
      'SELECT execution_id, seq, type, data, at FROM execution_events WHERE execution_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.#lastSeq = db.prepare<[string], number>('SELECT coalesce(max(seq), 0) FROM execution_events WHERE execution_id = ?').pluck();
    this.#count = db.prepare<[string], number>('SELECT count(*) FROM execution_events WHERE execution_id = ?').pluck();
    this.#purge = purgeBatch(db);
  }

  async append(events: readonly ExecutionEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.#writes.run(() => this.#insertAll(events));
  }

  async list(executionId: string, afterSeq: number, limit: number): Promise<ExecutionEventRecord[]> {
    const n = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
    return this.#list.all(executionId, Math.max(0, Math.trunc(afterSeq)), n).map(toRecord);
  }

  async lastSeq(executionId: string): Promise<number> {
    return this.#lastSeq.get(executionId) ?? 0;
  }

  async count(executionId: string): Promise<number> {
    return this.#count.get(executionId) ?? 0;
  }

  async purgeFinished(before: string, limit: number): Promise<{ events: number; more: boolean }> {
    return this.#purge.immediate(new Date(before).toISOString(), Math.max(1, Math.trunc(limit)), now());
  }
}

/**
 * One retention batch of event logs: executions finished before the cut-off whose log is still
 * kept (executions_events_kept), oldest first. A log emptied within the batch is marked, which
 * takes its execution out of that index, so later batches start at the next log still due.
 */
function purgeBatch(db: Db) {
  // `+status`: a guard that must not steer the planner to executions_by_status.
  const due = db.prepare<{ before: string; limit: number }, string>(`
    SELECT id FROM executions WHERE finished_at < @before AND events_purged_at IS NULL AND +status IN ('succeeded', 'failed', 'cancelled')
    ORDER BY finished_at LIMIT @limit`).pluck();
  const events = db.prepare(`DELETE FROM execution_events WHERE execution_id = @id AND seq IN (
    SELECT seq FROM execution_events WHERE execution_id = @id ORDER BY seq LIMIT @limit)`);
  const mark = db.prepare('UPDATE executions SET events_purged_at = @at WHERE id = @id');
  return db.transaction((before: string, limit: number, at: string): { events: number; more: boolean } => {
    const ids = due.all({ before, limit });
    let removed = 0;
    for (const id of ids) {
      const n = events.run({ id, limit: limit - removed }).changes;
      removed += n;
      // The log may hold more than the batch had room for: it is marked by a later batch.
      if (removed === limit) return { events: removed, more: true };
      mark.run({ id, at });
    }
    return { events: removed, more: ids.length === limit };
  });
}
