/**
 * Executions for apps: an agent capability or a workflow. Input is validated before anything
 * is recorded (byte fields decoded and checked too); the execution row is written `queued` or
 * `running`; it waits for a slot at the gate; the handler runs in the plugin's isolate, its
 * `ctx.agents.invoke` calls becoming journaled steps; the output is validated; the row is
 * completed with the outcome (succeeded, failed or cancelled), its cost (every model call of
 * every step) and wall time. Events go to the execution's stream and the host's bus.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { EaselError } from '../errors/index.ts';
import type { ActivePlugin, PluginService } from '../plugins/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import { checkedInput, checkOutput, type BinaryField } from '../schemas/index.ts';
import type { AuditRepository, ExecutionOutcome, ExecutionQuery, ExecutionRecord, ExecutionRepository, StepRecord, StepRepository, StoreChanges } from '../store/index.ts';
import type { EventBus } from '../events/index.ts';
import type { ExecutionEvents } from './execution-events.ts';
import { inputSha256 } from './call-keys.ts';
import { finishedData, startedData } from './lifecycle-events.ts';
import { asEaselError, publicDetails } from './failures.ts';
import type { Admission, ExecutionGate } from './gate.ts';
import { Run } from './run.ts';
import { callInScope } from './scoped-call.ts';
import type { ExecutionScopes } from './scopes.ts';
import type { KeySlots } from './key-slots.ts';

export interface AgentCall {
  plugin: string;
  agent: string;
  capability: string;
  /** JSON, except byte fields (see input-bytes.ts in @easel/sdk/isolate), which may also be raw bytes. */
  input: unknown;
  apiKeyId?: string;
  /** The app (tenant) of that key. */
  appId?: string;
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
  appId?: string;
  userId?: string;
}

export interface AgentResult {
  executionId: string;
  output: unknown;
  durationMs: number;
  cpuMs: number;
  costUsd: number;
}

/** How an execution ended, as its waiter learns it. */
export type Finished = { ok: true; result: AgentResult } | { ok: false; error: EaselError };

export interface Started {
  executionId: string;
  status: 'queued' | 'running';
  /** Settles when the execution ends (never rejects). */
  done: Promise<Finished>;
}

export interface ExecutionView extends ExecutionRecord {
  steps: StepRecord[];
}

interface Target {
  active: ActivePlugin;
  kind: 'agent' | 'workflow';
  target: string;
  capability?: string;
  label: string;
  validateOutput: ValidateFunction;
}

