/**
 * What the host knows about a sandbox call while it runs, for the bridges: who it runs for,
 * its configuration, its abort signal, where it sits in its execution's call tree, and what
 * must be cleaned up when it ends (open model streams). An execution's own call and each of
 * its steps have a scope; bridges find it by the ids the sandbox bound (`scopeIdOf`), never
 * by guest input.
 */
import { scopeIdOf, type CallScope, type CallScopes } from '../calls/index.ts';
import { EaselError } from '../errors/index.ts';
import type { BridgeCaller } from '../sandbox/index.ts';
import type { Run } from './run.ts';

/** A call's scope as orchestration keeps it: the capabilities' view, and its place in the call tree. */
export interface ExecutionScope extends CallScope {
  /** 0 for the execution's own call, 1 for a step it invokes, and so on. */
  depth: number;
  /** `plugin/agent.capability` and input hash of every call above this one (root first): cycles are refused. */
  chain: readonly { label: string; inputSha256: string }[];
  /** Identifies this call's place in the call tree across a resume ('' for the root). */
  callKey: string;
  /** The execution this call belongs to (counters, cancel, events); absent for bare sandbox tests. */
  run?: Run;
}

export type ScopeFields = Omit<ExecutionScope, 'signal' | 'lastError'>;

export class ExecutionScopes implements CallScopes {
  #scopes = new Map<string, { scope: ExecutionScope; controller: AbortController; cleanups: Set<() => Promise<void> | void> }>();

  /** Opens a scope; `signal` (the caller's, or the parent call's) aborts it too. */
  open(fields: ScopeFields, signal?: AbortSignal): ExecutionScope {
    const controller = new AbortController();
    const scope: ExecutionScope = { ...fields, signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal };
    this.#scopes.set(fields.scopeId, { scope, controller, cleanups: new Set() });
    return scope;
  }

  get(scopeId: string): ExecutionScope | undefined {
    return this.#scopes.get(scopeId)?.scope;
  }

  /** The scope of a bridge call. */
  of(caller: BridgeCaller): ExecutionScope | undefined {
    return this.get(scopeIdOf(caller));
  }

  /** Registers work to run when the scope ends; returns a function that unregisters it. */
  onEnd(scopeId: string, cleanup: () => Promise<void> | void): () => void {
    const entry = this.#scopes.get(scopeId);
    if (!entry) return () => undefined;
    entry.cleanups.add(cleanup);
    return () => entry.cleanups.delete(cleanup);
  }

  /** Ends the scope: aborts what is still in flight and runs the cleanups. */
  async close(scopeId: string): Promise<void> {
    const entry = this.#scopes.get(scopeId);
    if (!entry) return;
    this.#scopes.delete(scopeId);
    entry.controller.abort(callEnded());
    await Promise.allSettled([...entry.cleanups].map(async (cleanup) => cleanup()));
  }
}

/**
 * Why a call's signal fires when the call ends: an ordinary ending, not a bug, so it carries
 * no stack (capturing one for every call was a visible share of the host's CPU per call).
 */
function callEnded(): EaselError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new EaselError('CALL_ENDED');
  } finally {
    Error.stackTraceLimit = limit;
  }
}
