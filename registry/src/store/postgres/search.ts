/**
 * Package search on PostgreSQL, the SQLite store's query word for word: every word must be
 * in the search text (lowercase, LIKE with escaped wildcards), at least one live version (of
 * the kind asked for); the exact name first, then most downloaded, then by name.
 */
import type pg from 'pg';
import type { SearchQuery } from '../types.ts';
import { likeEscape, searchWords } from '../common/values.ts';

export async function searchPackages(pool: pg.Pool, { text, limit, offset, kind }: SearchQuery): Promise<{ total: number; names: string[] }> {
  const words = searchWords(text);
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = [`EXISTS (SELECT 1 FROM registry_versions v WHERE v.package = p.name AND v.unpublished_at IS NULL${kind === undefined ? '' : ` AND v.kind = ${param(kind)}`})`];
  for (const word of words) where.push(`p.search_text LIKE ${param(`%${likeEscape(word)}%`)} ESCAPE '\\'`);
  const filter = where.join(' AND ');
  const total = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM registry_packages p WHERE ${filter}`, params)).rows[0]!.n;
  const exact = param(words.join(' '));
  const { rows } = await pool.query<{ name: string }>(
    `SELECT p.name FROM registry_packages p WHERE ${filter}
     ORDER BY (p.name = ${exact}) DESC,
              (SELECT coalesce(sum(d.count), 0) FROM registry_downloads d WHERE d.package = p.name) DESC,
              p.name
     LIMIT ${param(limit)} OFFSET ${param(offset)}`,
    params,
  );
  return { total, names: rows.map((r) => r.name) };
}
