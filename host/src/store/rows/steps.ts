/** Step rows as both stores keep them. */
import type { StepRecord } from '../types.ts';
import { defined, fromJson } from './common.ts';
import { toUsd } from './money.ts';

export interface StepRow {
  id: string;
  execution_id: string;
  parent_step_id: string | null;
  call_key: string;
  depth: number;
  plugin_name: string;
  plugin_version: string;
  agent: string;
  capability: string;
  input_sha256: string;
  status: StepRecord['status'];
  output: string | null;
  error_code: string | null;
  error_message: string | null;
  models: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_nanos: number;
  attempts: number;
  duration_ms: number | null;
  cpu_ms: number | null;
  heap_peak_bytes: number | null;
  started_at: string;
  finished_at: string | null;
}

export const toStep = (row: StepRow): StepRecord =>
  defined({
    id: row.id,
    executionId: row.execution_id,
    parentStepId: row.parent_step_id ?? undefined,
    callKey: row.call_key,
    depth: row.depth,
    pluginName: row.plugin_name,
    pluginVersion: row.plugin_version,
    agent: row.agent,
    capability: row.capability,
    inputSha256: row.input_sha256,
    status: row.status,
    output: fromJson(row.output),
    errorCode: row.error_code ?? undefined,
    errorMessage: row.error_message ?? undefined,
    models: (fromJson(row.models) as string[] | undefined) ?? [],
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: toUsd(row.cost_nanos),
    attempts: row.attempts,
    durationMs: row.duration_ms ?? undefined,
    cpuMs: row.cpu_ms ?? undefined,
    heapPeakBytes: row.heap_peak_bytes ?? undefined,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
  });
