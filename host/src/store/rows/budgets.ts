/** Budget rows as both stores read them: a scope's status for a month, and abandoned holds charged. */
import { randomUUID } from 'node:crypto';
import type { AbandonedCharges, BudgetScope, BudgetStatus, ReservationRequest } from '../types.ts';
import { defined, now } from './common.ts';
import { APP_ROW, toNanos, toUsd } from './money.ts';

export interface StatusRow {
  monthly_nanos: number | null;
  budget_updated_at: string | null;
  spent_nanos: number | null;
  reserved_nanos: number | null;
}

export const rowUser = (scope: BudgetScope): string => scope.userId ?? APP_ROW;

export interface ChargedGroup {
  plugin_name: string | null;
  model_id: string;
  calls: number;
  cost_nanos: number;
}

export function statusOf(scope: BudgetScope, month: string, row: StatusRow): BudgetStatus {
  return defined({
    scope: scope.userId === undefined ? ('app' as const) : ('user' as const),
    appId: scope.appId,
    userId: scope.userId,
    monthlyUsd: row.monthly_nanos === null ? undefined : toUsd(row.monthly_nanos),
    month,
    spentUsd: toUsd(row.spent_nanos ?? 0),
    reservedUsd: toUsd(row.reserved_nanos ?? 0),
    updatedAt: row.budget_updated_at ?? undefined,
  });
}

export function charges(groups: ChargedGroup[]): AbandonedCharges {
  return {
    calls: groups.reduce((n, g) => n + g.calls, 0),
    costUsd: toUsd(groups.reduce((n, g) => n + g.cost_nanos, 0)),
    groups: groups.map((g) => defined({ pluginName: g.plugin_name ?? undefined, modelId: g.model_id, calls: g.calls, costUsd: toUsd(g.cost_nanos) })),
  };
}

/** A new reservation's row as both stores write it: a fresh id, `owner`, the worst case rounded up. */
export function reservationParams(request: ReservationRequest, owner: string) {
  return {
    id: randomUUID(),
    owner,
    appId: request.appId,
    userId: request.userId,
    month: request.month,
    pluginName: request.pluginName ?? null,
    executionId: request.executionId ?? null,
    stepId: request.stepId ?? null,
    task: request.task,
    modelId: request.modelId,
    purpose: request.purpose,
    inputTokens: Math.max(0, Math.ceil(request.inputTokens)),
    outputTokens: Math.max(0, Math.ceil(request.outputTokens)),
    images: Math.max(0, Math.ceil(request.images)),
    amount: toNanos(request.amountUsd),
    now: now(),
  };
}
