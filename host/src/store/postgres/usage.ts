/**
 * model_usage on PostgreSQL: one row per model call or cache hit, and the month's spend it adds
 * to, for the user and for its app (monthly_spend, shared with budgets.ts), with the call's
 * reservation deleted and its hold given back in the same transaction. Costs are integer
 * nano-dollars. Stats and the report read one snapshot.
 */
import type { BudgetScope, UsageRecord, UsageReport, UsageReportQuery, UsageRepository, UsageRow, UsageStats } from '../types.ts';
import { now } from '../rows/common.ts';
import { APP_ROW, monthOf, toNanos } from '../rows/money.ts';
import { type TotalsRow, toTotals, toUsage, type UsageRow as Row, usageParams } from '../rows/usage.ts';
import type { PgDatabase, Queryable } from './database.ts';
import { lockSpendOf } from './spend-lock.ts';
import { FAILED, UNRECONCILED, UNRECONCILED_NANOS } from './sums.ts';
import { usageReport } from './usage-report.ts';
import { named } from './where.ts';


const TOTALS = `count(*) AS calls, count(cached) AS cached_calls, ${FAILED} AS failed_calls,
  ${UNRECONCILED} AS unreconciled_calls, ${UNRECONCILED_NANOS} AS unreconciled_nanos,
  coalesce(sum(cost_nanos), 0) AS cost_nanos, coalesce(sum(input_tokens), 0) AS input_tokens,
  coalesce(sum(output_tokens), 0) AS output_tokens, coalesce(sum(images), 0) AS images`;
const USER_RANGE = 'app_id = @appId AND user_id = @userId AND at >= @since AND at < @until';
const APP_RANGE = 'app_id = @appId AND at >= @since AND at < @until';
/** A usage row with its flags as 0/1, as the shared row mapping reads them. */
const ROW = `id, at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens, images,
  cost_nanos, cached, status, error_code, latency_ms, reservation_id, saved_nanos, cache_miss::int AS cache_miss, fallback::int AS fallback,
  cooled::int AS cooled, quota_waits`;

const ADD_SPEND = `INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at) VALUES (@appId, @userId, @month, @cost, 0, @at)
  ON CONFLICT (app_id, user_id, month) DO UPDATE SET spent_nanos = monthly_spend.spent_nanos + excluded.spent_nanos,
    reserved_nanos = greatest(0, monthly_spend.reserved_nanos - @reserved), updated_at = excluded.updated_at`;

/** Stored instants are `toISOString()` text, so a range compares as text only in that same form. */
const instant = (iso: string): string => new Date(iso).toISOString();

const query = <R extends object>(db: Queryable, sql: string, params: Record<string, unknown>) => db.query<R>(...named(sql, params));

export class PgUsageRepository implements UsageRepository {
  #db: PgDatabase;
  #report: (query: UsageReportQuery) => Promise<UsageReport>;

  constructor(db: PgDatabase) {
    this.#db = db;
    this.#report = usageReport(db);
  }

  async record(row: UsageRow, options: { reservationId?: string; month?: string } = {}): Promise<void> {
    const at = now();
    await this.#db.transaction(async (db) => {
      await lockSpendOf(db, [row.appId]);
      // Only a reservation of the same app and user is taken: an id from elsewhere gives nothing back.
      const held =
        options.reservationId === undefined
          ? undefined
          : (await db.query<{ month: string; amount_nanos: number }>('DELETE FROM model_reservations WHERE id = $1 AND app_id = $2 AND user_id = $3 RETURNING month, amount_nanos', [options.reservationId, row.appId, row.userId])).rows[0];
      await query(
        db,
        `INSERT INTO model_usage (at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens,
           images, cost_nanos, cached, status, error_code, latency_ms, saved_nanos, cache_miss, fallback, cooled, quota_waits)
         VALUES (@at, @appId, @userId, @pluginName, @executionId, @stepId, @task, @modelId, @purpose, @inputTokens, @outputTokens,
           @images, @costNanos, @cached, @status, @errorCode, @latencyMs, @savedNanos, @cacheMiss, @fallback, @cooled, @quotaWaits)`,
        usageParams(row, at),
      );
      const spend = { appId: row.appId, userId: row.userId, month: held?.month ?? options.month ?? monthOf(at), cost: toNanos(row.costUsd), at, reserved: held?.amount_nanos ?? 0 };
      await query(db, ADD_SPEND, spend);
      await query(db, ADD_SPEND, { ...spend, userId: APP_ROW });
    });
  }

  async stats(scope: BudgetScope, since: string, until: string): Promise<UsageStats> {
    const params = { appId: scope.appId, since: instant(since), until: instant(until), ...(scope.userId === undefined ? {} : { userId: scope.userId }) };
    const range = scope.userId === undefined ? APP_RANGE : USER_RANGE;
    const result = await this.#db.transaction(
      async (db) => ({
        totals: (await query<TotalsRow>(db, `SELECT ${TOTALS} FROM model_usage WHERE ${range}`, params)).rows[0] as TotalsRow,
        byModel: (await query<TotalsRow & { model_id: string }>(db, `SELECT model_id, ${TOTALS} FROM model_usage WHERE ${range} GROUP BY model_id ORDER BY model_id`, params)).rows,
        byPlugin: (await query<TotalsRow & { plugin_name: string }>(db, `SELECT plugin_name, ${TOTALS} FROM model_usage WHERE ${range} AND plugin_name IS NOT NULL GROUP BY plugin_name ORDER BY plugin_name`, params)).rows,
        // `at` is UTC ISO text, so its first 10 characters are the UTC day.
        byDay: (await query<TotalsRow & { day: string }>(db, `SELECT substr(at, 1, 10) AS day, ${TOTALS} FROM model_usage WHERE ${range} GROUP BY day ORDER BY day`, params)).rows,
      }),
      { snapshot: true },
    );
    return {
      appId: scope.appId,
      ...(scope.userId === undefined ? {} : { userId: scope.userId }),
      since: params.since,
      until: params.until,
      ...toTotals(result.totals),
      byModel: result.byModel.map((r) => ({ modelId: r.model_id, ...toTotals(r) })),
      byPlugin: result.byPlugin.map((r) => ({ pluginName: r.plugin_name, ...toTotals(r) })),
      byDay: result.byDay.map((r) => ({ day: r.day, ...toTotals(r) })),
    };
  }

  report(query: UsageReportQuery): Promise<UsageReport> {
    return this.#report({ ...query, since: instant(query.since), until: instant(query.until) });
  }

  async listByExecution(executionId: string): Promise<UsageRecord[]> {
    return (await this.#db.pool.query<Row>(`SELECT ${ROW} FROM model_usage WHERE execution_id = $1 ORDER BY id DESC`, [executionId])).rows.map(toUsage);
  }

  async purge(before: string, limit: number): Promise<{ removed: number; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    // Oldest first. A running execution's cost is summed from its rows, so they stay until it
    // ends; monthly_spend is never touched, so budgets keep their month.
    const result = await this.#db.pool.query(
      `DELETE FROM model_usage WHERE id IN (
         SELECT id FROM model_usage WHERE at < $1
           AND (execution_id IS NULL OR execution_id NOT IN (SELECT id FROM executions WHERE status IN ('queued', 'running')))
         ORDER BY at LIMIT $2)`,
      [instant(before), n],
    );
    const removed = result.rowCount ?? 0;
    return { removed, more: removed === n };
  }
}
