/**
 * budgets, monthly_spend and model_reservations: monthly limits per app (user_id '': the app
 * as a whole, which no user id can be) and per user of an app; per month what was billed
 * (spent) and what calls in flight hold (reserved), at both scopes; and one row per hold,
 * written and deleted in the transactions that change the holds, so the two never disagree.
 * Money is stored as INTEGER nano-dollars (USD × 1e9, rounded) and converted only here at the
 * edge: sums of floats drift (0.1 + 0.2 ≠ 0.3), sums of integers do not, and a limit check
 * must not flip on the last bit.
 */
import { groupCommitOf } from '@easel/common/sqlite/group-commit';
import { EaselError } from '../../errors/index.ts';
import type { AbandonedCharges, BudgetRepository, BudgetScope, BudgetStatus, ReservationRequest } from '../types.ts';
import { type Db, now } from './shared.ts';
import { type ChargedGroup, charges, reservationParams, rowUser, statusOf, type StatusRow } from '../rows/budgets.ts';
import { APP_ROW, monthOf, toNanos, toUsd } from '../rows/money.ts';

export { APP_ROW, monthOf, toNanos, toUsd };

export class SqliteBudgetRepository implements BudgetRepository {
  #owner: string;
  #writes;
  #status;
  #set;
  #delete;
  #reserve;
  #release;
  #chargeAbandoned;
  #appExists;

