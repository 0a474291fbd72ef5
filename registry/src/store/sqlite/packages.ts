/**
 * packages, owners, versions (with tombstones) and dist_tags. Every change runs in one
 * transaction and bumps the package's revision.
 */
import { RegistryError } from '../../errors/index.ts';
import type { NewVersion, PackageRecord, PackageRepository, SearchQuery, VersionRecord, VersionTexts, YankInfo } from '../types.ts';
import { type LatestRow, packageOf, type PackageRow, VERSION_COLUMNS, type VersionRow, versionOf } from '../common/rows.ts';
import { searchTextOf } from '../common/search-text.ts';
import { defined, likeEscape, now, searchWords } from '../common/values.ts';
import type { Db } from './db.ts';

export class SqlitePackageRepository implements PackageRepository {
  #db: Db;
  #stmt;

  constructor(db: Db) {
    this.#db = db;
    this.#stmt = {
      package: db.prepare<[string], PackageRow>('SELECT name, rev, created_at, modified_at FROM packages WHERE name = ?'),
      owners: db.prepare<[string], { name: string; email: string | null }>(
        'SELECT o.user_name AS name, u.email FROM owners o JOIN users u ON u.name = o.user_name WHERE o.package = ? ORDER BY o.added_at, o.user_name',
      ),
      tags: db.prepare<[string], { tag: string; version: string }>('SELECT tag, version FROM dist_tags WHERE package = ? ORDER BY tag'),
      versions: db.prepare<[string], VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions WHERE package = ? ORDER BY seq`),
      version: db.prepare<[string, string], VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions WHERE package = ? AND version = ?`),
      texts: db.prepare<[string, string], { readme: string | null; changelog: string | null }>('SELECT readme, changelog FROM versions WHERE package = ? AND version = ?'),
      insertPackage: db.prepare('INSERT INTO packages (name, rev, created_at, modified_at) VALUES (?, 0, ?, ?) ON CONFLICT (name) DO NOTHING'),
      addOwner: db.prepare('INSERT INTO owners (package, user_name, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      scopeOwners: db.prepare<[string], string>("SELECT DISTINCT user_name FROM owners WHERE package LIKE ? ESCAPE '\\' ORDER BY user_name").pluck(),
      hasOwners: db.prepare<[string], number>('SELECT count(*) FROM owners WHERE package = ?').pluck(),
      clearOwners: db.prepare('DELETE FROM owners WHERE package = ?'),
      versionExists: db.prepare<[string, string], number>('SELECT count(*) FROM versions WHERE package = ? AND version = ?').pluck(),
      liveExists: db.prepare<[string, string], number>('SELECT count(*) FROM versions WHERE package = ? AND version = ? AND unpublished_at IS NULL').pluck(),
      nextSeq: db.prepare<[string], number>('SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE package = ?').pluck(),
      insertVersion: db.prepare(`
        INSERT INTO versions (package, version, seq, kind, doc, manifest, integrity, shasum, size, file_count, unpacked_size,
                              publisher, published_at, readme, changelog)
        VALUES (@name, @version, @seq, @kind, @doc, @manifest, @integrity, @shasum, @size, @fileCount, @unpackedSize,
                @publisher, @publishedAt, @readme, @changelog)`),
      setTag: db.prepare('INSERT INTO dist_tags (package, tag, version) VALUES (?, ?, ?) ON CONFLICT (package, tag) DO UPDATE SET version = excluded.version'),
      removeTag: db.prepare('DELETE FROM dist_tags WHERE package = ? AND tag = ?'),
      removeTagsOf: db.prepare('DELETE FROM dist_tags WHERE package = ? AND version = ?'),
      touch: db.prepare('UPDATE packages SET rev = rev + 1, modified_at = ? WHERE name = ?'),
      setSearch: db.prepare('UPDATE packages SET search_text = ? WHERE name = ?'),
      deprecate: db.prepare('UPDATE versions SET deprecated = ? WHERE package = ? AND version = ? AND unpublished_at IS NULL'),
      yank: db.prepare('UPDATE versions SET yanked_at = ?, yank_reason = ? WHERE package = ? AND version = ? AND unpublished_at IS NULL'),
      tombstone: db.prepare<[string, string, string], { integrity: string }>(
        'UPDATE versions SET unpublished_at = ? WHERE package = ? AND version = ? AND unpublished_at IS NULL RETURNING integrity',
      ),
      integrityInUse: db.prepare<[string], number>('SELECT count(*) FROM versions WHERE integrity = ? AND unpublished_at IS NULL').pluck(),
      latestLive: db.prepare<[string], LatestRow>(
        `SELECT v.kind, v.manifest, v.doc FROM versions v LEFT JOIN dist_tags t ON t.package = v.package AND t.tag = 'latest'
         WHERE v.package = ? AND v.unpublished_at IS NULL ORDER BY (t.version = v.version) DESC, v.seq DESC LIMIT 1`,
      ),
    };
  }

  async get(name: string): Promise<PackageRecord | undefined> {
    const row = this.#stmt.package.get(name);
    if (!row) return undefined;
    return packageOf(row, this.#stmt.owners.all(name), this.#stmt.tags.all(name), this.#stmt.versions.all(name));
  }

  async version(name: string, version: string): Promise<VersionRecord | undefined> {
    const row = this.#stmt.version.get(name, version);
    return row && versionOf(row);
  }

  async texts(name: string, version: string): Promise<VersionTexts> {
    const row = this.#stmt.texts.get(name, version);
    return defined({ readme: row?.readme ?? undefined, changelog: row?.changelog ?? undefined });
  }

  async publish(v: NewVersion, tags: readonly string[], owner: string): Promise<void> {
    const s = this.#stmt;
    this.#db.transaction(() => {
      const at = now();
      s.insertPackage.run(v.name, at, at);
      if (s.hasOwners.get(v.name) === 0) s.addOwner.run(v.name, owner, at);
      if ((s.versionExists.get(v.name, v.version) as number) > 0) {
        throw new RegistryError('VERSION_EXISTS', { version: v.version });
      }
      s.insertVersion.run({
        ...v,
        seq: s.nextSeq.get(v.name),
        doc: JSON.stringify(v.doc),
        manifest: JSON.stringify(v.manifest ?? null),
        readme: v.readme ?? null,
        changelog: v.changelog ?? null,
      });
      for (const tag of tags) s.setTag.run(v.name, tag, v.version);
      this.#touch(v.name, at);
    })();
  }

  async setDeprecations(name: string, changes: ReadonlyMap<string, string | null>): Promise<void> {
    this.#db.transaction(() => {
      for (const [version, message] of changes) this.#stmt.deprecate.run(message, name, version);
      this.#touch(name, now());
    })();
  }

  async setTag(name: string, tag: string, version: string): Promise<void> {
    this.#db.transaction(() => {
      this.#stmt.setTag.run(name, tag, version);
      this.#touch(name, now());
    })();
  }

  async removeTag(name: string, tag: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const removed = this.#stmt.removeTag.run(name, tag).changes > 0;
      if (removed) this.#touch(name, now());
      return removed;
    })();
  }

  async unpublish(name: string, versions: readonly string[], latest?: string): Promise<string[]> {
    const s = this.#stmt;
    return this.#db.transaction(() => {
      const at = now();
      const released = new Set<string>();
      for (const version of versions) {
        const row = s.tombstone.get(at, name, version);
        if (!row) continue;
        s.removeTagsOf.run(name, version);
        released.add(row.integrity);
      }
      if (latest !== undefined && s.liveExists.get(name, latest) === 1) s.setTag.run(name, 'latest', latest);
      this.#touch(name, at);
      return [...released].filter((integrity) => s.integrityInUse.get(integrity) === 0);
    })();
  }

  async setOwners(name: string, owners: readonly string[]): Promise<void> {
    this.#db.transaction(() => {
      const at = now();
      this.#stmt.clearOwners.run(name);
      for (const owner of owners) this.#stmt.addOwner.run(name, owner, at);
      this.#touch(name, at);
    })();
  }

  async scopeOwners(scope: string): Promise<string[]> {
    return this.#stmt.scopeOwners.all(`${likeEscape(scope)}/%`);
  }

  async setYanked(name: string, version: string, yanked: YankInfo | null): Promise<void> {
    this.#db.transaction(() => {
      this.#stmt.yank.run(yanked?.at ?? null, yanked?.reason ?? null, name, version);
      this.#touch(name, now());
    })();
  }

  async search({ text, limit, offset, kind }: SearchQuery): Promise<{ total: number; names: string[] }> {
    const words = searchWords(text);
    // A package's versions are all of one kind: its name decides (plugin names are unscoped).
    const where = [`EXISTS (SELECT 1 FROM versions v WHERE v.package = p.name AND v.unpublished_at IS NULL${kind === undefined ? '' : ' AND v.kind = @kind'})`];
    const params: Record<string, unknown> = { limit, offset, exact: words.join(' '), ...(kind === undefined ? {} : { kind }) };
    words.forEach((word, i) => {
      where.push(`p.search_text LIKE @w${i} ESCAPE '\\'`);
      params[`w${i}`] = `%${likeEscape(word)}%`;
    });
    const filter = where.join(' AND ');
    const total = this.#db.prepare(`SELECT count(*) FROM packages p WHERE ${filter}`).pluck().get(params) as number;
    const names = this.#db
      .prepare(
        `SELECT p.name FROM packages p WHERE ${filter}
         ORDER BY (p.name = @exact) DESC,
                  (SELECT coalesce(sum(d.count), 0) FROM downloads d WHERE d.package = p.name) DESC,
                  p.name
         LIMIT @limit OFFSET @offset`,
      )
      .pluck()
      .all(params) as string[];
    return { total, names };
  }

  /** Bumps the revision and refreshes the search text from the latest live version. */
  #touch(name: string, at: string): void {
    this.#stmt.touch.run(at, name);
    this.#stmt.setSearch.run(searchTextOf(name, this.#stmt.latestLive.get(name)), name);
  }
}
