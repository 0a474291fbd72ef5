/**
 * registry_password_failures: failed password checks per subject in fixed windows. One
 * UPSERT per subject counts an attempt and starts a new window when the last one is over;
 * PostgreSQL locks the row for it, so concurrent attempts on every replica count exactly.
 * Subjects are taken in sorted order inside one transaction, so two hits on overlapping
 * subjects lock rows in the same order and cannot deadlock.
 */
import type { PasswordFailureRepository } from '../types.ts';
import type { PgDatabase } from './database.ts';

// Each SET expression reads the row as it was, so both CASEs test the old window.
const HIT = `INSERT INTO registry_password_failures AS f (subject, window_start, failures) VALUES ($1, $2, 1)
  ON CONFLICT (subject) DO UPDATE SET
    window_start = CASE WHEN f.window_start <= $3 THEN $2 ELSE f.window_start END,
    failures = CASE WHEN f.window_start <= $3 THEN 1 ELSE f.failures + 1 END
  RETURNING window_start, failures`;

/** Positions of `subjects` in code point order (duplicates kept, each counted). */
const sortedOrder = (subjects: readonly string[]): number[] => subjects.map((_, i) => i).sort((a, b) => (subjects[a]! < subjects[b]! ? -1 : subjects[a]! > subjects[b]! ? 1 : a - b));

export class PgPasswordFailureRepository implements PasswordFailureRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async hit(subjects: readonly string[], windowMs: number, now: number): Promise<{ failures: number; windowStart: number }[]> {
    const expired = now - windowMs;
    // Housekeeping apart from the count: rows another hit holds are left for a later prune.
    await this.#db.pool.query(
      'DELETE FROM registry_password_failures WHERE subject IN (SELECT subject FROM registry_password_failures WHERE window_start <= $1 FOR UPDATE SKIP LOCKED)',
      [expired],
    );
    return this.#db.transaction(async (q) => {
      const results: { failures: number; windowStart: number }[] = [];
      for (const i of sortedOrder(subjects)) {
        const row = (await q.query<{ window_start: number; failures: number }>(HIT, [subjects[i], now, expired])).rows[0]!;
        results[i] = { failures: row.failures, windowStart: row.window_start };
      }
      return results;
    });
  }

  async forgive(subjects: readonly string[]): Promise<void> {
    await this.#db.transaction(async (q) => {
      for (const i of sortedOrder(subjects)) {
        await q.query('UPDATE registry_password_failures SET failures = greatest(failures - 1, 0) WHERE subject = $1', [subjects[i]]);
      }
    });
  }
}
