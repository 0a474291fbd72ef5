/**
 * `ctx.agents.invoke`: one step of an execution. The caller is the sandbox call the host
 * bound (never guest input); the target is checked against the call rules, the call tree
 * (depth, fan-out, cycles) and the target capability's input schema before anything runs.
 * Each step is journaled: a step that already succeeded (before a host restart) answers
 * with its recorded output instead of running again, so no model call is paid twice.
 */
import { randomUUID } from 'node:crypto';
import { EaselError } from '../errors/index.ts';
import type { PluginService } from '../plugins/index.ts';
import { base64AsBytes, outputByteFields } from '@easel/sdk/isolate';
import { WithBytes, type BridgeCaller, type Sandbox } from '../sandbox/index.ts';
import { checkedInput, toProblems } from '../schemas/index.ts';
import type { AuditRepository, StepRecord, StepRepository } from '../store/index.ts';
import { callBase, inputSha256 as inputHash } from './call-keys.ts';
import { refusal, resolveAgentRef } from './call-rules.ts';
import type { EventBus } from '../events/index.ts';
import type { ExecutionEvents } from './execution-events.ts';
import { asEaselError, publicDetails } from './failures.ts';
import type { Run } from './run.ts';
import { callInScope } from './scoped-call.ts';
import type { ExecutionScope, ExecutionScopes } from './scopes.ts';

export interface StepLimits {
  maxDepth: number;
  maxSteps: number;
}

export interface StepRunnerDeps {
  plugins: PluginService;
  sandbox: Sandbox;
  steps: StepRepository;
  audit: AuditRepository;
  scopes: ExecutionScopes;
  events: ExecutionEvents;
  bus: EventBus;
  limits: StepLimits;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export class StepRunner {
  #deps: StepRunnerDeps;
  /** Denials already audited, by `execution target`: a plugin retrying in a loop writes one row. */
  #audited = new Set<string>();

  constructor(deps: StepRunnerDeps) {
    this.#deps = deps;
  }

  /**
   * The bridge operation behind `ctx.agents.invoke(agent, capability, input)`. The input's
   * byte fields arrive as one buffer (`bytes`) cut by `args.bytes` ([field, length] pairs);
   * the output's byte fields go back as byte arrays, laid out in `{ output, bytes }`.
   */
  invoke(caller: BridgeCaller, args: Record<string, unknown>, bytes?: Buffer): Promise<WithBytes> {
    const parent = this.#deps.scopes.of(caller);
    const run = parent?.run;
    if (!parent || !run) return Promise.reject(new EaselError('CALL_ENDED'));
    const step = Promise.resolve()
      .then(() => this.#invoke(caller, { ...args, input: inputWithBytes(args, bytes) }, parent, run))
      .catch((error: unknown) => {
      // Kept where the API finds them if the execution fails with this code (a refusal's reason).
      if (error instanceof EaselError) this.#remember(parent, error);
      throw error;
    });
    return run.track(step);
  }

  async #invoke(caller: BridgeCaller, args: Record<string, unknown>, parent: ExecutionScope, run: Run): Promise<WithBytes> {
    if (run.cancelled) throw new EaselError('EXECUTION_CANCELLED', { subject: 'execution' });
    if (typeof args.capability !== 'string' || args.capability.length > 64) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'the capability must be a string' });
    const capability = args.capability;

