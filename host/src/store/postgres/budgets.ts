/**
 * budgets, monthly_spend and model_reservations on PostgreSQL: the SQLite store's rules
 * (../sqlite/budgets.ts), with each app's spend locked for the transaction that changes it
 * (spend-lock.ts) where SQLite relies on its single writer.
 */
import { EaselError } from '../../errors/index.ts';
import type { AbandonedCharges, BudgetRepository, BudgetScope, BudgetStatus, ReservationRequest } from '../types.ts';
import { type ChargedGroup, charges, reservationParams, rowUser, statusOf, type StatusRow } from '../rows/budgets.ts';
import { now } from '../rows/common.ts';
import { APP_ROW, monthOf, toNanos } from '../rows/money.ts';
import type { PgDatabase, Queryable } from './database.ts';
import type { Replicas } from './replicas.ts';
import { lockSpendOf } from './spend-lock.ts';
import { named } from './where.ts';

const STATUS = `
  SELECT b.monthly_nanos, b.updated_at AS budget_updated_at, s.spent_nanos, s.reserved_nanos
  FROM (SELECT @appId::text AS app_id, @userId::text AS user_id) u
  LEFT JOIN budgets b ON b.app_id = u.app_id AND b.user_id = u.user_id
  LEFT JOIN monthly_spend s ON s.app_id = u.app_id AND s.user_id = u.user_id AND s.month = @month`;

// Both scopes checked and held in one statement, run under the app's spend lock: it yields the
// two rows (the app's, the user's) only when no budget that applies would be passed.
const HOLD = `
  INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
  SELECT @appId, scope.user_id, @month, 0, @amount, @now FROM (SELECT ''::text AS user_id UNION ALL SELECT @userId::text) scope
  WHERE NOT EXISTS (
      SELECT 1 FROM budgets b
      LEFT JOIN monthly_spend s ON s.app_id = b.app_id AND s.user_id = b.user_id AND s.month = @month
      WHERE b.app_id = @appId AND b.user_id IN ('', @userId)
        AND coalesce(s.spent_nanos, 0) + coalesce(s.reserved_nanos, 0) + @amount > b.monthly_nanos)
  ON CONFLICT (app_id, user_id, month) DO UPDATE SET
    reserved_nanos = monthly_spend.reserved_nanos + excluded.reserved_nanos, updated_at = excluded.updated_at`;

const REMEMBER = `
  INSERT INTO model_reservations (id, owner, app_id, user_id, month, plugin_name, execution_id, step_id, task, model_id, purpose,
    input_tokens, output_tokens, images, amount_nanos, created_at)
  VALUES (@id, @owner, @appId, @userId, @month, @pluginName, @executionId, @stepId, @task, @modelId, @purpose,
    @inputTokens, @outputTokens, @images, @amount, @now)`;

const read = async (db: Queryable, scope: BudgetScope, month: string): Promise<BudgetStatus> =>
  statusOf(scope, month, (await db.query<StatusRow>(...named(STATUS, { appId: scope.appId, userId: rowUser(scope), month }))).rows[0] as StatusRow);

export class PgBudgetRepository implements BudgetRepository {
  #db: PgDatabase;
  #replicas: Replicas;

  /** The replicas on the database: this one's owner id is what its reservations carry. */
  constructor(db: PgDatabase, replicas: Replicas) {
    this.#db = db;
    this.#replicas = replicas;
  }

  async set(scope: BudgetScope, monthlyUsd: number): Promise<BudgetStatus> {
    const at = now();
    const written = await this.#db.pool.query(
      `INSERT INTO budgets (app_id, user_id, monthly_nanos, updated_at) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
       ON CONFLICT (app_id, user_id) DO UPDATE SET monthly_nanos = excluded.monthly_nanos, updated_at = excluded.updated_at`,
      [scope.appId, rowUser(scope), toNanos(monthlyUsd), at],
    );
    if (written.rowCount === 0) throw new EaselError('APP_NOT_FOUND', { app: scope.appId });
    return read(this.#db.pool, scope, monthOf(at));
  }

