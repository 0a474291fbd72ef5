/**
 * The HTTP process's side of the sandbox: a pool of worker processes, sticky plugin
 * placement, the table of calls in flight (which binds each call id to its caller, so a
 * bridge request is answered for the plugin the HOST chose, never the one a worker names),
 * crash handling with restarts and quarantine, and the drain of retired plugin versions
 * (see Retirements). Nothing a worker sends can throw here.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cancelledBy, EaselError, errorMessage, isErrorCode } from '../errors/index.ts';
import { CrashLedger } from './crash-ledger.ts';
import { Retirements } from './retirements.ts';
import { bytesAsBase64, snapshotDisabled } from '@easel/sdk/isolate';
import { WithBytes } from './bytes.ts';
import { toGuestError } from './guest-error.ts';
import type { ExpectedHandlers, FatalCause, FatalEvidence, ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import type { BridgeCaller, InvokeRequest, InvokeResult, QuarantineEvent, Sandbox, SandboxEvent, SandboxOptions, SandboxPlugin, SandboxQuarantine, SandboxStats } from './types.ts';
import { WorkerProcess } from './worker-process.ts';
import { InProcessWorker } from './in-process-worker.ts';
import type { ExitDetail, WorkerLink } from './worker-link.ts';
import { DEFAULT_ABORT_GRACE_MS } from './watchdog.ts';

const DEFAULT_ENTRY = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const SHUTDOWN_GRACE_MS = 3_000;
const MAX_RESTART_DELAY_MS = 5_000;
/** Plugin versions a worker's heap figures may name (a worker holds one isolate per version in use). */
const MAX_HEAP_ENTRIES = 10_000;
/** The config of a call that names none: one object, so it is sent to a worker once. */
const NO_CONFIG = Object.freeze({});
/** A default host's guest limits (`EASEL_SANDBOX_MAX_PENDING_LOG_LINES`, `EASEL_LOG_MAX_LINE_BYTES`, `EASEL_KV_MAX_*`). */
const DEFAULT_GUEST_LIMITS = { maxPendingLogLines: 32, maxLogLineBytes: 8192, maxKvKeyLength: 512, maxKvValueBytes: 65536 };

interface Slot {
  index: number;
  worker: WorkerLink | undefined;
  failedStarts: number;
  restartTimer: NodeJS.Timeout | undefined;
  /**
   * Plugin the worker blamed in its last words (a runaway isolate, the RSS cap, an isolate V8
   * gave up on), with its reason and figures: when set, the worker's death is charged to that
   * plugin alone. When not, to nobody.
   */
  blame: { pluginId: string; reason: string; evidence?: FatalEvidence } | undefined;
  /** Why the worker said it is ending itself, blamed on a plugin or not. */
  fatal: FatalCause | undefined;
}

interface PendingCall {
  worker: WorkerLink;
  pluginId: string;
  caller: BridgeCaller;
  resolve(result: InvokeResult): void;
  reject(err: EaselError): void;
}

interface PendingRequest {
  worker: WorkerLink;
  resolve(m: WorkerMessage): void;
  reject(err: EaselError): void;
}

type BridgeRequest = Extract<WorkerMessage, { t: 'bridge' }>;

export interface SupervisorInternals {
  /** Worker entry script (tests substitute misbehaving workers). */
  workerEntry?: string;
}

export class Supervisor implements Sandbox {
  #opts: SandboxOptions;
  #entry: string;
  #slots: Slot[] = [];
  #calls = new Map<string, PendingCall>();
  #requests = new Map<number, PendingRequest>();
  #placement = new Map<string, number>();
  #known = new WeakMap<WorkerLink, Map<string, { plugin: SandboxPlugin; config: object }>>();
  #ledger: CrashLedger;
  #retirements: Retirements;
  #reqSeq = 0;
  #restarts = 0;
  #closed = false;

