/**
 * The cost report on PostgreSQL: the SQLite store's report (../sqlite/usage-report.ts), the
 * same sums over the same rows, read in one snapshot.
 */
import type { UsageReport, UsageReportQuery } from '../types.ts';
import { APP_ROW, toUsd } from '../rows/money.ts';
import type { PgDatabase, Queryable } from './database.ts';
import { FAILED, UNRECONCILED, UNRECONCILED_NANOS } from './sums.ts';
import { named } from './where.ts';

interface Sums {
  calls: number;
  failed_calls: number;
  cost_nanos: number;
  input_tokens: number;
  output_tokens: number;
}

interface TotalsRow extends Sums {
  hits: number;
  misses: number;
  saved_nanos: number;
  fallbacks: number;
  cooldowns: number;
  quota_waits: number;
  unreconciled_calls: number;
  unreconciled_nanos: number;
}

interface BudgetRow {
  app_id: string;
  user_id: string;
  monthly_nanos: number;
  spent_nanos: number;
  reserved_nanos: number;
}

const SUMS = `count(*) AS calls, ${FAILED} AS failed_calls, coalesce(sum(cost_nanos), 0) AS cost_nanos,
  coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens`;
const TOTALS = `${SUMS}, count(cached) AS hits, count(*) FILTER (WHERE cache_miss) AS misses, coalesce(sum(saved_nanos), 0) AS saved_nanos,
  count(*) FILTER (WHERE fallback) AS fallbacks, count(*) FILTER (WHERE cooled) AS cooldowns, coalesce(sum(quota_waits), 0) AS quota_waits,
  ${UNRECONCILED} AS unreconciled_calls, ${UNRECONCILED_NANOS} AS unreconciled_nanos`;
// Dearest first; ties in a stable order.
const DEAREST = 'cost_nanos DESC, calls DESC';

const money = (row: Sums) => ({ calls: row.calls, costUsd: toUsd(row.cost_nanos) });
const tokens = (row: Sums) => ({ ...money(row), inputTokens: row.input_tokens, outputTokens: row.output_tokens });

/** Builds the report function over `db`. */
export function usageReport(db: PgDatabase): (query: UsageReportQuery) => Promise<UsageReport> {
  return (query) =>
    db.transaction(
      async (client: Queryable) => {
        const oneApp = query.appId !== undefined;
        const range = `${oneApp ? 'app_id = @appId AND ' : ''}at >= @since AND at < @until`;
        const params = { ...(oneApp ? { appId: query.appId } : {}), since: query.since, until: query.until, top: Math.max(1, Math.trunc(query.top)), month: query.budgetMonth };
        const all = async <R extends object>(sql: string): Promise<R[]> => (await client.query<R>(...named(sql, params))).rows;
        const [t] = await all<TotalsRow>(`SELECT ${TOTALS} FROM model_usage WHERE ${range}`);
        const totals = t as TotalsRow;
        const looked = totals.hits + totals.misses;
        const byDay = await all<Sums & { day: string }>(`SELECT substr(at, 1, 10) AS day, ${SUMS} FROM model_usage WHERE ${range} GROUP BY day ORDER BY day`);
        const byApp = oneApp ? [] : await all<Sums & { app_id: string | null }>(`SELECT app_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY app_id ORDER BY ${DEAREST}, app_id NULLS FIRST`);
        const byUser = await all<Sums & { app_id: string | null; user_id: string }>(
          `SELECT app_id, user_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY app_id, user_id ORDER BY ${DEAREST}, app_id NULLS FIRST, user_id LIMIT @top`,
        );
        const byPlugin = await all<Sums & { plugin_name: string }>(
          `SELECT plugin_name, ${SUMS} FROM model_usage WHERE ${range} AND plugin_name IS NOT NULL GROUP BY plugin_name ORDER BY ${DEAREST}, plugin_name`,
        );
        const byModel = await all<Sums & { model_id: string }>(`SELECT model_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY model_id ORDER BY ${DEAREST}, model_id`);
        // The app's own budget first, then the ones closest to their limit.
        const budgets = await all<BudgetRow>(`
          SELECT b.app_id, b.user_id, b.monthly_nanos, coalesce(s.spent_nanos, 0) AS spent_nanos, coalesce(s.reserved_nanos, 0) AS reserved_nanos
          FROM budgets b LEFT JOIN monthly_spend s ON s.app_id = b.app_id AND s.user_id = b.user_id AND s.month = @month
          ${oneApp ? 'WHERE b.app_id = @appId' : ''}
          ORDER BY b.user_id <> '${APP_ROW}', (coalesce(s.spent_nanos, 0) + coalesce(s.reserved_nanos, 0)) * 1.0 / greatest(b.monthly_nanos, 1) DESC, b.app_id, b.user_id
          LIMIT @top`);
        return {
          totals: { calls: totals.calls, failedCalls: totals.failed_calls, costUsd: toUsd(totals.cost_nanos), inputTokens: totals.input_tokens, outputTokens: totals.output_tokens },
          byDay: byDay.map((r) => ({ day: r.day, ...tokens(r) })),
          // Rows written before apps existed have none: they show as app ''.
          byApp: byApp.map((r) => ({ app: r.app_id ?? '', ...money(r) })),
          byUser: byUser.map((r) => ({ app: r.app_id ?? '', user: r.user_id, ...money(r) })),
          byPlugin: byPlugin.map((r) => ({ plugin: r.plugin_name, ...money(r) })),
          byModel: byModel.map((r) => ({ model: r.model_id, ...tokens(r) })),
          cache: { hits: totals.hits, misses: totals.misses, hitRate: looked === 0 ? 0 : totals.hits / looked, savedUsd: toUsd(totals.saved_nanos) },
          routing: { fallbacks: totals.fallbacks, cooldowns: totals.cooldowns, quotaWaits: totals.quota_waits },
          budgets: budgets.map((b) => ({
            scope: b.user_id === APP_ROW ? ('app' as const) : ('user' as const),
            app: b.app_id,
            ...(b.user_id === APP_ROW ? {} : { user: b.user_id }),
            month: query.budgetMonth,
            limitUsd: toUsd(b.monthly_nanos),
            spentUsd: toUsd(b.spent_nanos),
            reservedUsd: toUsd(b.reserved_nanos),
          })),
          unreconciled: { calls: totals.unreconciled_calls, costUsd: toUsd(totals.unreconciled_nanos) },
        };
      },
      { snapshot: true },
    );
}