export interface ExecutionServiceDeps {
  plugins: PluginService;
  sandbox: Sandbox;
  executions: ExecutionRepository;
  steps: StepRepository;
  audit: AuditRepository;
  scopes: ExecutionScopes;
  events: ExecutionEvents;
  bus: EventBus;
  gate: ExecutionGate;
  logger: FastifyBaseLogger;
  limits: { maxParallelSteps: number; workflowTimeoutMs: number };
  /** Executions each app key may have queued or running (EASEL_KEY_MAX_CONCURRENT_EXECUTIONS). */
  keySlots?: KeySlots;
  /**
   * On a store other hosts share: how a cancel reaches the host that runs an execution, and how
   * long to wait for that host to record it before recording it here (its host is then gone).
   */
  shared?: { changes: StoreChanges; cancelWaitMs: number };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
/** How long no agent call must be in flight for a stop to close the sandbox. */
const QUIET_MS = 100;

export class ExecutionService {
  #deps: ExecutionServiceDeps;
  /** Executions running (or queued) in this process. */
  #runs = new Map<string, { run: Run; done: Promise<Finished> }>();
  /** Set when the host is stopping: workflows cut off then stay unfinished, to be resumed at the next start. */
  #stopping = false;
  /** Agent calls from apps between their request and their answer (settleAgentCalls waits for them). */
  #agentCalls = 0;
  #stopped!: () => void;
  /** Resolves when the host starts stopping: requests waiting for a workflow answer 202 then. */
  readonly whenStopping = new Promise<void>((resolve) => (this.#stopped = resolve));

  constructor(deps: ExecutionServiceDeps) {
    this.#deps = deps;
    // Another host was asked to cancel an execution this one runs.
    deps.shared?.changes.subscribe(({ cancel }) => {
      if (cancel !== undefined) this.#runs.get(cancel)?.run.cancel();
    });
  }

  /** Runs an agent capability to its end (apps call agents synchronously). */
  async runAgent(call: AgentCall): Promise<AgentResult> {
    this.#agentCalls++;
    try {
      return await this.#runAgent(call);
    } finally {
      this.#agentCalls--;
    }
  }

  async #runAgent(call: AgentCall): Promise<AgentResult> {
    const active = await this.#deps.plugins.active(call.plugin);
    const validateInput = active.validators.input(call.agent, call.capability);
    const validateOutput = active.validators.output(call.agent, call.capability);
    if (!validateInput || !validateOutput) {
      throw new EaselError('AGENT_NOT_FOUND', { agent: `${call.agent}.${call.capability}`, plugin: call.plugin });
    }
    const label = `${call.agent}/${call.capability}`;
    const binary = active.validators.inputBytes(call.agent, call.capability);
    const target: Target = { active, kind: 'agent', target: call.agent, capability: call.capability, label, validateOutput };
    return this.#waitFor(await this.#start(target, validateInput, binary, call), call.signal);
  }

  /** Starts a workflow of an enabled plugin; the caller may await `done` or come back later. */
  async startWorkflow(call: WorkflowCall): Promise<Started> {
    const active = await this.workflowPlugin(call.type, call.plugin);
    const validateInput = active.validators.workflowInput(call.type);
    const validateOutput = active.validators.workflowOutput(call.type);
    if (!validateInput || !validateOutput) throw new EaselError('WORKFLOW_NOT_FOUND', { type: call.type, plugin: active.record.name });
    const binary = active.validators.workflowBytes(call.type);
    return this.#start({ active, kind: 'workflow', target: call.type, label: `workflow ${call.type}`, validateOutput }, validateInput, binary, call);
  }

  /** Runs a workflow to its end; `signal` (an app hanging up) cancels it. */
  async runWorkflow(call: WorkflowCall & { signal?: AbortSignal }): Promise<AgentResult> {
    return this.#waitFor(await this.startWorkflow(call), call.signal);
  }

  /** The execution's result; an app that hangs up on it (the request's `signal`) cancels it. */
  async #waitFor(started: Started, signal: AbortSignal | undefined): Promise<AgentResult> {
    const onAbort = () => void this.cancel(started.executionId).catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return unwrap(await started.done);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The enabled plugin that offers workflow `type` (named by `plugin` when several do). */
  async workflowPlugin(type: string, plugin?: string): Promise<ActivePlugin> {
    const offering = (await this.#deps.plugins.list()).filter((p) => p.enabled && (plugin === undefined || p.name === plugin) && p.manifest.workflows?.some((w) => w.type === type));
    if (offering.length === 0) throw new EaselError('WORKFLOW_NOT_FOUND', { type, plugin: plugin === undefined ? 'any enabled plugin' : `enabled plugin ${plugin}` });
    if (offering.length > 1) {
      throw new EaselError('REQUEST_INVALID', { reason: `several plugins offer a workflow ${type}: name one with ?plugin=` }, { plugins: offering.map((p) => p.name) });
    }
    return this.#deps.plugins.active(offering[0]!.name);
  }

  /** Cancels a queued or running execution and resolves once it has stopped; `appId` as for view. */
  async cancel(id: string, appId?: string): Promise<ExecutionView> {
    const found = await this.view(id, appId);
    if (found.status !== 'queued' && found.status !== 'running') throw new EaselError('EXECUTION_FINISHED', { id, status: found.status });
    const live = this.#runs.get(id);
    if (live) {
      live.run.cancel();
      await live.done;
    } else if (!(await this.#cancelElsewhere(id))) {
      // Not running in this process (left by a stop and not resumed): nothing to stop, only to record.
      await this.#endUnrun(found, 'cancelled', new EaselError('EXECUTION_CANCELLED', { subject: 'execution' }));
    }
    return this.view(id, appId);
  }

  /**
   * On a shared store, asks the host that runs `id` to cancel it and waits for that host to
   * record the end (so its event log has one writer); false when none did within the wait.
   */
  async #cancelElsewhere(id: string): Promise<boolean> {
    const shared = this.#deps.shared;
    if (!shared) return false;
    await shared.changes.cancel(id);
    const deadline = Date.now() + shared.cancelWaitMs;
    while (Date.now() < deadline) {
      const status = (await this.#deps.executions.get(id))?.status;
      if (status !== 'queued' && status !== 'running') return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /**
   * The execution with its steps. With `appId` (an app key's app), another app's execution is
   * answered exactly as an unknown one; without it (an admin), every execution is seen.
   */
  async view(id: string, appId?: string): Promise<ExecutionView> {
    const found = await this.#deps.executions.get(id);
    if (!found || (appId !== undefined && found.appId !== appId)) throw new EaselError('EXECUTION_NOT_FOUND', { id });
    return { ...found, steps: await this.#deps.steps.listByExecution(id) };
  }

  async get(id: string): Promise<ExecutionRecord> {
    const found = await this.#deps.executions.get(id);
    if (!found) throw new EaselError('EXECUTION_NOT_FOUND', { id });
    return found;
  }

  list(query: ExecutionQuery): Promise<{ items: ExecutionRecord[]; nextCursor?: string }> {
    return this.#deps.executions.list(query);
  }

  /**
   * The host is stopping: workflows that end from now on because the sandbox closes are left
   * `running` in the store (the next start resumes them) instead of being recorded as failed.
   */
  stopping(): void {
    this.#stopping = true;
    this.#stopped();
  }

  get isStopping(): boolean {
    return this.#stopping;
  }

  /**
   * A stop lets the agent calls in flight answer (their callers wait for them, and they have no
   * journal to resume from), for at most `graceMs`; workflows are left to be resumed.
   */
  async settleAgentCalls(graceMs: number): Promise<void> {
    // Requests the stop let in may still be on their way here (checking their key, say): done
    // once no agent call has been in flight for a moment, or the grace is over.
    const deadline = Date.now() + graceMs;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      if (this.#agentCalls > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= QUIET_MS) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Resolves when every execution of this process has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#runs.values()].map((r) => r.done));
  }

  /** Resolves when the execution ends in this process (at once if it is not running here). */
  async settled(id: string): Promise<void> {
    await this.#runs.get(id)?.done;
  }

  /** Whether the execution runs (or waits for a slot) in this process. */
  isLive(id: string): boolean {
    return this.#runs.has(id);
  }

  /**
   * After a stop: workflows left queued or running are run again under the same id, their
   * completed steps answered from the journal; those whose plugin changed since are failed.
   * Agent calls from apps are failed (their caller is gone, and they have no journal).
   */
  async resumeInterrupted(): Promise<{ resumed: number; failed: number }> {
    let resumed = 0;
    let failed = 0;
    for (const record of await this.#deps.executions.unfinished()) {
      const refusal = await this.#resumeRefusal(record);
      if (refusal) {
        failed++;
        await this.#endUnrun(record, 'failed', refusal);
        continue;
      }
      const active = await this.#deps.plugins.active(record.pluginName);
      const validateOutput = active.validators.workflowOutput(record.target)!;
      resumed++;
      await this.#deps.events.open(record.id);
      this.#launch({ active, kind: 'workflow', target: record.target, label: `workflow ${record.target}`, validateOutput }, record, { json: record.input, bytes: {} }, true);
    }
    return { resumed, failed };
  }

  /** Records the end of an execution no process is running: the row, its stream's last event, the bus. */
  async #endUnrun(record: ExecutionRecord, status: 'failed' | 'cancelled', error: EaselError): Promise<void> {
    await this.#deps.events.open(record.id);
    await this.#end(record, { status, errorCode: error.code, errorMessage: error.message, durationMs: sinceMs(record.startedAt) }, error);
    await this.#deps.events.flush(record.id).catch(() => undefined);
  }

  async #resumeRefusal(record: ExecutionRecord): Promise<EaselError | undefined> {
    if (record.kind === 'agent') return new EaselError('HOST_RESTARTED', { reason: 'an agent call it was running is not resumed' });
    const plugins = await this.#deps.plugins.list();
    const installed = plugins.find((p) => p.name === record.pluginName);
    if (!installed) return new EaselError('RESUME_REFUSED', { reason: `${record.pluginName} has since been removed` });
    if (!installed.enabled) return new EaselError('RESUME_REFUSED', { reason: `${record.pluginName} has since been disabled` });
    if (installed.version !== record.pluginVersion) {
      return new EaselError('RESUME_REFUSED', { reason: `${record.pluginName} changed version since (${record.pluginVersion} → ${installed.version}); recorded steps cannot be trusted to match` });
    }
    const active = await this.#deps.plugins.active(record.pluginName).catch(() => undefined);
    if (!active?.validators.workflowOutput(record.target)) return new EaselError('RESUME_REFUSED', { reason: `${record.pluginName}@${installed.version} no longer offers workflow ${record.target}` });
    // Decided by what this execution carried, not by what its schema allows: a run whose byte
    // fields were left out resumes; one that sent bytes cannot (they are not kept).
    const carried = active.validators.workflowBytes(record.target).filter((field) => carriedBytes(record.input, field.path));
    if (carried.length > 0) return new EaselError('HOST_RESTARTED', { reason: `the input's byte fields (${carried.map((f) => f.name).join(', ')}) are not kept, so the workflow cannot be run again` });
    // Recorded outputs of a dependency that changed since would be mixed with new ones.
    for (const step of await this.#deps.steps.listByExecution(record.id)) {
      const now = plugins.find((p) => p.name === step.pluginName);
      if (step.status !== 'succeeded' || (now?.enabled && now.version === step.pluginVersion)) continue;
      const change = !now ? 'has since been removed' : !now.enabled ? 'has since been disabled' : `changed version since (${step.pluginVersion} → ${now.version})`;
      return new EaselError('RESUME_REFUSED', { reason: `${step.pluginName}, which ran step ${step.agent}.${step.capability}, ${change}` });
    }
    return undefined;
  }

  async #start(t: Target, validateInput: ValidateFunction, binary: BinaryField[], call: { input: unknown; apiKeyId?: string; appId?: string; userId?: string }): Promise<Started> {
    // Byte fields are decoded and checked with the schema, before anything is recorded.
    const split = checkedInput(call.input, validateInput, binary, t.label);
    const { record } = t.active;
    // Refused before anything is recorded; given back when the execution ends, however it ends.
    const releaseKeySlot = (await this.#deps.keySlots?.take(call.apiKeyId)) ?? (() => undefined);
    const executionId = randomUUID();
    const run = new Run({ executionId, userId: call.userId ?? `key:${call.apiKeyId ?? 'none'}`, apiKeyId: call.apiKeyId, appId: call.appId, maxParallelSteps: this.#deps.limits.maxParallelSteps });
    let admission: Admission;
    try {
      admission = await this.#deps.gate.enter(record.name, run.signal);
    } catch (error) {
      // Turned away (EXECUTIONS_BUSY): the key's slot is not used either.
      releaseKeySlot();
      throw error;
    }
    let created: ExecutionRecord;
    try {
      created = await this.#deps.executions.create(
        { id: executionId, pluginName: record.name, pluginVersion: record.version, kind: t.kind, target: t.target, capability: t.capability, apiKeyId: call.apiKeyId, appId: call.appId, userId: run.userId, input: split.recorded },
        admission.queued ? 'queued' : 'running',
      );
    } catch (error) {
      // Not recorded, so not run: give the slot (or the place in the queue) back.
      run.cancel();
      releaseKeySlot();
      void admission.ready.then((release) => release(), () => undefined);
      throw error;
    }
    let done: Promise<Finished>;
    try {
      // An app's agent call: its id is known to the app only with the answer, so its log is
      // written only when it holds more than the record (lifecycle-events.ts).
      await this.#deps.events.open(executionId, { fresh: true, deferred: t.kind === 'agent' });
      if (admission.queued) this.#deps.events.publish(executionId, 'execution.queued', { position: admission.position });
      done = this.#launch(t, created, { json: split.json, bytes: split.bytes }, false, run, admission.ready);
    } catch (error) {
      releaseKeySlot();
      throw error;
    }
    void done.finally(releaseKeySlot);
    return { executionId, status: admission.queued ? 'queued' : 'running', done };
  }

  /** Runs an execution (new or resumed) in the background; the promise never rejects. */
  #launch(t: Target, record: ExecutionRecord, input: { json: unknown; bytes: Record<string, Uint8Array> }, resume: boolean, given?: Run, admitted?: Promise<() => void>): Promise<Finished> {
    const run = given ?? new Run({ executionId: record.id, userId: record.userId ?? `key:${record.apiKeyId ?? 'none'}`, apiKeyId: record.apiKeyId, appId: record.appId, maxParallelSteps: this.#deps.limits.maxParallelSteps });
    const ready = admitted ?? this.#admitAgain(record, run);
    const done = this.#execute(t, record, input, resume, run, ready).finally(() => this.#runs.delete(record.id));
    this.#runs.set(record.id, { run, done });
    return done;
  }

  /** An execution resumed: admitted once already, so never turned away; it may wait its turn. */
  async #admitAgain(record: ExecutionRecord, run: Run): Promise<() => void> {
    const admission = await this.#deps.gate.enter(record.pluginName, run.signal, true);
    if (admission.queued) this.#deps.events.publish(record.id, 'execution.queued', { position: admission.position });
    return admission.ready;
  }

  async #execute(t: Target, record: ExecutionRecord, input: { json: unknown; bytes: Record<string, Uint8Array> }, resume: boolean, run: Run, ready: Promise<() => void>): Promise<Finished> {
    const { id } = record;
    const wallStart = resume ? Date.parse(record.startedAt) : Date.now();
    const started = performance.now();
    const elapsed = () => (resume ? Math.max(0, Date.now() - wallStart) : round(performance.now() - started));
    let release: (() => void) | undefined;
    let cpuMs: number | undefined;
    let heapUsedBytes: number | undefined;
    try {
      release = await ready;
      // A workflow admitted because a stop cut off the run ahead of it stays queued, to be resumed.
      // An agent call runs: the stop waits for agent calls (EASEL_STOP_GRACE_MS), and nothing resumes them.
      if (this.#stopping && t.kind === 'workflow') return { ok: false, error: new EaselError('HOST_RESTARTED', { reason: 'the execution runs when it starts again' }, { executionId: id }) };
      // Created running (not queued, not resumed): nothing to change.
      if (resume || record.status === 'queued') await this.#deps.executions.markRunning(id, resume);
      const resumed = record.resumed + (resume ? 1 : 0);
      this.#deps.events.publish(id, 'execution.started', startedData(record, resumed));
      if (t.kind === 'agent') this.#deps.bus.publish({ type: 'agent.invoked', executionId: id, plugin: record.pluginName, version: record.pluginVersion, agent: t.target, capability: t.capability! });
      const root = `${record.pluginName}/${t.target}.${t.capability ?? ''}`;
      // An agent called by an app is the first link of its chain; a workflow is not an agent.
      const chain = t.kind === 'agent' ? [{ label: root, inputSha256: inputSha256(record.input) }] : [];
      const wallMs = t.kind === 'workflow' ? this.#deps.limits.workflowTimeoutMs : undefined;
      const call = { active: t.active, kind: t.kind, target: t.target, capability: t.capability, input, run, place: { scopeId: id, depth: 0, chain, callKey: '' }, signal: run.signal, wallMs };
      let result;
      try {
        result = await callInScope(this.#deps, call, (scope) => {
          if (scope.lastError) run.lastError = scope.lastError;
        });
      } finally {
        // Steps still in flight (a cancel, a failed branch of a Promise.all) stop with the scope;
        // the execution is recorded as ended only after they are.
        await run.settled();
      }
      cpuMs = result.cpuMs;
      heapUsedBytes = result.heapUsedBytes;
      if (run.cancelled) throw new EaselError('EXECUTION_CANCELLED', { subject: 'execution' });
      // Its schema, and the JSON limits: an output past them is never recorded or streamed.
      checkOutput(result.output, t.validateOutput, record.pluginName, t.label);
      const durationMs = elapsed();
      const costUsd = await this.#end(record, { status: 'succeeded', output: result.output, durationMs, cpuMs, heapUsedBytes }, undefined, resume ? undefined : run);
      return { ok: true, result: { executionId: id, output: result.output, durationMs, cpuMs: cpuMs ?? 0, costUsd } };
    } catch (error) {
      const failure = run.cancelled ? new EaselError('EXECUTION_CANCELLED', { subject: 'execution' }) : asEaselError(error);
      if (this.#stopping && t.kind === 'workflow' && !run.cancelled) {
        return { ok: false, error: new EaselError('HOST_RESTARTED', { reason: 'the workflow resumes when it starts again' }, { executionId: id }) };
      }
      if (failure.code === 'INTERNAL_ERROR') this.#deps.logger.error({ err: error, executionId: id, plugin: record.pluginName }, 'execution failed inside the host');
      const metrics = (error as EaselError).details ?? {};
      const status = run.cancelled ? 'cancelled' : 'failed';
      if (failure.code === 'PERMISSION_DENIED') {
        await this.#deps.audit.record({ actor: `plugin:${record.pluginName}@${record.pluginVersion}`, action: 'execution.denied', target: id, outcome: 'denied', details: { message: failure.message } });
      }
      await this.#end(
        record,
        {
          status,
          errorCode: failure.code,
          errorMessage: failure.message,
          durationMs: elapsed(),
          cpuMs: cpuMs ?? (typeof metrics.cpuMs === 'number' ? metrics.cpuMs : undefined),
          heapUsedBytes: heapUsedBytes ?? (typeof metrics.heapUsedBytes === 'number' ? metrics.heapUsedBytes : undefined),
        },
        failure,
        resume ? undefined : run,
      );
      // Details a bridge or step reported for this code (retryAfterMs of a 429, a refusal's reason) travel with it.
      const bridged = run.lastError?.code === failure.code ? run.lastError.details : undefined;
      return { ok: false, error: failure.withDetails({ ...bridged, ...publicDetails(failure.details), executionId: id }) };
    } finally {
      release?.();
      await this.#deps.events.flush(id).catch(() => undefined);
    }
  }

  /**
   * Records how an execution ended, the one way for every ending: steps it left running are
   * failed, the row completed (its cost summed there), then the stream's last event and the
   * bus. Nothing is published when another finisher won. Returns the cost. `fresh`: the run
   * that ended, when it was this execution's first (not a resume).
   */
  async #end(record: ExecutionRecord, outcome: ExecutionOutcome, error?: EaselError, fresh?: Run): Promise<number> {
    // Steps a stop left running, failed; a first run of this process that began none has none to fail.
    if (fresh === undefined || fresh.steps > 0) {
      await this.#deps.steps.abandon(record.id, 'HOST_RESTARTED', 'left running by a stop, and not called again when the workflow resumed');
    }
    const { won, costUsd } = await this.#deps.executions.complete(record.id, outcome);
    if (!won) return costUsd;
    const { status, durationMs } = outcome;
    // Whole ms, as the record keeps it: a replay rebuilt from the record says the same.
    const ending = finishedData({ status, output: outcome.output, error: error && { code: error.code, message: error.message }, costUsd, durationMs: Math.round(durationMs) });
    this.#deps.events.publish(record.id, 'execution.finished', ending);
    const failure = error ? { errorCode: error.code, errorMessage: error.message } : {};
    const { id: executionId, pluginName: plugin, pluginVersion: version } = record;
    if (record.kind === 'workflow') {
      this.#deps.bus.publish({ type: 'workflow.finished', executionId, plugin, version, workflow: record.target, status, costUsd, durationMs, ...failure });
    } else {
      this.#deps.bus.publish({ type: 'agent.finished', executionId, plugin, version, agent: record.target, capability: record.capability ?? '', status, durationMs, ...failure });
    }
    return costUsd;
  }
}

/** Whether a recorded input holds a byte field's summary ({bytes, sha256}) at `path`: the run sent bytes there. */
function carriedBytes(recorded: unknown, path: readonly string[]): boolean {
  let value: unknown = recorded;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  const summary = value as { bytes?: unknown; sha256?: unknown } | null;
  return summary !== null && typeof summary === 'object' && typeof summary.bytes === 'number' && typeof summary.sha256 === 'string';
}

function unwrap(finished: Finished): AgentResult {
  if (finished.ok) return finished.result;
  throw finished.error;
}

function sinceMs(iso: string): number {
  return Math.max(0, Date.now() - Date.parse(iso));
}
