/**
 * Prometheus metrics, fed by the event bus and, for what the host holds now (isolates, slots),
 * read at scrape time. Each host has a registry of its own (tests run several hosts in one
 * process), holding the process metrics too, all prefixed `easel_`. Label values are plugin
 * names, agent, capability and workflow types (which the manifest schema keeps short and
 * kebab-case), catalog model ids, route patterns, status codes and reasons, so series grow
 * with what is installed and configured, not with traffic: no user, app, key or execution id
 * is ever a label. One file per concern: http-, model-, sandbox- and capacity-metrics.ts.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../events/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { isAmount } from './amounts.ts';
import { capacityMetrics, type CapacitySources } from './capacity-metrics.ts';
import { HttpMetrics } from './http-metrics.ts';
import { type CoolingSource, modelMetrics } from './model-metrics.ts';
import { sandboxMetrics } from './sandbox-metrics.ts';

/** What the scrape-time gauges read, once the host has built it (see `observe`). */
export interface MetricSources extends CapacitySources {
  sandbox?: Pick<Sandbox, 'stats' | 'quarantines'>;
  /** The router state, for the models cooling now. */
  modelState?: CoolingSource;
}

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
  #sources: MetricSources = {};
  #http: HttpMetrics;
  #scraping: () => void;

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
    const installs = new Counter({ name: 'easel_plugin_installs_total', help: 'Installs (uploads, registry installs) by outcome; code is the error code of a failed one', labelNames: ['source', 'outcome', 'code'], registers });
    active.set(0);
    this.#http = new HttpMetrics(this.registry);
    capacityMetrics(this.registry, () => this.#sources);
    const sandbox = sandboxMetrics(this.registry, bus, () => this.#sources.sandbox);
    this.#scraping = sandbox.scraping;

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
      bus.on('plugin.install', (e) => installs.inc({ source: e.source, outcome: e.outcome, code: e.errorCode ?? '' })),
      ...modelMetrics(this.registry, bus, () => this.#sources.modelState),
      ...sandbox.unsubscribe,
    ];
  }

  /** Hands over what the scrape-time gauges read (the sandbox, the execution gate, the key slots, the router state). */
  observe(sources: MetricSources): void {
    this.#sources = { ...this.#sources, ...sources };
  }

  /** Counts and times every HTTP answer of `app` (call it before the routes are registered). */
  instrument(app: FastifyInstance): void {
    this.#http.instrument(app);
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
    this.#scraping();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Stops listening to the bus; the values stay readable. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
