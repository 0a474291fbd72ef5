/**
 * One sandbox call of an execution, its own handler's or a step's, run in a call scope: the
 * scope is opened with who the call runs for, the plugin's config and the call's place in the
 * call tree; the plugin runs with the scope's signal (the caller's signal and a cancel of the
 * run abort it); and the scope is closed however the call ends, which closes what the call left
 * open (model streams). The execution service and the step runner differ in what they record
 * around it, not in this.
 */
import type { ActivePlugin } from '../plugins/index.ts';
import type { InvokeResult, Sandbox } from '../sandbox/index.ts';
import type { Run } from './run.ts';
import type { ExecutionScope, ExecutionScopes, ScopeFields } from './scopes.ts';

export interface ScopedCall {
  active: ActivePlugin;
  kind: 'agent' | 'workflow';
  target: string;
  capability?: string;
  input: { json: unknown; bytes: Record<string, Uint8Array> };
  run: Run;
  /** The scope's id (the step's, or the execution's for its own handler) and place in the call tree. */
  place: Pick<ScopeFields, 'scopeId' | 'stepId' | 'depth' | 'chain' | 'callKey'>;
  /** What aborts the call besides the end of its scope. */
  signal: AbortSignal;
  /** This call's wall-clock limit when it is not the plugin's (a workflow's). */
  wallMs?: number;
}

/** Runs the call; `closing` sees the scope as the call ends, before it is closed. */
export async function callInScope(deps: { scopes: ExecutionScopes; sandbox: Sandbox }, call: ScopedCall, closing?: (scope: ExecutionScope) => void): Promise<InvokeResult> {
  const { active, run } = call;
  const scope = deps.scopes.open({ ...call.place, executionId: run.executionId, pluginName: active.record.name, ...run.billed, config: active.config, run }, call.signal);
  try {
    return await deps.sandbox.invoke({
      plugin: active.sandbox,
      kind: call.kind,
      target: call.target,
      capability: call.capability,
      input: call.input.json,
      bytes: call.input.bytes,
      config: active.config,
      executionId: run.executionId,
      caller: run.caller,
      ...(call.place.stepId !== undefined ? { stepId: call.place.stepId } : {}),
      signal: scope.signal,
      ...(call.wallMs !== undefined ? { wallMs: call.wallMs } : {}),
    });
  } finally {
    closing?.(scope);
    await deps.scopes.close(scope.scopeId);
  }
}