    const installed = new Map((await this.#deps.plugins.list()).map((p) => [p.name, p] as const));
    const self = installed.get(caller.pluginName);
    if (!self) throw new EaselError('PLUGIN_NOT_FOUND', { plugin: caller.pluginName });
    const target = resolveAgentRef(self, args.agent, installed);
    const refused = refusal(self, await this.#deps.plugins.grantOf(self.name), target, installed);
    if (refused?.kind === 'dependency') {
      throw new EaselError('DEPENDENCY_DISABLED', { plugin: caller.pluginName, reason: refused.why }, { dependency: target.plugin });
    }
    if (refused) {
      await this.#auditDenial(caller, `${target.plugin}/${target.agent}.${capability}`, refused.why);
      throw new EaselError('PERMISSION_DENIED', { plugin: caller.pluginName, target: `${target.plugin}/${target.agent}`, reason: refused.why });
    }

    const label = `${target.plugin}/${target.agent}.${capability}`;
    const depth = parent.depth + 1;
    if (depth > this.#deps.limits.maxDepth) {
      const chain = [...parent.chain.map((c) => c.label), label];
      throw new EaselError('AGENT_CALL_REFUSED', { target: label, reason: `it would nest calls ${depth} deep; the limit is ${this.#deps.limits.maxDepth}` }, { reason: 'depth', chain });
    }
    if (run.steps >= this.#deps.limits.maxSteps) {
      throw new EaselError('AGENT_CALL_REFUSED', { target: label, reason: `the execution already made ${run.steps} agent calls; the limit is ${this.#deps.limits.maxSteps}` }, { reason: 'steps' });
    }

    const active = await this.#deps.plugins.active(target.plugin);
    const validateInput = active.validators.input(target.agent, capability);
    const validateOutput = active.validators.output(target.agent, capability);
    if (!validateInput || !validateOutput) throw new EaselError('AGENT_NOT_FOUND', { agent: `${target.agent}.${capability}`, plugin: target.plugin });
    const split = checkedInput(args.input ?? null, validateInput, active.validators.inputBytes(target.agent, capability), label, true);
    const capabilityManifest = active.record.manifest.agents.find((a) => a.type === target.agent)?.capabilities.find((c) => c.name === capability);
    // What the caller's isolate receives: the output with its byte fields as bytes again.
    const answer = (output: unknown): WithBytes => {
      const { json, layout, bytes } = base64AsBytes(output, outputByteFields(capabilityManifest?.output));
      return new WithBytes(layout.length === 0 ? { output: json } : { output: json, bytes: layout }, bytes);
    };

    // The key survives a restart: same place in the call tree, same target and input, same turn.
    const inputSha256 = inputHash(split.recorded);
    // The same call with the same input already waiting above us can only wait for itself.
    // (Recursion that changes its input is bounded by the depth limit instead.)
    if (parent.chain.some((c) => c.label === label && c.inputSha256 === inputSha256)) {
      const chain = [...parent.chain.map((c) => c.label), label];
      throw new EaselError('AGENT_CALL_REFUSED', { target: label, reason: `the same input again would close a cycle: ${chain.join(' → ')}` }, { reason: 'cycle', chain });
    }
    const base = callBase(parent.callKey, label, inputSha256);
    const callKey = `${base}#${run.occurrence(base)}`;
    run.steps++;

    const slots = run.slotsOf(parent.scopeId);
    await slots.acquire(run.signal);
    let step: StepRecord | undefined;
    const started = performance.now();
    try {
      const begun = await this.#deps.steps.begin({
        id: randomUUID(),
        executionId: run.executionId,
        parentStepId: parent.stepId,
        callKey,
        depth,
        pluginName: target.plugin,
        pluginVersion: active.record.version,
        agent: target.agent,
        capability,
        inputSha256,
      });
      step = begun.step;
      if (begun.replayed) {
        this.#publishFinished(step, true);
        return answer(step.output);
      }
      this.#deps.events.publish(run.executionId, 'step.started', {
        stepId: step.id,
        parentStepId: step.parentStepId ?? null,
        depth,
        plugin: target.plugin,
        version: active.record.version,
        agent: target.agent,
        capability,
        attempt: step.attempts,
      });
      this.#deps.bus.publish({ type: 'agent.invoked', executionId: run.executionId, stepId: step.id, caller: caller.pluginName, plugin: target.plugin, version: active.record.version, agent: target.agent, capability });
      const result = await callInScope(this.#deps, {
        active,
        kind: 'agent',
        target: target.agent,
        capability,
        input: { json: split.json, bytes: split.bytes },
        run,
        place: { scopeId: step.id, stepId: step.id, depth, chain: [...parent.chain, { label, inputSha256 }], callKey },
        signal: AbortSignal.any([parent.signal, run.signal]),
      });
      if (!validateOutput(result.output)) {
        throw new EaselError('OUTPUT_INVALID', { plugin: target.plugin, problem: `does not match ${label}'s output schema` }, { problems: toProblems(validateOutput.errors) });
      }
      const done = await this.#deps.steps.finish(step.id, { status: 'succeeded', output: result.output, durationMs: round(performance.now() - started), cpuMs: result.cpuMs, heapPeakBytes: result.heapPeakBytes });
      if (done) this.#publishFinished(done, false, caller.pluginName);
      return answer(result.output);
    } catch (error) {
      const failure = run.cancelled ? new EaselError('EXECUTION_CANCELLED', { subject: 'execution' }) : asEaselError(error);
      if (step && step.status !== 'succeeded') {
        const metrics = (error as EaselError).details ?? {};
        const done = await this.#deps.steps.finish(step.id, {
          status: run.cancelled ? 'cancelled' : 'failed',
          errorCode: failure.code,
          errorMessage: failure.message,
          durationMs: round(performance.now() - started),
          cpuMs: typeof metrics.cpuMs === 'number' ? metrics.cpuMs : undefined,
          heapPeakBytes: typeof metrics.heapPeakBytes === 'number' ? metrics.heapPeakBytes : undefined,
        });
        if (done) this.#publishFinished(done, false, caller.pluginName);
      }
      throw failure;
    } finally {
      slots.release();
    }
  }

  /** `ctx.progress(message, data)`: a line on the execution's event stream. */
  progress(caller: BridgeCaller, args: Record<string, unknown>, maxBytes: number): void {
    const scope = this.#deps.scopes.of(caller);
    if (!scope) throw new EaselError('CALL_ENDED');
    if (typeof args.message !== 'string') throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'the progress message must be a string' });
    const line = { stepId: scope.stepId ?? null, message: args.message, ...(args.data === undefined ? {} : { data: args.data }) };
    if (Buffer.byteLength(JSON.stringify(line)) > maxBytes) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `a progress line is capped at ${maxBytes} bytes` });
    this.#deps.events.publish(scope.executionId, 'progress', line);
  }

  /** On the execution's stream; on the bus too when the step ran (`caller` is the calling plugin). */
  #publishFinished(step: StepRecord, replayed: boolean, caller?: string): void {
    this.#deps.events.publish(step.executionId, 'step.finished', {
      stepId: step.id,
      status: step.status,
      replayed,
      plugin: step.pluginName,
      agent: step.agent,
      capability: step.capability,
      costUsd: step.costUsd,
      inputTokens: step.inputTokens,
      outputTokens: step.outputTokens,
      models: step.models,
      durationMs: step.durationMs ?? 0,
      cpuMs: step.cpuMs ?? 0,
      heapPeakBytes: step.heapPeakBytes ?? 0,
      ...(step.errorCode ? { error: { code: step.errorCode, message: step.errorMessage ?? '' } } : {}),
    });
    if (replayed || step.status === 'running') return;
    this.#deps.bus.publish({
      type: 'agent.finished',
      executionId: step.executionId,
      stepId: step.id,
      caller,
      plugin: step.pluginName,
      version: step.pluginVersion,
      agent: step.agent,
      capability: step.capability,
      status: step.status,
      durationMs: step.durationMs ?? 0,
      ...(step.errorCode ? { errorCode: step.errorCode, errorMessage: step.errorMessage ?? '' } : {}),
    });
  }

  /** Keeps the details of a refusal where the API can report them when the execution fails with it. */
  #remember(scope: ExecutionScope, error: EaselError): void {
    const details = publicDetails(error.details);
    if (scope.run && details) scope.run.lastError = { code: error.code, details };
  }

  async #auditDenial(caller: BridgeCaller, target: string, why: string): Promise<void> {
    const key = `${caller.executionId} ${target}`;
    if (this.#audited.has(key)) return;
    if (this.#audited.size >= 10_000) this.#audited.clear();
    this.#audited.add(key);
    // The same actor and target shapes as the subscriber's rows for allowed cross-plugin calls.
    await this.#deps.audit.record({ actor: `plugin:${caller.pluginName}`, action: 'agents.invoke', target, outcome: 'denied', details: { executionId: caller.executionId, stepId: caller.stepId, version: caller.pluginVersion, reason: why } });
  }
}

/** The invoke's input with its byte fields put back: `args.bytes` lists [field, length] pairs cutting `bytes`. */
function inputWithBytes(args: Record<string, unknown>, bytes: Buffer | undefined): unknown {
  if (args.bytes === undefined && bytes === undefined) return args.input;
  const sizes = args.bytes;
  const input = args.input;
  const malformed = () => new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'the byte fields of the input are malformed' });
  if (!Array.isArray(sizes) || bytes === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) throw malformed();
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  let at = 0;
  for (const entry of sizes) {
    const [field, length] = Array.isArray(entry) ? entry : [];
    if (typeof field !== 'string' || field.length > 128 || typeof length !== 'number' || !Number.isInteger(length) || length < 0 || at + length > bytes.length || Object.hasOwn(out, field)) throw malformed();
    out[field] = bytes.subarray(at, at + length);
    at += length;
  }
  if (at !== bytes.length) throw malformed();
  return out;
}
