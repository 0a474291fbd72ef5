/**
 * `ctx.agents.invoke` in a test. A plugin may call its own agents (run by its own handlers,
 * or by a stub), and the agents of dependencies its manifest declares and its grant names
 * (`permissions.agents`), answered by stubs the test gives: a dependency with no stub is
 * "not installed". Refusals, depth, fan-out and cycles follow the host's rules and codes.
 */
import { base64AsBytes, outputByteFields, takeByteFields } from '../isolate/byte-fields.ts';
import type { PluginManifest, Permissions } from '../manifest.ts';
import { withBytes, type WithBytes } from './bytes.ts';
import { codeOf, EaselError, messageOf } from './errors.ts';
import type { Recorded } from './recorded.ts';
import { MAX_DEPTH, MAX_STEPS, type CallScope } from './scope.ts';

/**
 * What a stub is told about the call it answers.
 *
 * @example
 * ```ts
 * const stub: AgentStub = (input, call: StubCall) => ({ echoed: input, by: call.agent, in: call.executionId });
 * ```
 */
export interface StubCall {
  /** `plugin/agent`. */
  agent: string;
  capability: string;
  executionId: string;
  signal: AbortSignal;
}

/**
 * Answers one capability of a stubbed agent. Its return value is the output (copied as
 * JSON); an error it throws with a `code` reaches the caller with that code, any other
 * error as PLUGIN_ERROR.
 *
 * @example
 * ```ts
 * const translate: AgentStub = async (input: { text: string }) => {
 *   if (input.text === '') throw modelError('MODEL_CALL_FAILED', 'nothing to translate');
 *   return { english: input.text.toUpperCase() };
 * };
 * ```
 */
export type AgentStub = (input: any, call: StubCall) => unknown;

/**
 * Stubs by agent (`plugin/agent` for a dependency; `agent` for one of the plugin's own), then
 * by capability.
 *
 * @example
 * ```ts
 * const agents: AgentStubs = {
 *   'translator/korean': { translate: (input: { text: string }) => ({ english: `en:${input.text}` }) },
 * };
 * ```
 */
export type AgentStubs = Record<string, Record<string, AgentStub>>;

/** Runs one of the plugin's own capabilities as a nested call (schemas checked by the runner). */
export type OwnCall = (parent: CallScope, agent: string, capability: string, input: unknown) => Promise<unknown>;

