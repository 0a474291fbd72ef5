/**
 * Runs one agent capability (or a workflow) for an app: input validated before anything is
 * recorded (byte fields decoded and checked too), an execution row opened, the handler run
 * in the plugin's isolate, output validated, and the row completed with timings and the
 * outcome, success or failure.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { EaselError, isErrorCode } from '../errors/index.ts';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { ActivePlugin, PluginService } from '../plugins/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { splitBinaryInput, toProblems, type BinaryField } from '../schemas/index.ts';
import type { AuditRepository, ExecutionRepository } from '../store/index.ts';
import type { ExecutionScopes } from './scopes.ts';

export interface AgentCall {
  plugin: string;
  agent: string;
  capability: string;
  /** JSON, except byte fields (see schemas/binary-fields.ts), which may also be raw bytes. */
  input: unknown;
  apiKeyId?: string;
  /** The app's end user (`x-easel-user`); defaults to `key:<apiKeyId>`. */
  userId?: string;
  signal?: AbortSignal;
}

export interface WorkflowCall {
  type: string;
  /** Which plugin's workflow, when several enabled plugins offer the type. */
  plugin?: string;
  input: unknown;
  apiKeyId?: string;
  userId?: string;
  signal?: AbortSignal;
}

export interface AgentResult {
  executionId: string;
  output: unknown;
  durationMs: number;
  cpuMs: number;
}

interface Target {
  active: ActivePlugin;
  kind: 'agent' | 'workflow';
  target: string;
  capability?: string;
  label: string;
  validateInput: ValidateFunction;
  validateOutput: ValidateFunction;
  binary: BinaryField[];
}

export class ExecutionService {
  #plugins: PluginService;
  #sandbox: Sandbox;
  #executions: ExecutionRepository;
  #audit: AuditRepository;
  #log: FastifyBaseLogger;
  #scopes: ExecutionScopes;

  constructor(deps: { plugins: PluginService; sandbox: Sandbox; executions: ExecutionRepository; audit: AuditRepository; scopes: ExecutionScopes; logger: FastifyBaseLogger }) {
    this.#log = deps.logger;
    this.#scopes = deps.scopes;
    this.#plugins = deps.plugins;
    this.#sandbox = deps.sandbox;
    this.#executions = deps.executions;
    this.#audit = deps.audit;
  }

  async runAgent(call: AgentCall): Promise<AgentResult> {
    const active = await this.#plugins.active(call.plugin);
    const validateInput = active.validators.input(call.agent, call.capability);
    const validateOutput = active.validators.output(call.agent, call.capability);
    if (!validateInput || !validateOutput) {
      throw new EaselError('AGENT_NOT_FOUND', `${call.plugin} has no agent ${call.agent} with capability ${call.capability}`);
    }
    const label = `${call.agent}/${call.capability}`;
    const binary = active.validators.inputBytes(call.agent, call.capability);
    return this.#run({ active, kind: 'agent', target: call.agent, capability: call.capability, label, validateInput, validateOutput, binary }, call);
  }

  /** Runs a workflow of an enabled plugin (start to end, in one call; steps and streaming come with orchestration). */
  async runWorkflow(call: WorkflowCall): Promise<AgentResult> {
    const offering = (await this.#plugins.list()).filter((p) => p.enabled && (call.plugin === undefined || p.name === call.plugin) && p.manifest.workflows?.some((w) => w.type === call.type));
    if (offering.length === 0) throw new EaselError('WORKFLOW_NOT_FOUND', `no enabled plugin offers a workflow ${call.type}${call.plugin ? ` (in ${call.plugin})` : ''}`);
    if (offering.length > 1) {
      throw new EaselError('REQUEST_INVALID', `several plugins offer a workflow ${call.type}: name one with ?plugin=`, { plugins: offering.map((p) => p.name) });
    }
    const active = await this.#plugins.active(offering[0]!.name);
    const validateInput = active.validators.workflowInput(call.type);
    const validateOutput = active.validators.workflowOutput(call.type);
    if (!validateInput || !validateOutput) throw new EaselError('WORKFLOW_NOT_FOUND', `${active.record.name} has no workflow ${call.type}`);
    const binary = active.validators.workflowBytes(call.type);
    return this.#run({ active, kind: 'workflow', target: call.type, label: `workflow ${call.type}`, validateInput, validateOutput, binary }, call);
  }

  async #run(t: Target, call: { input: unknown; apiKeyId?: string; userId?: string; signal?: AbortSignal }): Promise<AgentResult> {
    // Byte fields are decoded and checked with the schema, before anything is recorded.
    const split = splitBinaryInput(call.input, t.binary);
    if (!t.validateInput(split.forSchema) || split.problems.length > 0) {
      throw new EaselError('INPUT_INVALID', `the input does not match ${t.label}'s input schema`, { problems: [...toProblems(t.validateInput.errors), ...split.problems] });
    }
    const { record } = t.active;
    const executionId = randomUUID();
    const userId = call.userId ?? `key:${call.apiKeyId ?? 'none'}`;
    const started = performance.now();
    await this.#executions.create({
      id: executionId,
      pluginName: record.name,
      pluginVersion: record.version,
      kind: t.kind,
      target: t.target,
      capability: t.capability,
      apiKeyId: call.apiKeyId,
      userId,
      input: split.recorded,
    });
    const scope = this.#scopes.open({ executionId, pluginName: record.name, userId, config: t.active.config }, call.signal);
    try {
      const result = await this.#sandbox.invoke({
        plugin: t.active.sandbox,
        kind: t.kind,
        target: t.target,
        capability: t.capability,
        input: split.json,
        bytes: split.bytes,
        config: t.active.config,
        executionId,
        signal: scope.signal,
      });
      if (!t.validateOutput(result.output)) {
        throw new EaselError('OUTPUT_INVALID', `${record.name} returned output that does not match ${t.label}'s output schema`, { problems: toProblems(t.validateOutput.errors) });
      }
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      await this.#executions.complete(executionId, { status: 'succeeded', output: result.output, durationMs, cpuMs: result.cpuMs, heapUsedBytes: result.heapUsedBytes });
      return { executionId, output: result.output, durationMs, cpuMs: result.cpuMs };
    } catch (error) {
      const failure = asEaselError(error);
      if (failure.code === 'INTERNAL_ERROR') this.#log.error({ err: error, executionId, plugin: record.name }, 'execution failed inside the host');
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      await this.#executions.complete(executionId, { status: 'failed', errorCode: failure.code, errorMessage: failure.message, durationMs });
      if (failure.code === 'PERMISSION_DENIED') {
        await this.#audit.record({ actor: `plugin:${record.name}@${record.version}`, action: 'execution.denied', target: executionId, outcome: 'denied', details: { message: failure.message } });
      }
      // Details a bridge reported for this code (retryAfterMs of a 429) travel with it.
      const bridged = scope.lastError?.code === failure.code ? scope.lastError.details : undefined;
      throw new EaselError(failure.code, failure.message, { ...bridged, ...failure.details, executionId });
    } finally {
      await this.#scopes.close(executionId);
    }
  }

  async get(id: string) {
    const found = await this.#executions.get(id);
    if (!found) throw new EaselError('EXECUTION_NOT_FOUND', `no execution ${id}`);
    return found;
  }
}

function asEaselError(error: unknown): EaselError {
  if (error instanceof EaselError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (isErrorCode(code)) return new EaselError(code, String((error as Error).message));
  return new EaselError('INTERNAL_ERROR', 'the execution failed inside the host');
}
