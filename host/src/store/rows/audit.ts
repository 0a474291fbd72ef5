/** Audit rows as both stores keep them, and the rule that names the plugin an entry is about. */
import type { AuditEntry, NewAuditEntry } from '../types.ts';
import { defined, fromJson } from './common.ts';

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditEntry['outcome'];
  details: string | null;
  plugin: string | null;
}

export const toEntry = (row: AuditRow): AuditEntry =>
  defined({
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target ?? undefined,
    outcome: row.outcome,
    plugin: row.plugin ?? undefined,
    details: fromJson(row.details),
  });

/** `name` of `name`, `name@version` or `name@version#hash`. */
const nameOf = (release: string): string | undefined => release.split('#')[0]?.split('@')[0] || undefined;

/**
 * The plugin an entry is about, when the caller does not say: the plugin that acted
 * (`plugin:<id>`) or, for a `plugin.*` action, the plugin acted on (its target). Migration 8
 * fills the rows written before it by the same rule.
 */
export function pluginOfAudit(entry: Pick<NewAuditEntry, 'actor' | 'action' | 'target'>): string | undefined {
  if (entry.actor.startsWith('plugin:')) return nameOf(entry.actor.slice('plugin:'.length));
  if (entry.action.startsWith('plugin.') && entry.target !== undefined) return nameOf(entry.target);
  return undefined;
}

/** The most entries one page of `list` holds. */
export const MAX_AUDIT_PAGE = 1000;
