/** audit_log: append-only record of admin actions and denied bridge calls. */
import type { AuditEntry, AuditQuery, AuditRepository, NewAuditEntry } from '../types.ts';
import { type Db, now, toJson } from './shared.ts';
import { type AuditRow as Row, MAX_AUDIT_PAGE as MAX_LIMIT, pluginOfAudit, toEntry } from '../rows/audit.ts';

export { pluginOfAudit };

export class SqliteAuditRepository implements AuditRepository {
  #db;
  #insert;
  #purge;
  // One statement per filter combination (at most 64), prepared on first use and kept.
  #lists = new Map<string, ReturnType<Db['prepare']>>();

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare('INSERT INTO audit_log (at, actor, action, target, outcome, details, plugin) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const purge = db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < @before ORDER BY at LIMIT @limit)');
    this.#purge = db.transaction((before: string, limit: number) => purge.run({ before, limit }).changes);
  }

  async record(entry: NewAuditEntry): Promise<void> {
    const plugin = entry.plugin ?? pluginOfAudit(entry);
    this.#insert.run(now(), entry.actor, entry.action, entry.target ?? null, entry.outcome, toJson(entry.details), plugin ?? null);
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const params: Record<string, unknown> = { limit: Math.min(MAX_LIMIT, Math.max(1, Math.trunc(query.limit))) };
    const where: string[] = [];
    // Each equality filter has an index on (column, id): the page is read newest first from it.
    for (const [field, column] of [['action', 'action'], ['plugin', 'plugin'], ['actor', 'actor']] as const) {
      if (query[field] !== undefined) {
        where.push(`${column} = @${field}`);
        params[field] = query[field];
      }
    }
    // Stored instants are toISOString() text: a range compares as text in that same form.
    if (query.since !== undefined) {
      where.push('at >= @since');
      params.since = new Date(query.since).toISOString();
    }
    if (query.until !== undefined) {
      where.push('at < @until');
      params.until = new Date(query.until).toISOString();
    }
    if (query.before !== undefined) {
      // Keyset paging: the id of the last entry of the previous page.
      where.push('id < @before');
      params.before = Math.trunc(query.before);
    }
    const key = where.join(' AND ');
    let statement = this.#lists.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare(`SELECT * FROM audit_log ${key === '' ? '' : `WHERE ${key}`} ORDER BY id DESC LIMIT @limit`);
      this.#lists.set(key, statement);
    }
    return (statement.all(params) as Row[]).map(toEntry);
  }

  async purge(before: string, limit: number): Promise<{ removed: number; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    const removed = this.#purge.immediate(new Date(before).toISOString(), n);
    return { removed, more: removed === n };
  }
}
