/** The cost report's rows as both stores read them, and the report built from them. */
import type { UsageReport, UsageReportQuery } from '../types.ts';
import { APP_ROW, toUsd } from './money.ts';

export interface Sums {
  calls: number;
  failed_calls: number;
  cost_nanos: number;
  input_tokens: number;
  output_tokens: number;
}

export interface ReportTotalsRow extends Sums {
  hits: number;
  misses: number;
  saved_nanos: number;
  fallbacks: number;
  cooldowns: number;
  quota_waits: number;
  unreconciled_calls: number;
  unreconciled_nanos: number;
}

export interface BudgetRow {
  app_id: string;
  user_id: string;
  monthly_nanos: number;
  spent_nanos: number;
  reserved_nanos: number;
}

/** What one report reads, in one snapshot. */
export interface ReportRows {
  totals: ReportTotalsRow;
  byDay: (Sums & { day: string })[];
  /** Empty for one app's report. */
  byApp: (Sums & { app_id: string | null })[];
  byUser: (Sums & { app_id: string | null; user_id: string })[];
  byPlugin: (Sums & { plugin_name: string })[];
  byModel: (Sums & { model_id: string })[];
  budgets: BudgetRow[];
}

// Dearest first; ties in a stable order (both stores sort the breakdowns so).
export const DEAREST = 'cost_nanos DESC, calls DESC';

const money = (row: Sums) => ({ calls: row.calls, costUsd: toUsd(row.cost_nanos) });
const tokens = (row: Sums) => ({ ...money(row), inputTokens: row.input_tokens, outputTokens: row.output_tokens });

export function assembleReport(query: UsageReportQuery, rows: ReportRows): UsageReport {
  const t = rows.totals;
  const looked = t.hits + t.misses;
  return {
    totals: { calls: t.calls, failedCalls: t.failed_calls, costUsd: toUsd(t.cost_nanos), inputTokens: t.input_tokens, outputTokens: t.output_tokens },
    byDay: rows.byDay.map((r) => ({ day: r.day, ...tokens(r) })),
    // Rows written before apps existed have none: they show as app ''.
    byApp: rows.byApp.map((r) => ({ app: r.app_id ?? '', ...money(r) })),
    byUser: rows.byUser.map((r) => ({ app: r.app_id ?? '', user: r.user_id, ...money(r) })),
    byPlugin: rows.byPlugin.map((r) => ({ plugin: r.plugin_name, ...money(r) })),
    byModel: rows.byModel.map((r) => ({ model: r.model_id, ...tokens(r) })),
    cache: { hits: t.hits, misses: t.misses, hitRate: looked === 0 ? 0 : t.hits / looked, savedUsd: toUsd(t.saved_nanos) },
    routing: { fallbacks: t.fallbacks, cooldowns: t.cooldowns, quotaWaits: t.quota_waits },
    budgets: rows.budgets.map((b) => ({
      scope: b.user_id === APP_ROW ? ('app' as const) : ('user' as const),
      app: b.app_id,
      ...(b.user_id === APP_ROW ? {} : { user: b.user_id }),
      month: query.budgetMonth,
      limitUsd: toUsd(b.monthly_nanos),
      spentUsd: toUsd(b.spent_nanos),
      reservedUsd: toUsd(b.reserved_nanos),
    })),
    unreconciled: { calls: t.unreconciled_calls, costUsd: toUsd(t.unreconciled_nanos) },
  };
}
