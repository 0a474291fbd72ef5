/**
 * password_failures: failed password checks per subject in fixed windows. One UPSERT counts
 * an attempt and starts a new window when the last one is over, so concurrent attempts (and,
 * with a shared store, several replicas) cannot slip past the limit between a read and a write.
 */
import type { PasswordFailureRepository } from '../types.ts';
import type { Db } from './db.ts';

export class SqlitePasswordFailureRepository implements PasswordFailureRepository {
  #hit;
  #forgive;

  constructor(db: Db) {
    // SET expressions all read the row as it was, so both CASEs test the old window.
    const hit = db.prepare<{ subject: string; now: number; expired: number }, { window_start: number; failures: number }>(
      `INSERT INTO password_failures (subject, window_start, failures) VALUES (@subject, @now, 1)
       ON CONFLICT (subject) DO UPDATE SET
         window_start = CASE WHEN window_start <= @expired THEN @now ELSE window_start END,
         failures = CASE WHEN window_start <= @expired THEN 1 ELSE failures + 1 END
       RETURNING window_start, failures`,
    );
    const prune = db.prepare('DELETE FROM password_failures WHERE window_start <= ?');
    this.#hit = db.transaction((subjects: readonly string[], windowMs: number, now: number) => {
      prune.run(now - windowMs);
      return subjects.map((subject) => {
        const row = hit.get({ subject, now, expired: now - windowMs })!;
        return { failures: row.failures, windowStart: row.window_start };
      });
    });
    const forgive = db.prepare('UPDATE password_failures SET failures = max(failures - 1, 0) WHERE subject = ?');
    this.#forgive = db.transaction((subjects: readonly string[]) => {
      for (const subject of subjects) forgive.run(subject);
    });
  }

  async hit(subjects: readonly string[], windowMs: number, now: number): Promise<{ failures: number; windowStart: number }[]> {
    return this.#hit(subjects, windowMs, now);
  }

  async forgive(subjects: readonly string[]): Promise<void> {
    this.#forgive(subjects);
  }
}
