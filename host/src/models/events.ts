/**
 * What the model router and service announce as they work, for operators (metrics): every
 * call that reached a provider or was answered from a cache, every fallback, cooldown, quota
 * wait and budget refusal. Only bounded facts travel: model ids from the catalog, tasks,
 * outcomes and reasons, never a user, app or execution id.
 */
import type { FailureKind } from './router/health.ts';
import type { ModelTask } from './types.ts';

/** How a call ended: `invalid` is a billed answer that failed the requested schema. */
export type ModelCallOutcome = 'ok' | 'failed' | 'invalid' | 'cancelled';

/** `hit`: answered from a cache (exact or semantic); `miss`: looked up, then sent; `bypass`: sent without a lookup. */
export type ModelCacheResult = 'hit' | 'miss' | 'bypass';

export type ModelEvent =
  /** One call answered by a cache or sent to a provider (each attempt of a fallback chain is one). */
  | {
      type: 'model.called';
      task: ModelTask;
      modelId: string;
      outcome: ModelCallOutcome;
      cache: ModelCacheResult;
      latencyMs: number;
      inputTokens: number;
      outputTokens: number;
      images: number;
      costUsd: number;
    }
  /** A candidate failed and the router went on to the next one; `modelId` is the one that failed. */
  | { type: 'model.fallback'; task: ModelTask; modelId: string; reason: FailureKind }
  /** A model was cooled down (skipped by routing until the cooldown ends). */
  | { type: 'model.cooled'; modelId: string; reason: FailureKind }
  /** Every candidate lacked quota: the router waited for it instead of refusing. */
  | { type: 'model.quota-waited'; task: ModelTask; waitMs: number }
  /** A call refused with BUDGET_EXCEEDED, by the budget that bound (an app's or a user's). */
  | { type: 'model.budget-refused'; task: ModelTask; scope: 'app' | 'user' };

/** Where model events go; must not throw (the event bus's `publish` never does). */
export type ModelEventSink = (event: ModelEvent) => void;

/** Codes a call's own signal stops it with (a cancel, the end of the call it belongs to, a broken isolate): the caller's doing, not the model's. */
const STOPPED_BY_CALLER: ReadonlySet<string> = new Set(['EXECUTION_CANCELLED', 'CALL_ENDED', 'EXECUTION_ABORTED']);

/** The outcome of a usage row's error code (none: ok). */
export function outcomeOf(errorCode: string | undefined): ModelCallOutcome {
  if (errorCode === undefined) return 'ok';
  if (errorCode === 'MODEL_OUTPUT_INVALID') return 'invalid';
  if (STOPPED_BY_CALLER.has(errorCode)) return 'cancelled';
  return 'failed';
}
