/**
 * model_usage: one row per model call or cache hit, and the month's spend it adds to, for the
 * user and for its app (monthly_spend, shared with budgets.ts), with the call's reservation
 * (model_reservations, made in budgets.ts) deleted and its hold given back in the same
 * transaction. Costs are integer nano-dollars; see budgets.ts.
 */
import { groupCommitOf } from '@easel/common/sqlite/group-commit';
import type { BudgetScope, UsageRecord, UsageReport, UsageReportQuery, UsageRepository, UsageRow, UsageStats, UsageTotals } from '../types.ts';
import { APP_ROW, monthOf } from './budgets.ts';
import { type Db, now } from './shared.ts';
import { type TotalsRow, toTotals, toUsage as toRecord, type UsageRow as Row, usageParams } from '../rows/usage.ts';
import { usageReport } from './usage-report.ts';

const TOTALS = `count(*) AS calls, count(cached) AS cached_calls, coalesce(sum(status = 'failed'), 0) AS failed_calls,
  coalesce(sum(status = 'unreconciled'), 0) AS unreconciled_calls, coalesce(sum(iif(status = 'unreconciled', cost_nanos, 0)), 0) AS unreconciled_nanos,
  coalesce(sum(cost_nanos), 0) AS cost_nanos, coalesce(sum(input_tokens), 0) AS input_tokens,
  coalesce(sum(output_tokens), 0) AS output_tokens, coalesce(sum(images), 0) AS images`;
/** One user of an app, or the app as a whole. */
const USER_RANGE = 'app_id = @appId AND user_id = @userId AND at >= @since AND at < @until';
const APP_RANGE = 'app_id = @appId AND at >= @since AND at < @until';

/** Stored instants are `toISOString()` text, so a range compares as text only in that same form. */
const instant = (iso: string): string => new Date(iso).toISOString();

type Stats = (params: Record<string, string>) => { totals: TotalsRow; byModel: (TotalsRow & { model_id: string })[]; byPlugin: (TotalsRow & { plugin_name: string })[]; byDay: (TotalsRow & { day: string })[] };

/** The totals and breakdowns over `range`, in one read transaction: all from the same snapshot. */
function statsQuery(db: Db, range: string): Stats {
  const totals = db.prepare<Record<string, string>, TotalsRow>(`SELECT ${TOTALS} FROM model_usage WHERE ${range}`);
  const byModel = db.prepare<Record<string, string>, TotalsRow & { model_id: string }>(
    `SELECT model_id, ${TOTALS} FROM model_usage WHERE ${range} GROUP BY model_id ORDER BY model_id`,
  );
  const byPlugin = db.prepare<Record<string, string>, TotalsRow & { plugin_name: string }>(
    `SELECT plugin_name, ${TOTALS} FROM model_usage WHERE ${range} AND plugin_name IS NOT NULL GROUP BY plugin_name ORDER BY plugin_name`,
  );
  // `at` is UTC ISO text, so its first 10 characters are the UTC day.
  const byDay = db.prepare<Record<string, string>, TotalsRow & { day: string }>(
    `SELECT substr(at, 1, 10) AS day, ${TOTALS} FROM model_usage WHERE ${range} GROUP BY day ORDER BY day`,
  );
  return db.transaction((params: Record<string, string>) => ({
    totals: totals.get(params) as TotalsRow,
    byModel: byModel.all(params),
    byPlugin: byPlugin.all(params),
    byDay: byDay.all(params),
  }));
}

export class SqliteUsageRepository implements UsageRepository {
  #writes;
  #record;
  #byExecution;
  #userStats;
  #appStats;
  #report;
  #purge;

