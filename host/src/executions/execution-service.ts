/**
 * Runs one agent capability for an app: input validated before anything is recorded, an
 * execution row opened, the handler run in the plugin's isolate, output validated, and the
 * row completed with timings and the outcome, success or failure.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { EaselError, isErrorCode } from '../errors/index.ts';
import type { PluginService } from '../plugins/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { toProblems } from '../schemas/index.ts';
import type { AuditRepository, ExecutionRepository } from '../store/index.ts';
import type { ExecutionScopes } from './scopes.ts';

export interface AgentCall {
  plugin: string;
  agent: string;
  capability: string;
  input: unknown;
  apiKeyId?: string;
  /** The app's end user (`x-easel-user`); defaults to `key:<apiKeyId>`. */
  userId?: string;
  signal?: AbortSignal;
}

export interface AgentResult {
  executionId: string;
  output: unknown;
  durationMs: number;
  cpuMs: number;
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
    if (!validateInput(call.input)) {
      throw new EaselError('INPUT_INVALID', `the input does not match ${call.agent}/${call.capability}'s input schema`, { problems: toProblems(validateInput.errors) });
    }
    const { record } = active;
    const executionId = randomUUID();
    const userId = call.userId ?? `key:${call.apiKeyId ?? 'none'}`;
    const started = performance.now();
    await this.#executions.create({
      id: executionId,
      pluginName: record.name,
      pluginVersion: record.version,
      kind: 'agent',
      target: call.agent,
      capability: call.capability,
      apiKeyId: call.apiKeyId,
      userId,
      input: call.input,
    });
    const scope = this.#scopes.open({ executionId, pluginName: record.name, userId, config: active.config }, call.signal);
    try {
      const result = await this.#sandbox.invoke({
        plugin: active.sandbox,
        kind: 'agent',
        target: call.agent,
        capability: call.capability,
        input: call.input,
        config: active.config,
        executionId,
        signal: scope.signal,
      });
      if (!validateOutput(result.output)) {
        throw new EaselError('OUTPUT_INVALID', `${record.name} returned output that does not match ${call.agent}/${call.capability}'s output schema`, { problems: toProblems(validateOutput.errors) });
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
