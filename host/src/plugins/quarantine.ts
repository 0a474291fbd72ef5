/**
 * A sandbox quarantine as admins see it (on the plugin's view) and as the audit log keeps it.
 * Quarantines live in the sandbox's memory: a host restart lifts them all (and audits nothing).
 */
import type { QuarantineEvent, SandboxQuarantine } from '../sandbox/index.ts';
import type { AuditRepository } from '../store/index.ts';

/** The `quarantine` field of a plugin's view. */
export interface QuarantineView {
  reason: string;
  since: string;
  /** When it lifts itself; null: only an admin lift (or a disable and enable) ends it. */
  liftsAt: string | null;
  /** Each worker crash blamed on the plugin, with the worker's reason and figures. */
  crashes: { at: string; reason: string; evidence: Record<string, number>; bystanderCalls: number }[];
}

export function quarantineView(q: SandboxQuarantine): QuarantineView {
  return {
    reason: q.reason,
    since: new Date(q.since).toISOString(),
    liftsAt: q.until === undefined ? null : new Date(q.until).toISOString(),
    crashes: q.strikes.map((s) => ({ at: new Date(s.at).toISOString(), reason: s.reason, evidence: { ...s.evidence }, bystanderCalls: s.bystanderCalls })),
  };
}

/** `name@version` of a sandbox plugin id (`name@version#script-hash`). */
export function releaseOf(pluginId: string): string {
  const hash = pluginId.indexOf('#');
  return hash < 0 ? pluginId : pluginId.slice(0, hash);
}

/** One audit row per quarantine that starts (`plugin.quarantine`) or lifts (`plugin.quarantine.lift`). */
export function auditQuarantine(audit: AuditRepository, event: QuarantineEvent): Promise<void> {
  const view = quarantineView(event.quarantine);
  if (event.type === 'quarantined') {
    return audit.record({ actor: 'host', action: 'plugin.quarantine', target: releaseOf(event.quarantine.pluginId), outcome: 'ok', details: { ...view } });
  }
  return audit.record({
    actor: event.actor ?? 'host',
    action: 'plugin.quarantine.lift',
    target: releaseOf(event.quarantine.pluginId),
    outcome: 'ok',
    details: { cause: event.cause, reason: view.reason, since: view.since, liftsAt: view.liftsAt },
  });
}
