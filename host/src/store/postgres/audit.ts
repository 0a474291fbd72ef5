/** audit_log on PostgreSQL: append-only record of admin actions and denied bridge calls. */
import type { AuditEntry, AuditQuery, AuditRepository, NewAuditEntry } from '../types.ts';
import { type AuditRow, MAX_AUDIT_PAGE, pluginOfAudit, toEntry } from '../rows/audit.ts';
import { now, toJson } from '../rows/common.ts';
import type { PgDatabase } from './database.ts';
import { Where } from './where.ts';

export class PgAuditRepository implements AuditRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async record(entry: NewAuditEntry): Promise<void> {
    const plugin = entry.plugin ?? pluginOfAudit(entry);
    await this.#db.pool.query('INSERT INTO audit_log (at, actor, action, target, outcome, details, plugin) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      now(),
      entry.actor,
      entry.action,
      entry.target ?? null,
      entry.outcome,
      toJson(entry.details),
      plugin ?? null,
    ]);
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const where = new Where();
    // Each equality filter has an index on (column, id): the page is read newest first from it.
    for (const field of ['action', 'plugin', 'actor'] as const) if (query[field] !== undefined) where.and(`${field} = ?`, query[field]);
    // Stored instants are toISOString() text: a range compares as text in that same form.
    if (query.since !== undefined) where.and('at >= ?', new Date(query.since).toISOString());
    if (query.until !== undefined) where.and('at < ?', new Date(query.until).toISOString());
    // Keyset paging: the id of the last entry of the previous page.
    if (query.before !== undefined) where.and('id < ?', Math.trunc(query.before));
    const limit = where.bind(Math.min(MAX_AUDIT_PAGE, Math.max(1, Math.trunc(query.limit))));
    const sql = `SELECT * FROM audit_log ${where} ORDER BY id DESC LIMIT ${limit}`;
    return (await this.#db.pool.query<AuditRow>(sql, where.params)).rows.map(toEntry);
  }

  async purge(before: string, limit: number): Promise<{ removed: number; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    const result = await this.#db.pool.query('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)', [new Date(before).toISOString(), n]);
    const removed = result.rowCount ?? 0;
    return { removed, more: removed === n };
  }
}