  private constructor(opts: SandboxOptions, internals: SupervisorInternals) {
    this.#opts = opts;
    this.#entry = internals.workerEntry ?? DEFAULT_ENTRY;
    this.#ledger = new CrashLedger(opts.quarantineAfterCrashes, opts.quarantineWindowMs, opts.quarantineLiftMs ?? 0, (e) => this.#onQuarantine(e));
    this.#retirements = new Retirements((pluginId, drainMs) => this.#drainEnded(pluginId, drainMs));
  }

  static async start(opts: SandboxOptions, internals: SupervisorInternals = {}): Promise<Supervisor> {
    if (opts.mode === 'in-process' && !snapshotDisabled()) {
      throw new EaselError('SANDBOX_UNAVAILABLE', { reason: 'in-process mode needs the host started with --no-node-snapshot (isolated-vm on Node 20 and later)' });
    }
    const self = new Supervisor(opts, internals);
    // In the host's process one runtime is enough: isolates run on isolated-vm's own threads.
    const count = opts.mode === 'in-process' ? 1 : Math.max(1, Math.floor(opts.workers));
    for (let index = 0; index < count; index++) {
      const slot: Slot = { index, worker: undefined, failedStarts: 0, restartTimer: undefined, blame: undefined, fatal: undefined };
      self.#slots.push(slot);
      self.#spawn(slot);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all(self.#slots.map((s) => s.worker!.ready)), timeout]);
    } catch (err) {
      await self.close();
      throw new EaselError('SANDBOX_UNAVAILABLE', { reason: `its workers did not start: ${(err as Error).message}` });
    } finally {
      clearTimeout(timer);
    }
    return self;
  }

