/**
 * budgets and monthly_spend: a user's monthly limit, and per month what was billed (spent) and
 * what calls in flight hold (reserved). Money is stored as INTEGER nano-dollars (USD × 1e9,
 * rounded) and converted only here at the edge: sums of floats drift (0.1 + 0.2 ≠ 0.3), sums
 * of integers do not, and a limit check must not flip on the last bit.
 */
import { GroupCommit } from '@easel/common/sqlite/group-commit';
import type { BudgetRepository, BudgetStatus } from '../types.ts';
import { type Db, defined, now } from './shared.ts';

export const toNanos = (usd: number): number => Math.round(usd * 1_000_000_000);
export const toUsd = (nanos: number): number => nanos / 1_000_000_000;
/** The UTC `YYYY-MM` of an ISO instant. */
export const monthOf = (iso: string): string => iso.slice(0, 7);

interface StatusRow {
  monthly_nanos: number | null;
  budget_updated_at: string | null;
  spent_nanos: number | null;
  reserved_nanos: number | null;
}

export class SqliteBudgetRepository implements BudgetRepository {
  #writes;
  #status;
  #set;
  #delete;
  #reserve;
  #release;
  #clear;

  constructor(db: Db) {
    // Reservations sit on every budgeted model call: batch their commits like usage rows.
    this.#writes = new GroupCommit(db);
    this.#status = db.prepare<{ userId: string; month: string }, StatusRow>(`
      SELECT b.monthly_nanos, b.updated_at AS budget_updated_at, s.spent_nanos, s.reserved_nanos
      FROM (SELECT @userId AS user_id) u
      LEFT JOIN budgets b ON b.user_id = u.user_id
      LEFT JOIN monthly_spend s ON s.user_id = u.user_id AND s.month = @month`);
    this.#set = db.prepare(`
      INSERT INTO budgets (user_id, monthly_nanos, updated_at) VALUES (@userId, @nanos, @now)
      ON CONFLICT (user_id) DO UPDATE SET monthly_nanos = excluded.monthly_nanos, updated_at = excluded.updated_at`);
    this.#delete = db.prepare('DELETE FROM budgets WHERE user_id = ?');
    // The limit check and the hold are one statement, so concurrent reservations (from this
    // process or another host on the same file) cannot together pass the limit. Without a
    // budget row the SELECT yields nothing and nothing is written.
    this.#reserve = db.prepare(`
      INSERT INTO monthly_spend (user_id, month, spent_nanos, reserved_nanos, updated_at)
      SELECT @userId, @month, 0, @amount, @now FROM budgets WHERE user_id = @userId AND @amount <= monthly_nanos
      ON CONFLICT (user_id, month) DO UPDATE SET
        reserved_nanos = reserved_nanos + excluded.reserved_nanos, updated_at = excluded.updated_at
      WHERE spent_nanos + reserved_nanos + excluded.reserved_nanos <= (SELECT monthly_nanos FROM budgets WHERE user_id = @userId)`);
    this.#release = db.prepare(`
      UPDATE monthly_spend SET reserved_nanos = max(0, reserved_nanos - @amount), updated_at = @now
      WHERE user_id = @userId AND month = @month`);
    this.#clear = db.prepare('UPDATE monthly_spend SET reserved_nanos = 0 WHERE reserved_nanos > 0');
  }

  #read(userId: string, month: string): BudgetStatus {
    const row = this.#status.get({ userId, month }) as StatusRow;
    return defined({
      userId,
      monthlyUsd: row.monthly_nanos === null ? undefined : toUsd(row.monthly_nanos),
      month,
      spentUsd: toUsd(row.spent_nanos ?? 0),
      reservedUsd: toUsd(row.reserved_nanos ?? 0),
      updatedAt: row.budget_updated_at ?? undefined,
    });
  }

  async set(userId: string, monthlyUsd: number): Promise<BudgetStatus> {
    const at = now();
    this.#set.run({ userId, nanos: toNanos(monthlyUsd), now: at });
    return this.#read(userId, monthOf(at));
  }

  async get(userId: string, month: string): Promise<BudgetStatus> {
    return this.#read(userId, month);
  }

  async delete(userId: string): Promise<boolean> {
    return this.#delete.run(userId).changes > 0;
  }

  async reserve(userId: string, month: string, amountUsd: number): Promise<{ ok: boolean; held: boolean; status: BudgetStatus }> {
    const amount = toNanos(amountUsd);
    // The status is read in the same transaction as the hold, so it is the state the decision saw.
    return this.#writes.run(() => {
      const held = this.#reserve.run({ userId, month, amount, now: now() }).changes > 0;
      const status = this.#read(userId, month);
      return { ok: held || status.monthlyUsd === undefined, held, status };
    });
  }

  async release(userId: string, month: string, amountUsd: number): Promise<void> {
    await this.#writes.run(() => this.#release.run({ userId, month, amount: toNanos(amountUsd), now: now() }));
  }

  async clearReservations(): Promise<number> {
    return this.#clear.run().changes;
  }
}
