/**
 * Prometheus metrics, fed by the event bus. Each host has a registry of its own (tests run
 * several hosts in one process), holding the process metrics too, all prefixed `easel_`.
 * Label values are plugin names, agent, capability and workflow types, which the manifest
 * schema keeps short and kebab-case, so series grow with what is installed, not with traffic.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../orchestration/event-bus.ts';

/** From a quick workflow to the default 15 minute timeout, in seconds. */
const WORKFLOW_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900];

export class HostMetrics {
  readonly registry = new Registry();
  #unsubscribe: (() => void)[];
  #unreconciled: Counter<'plugin' | 'model'>;
  #unreconciledCost: Counter<'plugin' | 'model'>;
  #purged: Counter<'kind'>;
  /** Plugins registered and not unregistered since; a set, so an event sent twice counts once. */
  #active = new Set<string>();

  constructor(bus: EventBus) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'easel_' });
    const registrations = new Counter({ name: 'easel_plugin_registrations_total', help: 'Plugins that became runnable (enabled, or found enabled at start)', labelNames: ['plugin'], registers });
    const unregistrations = new Counter({ name: 'easel_plugin_unregistrations_total', help: 'Plugins that stopped being runnable, by reason (disabled, uninstalled, replaced)', labelNames: ['plugin', 'reason'], registers });
    const active = new Gauge({ name: 'easel_plugins_active', help: 'Plugins enabled and loaded now', registers });
    const invocations = new Counter({ name: 'easel_agent_invocations_total', help: 'Agent capability calls; caller is the calling plugin, or "app"', labelNames: ['plugin', 'agent', 'capability', 'caller'], registers });
    const finished = new Counter({ name: 'easel_workflows_finished_total', help: 'Workflow executions finished, by status', labelNames: ['plugin', 'workflow', 'status'], registers });
    const duration = new Histogram({ name: 'easel_workflow_duration_seconds', help: 'Wall time of finished workflow executions', labelNames: ['plugin', 'workflow', 'status'], buckets: WORKFLOW_DURATION_BUCKETS, registers });
    const cost = new Counter({ name: 'easel_workflow_cost_usd_total', help: 'Model cost of finished workflow executions, in USD', labelNames: ['plugin', 'workflow'], registers });
    this.#unreconciled = new Counter({ name: 'easel_model_unreconciled_total', help: 'Model calls in flight when a host process died, charged at their holds at this start', labelNames: ['plugin', 'model'], registers });
    this.#unreconciledCost = new Counter({ name: 'easel_model_unreconciled_cost_usd_total', help: 'What those calls were charged, in USD', labelNames: ['plugin', 'model'], registers });
    this.#purged = new Counter({ name: 'easel_retention_purged_total', help: 'Records deleted by the retention purge, by kind (executions, steps, events, usage, audit, blobs)', labelNames: ['kind'], registers });
    active.set(0);

    this.#unsubscribe = [
      bus.on('plugin.registered', (e) => {
        registrations.inc({ plugin: e.plugin });
        this.#active.add(e.plugin);
        active.set(this.#active.size);
      }),
      bus.on('plugin.unregistered', (e) => {
        unregistrations.inc({ plugin: e.plugin, reason: e.reason });
        this.#active.delete(e.plugin);
        active.set(this.#active.size);
      }),
      bus.on('agent.invoked', (e) => {
        invocations.inc({ plugin: e.plugin, agent: e.agent, capability: e.capability, caller: e.caller ?? 'app' });
      }),
      bus.on('workflow.finished', (e) => {
        const labels = { plugin: e.plugin, workflow: e.workflow, status: e.status };
        finished.inc(labels);
        if (isAmount(e.durationMs)) duration.observe(labels, e.durationMs / 1000);
        // A counter only goes up: a missing or bogus cost adds nothing rather than failing the rest.
        cost.inc({ plugin: e.plugin, workflow: e.workflow }, isAmount(e.costUsd) ? e.costUsd : 0);
      }),
    ];
  }

  /**
   * Counts the calls a start charged as unreconciled (BudgetRepository.chargeAbandoned).
   * `plugin` is empty for calls the host made itself. Model ids come from the catalog.
   */
  countUnreconciled(groups: readonly { pluginName?: string; modelId: string; calls: number; costUsd: number }[]): void {
    for (const g of groups) {
      const labels = { plugin: g.pluginName ?? '', model: g.modelId };
      if (isAmount(g.calls)) this.#unreconciled.inc(labels, g.calls);
      if (isAmount(g.costUsd)) this.#unreconciledCost.inc(labels, g.costUsd);
    }
  }

  /** Counts what a retention pass deleted (Retention); `blobBytes` is not a count of rows and is left out. */
  countPurged(removed: { executions: number; steps: number; events: number; usage: number; audit: number; blobs: number }): void {
    for (const kind of ['executions', 'steps', 'events', 'usage', 'audit', 'blobs'] as const) {
      if (isAmount(removed[kind]) && removed[kind] > 0) this.#purged.inc({ kind }, removed[kind]);
    }
  }

  /** The Prometheus text exposition and the content type to serve it with. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Stops listening to the bus; the values stay readable. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}

function isAmount(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}
