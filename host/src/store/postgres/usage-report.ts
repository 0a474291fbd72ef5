/**
 * The cost report on PostgreSQL: the SQLite store's report (../sqlite/usage-report.ts), the
 * same sums over the same rows, read in one snapshot.
 */
import type { UsageReport, UsageReportQuery } from '../types.ts';
import { APP_ROW } from '../rows/money.ts';
import { assembleReport, type BudgetRow, DEAREST, type ReportRows, type ReportTotalsRow as TotalsRow } from '../rows/usage-report.ts';
import type { PgDatabase, Queryable } from './database.ts';
import { FAILED, UNRECONCILED, UNRECONCILED_NANOS } from './sums.ts';
import { named } from './where.ts';

const SUMS = `count(*) AS calls, ${FAILED} AS failed_calls, coalesce(sum(cost_nanos), 0) AS cost_nanos,
  coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens`;
const TOTALS = `${SUMS}, count(cached) AS hits, count(*) FILTER (WHERE cache_miss) AS misses, coalesce(sum(saved_nanos), 0) AS saved_nanos,
  count(*) FILTER (WHERE fallback) AS fallbacks, count(*) FILTER (WHERE cooled) AS cooldowns, coalesce(sum(quota_waits), 0) AS quota_waits,
  ${UNRECONCILED} AS unreconciled_calls, ${UNRECONCILED_NANOS} AS unreconciled_nanos`;

/** Builds the report function over `db`. */
export function usageReport(db: PgDatabase): (query: UsageReportQuery) => Promise<UsageReport> {
  return (query) =>
    db.transaction(
      async (client: Queryable) => {
        const oneApp = query.appId !== undefined;
        const range = `${oneApp ? 'app_id = @appId AND ' : ''}at >= @since AND at < @until`;
        const params = { ...(oneApp ? { appId: query.appId } : {}), since: query.since, until: query.until, top: Math.max(1, Math.trunc(query.top)), month: query.budgetMonth };
        const all = async <R extends object>(sql: string): Promise<R[]> => (await client.query<R>(...named(sql, params))).rows;
        return assembleReport(query, {
          totals: (await all<TotalsRow>(`SELECT ${TOTALS} FROM model_usage WHERE ${range}`))[0] as TotalsRow,
          byDay: await all<ReportRows['byDay'][number]>(`SELECT substr(at, 1, 10) AS day, ${SUMS} FROM model_usage WHERE ${range} GROUP BY day ORDER BY day`),
          byApp: oneApp ? [] : await all<ReportRows['byApp'][number]>(`SELECT app_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY app_id ORDER BY ${DEAREST}, app_id NULLS FIRST`),
          byUser: await all<ReportRows['byUser'][number]>(`SELECT app_id, user_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY app_id, user_id ORDER BY ${DEAREST}, app_id NULLS FIRST, user_id LIMIT @top`),
          byPlugin: await all<ReportRows['byPlugin'][number]>(`SELECT plugin_name, ${SUMS} FROM model_usage WHERE ${range} AND plugin_name IS NOT NULL GROUP BY plugin_name ORDER BY ${DEAREST}, plugin_name`),
          byModel: await all<ReportRows['byModel'][number]>(`SELECT model_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY model_id ORDER BY ${DEAREST}, model_id`),
          // The app's own budget first, then the ones closest to their limit.
          budgets: await all<BudgetRow>(`
            SELECT b.app_id, b.user_id, b.monthly_nanos, coalesce(s.spent_nanos, 0) AS spent_nanos, coalesce(s.reserved_nanos, 0) AS reserved_nanos
            FROM budgets b LEFT JOIN monthly_spend s ON s.app_id = b.app_id AND s.user_id = b.user_id AND s.month = @month
            ${oneApp ? 'WHERE b.app_id = @appId' : ''}
            ORDER BY b.user_id <> '${APP_ROW}', (coalesce(s.spent_nanos, 0) + coalesce(s.reserved_nanos, 0)) * 1.0 / greatest(b.monthly_nanos, 1) DESC, b.app_id, b.user_id
            LIMIT @top`),
        });
      },
      { snapshot: true },
    );
}
