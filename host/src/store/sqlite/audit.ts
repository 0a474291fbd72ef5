/** audit_log: append-only record of admin actions and denied bridge calls. */
import type { AuditEntry, AuditRepository, NewAuditEntry } from '../types.ts';
import { type Db, defined, fromJson, now, toJson } from './shared.ts';

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditEntry['outcome'];
  details: string | null;
}

const toEntry = (row: Row): AuditEntry =>
  defined({
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target ?? undefined,
    outcome: row.outcome,
    details: fromJson(row.details),
  });

export class SqliteAuditRepository implements AuditRepository {
  #insert;
  #list;
  #listByAction;
  #purge;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?)');
    this.#list = db.prepare<[number], Row>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
    this.#listByAction = db.prepare<[string, number], Row>('SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?');
    const purge = db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < @before ORDER BY at LIMIT @limit)');
    this.#purge = db.transaction((before: string, limit: number) => purge.run({ before, limit }).changes);
  }

  async record(entry: NewAuditEntry): Promise<void> {
    this.#insert.run(now(), entry.actor, entry.action, entry.target ?? null, entry.outcome, toJson(entry.details));
  }

  async list(query: { limit: number; action?: string }): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.trunc(query.limit));
    const rows = query.action === undefined ? this.#list.all(limit) : this.#listByAction.all(query.action, limit);
    return rows.map(toEntry);
  }

  async purge(before: string, limit: number): Promise<{ removed: number; more: boolean }> {
    const n = Math.max(1, Math.trunc(limit));
    const removed = this.#purge.immediate(new Date(before).toISOString(), n);
    return { removed, more: removed === n };
  }
}
