/** Execution rows as both stores keep them; the cost of a running execution is summed from its usage. */
import type { ExecutionRecord } from '../types.ts';
import { defined, fromJson } from './common.ts';
import { toUsd } from './money.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface ExecutionRow {
  id: string;
  plugin_name: string;
  plugin_version: string;
  kind: 'agent' | 'workflow';
  target: string;
  capability: string | null;
  api_key_id: string | null;
  app_id: string | null;
  user_id: string | null;
  input: string | null;
  status: ExecutionRecord['status'];
  output: string | null;
  error_code: string | null;
  error_message: string | null;
  duration_ms: number | null;
  cpu_ms: number | null;
  heap_used_bytes: number | null;
  cost_nanos: number;
  resumed: number;
  started_at: string;
  finished_at: string | null;
  events_purged_at: string | null;
}

export const COLUMNS = `id, plugin_name, plugin_version, kind, target, capability, api_key_id, app_id, user_id, input, status, output,
  error_code, error_message, duration_ms, cpu_ms, heap_used_bytes, resumed, started_at, finished_at, events_purged_at,
  coalesce(cost_nanos, (SELECT coalesce(sum(u.cost_nanos), 0) FROM model_usage u WHERE u.execution_id = executions.id)) AS cost_nanos`;

export const toRecord = (row: ExecutionRow): ExecutionRecord =>
  defined({
    id: row.id,
    pluginName: row.plugin_name,
    pluginVersion: row.plugin_version,
    kind: row.kind,
    target: row.target,
    capability: row.capability ?? undefined,
    apiKeyId: row.api_key_id ?? undefined,
    appId: row.app_id ?? undefined,
    userId: row.user_id ?? undefined,
    input: fromJson(row.input),
    status: row.status,
    output: fromJson(row.output),
    errorCode: row.error_code ?? undefined,
    errorMessage: row.error_message ?? undefined,
    durationMs: row.duration_ms ?? undefined,
    cpuMs: row.cpu_ms ?? undefined,
    heapUsedBytes: row.heap_used_bytes ?? undefined,
    costUsd: toUsd(row.cost_nanos),
    resumed: row.resumed,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    eventsPurgedAt: row.events_purged_at ?? undefined,
  });