  /** `owner`: the boot id that this process's reservations carry (Store.owner). */
  constructor(db: Db, owner: string) {
    this.#owner = owner;
    // Reservations sit on every model call that may go out: batch their commits like usage rows.
    this.#writes = groupCommitOf(db);
    this.#appExists = db.prepare<[string], number>('SELECT 1 FROM apps WHERE id = ?').pluck();
    this.#status = db.prepare<{ appId: string; userId: string; month: string }, StatusRow>(`
      SELECT b.monthly_nanos, b.updated_at AS budget_updated_at, s.spent_nanos, s.reserved_nanos
      FROM (SELECT @appId AS app_id, @userId AS user_id) u
      LEFT JOIN budgets b ON b.app_id = u.app_id AND b.user_id = u.user_id
      LEFT JOIN monthly_spend s ON s.app_id = u.app_id AND s.user_id = u.user_id AND s.month = @month`);
    this.#set = db.prepare(`
      INSERT INTO budgets (app_id, user_id, monthly_nanos, updated_at) VALUES (@appId, @userId, @nanos, @now)
      ON CONFLICT (app_id, user_id) DO UPDATE SET monthly_nanos = excluded.monthly_nanos, updated_at = excluded.updated_at`);
    this.#delete = db.prepare('DELETE FROM budgets WHERE app_id = @appId AND user_id = @userId');
    // The check at both scopes and the hold at both are ONE statement, so concurrent
    // reservations (from this process or another host on the same file) cannot together pass
    // either limit: SQLite runs a write statement under the database's write lock, and since
    // the SELECT reads the table the INSERT writes, it is computed in full (both checks) before
    // either row is written. It yields the two rows (the app's, the user's) only when no budget
    // that applies would be passed; otherwise nothing is written. Without any budget it still
    // holds: the hold and its reservation row are what a start charges if this process dies.
    const hold = db.prepare(`
      INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
      SELECT @appId, scope.user_id, @month, 0, @amount, @now FROM (SELECT '' AS user_id UNION ALL SELECT @userId) scope
      WHERE NOT EXISTS (
          SELECT 1 FROM budgets b
          LEFT JOIN monthly_spend s ON s.app_id = b.app_id AND s.user_id = b.user_id AND s.month = @month
          WHERE b.app_id = @appId AND b.user_id IN ('', @userId)
            AND coalesce(s.spent_nanos, 0) + coalesce(s.reserved_nanos, 0) + @amount > b.monthly_nanos)
      ON CONFLICT (app_id, user_id, month) DO UPDATE SET
        reserved_nanos = reserved_nanos + excluded.reserved_nanos, updated_at = excluded.updated_at`);
    const remember = db.prepare(`
      INSERT INTO model_reservations (id, owner, app_id, user_id, month, plugin_name, execution_id, step_id, task, model_id, purpose,
        input_tokens, output_tokens, images, amount_nanos, created_at)
      VALUES (@id, @owner, @appId, @userId, @month, @pluginName, @executionId, @stepId, @task, @modelId, @purpose,
        @inputTokens, @outputTokens, @images, @amount, @now)`);
    // A savepoint inside the group commit's transaction: the hold and its row land together or
    // (a bad month, say) neither does.
    this.#reserve = db.transaction((params: Record<string, unknown>): boolean => {
      if (hold.run(params).changes === 0) return false;
      remember.run(params);
      return true;
    });
    const forget = db.prepare<[string], { app_id: string; user_id: string; month: string; amount_nanos: number }>(
      'DELETE FROM model_reservations WHERE id = ? RETURNING app_id, user_id, month, amount_nanos',
    );
    // max(0, …): a hold is never negative, whatever happened to the rows beneath it.
    const unhold = db.prepare(`
      UPDATE monthly_spend SET reserved_nanos = max(0, reserved_nanos - @amount), updated_at = @now
      WHERE app_id = @appId AND user_id IN ('', @userId) AND month = @month`);
    this.#release = db.transaction((id: string): boolean => {
      const row = forget.get(id);
      if (!row) return false;
      unhold.run({ appId: row.app_id, userId: row.user_id, month: row.month, amount: row.amount_nanos, now: now() });
      return true;
    });
    // Set-based, one transaction: the usage rows, the holds moved into spend at both scopes
    // (per user and per app, per month), and the reservation rows deleted, all or none.
    const abandoned = 'FROM model_reservations WHERE owner <> @owner';
    const charge = db.prepare(`
      INSERT INTO model_usage (at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens,
        images, cost_nanos, cached, status, error_code, latency_ms, reservation_id)
      SELECT created_at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens,
        images, amount_nanos, NULL, 'unreconciled', NULL, 0, id ${abandoned} ORDER BY created_at, id`);
    const spend = (userColumn: string) =>
      db.prepare(`
        INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
        SELECT app_id, ${userColumn}, month, sum(amount_nanos), 0, @now ${abandoned} GROUP BY app_id, ${userColumn}, month
        ON CONFLICT (app_id, user_id, month) DO UPDATE SET spent_nanos = spent_nanos + excluded.spent_nanos,
          reserved_nanos = max(0, reserved_nanos - excluded.spent_nanos), updated_at = excluded.updated_at`);
    const userSpend = spend('user_id');
    const appSpend = spend(`'${APP_ROW}'`);
    const groups = db.prepare<{ owner: string }, ChargedGroup>(`
      SELECT plugin_name, model_id, count(*) AS calls, sum(amount_nanos) AS cost_nanos ${abandoned}
      GROUP BY plugin_name, model_id ORDER BY plugin_name, model_id`);
    const drop = db.prepare(`DELETE ${abandoned}`);
    this.#chargeAbandoned = db.transaction((params: { owner: string; now: string }): ChargedGroup[] => {
      const found = groups.all(params);
      if (found.length === 0) return found;
      charge.run(params);
      userSpend.run(params);
      appSpend.run(params);
      drop.run(params);
      return found;
    });
  }

  #read(scope: BudgetScope, month: string): BudgetStatus {
    return statusOf(scope, month, this.#status.get({ appId: scope.appId, userId: rowUser(scope), month }) as StatusRow);
  }

  async set(scope: BudgetScope, monthlyUsd: number): Promise<BudgetStatus> {
    const at = now();
    if (this.#appExists.get(scope.appId) === undefined) throw new EaselError('APP_NOT_FOUND', { app: scope.appId });
    this.#set.run({ appId: scope.appId, userId: rowUser(scope), nanos: toNanos(monthlyUsd), now: at });
    return this.#read(scope, monthOf(at));
  }

  async get(scope: BudgetScope, month: string): Promise<BudgetStatus> {
    return this.#read(scope, month);
  }

  async delete(scope: BudgetScope): Promise<boolean> {
    return this.#delete.run({ appId: scope.appId, userId: rowUser(scope) }).changes > 0;
  }

  async reserve(request: ReservationRequest): Promise<{ ok: true; reservationId: string; status: BudgetStatus } | { ok: false; status: BudgetStatus }> {
    const amount = toNanos(request.amountUsd);
    const user = { appId: request.appId, userId: request.userId };
    const params = reservationParams(request, this.#owner);
    // The statuses are read in the same transaction as the hold, so they are the state the decision saw.
    return this.#writes.run(() => {
      const held = this.#reserve(params);
      const mine = this.#read(user, request.month);
      if (held) return { ok: true as const, reservationId: params.id, status: mine };
      const app = this.#read({ appId: user.appId }, request.month);
      const passes = (s: BudgetStatus) => s.monthlyUsd !== undefined && toNanos(s.spentUsd) + toNanos(s.reservedUsd) + amount > toNanos(s.monthlyUsd);
      return { ok: false as const, status: !passes(mine) && passes(app) ? app : mine };
    });
  }

  async release(reservationId: string): Promise<boolean> {
    return this.#writes.run(() => this.#release(reservationId));
  }

  async chargeAbandoned(): Promise<AbandonedCharges> {
    return charges(await this.#writes.run(() => this.#chargeAbandoned({ owner: this.#owner, now: now() })));
  }
}