  constructor(db: Db) {
    // Every model call writes here: concurrent calls share one commit.
    this.#writes = groupCommitOf(db);
    const insert = db.prepare(`
      INSERT INTO model_usage (at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens,
        images, cost_nanos, cached, status, error_code, latency_ms, saved_nanos, cache_miss, fallback, cooled, quota_waits)
      VALUES (@at, @appId, @userId, @pluginName, @executionId, @stepId, @task, @modelId, @purpose, @inputTokens, @outputTokens,
        @images, @costNanos, @cached, @status, @errorCode, @latencyMs, @savedNanos, @cacheMiss, @fallback, @cooled, @quotaWaits)`);
    const addSpend = db.prepare(`
      INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at) VALUES (@appId, @userId, @month, @cost, 0, @at)
      ON CONFLICT (app_id, user_id, month) DO UPDATE SET spent_nanos = spent_nanos + excluded.spent_nanos,
        reserved_nanos = max(0, reserved_nanos - @reserved), updated_at = excluded.updated_at`);
    // Only a reservation of the same app and user is taken: an id from elsewhere gives nothing back.
    const takeReservation = db.prepare<{ id: string; appId: string; userId: string }, { month: string; amount_nanos: number }>(
      'DELETE FROM model_reservations WHERE id = @id AND app_id = @appId AND user_id = @userId RETURNING month, amount_nanos',
    );
    // A savepoint inside the group commit's transaction: the row, its spend (the user's and the
    // app's) and the end of its reservation land together, or (a bad month, say) none does
    // while the rest of the batch commits.
    this.#record = db.transaction((usage: Record<string, unknown>, spend: { appId: string; userId: string; month: string; reservationId?: string }) => {
      const held = spend.reservationId === undefined ? undefined : takeReservation.get({ id: spend.reservationId, appId: spend.appId, userId: spend.userId });
      insert.run(usage);
      const params = { ...spend, month: held?.month ?? spend.month, reserved: held?.amount_nanos ?? 0 };
      addSpend.run(params);
      addSpend.run({ ...params, userId: APP_ROW });
    });
    this.#byExecution = db.prepare<[string], Row>('SELECT * FROM model_usage WHERE execution_id = ? ORDER BY id DESC');
    this.#userStats = statsQuery(db, USER_RANGE);
    this.#appStats = statsQuery(db, APP_RANGE);
    this.#report = usageReport(db);
    // Oldest first through model_usage_by_at. A running execution's cost is summed from its rows,
    // so they stay until it ends; monthly_spend is never touched, so budgets keep their month.
    const purge = db.prepare(`DELETE FROM model_usage WHERE id IN (
      SELECT id FROM model_usage WHERE at < @before
        AND (execution_id IS NULL OR execution_id NOT IN (SELECT id FROM executions WHERE status IN ('queued', 'running')))
      ORDER BY at LIMIT @limit)`);
    this.#purge = db.transaction((before: string, limit: number) => purge.run({ before, limit }).changes);
  }

  async record(row: UsageRow, options: { reservationId?: string; month?: string } = {}): Promise<void> {
    const at = now();
    // SQLite keeps the flags as 0 and 1.
    const usage = { ...usageParams(row, at), cacheMiss: row.cacheMiss ? 1 : 0, fallback: row.fallback ? 1 : 0, cooled: row.cooled ? 1 : 0 };
    const spend = { appId: row.appId, userId: row.userId, month: options.month ?? monthOf(at), cost: usage.costNanos, at, reservationId: options.reservationId };
    await this.#writes.run(() => this.#record(usage, spend));
  }

  async stats(scope: BudgetScope, since: string, until: string): Promise<UsageStats> {
    const range = { appId: scope.appId, since: instant(since), until: instant(until) };
    const result = scope.userId === undefined ? this.#appStats(range) : this.#userStats({ ...range, userId: scope.userId });
    return {
      appId: scope.appId,
      ...(scope.userId === undefined ? {} : { userId: scope.userId }),
      since: range.since,
      until: range.until,
      ...toTotals(result.totals),
      byModel: result.byModel.map((r) => ({ modelId: r.model_id, ...toTotals(r) })),
      byPlugin: result.byPlugin.map((r) => ({ pluginName: r.plugin_name, ...toTotals(r) })),
      byDay: result.byDay.map((r) => ({ day: r.day, ...toTotals(r) })),
    };
  }

  async report(query: UsageReportQuery): Promise<UsageReport> {
    return this.#report({ ...query, since: instant(query.since), until: instant(query.until) });
  }

  async listByExecution(executionId: string): Promise<UsageRecord[]> {
    return this.#byExecution.all(executionId).map(toRecord);
  }

  async purge(before: string, limit: number): Promise<{ removed: number; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    const removed = this.#purge.immediate(instant(before), n);
    return { removed, more: removed === n };
  }
}
