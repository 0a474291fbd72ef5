/**
 * registry_packages, owners, versions (with tombstones) and dist_tags. Every change is one
 * transaction that first locks the package's row (SELECT … FOR UPDATE): what SQLite's single
 * writer gave for free — a revision bumped by exactly one per change, tags, owners and
 * tombstones read and written without another change in between — holds across replicas.
 * The versions' primary key backs VERSION_EXISTS, and UNIQUE (package, seq) the publish order.
 */
import { RegistryError } from '../../errors/index.ts';
import type { NewVersion, PackageRecord, PackageRepository, SearchQuery, VersionRecord, VersionTexts, YankInfo } from '../types.ts';
import { type LatestRow, packageOf, type PackageRow, VERSION_COLUMNS, type VersionRow, versionOf } from '../common/rows.ts';
import { searchTextOf } from '../common/search-text.ts';
import { defined, likeEscape, now } from '../common/values.ts';
import { isUniqueViolation, type PgDatabase, type Queryable } from './database.ts';
import { searchPackages } from './search.ts';

const SET_TAG = 'INSERT INTO registry_dist_tags (package, tag, version) VALUES ($1, $2, $3) ON CONFLICT (package, tag) DO UPDATE SET version = excluded.version';
const LATEST_LIVE = `SELECT v.kind, v.manifest, v.doc FROM registry_versions v
  LEFT JOIN registry_dist_tags t ON t.package = v.package AND t.tag = 'latest'
  WHERE v.package = $1 AND v.unpublished_at IS NULL ORDER BY coalesce(t.version = v.version, false) DESC, v.seq DESC LIMIT 1`;

