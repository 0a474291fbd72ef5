/**
 * budgets and monthly_spend: monthly limits per app (user_id '': the app as a whole, which no
 * user id can be) and per user of an app, and per month what was billed (spent) and what
 * calls in flight hold (reserved), at both scopes. Money is stored as INTEGER nano-dollars
 * (USD × 1e9, rounded) and converted only here at the edge: sums of floats drift (0.1 + 0.2 ≠
 * 0.3), sums of integers do not, and a limit check must not flip on the last bit.
 */
import { GroupCommit } from '@easel/common/sqlite/group-commit';
import { EaselError } from '../../errors/index.ts';
import type { BudgetRepository, BudgetScope, BudgetStatus } from '../types.ts';
import { type Db, defined, now } from './shared.ts';

export const toNanos = (usd: number): number => Math.round(usd * 1_000_000_000);
export const toUsd = (nanos: number): number => nanos / 1_000_000_000;
/** The UTC `YYYY-MM` of an ISO instant. */
export const monthOf = (iso: string): string => iso.slice(0, 7);
/** The user_id of an app's own rows in budgets and monthly_spend. */
export const APP_ROW = '';

interface StatusRow {
  monthly_nanos: number | null;
  budget_updated_at: string | null;
  spent_nanos: number | null;
  reserved_nanos: number | null;
}

const rowUser = (scope: BudgetScope): string => scope.userId ?? APP_ROW;

export class SqliteBudgetRepository implements BudgetRepository {
  #writes;
  #status;
  #set;
  #delete;
  #reserve;
  #release;
  #clear;
  #appExists;

  constructor(db: Db) {
    // Reservations sit on every budgeted model call: batch their commits like usage rows.
    this.#writes = new GroupCommit(db);
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
    // either row is written. It yields the two rows (the app's, the user's) only when some
    // budget applies and no budget that applies would be passed; otherwise nothing is written.
    this.#reserve = db.prepare(`
      INSERT INTO monthly_spend (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
      SELECT @appId, scope.user_id, @month, 0, @amount, @now FROM (SELECT '' AS user_id UNION ALL SELECT @userId) scope
      WHERE EXISTS (SELECT 1 FROM budgets WHERE app_id = @appId AND user_id IN ('', @userId))
        AND NOT EXISTS (
          SELECT 1 FROM budgets b
          LEFT JOIN monthly_spend s ON s.app_id = b.app_id AND s.user_id = b.user_id AND s.month = @month
          WHERE b.app_id = @appId AND b.user_id IN ('', @userId)
            AND coalesce(s.spent_nanos, 0) + coalesce(s.reserved_nanos, 0) + @amount > b.monthly_nanos)
      ON CONFLICT (app_id, user_id, month) DO UPDATE SET
        reserved_nanos = reserved_nanos + excluded.reserved_nanos, updated_at = excluded.updated_at`);
    this.#release = db.prepare(`
      UPDATE monthly_spend SET reserved_nanos = max(0, reserved_nanos - @amount), updated_at = @now
      WHERE app_id = @appId AND user_id IN ('', @userId) AND month = @month`);
    this.#clear = db.prepare('UPDATE monthly_spend SET reserved_nanos = 0 WHERE reserved_nanos > 0');
  }

  #read(scope: BudgetScope, month: string): BudgetStatus {
    const row = this.#status.get({ appId: scope.appId, userId: rowUser(scope), month }) as StatusRow;
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

  async set(scope: BudgetScope, monthlyUsd: number): Promise<BudgetStatus> {
    const at = now();
    if (this.#appExists.get(scope.appId) === undefined) throw new EaselError('APP_NOT_FOUND', `no app ${scope.appId}`);
    this.#set.run({ appId: scope.appId, userId: rowUser(scope), nanos: toNanos(monthlyUsd), now: at });
    return this.#read(scope, monthOf(at));
  }

  async get(scope: BudgetScope, month: string): Promise<BudgetStatus> {
    return this.#read(scope, month);
  }

  async delete(scope: BudgetScope): Promise<boolean> {
    return this.#delete.run({ appId: scope.appId, userId: rowUser(scope) }).changes > 0;
  }

  async reserve(user: { appId: string; userId: string }, month: string, amountUsd: number): Promise<{ ok: boolean; held: boolean; status: BudgetStatus }> {
    const amount = toNanos(amountUsd);
    // The statuses are read in the same transaction as the hold, so they are the state the decision saw.
    return this.#writes.run(() => {
      const held = this.#reserve.run({ appId: user.appId, userId: user.userId, month, amount, now: now() }).changes > 0;
      const mine = this.#read(user, month);
      const app = this.#read({ appId: user.appId }, month);
      if (held) return { ok: true, held, status: mine };
      const passes = (s: BudgetStatus) => s.monthlyUsd !== undefined && toNanos(s.spentUsd) + toNanos(s.reservedUsd) + amount > toNanos(s.monthlyUsd);
      const ok = mine.monthlyUsd === undefined && app.monthlyUsd === undefined;
      return { ok, held, status: !ok && !passes(mine) && passes(app) ? app : mine };
    });
  }

  async release(user: { appId: string; userId: string }, month: string, amountUsd: number): Promise<void> {
    await this.#writes.run(() => this.#release.run({ appId: user.appId, userId: user.userId, month, amount: toNanos(amountUsd), now: now() }));
  }

  async clearReservations(): Promise<number> {
    return this.#clear.run().changes;
  }
}
