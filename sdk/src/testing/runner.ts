/**
 * One call of a plugin's handler as the host makes it, whichever engine runs the handler
 * (directly, or in an isolate): the target looked up in the manifest, the input checked
 * against its schema (byte fields decoded), the call scoped (execution, depth, chain,
 * cancellation), the output checked against its schema. Calls the plugin makes to its own
 * agents go through here too, with the host's nesting and cycle rules.
 */
import type { Caller } from '../context.ts';
import type { PluginManifest } from '../manifest.ts';
import { HOST_DEFAULT_JSON_LIMITS, jsonLimitProblem } from '../isolate/json-limits.ts';
import { EaselError, problemsOf } from './errors.ts';
import { checkInput, type CallSchemas, type CheckedInput, type ManifestSchemas } from './schemas.ts';
import { CallScope, checkedCaller, DEFAULT_CALLER, type ChainLink } from './scope.ts';

/** One handler call for an engine to run; the input is already checked. */
export interface EngineCall {
  scope: CallScope;
  kind: 'agent' | 'workflow';
  target: string;
  capability: string;
  input: CheckedInput;
  /** The call's CPU and wall-clock budgets, in ms. */
  budget: { cpuMs: number; wallMs: number };
}

/** Runs handlers: resolves with the output (plain JSON), or rejects with an EaselError. */
export interface Engine {
  run(call: EngineCall): Promise<unknown>;
}

/**
 * Per-call options of `invoke` and `run`.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const pending = plugin.run('canvas', { keywords: 'cat' }, { signal: stop.signal, executionId: 'exec-7' });
 * stop.abort(); // rejects with EXECUTION_CANCELLED, and ctx.signal fires in the handler
 * ```
 */
export interface CallOptions {
  /** Cancels the call, as an app hanging up or cancelling an execution does. */
  signal?: AbortSignal;
  /** The execution id handlers see (default `exec-1`, `exec-2`, … in call order). */
  executionId?: string;
  /** `ctx.caller` for this call (default: the kit's `caller` option). */
  caller?: Caller;
}

/** The host's default EASEL_WORKFLOW_TIMEOUT_MS: a workflow mostly waits for its steps. */
const WORKFLOW_WALL_MS = 900_000;

export class PluginRunner {
  readonly #manifest: PluginManifest;
  readonly #schemas: ManifestSchemas;
  readonly #limits: { cpuMs: number; wallMs: number };
  readonly engine: Engine;
  readonly #caller: Caller;
  #executions = 0;

  constructor(manifest: PluginManifest, schemas: ManifestSchemas, limits: { cpuMs: number; wallMs: number }, engine: Engine, caller: Caller = DEFAULT_CALLER) {
    this.#caller = caller;
    this.#manifest = manifest;
    this.#schemas = schemas;
    this.#limits = limits;
    this.engine = engine;
  }

  /** A call from the test, as an app's call (an agent) or a workflow run. */
  async call(kind: 'agent' | 'workflow', target: string, capability: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    const { name } = this.#manifest;
    const schemas = kind === 'agent' ? this.#schemas.agent(target, capability) : this.#schemas.workflow(target);
    if (!schemas && kind === 'agent') throw new EaselError('AGENT_NOT_FOUND', `${name} has no agent ${target} with capability ${capability}`);
    if (!schemas) throw new EaselError('WORKFLOW_NOT_FOUND', `${name} has no workflow ${target}`);
    const label = kind === 'agent' ? `${target}/${capability}` : `workflow ${target}`;
    const checked = checkInput(input, schemas, label, false);
    const execution = { id: options.executionId ?? `exec-${++this.#executions}`, steps: 0, caller: options.caller === undefined ? this.#caller : checkedCaller(options.caller) };
    // An agent called by an app is the first link of its chain; a workflow is not an agent.
    const chain: ChainLink[] = kind === 'agent' ? [{ label: `${name}/${target}.${capability}`, input: fingerprint(input) }] : [];
    const scope = new CallScope(execution, 0, chain, options.signal);
    return this.#run(scope, { scope, kind, target, capability, input: checked, budget: this.#budget(kind) }, schemas, label);
  }

  /** `ctx.agents.invoke` of one of the plugin's own agents, from the call `parent`. */
  async nested(parent: CallScope, agent: string, capability: string, input: unknown): Promise<unknown> {
    const { name } = this.#manifest;
    const schemas = this.#schemas.agent(agent, capability);
    if (!schemas) throw new EaselError('AGENT_NOT_FOUND', `${name} has no agent ${agent} with capability ${capability}`);
    const label = `${name}/${agent}.${capability}`;
    const checked = checkInput(input, schemas, label, true);
    const link = { label, input: fingerprint(input) };
    // The same call with the same input already waiting above can only wait for itself.
    if (parent.chain.some((c) => c.label === link.label && c.input === link.input)) {
      const chain = [...parent.chain.map((c) => c.label), label];
      throw new EaselError('AGENT_CALL_REFUSED', `calling ${label} with the same input again would close a cycle: ${chain.join(' → ')}`);
    }
    const scope = new CallScope(parent.execution, parent.depth + 1, [...parent.chain, link], parent.signal);
    return this.#run(scope, { scope, kind: 'agent', target: agent, capability, input: checked, budget: this.#budget('agent') }, schemas, label);
  }

  /** The plugin's budgets; a workflow gets the host's workflow wall-clock budget instead. */
  #budget(kind: 'agent' | 'workflow'): { cpuMs: number; wallMs: number } {
    return { cpuMs: this.#limits.cpuMs, wallMs: kind === 'workflow' ? WORKFLOW_WALL_MS : this.#limits.wallMs };
  }

  async #run(scope: CallScope, call: EngineCall, schemas: CallSchemas, label: string): Promise<unknown> {
    let output: unknown;
    try {
      output = await scope.race(() => this.engine.run(call));
    } finally {
      scope.end();
    }
    const over = jsonLimitProblem(output, HOST_DEFAULT_JSON_LIMITS);
    if (over) throw new EaselError('OUTPUT_INVALID', `${this.#manifest.name} returned output that ${over.message}`, { problems: [{ path: over.path, message: over.message }] });
    if (!schemas.output(output)) {
      const owner = this.#manifest.name;
      throw new EaselError('OUTPUT_INVALID', `${owner} returned output that does not match ${label}'s output schema`, { problems: problemsOf(schemas.output.errors) });
    }
    return output;
  }
}

/** An input as JSON, for telling one call from another (byte fields as their numbers). */
function fingerprint(input: unknown): string {
  return JSON.stringify(input ?? null, (_key, value) => (value instanceof Uint8Array ? Array.from(value) : value));
}