export class PgPackageRepository implements PackageRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async get(name: string): Promise<PackageRecord | undefined> {
    // One snapshot: owners, tags and versions agree with the package row, as one SQLite read does.
    return this.#db.transaction(
      async (q) => {
        const row = (await q.query<PackageRow>('SELECT name, rev, created_at, modified_at FROM registry_packages WHERE name = $1', [name])).rows[0];
        if (!row) return undefined;
        const owners = (
          await q.query<{ name: string; email: string | null }>(
            'SELECT o.user_name AS name, u.email FROM registry_owners o JOIN registry_users u ON u.name = o.user_name WHERE o.package = $1 ORDER BY o.added_at, o.user_name',
            [name],
          )
        ).rows;
        const tags = (await q.query<{ tag: string; version: string }>('SELECT tag, version FROM registry_dist_tags WHERE package = $1 ORDER BY tag', [name])).rows;
        const versions = (await q.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM registry_versions WHERE package = $1 ORDER BY seq`, [name])).rows;
        return packageOf(row, owners, tags, versions);
      },
      { snapshot: true },
    );
  }

  async version(name: string, version: string): Promise<VersionRecord | undefined> {
    const row = (await this.#db.pool.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM registry_versions WHERE package = $1 AND version = $2`, [name, version])).rows[0];
    return row && versionOf(row);
  }

  async texts(name: string, version: string): Promise<VersionTexts> {
    const row = (await this.#db.pool.query<{ readme: string | null; changelog: string | null }>('SELECT readme, changelog FROM registry_versions WHERE package = $1 AND version = $2', [name, version]))
      .rows[0];
    return defined({ readme: row?.readme ?? undefined, changelog: row?.changelog ?? undefined });
  }

  async publish(v: NewVersion, tags: readonly string[], owner: string): Promise<void> {
    const at = now();
    try {
      await this.#change(v.name, at, async (q) => {
        if ((await q.query('SELECT 1 FROM registry_owners WHERE package = $1 LIMIT 1', [v.name])).rowCount === 0) {
          await q.query('INSERT INTO registry_owners (package, user_name, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [v.name, owner, at]);
        }
        if ((await q.query('SELECT 1 FROM registry_versions WHERE package = $1 AND version = $2', [v.name, v.version])).rowCount !== 0) {
          throw new RegistryError('VERSION_EXISTS', { version: v.version });
        }
        await q.query(
          `INSERT INTO registry_versions (package, version, seq, kind, doc, manifest, integrity, shasum, size, file_count, unpacked_size,
                                          publisher, published_at, readme, changelog)
           VALUES ($1, $2, (SELECT coalesce(max(seq), 0) + 1 FROM registry_versions WHERE package = $1), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            v.name, v.version, v.kind, JSON.stringify(v.doc), JSON.stringify(v.manifest ?? null), v.integrity, v.shasum, v.size, v.fileCount, v.unpackedSize,
            v.publisher, v.publishedAt, v.readme ?? null, v.changelog ?? null,
          ],
        );
        for (const tag of tags) await q.query(SET_TAG, [v.name, tag, v.version]);
      }, { create: true });
    } catch (error) {
      // The row lock makes this unreachable between registry replicas; the key still decides.
      if (isUniqueViolation(error)) throw new RegistryError('VERSION_EXISTS', { version: v.version });
      throw error;
    }
  }

  async setDeprecations(name: string, changes: ReadonlyMap<string, string | null>): Promise<void> {
    await this.#change(name, now(), async (q) => {
      for (const [version, message] of changes) {
        await q.query('UPDATE registry_versions SET deprecated = $1 WHERE package = $2 AND version = $3 AND unpublished_at IS NULL', [message, name, version]);
      }
    });
  }

  async setTag(name: string, tag: string, version: string): Promise<void> {
    await this.#change(name, now(), (q) => q.query(SET_TAG, [name, tag, version]));
  }

  async removeTag(name: string, tag: string): Promise<boolean> {
    return this.#change(name, now(), async (q) => (await q.query('DELETE FROM registry_dist_tags WHERE package = $1 AND tag = $2', [name, tag])).rowCount !== 0, {
      touchWhen: (removed) => removed,
    });
  }

  async unpublish(name: string, versions: readonly string[], latest?: string): Promise<string[]> {
    const at = now();
    return this.#change(name, at, async (q) => {
      const released = new Set<string>();
      for (const version of versions) {
        const { rows } = await q.query<{ integrity: string }>(
          'UPDATE registry_versions SET unpublished_at = $1 WHERE package = $2 AND version = $3 AND unpublished_at IS NULL RETURNING integrity',
          [at, name, version],
        );
        if (!rows[0]) continue;
        await q.query('DELETE FROM registry_dist_tags WHERE package = $1 AND version = $2', [name, version]);
        released.add(rows[0].integrity);
      }
      if (latest !== undefined && (await q.query('SELECT 1 FROM registry_versions WHERE package = $1 AND version = $2 AND unpublished_at IS NULL', [name, latest])).rowCount !== 0) {
        await q.query(SET_TAG, [name, 'latest', latest]);
      }
      const unused: string[] = [];
      for (const integrity of released) {
        if ((await q.query('SELECT 1 FROM registry_versions WHERE integrity = $1 AND unpublished_at IS NULL LIMIT 1', [integrity])).rowCount === 0) unused.push(integrity);
      }
      return unused;
    });
  }

  async setOwners(name: string, owners: readonly string[]): Promise<void> {
    const at = now();
    await this.#change(name, at, async (q) => {
      await q.query('DELETE FROM registry_owners WHERE package = $1', [name]);
      for (const owner of owners) await q.query('INSERT INTO registry_owners (package, user_name, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [name, owner, at]);
    });
  }

  async scopeOwners(scope: string): Promise<string[]> {
    const { rows } = await this.#db.pool.query<{ user_name: string }>(
      "SELECT DISTINCT user_name FROM registry_owners WHERE package LIKE $1 ESCAPE '\\' ORDER BY user_name",
      [`${likeEscape(scope)}/%`],
    );
    return rows.map((r) => r.user_name);
  }

  async setYanked(name: string, version: string, yanked: YankInfo | null): Promise<void> {
    await this.#change(name, now(), (q) =>
      q.query('UPDATE registry_versions SET yanked_at = $1, yank_reason = $2 WHERE package = $3 AND version = $4 AND unpublished_at IS NULL', [yanked?.at ?? null, yanked?.reason ?? null, name, version]),
    );
  }

  search(query: SearchQuery): Promise<{ total: number; names: string[] }> {
    return searchPackages(this.#db.pool, query);
  }

  /**
   * One change of `name`: locks its row (`create`: inserting it first when new), runs `apply`,
   * then bumps the revision and refreshes the search text (unless `touchWhen` says no).
   */
  #change<T>(name: string, at: string, apply: (q: Queryable) => Promise<T>, options: { create?: boolean; touchWhen?: (result: T) => boolean } = {}): Promise<T> {
    return this.#db.transaction(async (q) => {
      if (options.create) {
        await q.query('INSERT INTO registry_packages (name, rev, created_at, modified_at) VALUES ($1, 0, $2, $2) ON CONFLICT (name) DO NOTHING', [name, at]);
      }
      await q.query('SELECT 1 FROM registry_packages WHERE name = $1 FOR UPDATE', [name]);
      const result = await apply(q);
      if (options.touchWhen?.(result) ?? true) {
        await q.query('UPDATE registry_packages SET rev = rev + 1, modified_at = $1 WHERE name = $2', [at, name]);
        const latest = (await q.query<LatestRow>(LATEST_LIVE, [name])).rows[0];
        await q.query('UPDATE registry_packages SET search_text = $1 WHERE name = $2', [searchTextOf(name, latest), name]);
      }
      return result;
    });
  }
}
