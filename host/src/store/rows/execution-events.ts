/** Event rows as both stores keep them. */
import type { ExecutionEventRecord } from '../types.ts';

export interface EventRow {
  execution_id: string;
  seq: number;
  type: string;
  data: string;
  at: string;
}

export const toEvent = (row: EventRow): ExecutionEventRecord => ({ executionId: row.execution_id, seq: row.seq, type: row.type, data: row.data, at: row.at });