const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,213}$/;
const AGENT_TYPE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export class AgentRouter {
  readonly #manifest: PluginManifest;
  readonly #grant: Permissions;
  readonly #stubs = new Map<string, Record<string, AgentStub>>();
  readonly #recorded: Recorded;
  /** Set by whoever runs the plugin's handlers; without it, own agents need stubs. */
  runOwn: OwnCall | undefined;

  constructor(manifest: PluginManifest, grant: Permissions, stubs: AgentStubs, recorded: Recorded) {
    this.#manifest = manifest;
    this.#grant = grant;
    this.#recorded = recorded;
    for (const [ref, capabilities] of Object.entries(stubs)) this.#stubs.set(ref.includes('/') ? ref : `${manifest.name}/${ref}`, capabilities);
  }

  /**
   * One `ctx.agents.invoke`: the input's byte fields arrive as one buffer cut by `args.bytes`
   * ([field, length] pairs); the answer is `{ output, bytes }` with the output's byte fields as
   * byte arrays beside it (an own agent's as its schema declares them; a stub's as it returns them).
   */
  async invoke(scope: CallScope, args: Record<string, unknown>, bytes?: Uint8Array): Promise<WithBytes> {
    const { capability } = args;
    if (typeof capability !== 'string' || capability.length > 64) throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'the capability must be a string');
    const [plugin, agent] = this.#resolve(args.agent);
    const self = this.#manifest.name;
    const refused = this.#refusal(plugin, agent);
    if (refused?.kind === 'dependency') throw new EaselError('DEPENDENCY_DISABLED', `${self} cannot call ${plugin}/${agent}: ${refused.why}`, { dependency: plugin });
    if (refused) throw new EaselError('PERMISSION_DENIED', `${self} may not call ${plugin}/${agent}: ${refused.why}`);
    const label = `${plugin}/${agent}.${capability}`;
    if (scope.depth + 1 > MAX_DEPTH) {
      throw new EaselError('AGENT_CALL_REFUSED', `calling ${label} would nest calls ${scope.depth + 1} deep; the limit is ${MAX_DEPTH}`);
    }
    if (scope.execution.steps >= MAX_STEPS) {
      throw new EaselError('AGENT_CALL_REFUSED', `the execution already made ${scope.execution.steps} agent calls; the limit is ${MAX_STEPS}`);
    }
    const input = inputWithBytes(args, bytes);
    const stub = this.#stubs.get(`${plugin}/${agent}`);
    if (stub === undefined && plugin === self && this.runOwn) {
      scope.execution.steps++;
      this.#recorded.agents.push({ agent: `${plugin}/${agent}`, capability, input });
      const output = await this.runOwn(scope, agent, capability, input);
      const schema = this.#manifest.agents.find((a) => a.type === agent)?.capabilities.find((c) => c.name === capability)?.output;
      const taken = base64AsBytes(output, outputByteFields(schema));
      return withBytes(taken.layout.length === 0 ? { output: taken.json } : { output: taken.json, bytes: taken.layout }, taken.bytes);
    }
    const answer = stub && Object.hasOwn(stub, capability) ? stub[capability] : undefined;
    if (typeof answer !== 'function') {
      const hint = plugin === self ? ' (give a stub in options.agents, or the definition to run it)' : '';
      throw new EaselError('AGENT_NOT_FOUND', `${plugin} has no agent ${agent} with capability ${capability}${hint}`);
    }
    scope.execution.steps++;
    this.#recorded.agents.push({ agent: `${plugin}/${agent}`, capability, input });
    try {
      const output = await answer(structuredClone(input), { agent: `${plugin}/${agent}`, capability, executionId: scope.execution.id, signal: scope.signal });
      const taken = takeByteFields(output, true);
      const json = taken.json === undefined ? undefined : JSON.parse(JSON.stringify(taken.json));
      return withBytes(taken.layout.length === 0 ? { output: json } : { output: json, bytes: taken.layout }, taken.bytes);
    } catch (err) {
      if (err instanceof EaselError) throw err;
      throw new EaselError(codeOf(err) ?? 'PLUGIN_ERROR', messageOf(err));
    }
  }

  /** `plugin/agent`, or a bare agent: the plugin's own, else the one stubbed dependency that has it. */
  #resolve(ref: unknown): [string, string] {
    if (typeof ref !== 'string' || ref.length > 300) throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'the agent must be a string: "agent" or "plugin/agent"');
    const slash = ref.indexOf('/');
    if (slash >= 0) {
      const [plugin, agent] = [ref.slice(0, slash), ref.slice(slash + 1)];
      if (!PLUGIN_NAME.test(plugin) || !AGENT_TYPE.test(agent)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `"${ref.slice(0, 100)}" is not "plugin/agent"`);
      return [plugin, agent];
    }
    if (!AGENT_TYPE.test(ref)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `"${ref.slice(0, 100)}" is not an agent type`);
    if (this.#manifest.agents.some((a) => a.type === ref)) return [this.#manifest.name, ref];
    const offering = Object.keys(this.#manifest.dependencies ?? {}).filter((name) => this.#stubs.has(`${name}/${ref}`));
    if (offering.length === 1) return [offering[0]!, ref];
    if (offering.length > 1) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `several dependencies have an agent ${ref} (${offering.join(', ')}): name one as "plugin/${ref}"`);
    throw new EaselError('AGENT_NOT_FOUND', `neither ${this.#manifest.name} nor its dependencies have an agent ${ref}`);
  }

  /** As the host's call rules: the manifest and grant first (PERMISSION_DENIED), then whether the dependency is there (DEPENDENCY_DISABLED). */
  #refusal(plugin: string, agent: string): { kind: 'permission' | 'dependency'; why: string } | undefined {
    const self = this.#manifest.name;
    if (plugin === self) return undefined;
    if (!Object.hasOwn(this.#manifest.dependencies ?? {}, plugin)) return { kind: 'permission', why: `${plugin} is not a dependency of ${self}` };
    if (!(this.#grant.agents ?? []).includes(`${plugin}/${agent}`)) return { kind: 'permission', why: `${self} was not granted ${plugin}/${agent}` };
    if (![...this.#stubs.keys()].some((ref) => ref.startsWith(`${plugin}/`))) return { kind: 'dependency', why: `${plugin} is not installed` };
    return undefined;
  }
}

/** The invoke's input with its byte fields put back (fresh Uint8Arrays), as the host does. */
function inputWithBytes(args: Record<string, unknown>, bytes: Uint8Array | undefined): unknown {
  const input = args.input ?? null;
  if (args.bytes === undefined && bytes === undefined) return input;
  const malformed = () => new EaselError('BRIDGE_ARGUMENT_INVALID', 'the byte fields of the input are malformed');
  if (!Array.isArray(args.bytes) || bytes === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) throw malformed();
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  let at = 0;
  for (const entry of args.bytes) {
    const [field, length] = Array.isArray(entry) ? entry : [];
    if (typeof field !== 'string' || typeof length !== 'number' || !Number.isInteger(length) || length < 0 || at + length > bytes.length || Object.hasOwn(out, field)) throw malformed();
    out[field] = bytes.slice(at, at + length);
    at += length;
  }
  if (at !== bytes.length) throw malformed();
  return out;
}
