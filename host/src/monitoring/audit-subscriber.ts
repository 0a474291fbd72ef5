/**
 * Writes the audit rows that orchestration events call for: a plugin calling another
 * plugin's agent (a use of another plugin's code, worth a trace) and every finished workflow.
 * The bus is synchronous and the store is not, so writes queue here one after another, in
 * event order; a failed write is logged and never reaches the bus or the publisher.
 */
import type { EventBus, HostEventOf } from '../events/index.ts';
import type { AuditRepository, NewAuditEntry } from '../store/index.ts';

interface Logger {
  error(obj: object, msg?: string): void;
}

export class AuditSubscriber {
  #audit: AuditRepository;
  #log: Logger;
  #tail: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void)[];

  constructor(bus: EventBus, audit: AuditRepository, logger: Logger) {
    this.#audit = audit;
    this.#log = logger;
    this.#unsubscribe = [
      bus.on('agent.invoked', (e) => {
        // An app's call, or a plugin calling its own agents, crosses no plugin boundary.
        if (e.caller !== undefined && e.caller !== e.plugin) this.#write(crossPluginCall(e));
      }),
      bus.on('workflow.finished', (e) => this.#write(workflowFinished(e))),
    ];
  }

  /** Resolves once every row queued so far is written or its failure logged; never rejects. */
  idle(): Promise<void> {
    return this.#tail;
  }

  /** Stops listening; rows already queued are still written (await `idle()` before closing the store). */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  #write(entry: NewAuditEntry): void {
    this.#tail = this.#tail
      .then(() => this.#audit.record(entry))
      .catch((err: unknown) => this.#log.error({ err, action: entry.action, target: entry.target }, 'an audit row could not be written'));
  }
}

function crossPluginCall(e: HostEventOf<'agent.invoked'>): NewAuditEntry {
  return {
    actor: `plugin:${e.caller}`,
    action: 'agents.invoke',
    target: `${e.plugin}/${e.agent}.${e.capability}`,
    outcome: 'ok',
    details: { executionId: e.executionId, stepId: e.stepId, version: e.version },
  };
}

/** Actor and target as for execution.denied: the plugin that ran, and the execution. */
function workflowFinished(e: HostEventOf<'workflow.finished'>): NewAuditEntry {
  return {
    actor: `plugin:${e.plugin}@${e.version}`,
    action: 'workflow.finished',
    target: e.executionId,
    outcome: e.status === 'succeeded' ? 'ok' : 'failed',
    details: { plugin: e.plugin, version: e.version, workflow: e.workflow, status: e.status, costUsd: e.costUsd, durationMs: e.durationMs, errorCode: e.errorCode },
  };
}
