/**
 * Model calls as the router and the model service tell them on the bus: calls by model, task,
 * outcome and cache result, their latency, tokens, images and cost; fallbacks, cooldowns,
 * quota waits and budget refusals. Labels are catalog model ids, tasks and reasons: never a
 * user, an app or an execution.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventBus } from '../events/index.ts';
import { isAmount } from './amounts.ts';

/** From a cache hit to a long image or reasoning call, in seconds. */
const CALL_DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

/** What the gauge of cooling models reads at scrape time. */
export interface CoolingSource {
  cooling(nowMs: number): Promise<unknown[]>;
}

export function modelMetrics(registry: Registry, bus: EventBus, cooling: () => CoolingSource | undefined): (() => void)[] {
  const registers = [registry];
  const calls = new Counter({ name: 'easel_model_calls_total', help: 'Model calls: sent to a provider (each attempt of a fallback chain) or answered from a cache', labelNames: ['model', 'task', 'outcome', 'cache'], registers });
  const duration = new Histogram({ name: 'easel_model_call_duration_seconds', help: 'Latency of those calls (a cache hit: its lookup)', labelNames: ['model', 'task', 'outcome', 'cache'], buckets: CALL_DURATION_BUCKETS, registers });
  const input = new Counter({ name: 'easel_model_input_tokens_total', help: 'Input tokens billed by the provider', labelNames: ['model', 'task'], registers });
  const output = new Counter({ name: 'easel_model_output_tokens_total', help: 'Output tokens billed by the provider', labelNames: ['model', 'task'], registers });
  const images = new Counter({ name: 'easel_model_images_total', help: 'Images billed by the provider', labelNames: ['model'], registers });
  const cost = new Counter({ name: 'easel_model_cost_usd_total', help: 'What model calls cost, in USD (catalog prices)', labelNames: ['model', 'task'], registers });
  const fallbacks = new Counter({ name: 'easel_model_fallbacks_total', help: 'Calls sent to the next candidate after one failed; model is the one that failed, reason how', labelNames: ['task', 'model', 'reason'], registers });
  const cooldowns = new Counter({ name: 'easel_model_cooldowns_total', help: 'Models cooled down after failures, by reason', labelNames: ['model', 'reason'], registers });
  const quotaWaits = new Counter({ name: 'easel_model_quota_waits_total', help: 'Times a call waited because every candidate was at its per-minute quota', labelNames: ['task'], registers });
  const quotaWaited = new Counter({ name: 'easel_model_quota_wait_seconds_total', help: 'Time those waits took, in seconds', labelNames: ['task'], registers });
  const refusals = new Counter({ name: 'easel_model_budget_refusals_total', help: 'Calls refused with BUDGET_EXCEEDED, by the budget that bound (app or user)', labelNames: ['task', 'scope'], registers });
  new Gauge({
    name: 'easel_models_cooling',
    help: 'Models cooling down now (skipped by routing)',
    registers,
    async collect() {
      const source = cooling();
      if (source) this.set((await source.cooling(Date.now()).catch(() => [])).length);
    },
  });

  return [
    bus.on('model.called', (e) => {
      const labels = { model: e.modelId, task: e.task, outcome: e.outcome, cache: e.cache };
      calls.inc(labels);
      if (isAmount(e.latencyMs)) duration.observe(labels, e.latencyMs / 1000);
      if (isAmount(e.inputTokens) && e.inputTokens > 0) input.inc({ model: e.modelId, task: e.task }, e.inputTokens);
      if (isAmount(e.outputTokens) && e.outputTokens > 0) output.inc({ model: e.modelId, task: e.task }, e.outputTokens);
      if (isAmount(e.images) && e.images > 0) images.inc({ model: e.modelId }, e.images);
      if (isAmount(e.costUsd) && e.costUsd > 0) cost.inc({ model: e.modelId, task: e.task }, e.costUsd);
    }),
    bus.on('model.fallback', (e) => fallbacks.inc({ task: e.task, model: e.modelId, reason: e.reason })),
    bus.on('model.cooled', (e) => cooldowns.inc({ model: e.modelId, reason: e.reason })),
    bus.on('model.quota-waited', (e) => {
      quotaWaits.inc({ task: e.task });
      if (isAmount(e.waitMs)) quotaWaited.inc({ task: e.task }, e.waitMs / 1000);
    }),
    bus.on('model.budget-refused', (e) => refusals.inc({ task: e.task, scope: e.scope })),
  ];
}
