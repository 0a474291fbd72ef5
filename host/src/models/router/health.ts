/**
 * Recent outcomes per model, and the cooldown rule they feed: a throttled model cools at
 * once (the provider told us to back off); any other failure cools a model when, within the
 * window, failures reach the configured share of at least `minCalls` calls. The cooldown
 * itself lives in the router state store so every replica sees it; these counters are this
 * process's view, used for the rule and for `GET /v1/models/health`.
 */

export interface HealthOptions {
  windowMs: number;
  minCalls: number;
  /** 0–1: share of failed calls in the window that cools a model. */
  failureRate: number;
  cooldownMs: number;
  throttleCooldownMs: number;
}

export type FailureKind = 'throttled' | 'timeout' | 'server' | 'stream' | 'invalid' | 'denied' | 'other';

interface Outcome {
  at: number;
  ok: boolean;
  latencyMs: number;
  kind?: FailureKind;
}

export interface ModelHealthSnapshot {
  modelId: string;
  calls: number;
  errors: number;
  errorRate: number;
  p50LatencyMs?: number;
  p95LatencyMs?: number;
  lastError?: { kind: FailureKind; at: string };
}

/** Kept per model; bounded so a busy model cannot grow memory. */
const MAX_OUTCOMES = 1000;

function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

export class ModelHealth {
  #options: HealthOptions;
  #outcomes = new Map<string, Outcome[]>();

  constructor(options: HealthOptions) {
    this.#options = options;
  }

  #recent(modelId: string, nowMs: number): Outcome[] {
    const list = (this.#outcomes.get(modelId) ?? []).filter((o) => nowMs - o.at <= this.#options.windowMs);
    this.#outcomes.set(modelId, list);
    return list;
  }

  succeeded(modelId: string, latencyMs: number, nowMs: number): void {
    this.#push(modelId, { at: nowMs, ok: true, latencyMs });
  }

  /** Records a failure; returns the cooldown it calls for, if any. */
  failed(modelId: string, kind: FailureKind, latencyMs: number, nowMs: number): { untilMs: number; reason: string } | undefined {
    // A request the provider refused as invalid says nothing about the model's health.
    if (kind === 'invalid' || kind === 'denied') return undefined;
    this.#push(modelId, { at: nowMs, ok: false, latencyMs, kind });
    if (kind === 'throttled') return { untilMs: nowMs + this.#options.throttleCooldownMs, reason: 'throttled by the provider' };
    const recent = this.#recent(modelId, nowMs);
    const failures = recent.filter((o) => !o.ok).length;
    if (recent.length >= this.#options.minCalls && failures / recent.length >= this.#options.failureRate) {
      // Start the next window clean: after the cooldown the model gets a fresh trial.
      this.#outcomes.set(modelId, []);
      return { untilMs: nowMs + this.#options.cooldownMs, reason: `${failures} of the last ${recent.length} calls failed` };
    }
    return undefined;
  }

  #push(modelId: string, outcome: Outcome): void {
    const list = this.#outcomes.get(modelId) ?? [];
    list.push(outcome);
    if (list.length > MAX_OUTCOMES) list.splice(0, list.length - MAX_OUTCOMES);
    this.#outcomes.set(modelId, list);
  }

  snapshot(modelId: string, nowMs: number): ModelHealthSnapshot {
    const recent = this.#recent(modelId, nowMs);
    const errors = recent.filter((o) => !o.ok);
    const latencies = recent.filter((o) => o.ok).map((o) => o.latencyMs).sort((a, b) => a - b);
    const last = errors.at(-1);
    return {
      modelId,
      calls: recent.length,
      errors: errors.length,
      errorRate: recent.length === 0 ? 0 : errors.length / recent.length,
      p50LatencyMs: percentile(latencies, 0.5),
      p95LatencyMs: percentile(latencies, 0.95),
      ...(last?.kind ? { lastError: { kind: last.kind, at: new Date(last.at).toISOString() } } : {}),
    };
  }
}