  invoke(request: InvokeRequest): Promise<InvokeResult> {
    const { plugin } = request;
    if (this.#closed) return Promise.reject(new EaselError('SANDBOX_UNAVAILABLE', { reason: 'it is shut down' }));
    // Bound to a version before it was retired, and arriving after its drain ended: it never ran.
    if (this.#retirements.isRetired(plugin.id)) {
      return Promise.reject(new EaselError('PLUGIN_DRAIN_TIMEOUT', { plugin: plugin.name, version: plugin.version }));
    }
    const quarantine = this.#ledger.quarantineOf(plugin.id);
    if (quarantine) {
      const liftsAt = quarantine.until === undefined ? null : new Date(quarantine.until).toISOString();
      return Promise.reject(new EaselError('PLUGIN_QUARANTINED', { plugin: plugin.name, version: plugin.version, liftsAt: liftsAt ?? 'an admin lifts it' }, { since: new Date(quarantine.since).toISOString(), liftsAt }));
    }
    if (request.signal?.aborted) return Promise.reject(cancelledBy(request.signal));
    const worker = this.#slotFor(plugin.id).worker;
    if (!worker?.alive) return Promise.reject(new EaselError('SANDBOX_UNAVAILABLE', { reason: 'its worker is restarting' }));
    const binaryFields = Object.keys(request.bytes ?? {});
    const byteFields = binaryFields.map((f) => request.bytes![f]!);
    const config = request.config ?? NO_CONFIG;
    // What this worker already has of the plugin (compared by identity: the plugin service
    // builds a new view or config object when either changes) is not sent again.
    const known = this.#knownBy(worker).get(plugin.id);
    const sendPlugin = known?.plugin !== plugin;
    const sendConfig = sendPlugin || known?.config !== config;
    const texts: Uint8Array[] = [];
    try {
      texts.push(Buffer.from(this.#payload(request.input ?? null, 'input')));
      if (sendConfig) texts.push(Buffer.from(this.#payload(config, 'config')));
      if (byteFields.reduce((n, a) => n + a.byteLength, 0) > this.#opts.maxBinaryBytes) {
        throw new EaselError('INPUT_TOO_LARGE', { what: 'input', limit: this.#opts.maxBinaryBytes, measure: 'in byte fields' });
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const callId = randomUUID();
    const caller: BridgeCaller = { pluginId: plugin.id, pluginName: plugin.name, pluginVersion: plugin.version, executionId: request.executionId };
    if (request.stepId !== undefined) caller.stepId = request.stepId;
    return new Promise<InvokeResult>((resolve, reject) => {
      const signal = request.signal;
      const onAbort = () => {
        if (!this.#calls.has(callId)) return;
        this.#calls.get(callId)!.reject(cancelledBy(signal!));
        worker.send({ t: 'abort', callId });
      };
      const done = () => {
        this.#calls.delete(callId);
        signal?.removeEventListener('abort', onAbort);
        // The last call of a draining version takes its isolate with it.
        if (this.#retirements.isDraining(plugin.id)) this.#unloadIfIdle(plugin.id);
      };
      this.#calls.set(callId, {
        worker,
        pluginId: plugin.id,
        caller,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      const sent = worker.send({
        t: 'invoke',
        callId,
        pluginId: plugin.id,
        ...(sendPlugin ? { plugin: wirePlugin(plugin) } : {}),
        ...(request.wallMs !== undefined ? { wallMs: Math.max(1, Math.floor(request.wallMs)) } : {}),
        config: sendConfig,
        kind: request.kind,
        target: request.target,
        capability: request.capability ?? '',
        executionId: request.executionId,
        binaryFields,
        caller: request.caller ?? { app: null, user: 'host' },
      }, [...texts, ...byteFields]);
      if (!sent) this.#calls.get(callId)?.reject(new EaselError('SANDBOX_UNAVAILABLE', { reason: 'its worker is restarting' }));
      else if (sendConfig) this.#knownBy(worker).set(plugin.id, { plugin, config });
    });
  }

  async load(plugin: SandboxPlugin, expected: ExpectedHandlers): Promise<void> {
    if (this.#closed) throw new EaselError('SANDBOX_UNAVAILABLE', { reason: 'it is shut down' });
    this.#ledger.reset(plugin.id);
    // Loaded again while it drained (re-enabled, or the same bytes uploaded again): live again.
    this.#retirements.cancel(plugin.id);
    const worker = this.#slotFor(plugin.id).worker;
    if (!worker?.alive) throw new EaselError('SANDBOX_UNAVAILABLE', { reason: 'its worker is restarting' });
    const reply = await this.#request(worker, (reqId) => ({ t: 'load', reqId, plugin: wirePlugin(plugin), expected }));
    if (reply.t === 'loaded' && !reply.ok) throw new EaselError('PLUGIN_LOAD_FAILED', { reason: reply.message ?? 'the worker gave no reason' });
  }

  async unload(pluginId: string): Promise<void> {
    this.#ledger.reset(pluginId);
    this.#retirements.cancel(pluginId);
    await this.#unloadNow(pluginId);
  }

  revive(pluginId: string): void {
    this.#retirements.cancel(pluginId);
  }

  retire(pluginId: string, drainMs: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const drained = this.#retirements.start(pluginId, Math.max(0, drainMs));
    this.#unloadIfIdle(pluginId);
    return drained;
  }

  /** Drops the isolate of a draining version that has no call in flight; its placement stays for late calls. */
  #unloadIfIdle(pluginId: string): void {
    for (const call of this.#calls.values()) if (call.pluginId === pluginId) return;
    const index = this.#placement.get(pluginId);
    const worker = index === undefined ? undefined : this.#slots[index]?.worker;
    if (!worker?.alive || this.#closed) return;
    this.#knownBy(worker).delete(pluginId);
    void this.#request(worker, (reqId) => ({ t: 'unload', reqId, pluginId })).catch(() => undefined);
  }

  /** The deadline of a drain passed: what still runs there is stopped, and the version is gone. */
  #drainEnded(pluginId: string, drainMs: number): void {
    for (const call of [...this.#calls.values()]) {
      if (call.pluginId !== pluginId) continue;
      const { pluginName, pluginVersion } = call.caller;
      call.reject(new EaselError('PLUGIN_DRAIN_TIMEOUT', { plugin: pluginName, version: pluginVersion }, { drainMs }));
    }
    this.#ledger.reset(pluginId);
    void this.#unloadNow(pluginId);
  }

  async #unloadNow(pluginId: string): Promise<void> {
    const index = this.#placement.get(pluginId);
    if (index === undefined) return;
    this.#placement.delete(pluginId);
    const worker = this.#slots[index]?.worker;
    if (!worker?.alive || this.#closed) return;
    this.#knownBy(worker).delete(pluginId);
    await this.#request(worker, (reqId) => ({ t: 'unload', reqId, pluginId })).catch(() => undefined);
  }

  /** The plugin views and configs a worker process has been sent, by plugin id (a new process starts empty). */
  #knownBy(worker: WorkerLink): Map<string, { plugin: SandboxPlugin; config: object }> {
    let known = this.#known.get(worker);
    if (known === undefined) {
      known = new Map();
      this.#known.set(worker, known);
    }
    return known;
  }

  workerPids(): number[] {
    return this.#slots.flatMap((s) => (s.worker?.alive && s.worker.isReady && s.worker.pid !== undefined ? [s.worker.pid] : []));
  }

  quarantineOf(pluginId: string): SandboxQuarantine | undefined {
    return this.#ledger.quarantineOf(pluginId);
  }

  quarantines(): SandboxQuarantine[] {
    return this.#ledger.list();
  }

  liftQuarantine(pluginId: string, actor: string): SandboxQuarantine | undefined {
    return this.#ledger.lift(pluginId, actor);
  }

  async stats(): Promise<SandboxStats> {
    const total: SandboxStats = {
      workers: 0,
      workerRestarts: this.#restarts,
      isolatesCreated: 0,
      cacheProduced: 0,
      cacheHitsMemory: 0,
      cacheHitsDisk: 0,
      cacheRejectedHmac: 0,
      cacheRejectedV8: 0,
      bridgeNonStringArgs: 0,
      rssBytes: 0,
      logLinesDropped: 0,
      callsInFlight: this.#calls.size,
      versionsDraining: this.#retirements.draining,
      isolatesLive: 0,
      workerCallsInFlight: 0,
      bridgeCallsPending: 0,
      bridgeCallsAfterEnd: 0,
      isolateHeapBytes: 0,
      isolateHeapByPlugin: {},
    };
    const live = this.#slots.flatMap((s) => (s.worker?.alive ? [s.worker] : []));
    const replies = await Promise.all(live.map((w) => this.#request(w, (reqId) => ({ t: 'stats', reqId })).catch(() => undefined)));
    for (const reply of replies) {
      if (reply?.t !== 'stats') continue;
      total.workers++;
      for (const [key, value] of Object.entries(reply.stats)) {
        if (key in total && typeof value === 'number') (total as unknown as Record<string, number>)[key]! += value;
      }
      // A worker's figures are checked like any of its messages: names and amounts only.
      const heap = reply.stats.isolateHeapByPlugin;
      if (heap === null || typeof heap !== 'object') continue;
      for (const [pluginId, bytes] of Object.entries(heap).slice(0, MAX_HEAP_ENTRIES)) {
        if (pluginId.length <= 512 && typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0) total.isolateHeapByPlugin[pluginId] = (total.isolateHeapByPlugin[pluginId] ?? 0) + bytes;
      }
    }
    return total;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ledger.close();
    this.#retirements.close();
    for (const call of [...this.#calls.values()]) call.reject(new EaselError('SANDBOX_UNAVAILABLE', { reason: 'it is shutting down' }));
    for (const req of [...this.#requests.values()]) req.reject(new EaselError('SANDBOX_UNAVAILABLE', { reason: 'it is shutting down' }));
    this.#requests.clear();
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        await slot.worker?.shutdown(SHUTDOWN_GRACE_MS);
      }),
    );
  }

  #payload(value: unknown, what: 'input' | 'config'): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (typeof json !== 'string') throw what === 'input' ? new EaselError('INPUT_INVALID', { problem: 'is not JSON' }) : new EaselError('PLUGIN_CONFIG_INVALID', { reason: 'it is not JSON' });
    const max = this.#opts.maxPayloadBytes;
    if (json.length > max || Buffer.byteLength(json) > max) throw new EaselError('INPUT_TOO_LARGE', { what: what === 'input' ? 'input' : 'configuration', limit: max, measure: 'as JSON' });
    return json;
  }

  /** Sticky placement: a plugin stays on its slot (across restarts); new plugins go to the least loaded. */
  #slotFor(pluginId: string): Slot {
    const placed = this.#placement.get(pluginId);
    if (placed !== undefined) return this.#slots[placed]!;
    const load = this.#slots.map(() => 0);
    for (const index of this.#placement.values()) load[index]!++;
    const index = load.indexOf(Math.min(...load));
    this.#placement.set(pluginId, index);
    return this.#slots[index]!;
  }

  #request(worker: WorkerLink, build: (reqId: number) => ParentMessage): Promise<WorkerMessage> {
    const reqId = ++this.#reqSeq;
    return new Promise<WorkerMessage>((resolve, reject) => {
      this.#requests.set(reqId, { worker, resolve, reject });
      if (!worker.send(build(reqId))) {
        this.#requests.delete(reqId);
        reject(new EaselError('SANDBOX_UNAVAILABLE', { reason: 'its worker is restarting' }));
      }
    });
  }

  #spawn(slot: Slot): void {
    slot.restartTimer = undefined;
    if (this.#closed) return;
    const maxPayload = this.#opts.maxPayloadBytes;
    slot.blame = undefined;
    slot.fatal = undefined;
    const inProcess = this.#opts.mode === 'in-process';
    const init: WorkerInit = {
      t: 'init',
      cacheKey: this.#opts.cacheKey.toString('base64'),
      cacheDir: this.#opts.cacheDir,
      maxPayloadBytes: maxPayload,
      maxBinaryBytes: this.#opts.maxBinaryBytes,
      maxPendingBridgeCalls: this.#opts.maxPendingBridgeCalls,
      // The host's own resident memory is not the plugins': in its process there is no cap to keep.
      maxRssBytes: inProcess ? Number.MAX_SAFE_INTEGER : (this.#opts.workerMaxRssMb ?? 1024) * 1024 * 1024,
      abortGraceMs: this.#opts.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS,
      guestLimits: { ...DEFAULT_GUEST_LIMITS, ...definedOnly(this.#opts.guestLimits ?? {}) },
    };
    const events = {
      onMessage: (worker: WorkerLink, m: WorkerMessage, attachments: Buffer[]) => this.#onMessage(slot, worker, m, attachments),
      onExit: (worker: WorkerLink, detail: ExitDetail) => this.#onExit(slot, worker, detail),
    };
    // JSON escaping can make a payload up to six times longer in a frame.
    slot.worker = inProcess ? new InProcessWorker(init, events) : new WorkerProcess(this.#entry, init, 6 * maxPayload + this.#opts.maxBinaryBytes + 1024 * 1024, events);
  }

  #onMessage(slot: Slot, worker: WorkerLink, m: WorkerMessage, attachments: Buffer[]): void {
    switch (m.t) {
      case 'result': {
        const call = this.#calls.get(m.callId);
        // Late answers for aborted calls, or answers for another worker's calls, are dropped.
        if (!call || call.worker !== worker) return;
        // Past the sandbox an output's bytes are base64 text: what its schema checks, executions record and HTTP callers get.
        if (m.ok) {
          const [answer, ...bytes] = attachments;
          const output = answer === undefined ? NOT_JSON : outputOf(answer);
          if (output === NOT_JSON) return call.reject(new EaselError('PLUGIN_ERROR', { reason: 'the handler produced a malformed answer' }));
          return call.resolve({ output: bytesAsBase64(output, m.bytes ?? [], bytes), cpuMs: m.cpuMs, wallMs: m.wallMs, heapUsedBytes: m.heapUsedBytes, heapPeakBytes: m.heapPeakBytes });
        }
        const code = isErrorCode(m.code) ? m.code : 'INTERNAL_ERROR';
        // The worker made the message: from the table, or a plugin's own text it passes on.
        return call.reject(EaselError.relay(code, m.message, { cpuMs: m.cpuMs, wallMs: m.wallMs, heapUsedBytes: m.heapUsedBytes, heapPeakBytes: m.heapPeakBytes }));
      }
      case 'bridge':
        return this.#onBridge(worker, m, attachments[0]);
      case 'loaded':
      case 'unloaded':
      case 'stats': {
        const req = this.#requests.get(m.reqId);
        if (!req || req.worker !== worker) return;
        this.#requests.delete(m.reqId);
        return req.resolve(m);
      }
      case 'log':
        return this.#opts.logger[m.level]({ ...m.fields, sandboxWorker: worker.pid }, m.msg);
      case 'killed':
        if (this.#placement.get(m.pluginId) !== slot.index) return;
        return this.#tell({ type: 'sandbox.killed', pluginId: m.pluginId, cause: m.cause });
      case 'dropped':
        if (this.#placement.get(m.pluginId) !== slot.index || m.count === 0) return;
        return this.#tell({ type: 'sandbox.log-dropped', pluginId: m.pluginId, count: m.count });
      case 'fatal':
        slot.fatal = m.cause;
        // Only a plugin placed on this worker can be blamed by it.
        if (m.pluginId !== undefined && this.#placement.get(m.pluginId) === slot.index) slot.blame = { pluginId: m.pluginId, reason: m.reason, ...(m.evidence ? { evidence: m.evidence } : {}) };
        return this.#opts.logger.error({ sandboxWorker: worker.pid, plugin: m.pluginId, reason: m.reason, evidence: m.evidence }, 'sandbox worker is ending itself');
      default:
        return;
    }
  }

  #onBridge(worker: WorkerLink, m: BridgeRequest, bytes: Buffer | undefined): void {
    const reply = (answer: { ok: true; valueJson?: string } | { ok: false; code: string; message: string }, attachments?: readonly Uint8Array[]) => {
      worker.send({ t: 'bridgeReply', bridgeId: m.bridgeId, ...answer } as ParentMessage, attachments);
    };
    const call = this.#calls.get(m.callId);
    if (!call) return reply({ ok: false, code: 'CALL_ENDED', message: errorMessage('CALL_ENDED') });
    if (call.worker !== worker) {
      this.#opts.logger.warn({ sandboxWorker: worker.pid, callId: m.callId }, 'a worker named a call it does not run');
      return reply({ ok: false, code: 'BRIDGE_ARGUMENT_INVALID', message: errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: 'unknown call' }) });
    }
    const { caller } = call;
    const max = this.#opts.maxPayloadBytes;
    Promise.resolve()
      .then(() => this.#opts.bridge(caller, m.capability, m.op, m.args, bytes))
      .then(
        (answer) => {
          const value = answer instanceof WithBytes ? answer.value : answer;
          const attachments = answer instanceof WithBytes ? answer.bytes : [];
          const valueJson = value === undefined ? undefined : JSON.stringify(value);
          if (valueJson !== undefined && (valueJson.length > max || Buffer.byteLength(valueJson) > max)) {
            return reply({ ok: false, code: 'BRIDGE_RESULT_TOO_LARGE', message: errorMessage('BRIDGE_RESULT_TOO_LARGE', { limit: max, measure: 'as JSON' }) });
          }
          if (attachments.reduce((n, a) => n + a.byteLength, 0) > this.#opts.maxBinaryBytes) {
            return reply({ ok: false, code: 'BRIDGE_RESULT_TOO_LARGE', message: errorMessage('BRIDGE_RESULT_TOO_LARGE', { limit: this.#opts.maxBinaryBytes, measure: 'in byte fields' }) });
          }
          reply(valueJson === undefined ? { ok: true } : { ok: true, valueJson }, attachments);
        },
        (err: unknown) => {
          const safe = toGuestError(err);
          if (safe.unexpected) {
            this.#opts.logger.error({ err, plugin: caller.pluginId, executionId: caller.executionId, capability: m.capability, op: m.op }, 'bridge handler failed');
          }
          reply({ ok: false, code: safe.code, message: safe.message });
        },
      )
      .catch((err: unknown) => {
        this.#opts.logger.error({ err, plugin: caller.pluginId, capability: m.capability, op: m.op }, 'bridge answer is not JSON');
        reply({ ok: false, code: 'INTERNAL_ERROR', message: errorMessage('INTERNAL_ERROR', { reference: 'the execution id' }) });
      });
  }

  #onExit(slot: Slot, worker: WorkerLink, detail: ExitDetail): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const blamed = slot.blame;
    const inFlight = new Set<string>();
    let bystanderCalls = 0;
    for (const call of [...this.#calls.values()]) {
      if (call.worker !== worker) continue;
      // Every call fails with the worker (its isolates went with the process), but only the
      // plugin the worker blamed, on its own evidence, is charged. Having a call in flight is
      // no evidence: a plugin parked on a kv read while a neighbour filled the memory would
      // otherwise be quarantined for it. A death no one was named for (killed from outside,
      // a V8 abort the worker could not attribute) charges nobody.
      inFlight.add(call.pluginId);
      if (call.pluginId !== blamed?.pluginId) bystanderCalls++;
      call.reject(new EaselError('SANDBOX_CRASHED'));
    }
    for (const [reqId, req] of [...this.#requests]) {
      if (req.worker !== worker) continue;
      this.#requests.delete(reqId);
      req.reject(new EaselError('SANDBOX_CRASHED'));
    }
    if (this.#closed) return;
    this.#opts.logger.error(
      { sandboxWorker: worker.pid, code: detail.code, signal: detail.signal, reason: detail.reason, stderr: detail.stderr.slice(-1024), plugins: blamed ? [blamed.pluginId] : [], inFlight: [...inFlight] },
      'sandbox worker died',
    );
    // A worker that never came up ran no plugin code: nobody is to blame.
    if (blamed && worker.isReady) {
      this.#ledger.strike(blamed.pluginId, { at: Date.now(), reason: blamed.reason, ...(blamed.evidence ? { evidence: { ...blamed.evidence } } : {}), bystanderCalls });
    }
    // A worker that never came up is retried with backoff; one that served is replaced at once.
    slot.failedStarts = worker.isReady ? 0 : slot.failedStarts + 1;
    const delay = slot.failedStarts === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** slot.failedStarts);
    this.#restarts++;
    this.#tell({ type: 'sandbox.worker-restarted', reason: !worker.isReady ? 'start-failed' : (slot.fatal ?? 'exited') });
    if (delay === 0) this.#spawn(slot);
    else slot.restartTimer = setTimeout(() => this.#spawn(slot), delay);
  }

  #onQuarantine(event: QuarantineEvent): void {
    const { quarantine } = event;
    if (event.type === 'quarantined') this.#opts.logger.warn({ plugin: quarantine.pluginId, reason: quarantine.reason, until: quarantine.until }, 'plugin quarantined after repeated sandbox crashes');
    else this.#opts.logger.info({ plugin: quarantine.pluginId, cause: event.cause, actor: event.actor }, 'plugin quarantine lifted');
    try {
      this.#opts.onQuarantine?.(event);
    } catch (err) {
      this.#opts.logger.error({ err, plugin: quarantine.pluginId }, 'quarantine listener failed');
    }
    this.#tell({ type: 'sandbox.quarantine', change: event.type === 'quarantined' ? 'started' : 'lifted', pluginId: quarantine.pluginId });
  }

  #tell(event: SandboxEvent): void {
    try {
      this.#opts.onEvent?.(event);
    } catch (err) {
      this.#opts.logger.error({ err, event: event.type }, 'sandbox event listener failed');
    }
  }
}

/** Only the fields the worker needs, so nothing else a caller attached travels. */
const NOT_JSON = Symbol('not JSON');

/** The output in a guest's answer (the worker checked it; parsed here once). */
function outputOf(answer: Buffer): unknown {
  try {
    return (JSON.parse(answer.toString('utf8')) as { value?: unknown }).value;
  } catch {
    return NOT_JSON;
  }
}

function wirePlugin(p: SandboxPlugin): SandboxPlugin {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    scriptPath: p.scriptPath,
    scriptSha256: p.scriptSha256,
    limits: { memoryMb: p.limits.memoryMb, cpuMs: p.limits.cpuMs, wallMs: p.limits.wallMs },
  };
}

/** The fields of `o` that are set (an options object may carry `undefined` for "the default"). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
