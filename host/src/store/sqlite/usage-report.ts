/**
 * The cost report (GET /v1/usage/report): totals and breakdowns of model_usage over a range,
 * for one app or every app, with the budgets set and their month's spend. Every figure sums
 * the same rows with the same expressions as UsageRepository.stats (usage.ts), so the two
 * agree for the same app, user and range. All reads run in one transaction: one snapshot.
 * The range is read through model_usage_by_app (app_id, at) for one app and model_usage_by_at
 * for every app.
 */
import type { UsageReport, UsageReportQuery } from '../types.ts';
import { APP_ROW } from './budgets.ts';
import { assembleReport, type BudgetRow, DEAREST, type ReportTotalsRow as TotalsRow, type Sums } from '../rows/usage-report.ts';
import type { Db } from './shared.ts';

const SUMS = `count(*) AS calls, coalesce(sum(status = 'failed'), 0) AS failed_calls, coalesce(sum(cost_nanos), 0) AS cost_nanos,
  coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens`;
const TOTALS = `${SUMS}, count(cached) AS hits, coalesce(sum(cache_miss), 0) AS misses, coalesce(sum(saved_nanos), 0) AS saved_nanos,
  coalesce(sum(fallback), 0) AS fallbacks, coalesce(sum(cooled), 0) AS cooldowns, coalesce(sum(quota_waits), 0) AS quota_waits,
  coalesce(sum(status = 'unreconciled'), 0) AS unreconciled_calls, coalesce(sum(iif(status = 'unreconciled', cost_nanos, 0)), 0) AS unreconciled_nanos`;

type Params = { appId?: string; since: string; until: string; top: number; month: string };

/** The statements of one kind of range: one app's (`app_id = @appId AND …`) or every app's. */
function statements(db: Db, oneApp: boolean) {
  const range = `${oneApp ? 'app_id = @appId AND ' : ''}at >= @since AND at < @until`;
  const all = <R>(sql: string) => db.prepare<Params, R>(sql);
  return {
    totals: all<TotalsRow>(`SELECT ${TOTALS} FROM model_usage WHERE ${range}`),
    // `at` is UTC ISO text, so its first 10 characters are the UTC day.
    byDay: all<Sums & { day: string }>(`SELECT substr(at, 1, 10) AS day, ${SUMS} FROM model_usage WHERE ${range} GROUP BY day ORDER BY day`),
    byApp: oneApp ? undefined : all<Sums & { app_id: string | null }>(`SELECT app_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY app_id ORDER BY ${DEAREST}, app_id`),
    byUser: all<Sums & { app_id: string | null; user_id: string }>(
      `SELECT app_id, user_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY app_id, user_id ORDER BY ${DEAREST}, app_id, user_id LIMIT @top`,
    ),
    byPlugin: all<Sums & { plugin_name: string }>(
      `SELECT plugin_name, ${SUMS} FROM model_usage WHERE ${range} AND plugin_name IS NOT NULL GROUP BY plugin_name ORDER BY ${DEAREST}, plugin_name`,
    ),
    byModel: all<Sums & { model_id: string }>(`SELECT model_id, ${SUMS} FROM model_usage WHERE ${range} GROUP BY model_id ORDER BY ${DEAREST}, model_id`),
    // The app's own budget first, then the ones closest to their limit.
    budgets: all<BudgetRow>(`
      SELECT b.app_id, b.user_id, b.monthly_nanos, coalesce(s.spent_nanos, 0) AS spent_nanos, coalesce(s.reserved_nanos, 0) AS reserved_nanos
      FROM budgets b LEFT JOIN monthly_spend s ON s.app_id = b.app_id AND s.user_id = b.user_id AND s.month = @month
      ${oneApp ? 'WHERE b.app_id = @appId' : ''}
      ORDER BY b.user_id <> '${APP_ROW}', (coalesce(s.spent_nanos, 0) + coalesce(s.reserved_nanos, 0)) * 1.0 / max(b.monthly_nanos, 1) DESC, b.app_id, b.user_id
      LIMIT @top`),
  };
}


/** Builds the report function over `db`. */
export function usageReport(db: Db): (query: UsageReportQuery) => UsageReport {
  const one = statements(db, true);
  const every = statements(db, false);
  return db.transaction((query: UsageReportQuery): UsageReport => {
    const s = query.appId === undefined ? every : one;
    const params: Params = {
      ...(query.appId === undefined ? {} : { appId: query.appId }),
      since: query.since,
      until: query.until,
      top: Math.max(1, Math.trunc(query.top)),
      month: query.budgetMonth,
    };
    return assembleReport(query, {
      totals: s.totals.get(params) as TotalsRow,
      byDay: s.byDay.all(params),
      byApp: s.byApp?.all(params) ?? [],
      byUser: s.byUser.all(params),
      byPlugin: s.byPlugin.all(params),
      byModel: s.byModel.all(params),
      budgets: s.budgets.all(params),
    });
  });
}
