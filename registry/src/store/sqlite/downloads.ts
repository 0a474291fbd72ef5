/** Tarball download counts per version and UTC day. Writes share transactions (group commit). */
import { groupCommitOf, type GroupCommit } from '@easel/common/sqlite/group-commit';
import type { DownloadCounts, DownloadRepository } from '../types.ts';
import type { Db } from './db.ts';

export class SqliteDownloadRepository implements DownloadRepository {
  #commit: GroupCommit;
  #bump;
  #byVersion;
  #byDay;
  #db: Db;

  constructor(db: Db) {
    this.#db = db;
    this.#commit = groupCommitOf(db);
    this.#bump = db.prepare(
      'INSERT INTO downloads (package, version, day, count) VALUES (?, ?, ?, 1) ON CONFLICT DO UPDATE SET count = count + 1',
    );
    this.#byVersion = db.prepare<[string], { version: string; count: number }>(
      'SELECT version, sum(count) AS count FROM downloads WHERE package = ? GROUP BY version ORDER BY version',
    );
    this.#byDay = db.prepare<[string], { day: string; count: number }>(
      'SELECT day, sum(count) AS count FROM downloads WHERE package = ? GROUP BY day ORDER BY day',
    );
  }

  record(name: string, version: string): Promise<void> {
    const day = new Date().toISOString().slice(0, 10);
    return this.#commit.run(() => {
      this.#bump.run(name, version, day);
    });
  }

  async counts(name: string): Promise<DownloadCounts> {
    const versions = Object.fromEntries(this.#byVersion.all(name).map((r) => [r.version, r.count]));
    const total = Object.values(versions).reduce((a, b) => a + b, 0);
    return { total, versions, days: this.#byDay.all(name) };
  }

  async totals(names: readonly string[]): Promise<Map<string, number>> {
    const totals = new Map(names.map((n) => [n, 0]));
    if (names.length === 0) return totals;
    const rows = this.#db
      .prepare(`SELECT package, sum(count) AS count FROM downloads WHERE package IN (${names.map(() => '?').join(',')}) GROUP BY package`)
      .all(...names) as { package: string; count: number }[];
    for (const row of rows) totals.set(row.package, row.count);
    return totals;
  }
}
