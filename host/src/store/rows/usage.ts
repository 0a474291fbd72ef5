/** Usage rows as both stores keep them, and the totals both sum the same way. */
import type { UsageRecord, UsageRow as UsageRowInput, UsageTotals } from '../types.ts';
import { defined } from './common.ts';
import { toNanos, toUsd } from './money.ts';

export interface UsageRow {
  id: number;
  at: string;
  app_id: string | null;
  user_id: string;
  plugin_name: string | null;
  execution_id: string | null;
  step_id: string | null;
  task: UsageRowInput['task'];
  model_id: string;
  purpose: UsageRowInput['purpose'];
  input_tokens: number;
  output_tokens: number;
  images: number;
  cost_nanos: number;
  cached: 'exact' | 'semantic' | null;
  status: UsageRecord['status'];
  error_code: string | null;
  latency_ms: number;
  reservation_id: string | null;
  saved_nanos: number;
  cache_miss: number;
  fallback: number;
  cooled: number;
  quota_waits: number;
}

export interface TotalsRow {
  calls: number;
  cached_calls: number;
  failed_calls: number;
  unreconciled_calls: number;
  unreconciled_nanos: number;
  cost_nanos: number;
  input_tokens: number;
  output_tokens: number;
  images: number;
}

export const toTotals = (row: TotalsRow): UsageTotals => ({
  calls: row.calls,
  cachedCalls: row.cached_calls,
  failedCalls: row.failed_calls,
  unreconciledCalls: row.unreconciled_calls,
  unreconciledUsd: toUsd(row.unreconciled_nanos),
  costUsd: toUsd(row.cost_nanos),
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  images: row.images,
});

export const toUsage = (row: UsageRow): UsageRecord =>
  defined({
    id: row.id,
    at: row.at,
    // Only rows written before apps existed, that no app key could be named for, lack one.
    appId: row.app_id ?? '',
    userId: row.user_id,
    pluginName: row.plugin_name ?? undefined,
    executionId: row.execution_id ?? undefined,
    stepId: row.step_id ?? undefined,
    task: row.task,
    modelId: row.model_id,
    purpose: row.purpose,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    images: row.images,
    costUsd: toUsd(row.cost_nanos),
    cached: row.cached ?? undefined,
    status: row.status,
    errorCode: row.error_code ?? undefined,
    latencyMs: row.latency_ms,
    reservationId: row.reservation_id ?? undefined,
    // What the cost report reads, shown only where it says something (0 on most rows).
    savedUsd: row.saved_nanos > 0 ? toUsd(row.saved_nanos) : undefined,
    cacheMiss: row.cache_miss === 1 ? true : undefined,
    fallback: row.fallback === 1 ? true : undefined,
    cooled: row.cooled === 1 ? true : undefined,
    quotaWaits: row.quota_waits > 0 ? row.quota_waits : undefined,
  });

/** A usage row's values as both stores write them (flags as booleans; SQLite turns them into 0 and 1). */
export function usageParams(row: UsageRowInput, at: string) {
  return {
    at,
    appId: row.appId,
    userId: row.userId,
    pluginName: row.pluginName ?? null,
    executionId: row.executionId ?? null,
    stepId: row.stepId ?? null,
    task: row.task,
    modelId: row.modelId,
    purpose: row.purpose,
    inputTokens: Math.round(row.inputTokens),
    outputTokens: Math.round(row.outputTokens),
    images: Math.round(row.images),
    costNanos: toNanos(row.costUsd),
    cached: row.cached ?? null,
    status: row.status,
    errorCode: row.errorCode ?? null,
    latencyMs: Math.max(0, Math.round(row.latencyMs)),
    savedNanos: Math.max(0, toNanos(row.savedUsd ?? 0)),
    cacheMiss: row.cacheMiss === true,
    fallback: row.fallback === true,
    cooled: row.cooled === true,
    quotaWaits: Math.max(0, Math.round(row.quotaWaits ?? 0)),
  };
}
