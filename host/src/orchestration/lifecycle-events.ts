/**
 * The data of `execution.started` and `execution.finished`, built in one place: the execution
 * service publishes them, and the event stream rebuilds them from the record for a synchronous
 * agent call whose log held nothing else and so was not stored (execution-events.ts, `deferred`).
 * A replay must say exactly what the live stream said, so both go through these functions.
 */
import type { ExecutionRecord } from '../store/index.ts';
import type { ExecutionEvent } from './execution-events.ts';

type Started = Pick<ExecutionRecord, 'id' | 'kind' | 'target' | 'capability' | 'pluginName' | 'pluginVersion'>;

export function startedData(record: Started, resumed: number): Record<string, unknown> {
  return {
    executionId: record.id,
    kind: record.kind,
    target: record.target,
    ...(record.capability ? { capability: record.capability } : {}),
    plugin: record.pluginName,
    version: record.pluginVersion,
    resumed,
  };
}

export interface Ending {
  status: string;
  output?: unknown;
  error?: { code: string; message: string };
  costUsd: number;
  durationMs: number;
}

export function finishedData(ending: Ending): Record<string, unknown> {
  const { status, error, output, costUsd, durationMs } = ending;
  return { status, ...(error ? { error } : { output }), costUsd, durationMs };
}

/**
 * The whole stream of a finished agent call that published only its start and its end, from
 * its record; empty for anything else (a workflow, a call still running, a log retention purged).
 */
export function recordedLifecycle(record: ExecutionRecord): ExecutionEvent[] {
  // Only a finished execution has finishedAt.
  if (record.kind !== 'agent' || record.finishedAt === undefined || record.eventsPurgedAt !== undefined) return [];
  const error = record.errorCode !== undefined ? { code: record.errorCode, message: record.errorMessage ?? '' } : undefined;
  const ending = finishedData({ status: record.status, output: record.output, error, costUsd: record.costUsd, durationMs: record.durationMs ?? 0 });
  return [
    { executionId: record.id, seq: 1, type: 'execution.started', data: startedData(record, record.resumed), at: record.startedAt },
    { executionId: record.id, seq: 2, type: 'execution.finished', data: ending, at: record.finishedAt },
  ];
}
