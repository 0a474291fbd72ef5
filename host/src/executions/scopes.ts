/**
 * What the host knows about an execution while it runs, for the bridges: who it runs for,
 * its configuration, its abort signal, and what must be cleaned up when it ends (open model
 * streams). Bridges find it by the execution id the sandbox bound, never by guest input.
 */

export interface ExecutionScope {
  executionId: string;
  pluginName: string;
  /** The app's end user (budgets, usage), or the app key's id. */
  userId: string;
  config: Record<string, unknown>;
  /** Fires when the execution is cancelled or ends; in-flight provider calls abort with it. */
  signal: AbortSignal;
  /** The last error a bridge reported with details the API should see (retryAfterMs...). */
  lastError?: { code: string; details: Record<string, unknown> };
}

export class ExecutionScopes {
  #scopes = new Map<string, { scope: ExecutionScope; controller: AbortController; cleanups: Set<() => Promise<void> | void> }>();

  /** Opens a scope; `signal` (the caller's) aborts it too. */
  open(fields: Omit<ExecutionScope, 'signal' | 'lastError'>, signal?: AbortSignal): ExecutionScope {
    const controller = new AbortController();
    const scope: ExecutionScope = { ...fields, signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal };
    this.#scopes.set(fields.executionId, { scope, controller, cleanups: new Set() });
    return scope;
  }

  get(executionId: string): ExecutionScope | undefined {
    return this.#scopes.get(executionId)?.scope;
  }

  /** Registers work to run when the execution ends; returns a function that unregisters it. */
  onEnd(executionId: string, cleanup: () => Promise<void> | void): () => void {
    const entry = this.#scopes.get(executionId);
    if (!entry) return () => undefined;
    entry.cleanups.add(cleanup);
    return () => entry.cleanups.delete(cleanup);
  }

  /** Ends the scope: aborts what is still in flight and runs the cleanups. */
  async close(executionId: string): Promise<void> {
    const entry = this.#scopes.get(executionId);
    if (!entry) return;
    this.#scopes.delete(executionId);
    entry.controller.abort(new Error('the execution ended'));
    await Promise.allSettled([...entry.cleanups].map(async (cleanup) => cleanup()));
  }
}
