/** registry_downloads: tarball download counts per version and UTC day; one UPSERT counts one. */
import type { DownloadCounts, DownloadRepository } from '../types.ts';
import type { PgDatabase } from './database.ts';

export class PgDownloadRepository implements DownloadRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async record(name: string, version: string): Promise<void> {
    const day = new Date().toISOString().slice(0, 10);
    await this.#db.pool.query(
      'INSERT INTO registry_downloads AS d (package, version, day, count) VALUES ($1, $2, $3, 1) ON CONFLICT (package, version, day) DO UPDATE SET count = d.count + 1',
      [name, version, day],
    );
  }

  async counts(name: string): Promise<DownloadCounts> {
    return this.#db.transaction(
      async (q) => {
        const byVersion = await q.query<{ version: string; count: number }>(
          'SELECT version, sum(count) AS count FROM registry_downloads WHERE package = $1 GROUP BY version ORDER BY version',
          [name],
        );
        const days = await q.query<{ day: string; count: number }>('SELECT day, sum(count) AS count FROM registry_downloads WHERE package = $1 GROUP BY day ORDER BY day', [name]);
        const versions = Object.fromEntries(byVersion.rows.map((r) => [r.version, r.count]));
        return { total: Object.values(versions).reduce((a, b) => a + b, 0), versions, days: days.rows };
      },
      { snapshot: true },
    );
  }

  async totals(names: readonly string[]): Promise<Map<string, number>> {
    const totals = new Map(names.map((n) => [n, 0]));
    if (names.length === 0) return totals;
    const { rows } = await this.#db.pool.query<{ package: string; count: number }>(
      'SELECT package, sum(count) AS count FROM registry_downloads WHERE package = ANY($1::text[]) GROUP BY package',
      [[...names]],
    );
    for (const row of rows) totals.set(row.package, row.count);
    return totals;
  }
}