  get(scope: BudgetScope, month: string): Promise<BudgetStatus> {
    return read(this.#db.pool, scope, month);
  }

  async delete(scope: BudgetScope): Promise<boolean> {
    return ((await this.#db.pool.query('DELETE FROM budgets WHERE app_id = $1 AND user_id = $2', [scope.appId, rowUser(scope)])).rowCount ?? 0) > 0;
  }

  async reserve(request: ReservationRequest): Promise<{ ok: true; reservationId: string; status: BudgetStatus } | { ok: false; status: BudgetStatus }> {
    const amount = toNanos(request.amountUsd);
    const user = { appId: request.appId, userId: request.userId };
    const params = reservationParams(request, this.#replicas.owner);
    // The statuses are read in the same transaction as the hold, so they are the state the decision saw.
    return this.#db.transaction(async (db) => {
      await lockSpendOf(db, [request.appId]);
      const held = ((await db.query(...named(HOLD, params))).rowCount ?? 0) > 0;
      if (held) await db.query(...named(REMEMBER, params));
      const mine = await read(db, user, request.month);
      if (held) return { ok: true as const, reservationId: params.id, status: mine };
      const app = await read(db, { appId: user.appId }, request.month);
      const passes = (s: BudgetStatus) => s.monthlyUsd !== undefined && toNanos(s.spentUsd) + toNanos(s.reservedUsd) + amount > toNanos(s.monthlyUsd);
      return { ok: false as const, status: !passes(mine) && passes(app) ? app : mine };
    });
  }

  async release(reservationId: string): Promise<boolean> {
    return this.#db.transaction(async (db) => {
      const found = (await db.query<{ app_id: string }>('SELECT app_id FROM model_reservations WHERE id = $1', [reservationId])).rows[0];
      if (found === undefined) return false;
      await lockSpendOf(db, [found.app_id]);
      const row = (await db.query<{ app_id: string; user_id: string; month: string; amount_nanos: number }>('DELETE FROM model_reservations WHERE id = $1 RETURNING app_id, user_id, month, amount_nanos', [reservationId])).rows[0];
      // Released by another connection meanwhile.
      if (row === undefined) return false;
      // greatest(0, …): a hold is never negative, whatever happened to the rows beneath it.
      await db.query(`UPDATE monthly_spend SET reserved_nanos = greatest(0, reserved_nanos - $4), updated_at = $5 WHERE app_id = $1 AND user_id IN ('', $2) AND month = $3`, [
        row.app_id,
        row.user_id,
        row.month,
        row.amount_nanos,
        now(),
      ]);
      return true;
    });
  }

  /** Reservations of replicas that are gone (never a live one's) become `unreconciled` usage. */
  async chargeAbandoned(): Promise<AbandonedCharges> {
    const abandoned = `FROM model_reservations WHERE ${this.#replicas.gone('owner', 1)}`;
    const liveSince = this.#replicas.liveSince();
    const groups = await this.#db.transaction(async (db) => {
      const apps = (await db.query<{ app_id: string }>(`SELECT DISTINCT app_id ${abandoned}`, [liveSince])).rows.map((r) => r.app_id);
      if (apps.length === 0) return [];
      await lockSpendOf(db, apps);
      const found = (await db.query<ChargedGroup>(`SELECT plugin_name, model_id, count(*) AS calls, sum(amount_nanos) AS cost_nanos ${abandoned} GROUP BY plugin_name, model_id ORDER BY plugin_name NULLS FIRST, model_id`, [liveSince])).rows;
      if (found.length === 0) return found;
      await db.query(
        `INSERT INTO model_usage (at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens,
           images, cost_nanos, cached, status, error_code, latency_ms, reservation_id)
         SELECT created_at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose, input_tokens, output_tokens,
           images, amount_nanos, NULL, 'unreconciled', NULL, 0, id ${abandoned} ORDER BY created_at, id`,
        [liveSince],
      );
      const at = now();
      for (const userColumn of ['user_id', `'${APP_ROW}'::text`]) {
        await db.query(
          `INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
           SELECT app_id, ${userColumn}, month, sum(amount_nanos), 0, $2 ${abandoned} GROUP BY 1, 2, 3
           ON CONFLICT (app_id, user_id, month) DO UPDATE SET spent_nanos = monthly_spend.spent_nanos + excluded.spent_nanos,
             reserved_nanos = greatest(0, monthly_spend.reserved_nanos - excluded.spent_nanos), updated_at = excluded.updated_at`,
          [liveSince, at],
        );
      }
      await db.query(`DELETE ${abandoned}`, [liveSince]);
      return found;
    });
    return charges(groups);
  }
}
