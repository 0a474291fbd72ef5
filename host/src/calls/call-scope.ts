/**
 * What a capability knows of the call a bridge request belongs to: who it runs for, its
 * configuration, its abort signal, and what must be cleaned up when it ends. Orchestration
 * opens and closes these scopes (orchestration/scopes.ts); capabilities only look them up, by
 * the ids the sandbox bound to the request (`scopeIdOf`), never by guest input. Declared here,
 * below both, so that capabilities need nothing from orchestration.
 */
import type { BridgeCaller } from '../sandbox/index.ts';

export interface CallScope {
  /** The step's id for a step, else the execution's id. */
  scopeId: string;
  executionId: string;
  stepId?: string;
  pluginName: string;
  /** The app whose key started the execution ('' when none): user ids are namespaced by it. */
  appId: string;
  /** The app's end user (budgets, usage), or `key:<app key id>`. */
  userId: string;
  config: Record<string, unknown>;
  /** Fires when the execution is cancelled or this call ends; in-flight provider calls abort with it. */
  signal: AbortSignal;
  /** The last error a bridge reported with details the API should see (retryAfterMs...). */
  lastError?: { code: string; details: Record<string, unknown> };
}

/** Finds the scope of a bridge request, and runs cleanups when it ends. */
export interface CallScopes {
  of(caller: BridgeCaller): CallScope | undefined;
  /** Registers work to run when the scope ends; returns a function that unregisters it. */
  onEnd(scopeId: string, cleanup: () => Promise<void> | void): () => void;
}

/** The scope a bridge call belongs to: its step's, or its execution's. */
export const scopeIdOf = (caller: BridgeCaller): string => caller.stepId ?? caller.executionId;

/** Execution ids of a workflow preview's estimate hooks start with this: the bridges refuse them everything but logs. */
export const PREVIEW_PREFIX = 'preview:';
