/**
 * What a worker process does with the supervisor's messages: the calls in flight (dispatched
 * into the plugin's isolate from the pool, isolate-pool.ts; their answers read by
 * guest-answer.ts), the watchdog rules (time, memory, idle code, the worker's RSS cap) and the
 * answers to the supervisor. Disposal causes map to codes here: the call that broke the budget gets EXECUTION_TIMEOUT
 * or EXECUTION_MEMORY, other calls in the same isolate EXECUTION_ABORTED, a cancelled call EXECUTION_CANCELLED, and calls still in a
 * version the supervisor unloads (its drain ran out) PLUGIN_DRAIN_TIMEOUT.
 */
import { errorMessage, type ErrorCode } from '../errors/index.ts';
import { CodeCache } from './code-cache.ts';
import { missingHandlersMessage, type PluginIsolate } from '@easel/sdk/isolate';
import type { ExpectedHandlers, FatalCause, FatalEvidence, ParentMessage, WorkerInit, WorkerMessage, WorkerStats } from './protocol.ts';
import type { SandboxPlugin } from './types.ts';
import { readAnswer, truncate, type DroppedLines, type Outcome } from './guest-answer.ts';
import { IsolatePool, type Cause } from './isolate-pool.ts';
import { breachOf, RUNAWAY_GRACE_MS, Watchdog, type Breach, type Watched } from './watchdog.ts';
import { WorkerBridge, type BridgeCall } from './worker-bridge.ts';
import { exactBuffer } from './bytes.ts';
import { RssMeter } from './rss-meter.ts';

type Invoke = Extract<ParentMessage, { t: 'invoke' }>;

interface Call extends BridgeCall, Watched {
  plugin: SandboxPlugin;
  executionId: string;
  iso: PluginIsolate | undefined;
  /** Highest heap sampled during the call (see #sampleHeap). */
  heapPeak: number;
  /** Settles when the call is finished (#finish). */
  ended: Promise<void>;
  markEnded: () => void;
}

/** How long a heap sample may wait behind running guest code before it is skipped. */
const HEAP_SAMPLE_WAIT_MS = 20;

/** Text that may come from plugin code is cut to this length before it is logged. */
const MAX_LOGGED = 200;
export class WorkerRuntime {
  #init: WorkerInit;
  #send: (m: WorkerMessage, attachments?: readonly Uint8Array[]) => void;
  #cache: CodeCache;
  #pool: IsolatePool;
  #calls = new Map<string, Call>();
  #bridge: WorkerBridge;
  #watchdog: Watchdog;
  #zombies = new Map<PluginIsolate, number>();
  #rss: RssMeter;
  #logLinesDropped = 0;
  #dying = false;

  #exit: () => void;

  /** `exit`: what a `shutdown` ends once every isolate is dropped (a worker process exits). */
  constructor(init: WorkerInit, send: (m: WorkerMessage, attachments?: readonly Uint8Array[]) => void, exit: () => void = () => process.exit(0)) {
    this.#init = init;
    this.#send = send;
    this.#exit = exit;
    this.#cache = new CodeCache(init.cacheDir, Buffer.from(init.cacheKey, 'base64'), (msg, fields) => this.#log('warn', msg, fields));
    this.#bridge = new WorkerBridge(this.#calls as Map<string, BridgeCall>, send, init, (call) => this.#sampleHeap(call as Call));
    this.#rss = new RssMeter(init.maxRssBytes);
    this.#watchdog = new Watchdog(() => this.#tick());
    this.#pool = new IsolatePool({
      init,
      cache: this.#cache,
      bridge: this.#bridge,
      onBuilding: () => this.#watchdog.poke(),
      kill: (iso, cause) => this.#kill(iso, cause),
      onCatastrophe: (pluginId, message) => void this.#fatal('v8', `V8 lost control of a plugin's isolate: ${untrusted(message)}`, pluginId),
    });
    this.#watchdog.poke();
  }

  handle(m: ParentMessage, attachments: Buffer[] = []): void {
    if (this.#dying) return;
    switch (m.t) {
      case 'invoke':
        return void this.#invoke(m, attachments);
      case 'abort':
        return this.#abort(m.callId);
      case 'bridgeReply':
        return this.#bridge.reply(m, attachments);
      case 'load':
        return void this.#load(m.reqId, m.plugin, m.expected);
      case 'unload':
        this.#pool.drop(m.pluginId, 'unload', true);
        return this.#send({ t: 'unloaded', reqId: m.reqId });
      case 'stats':
        return this.#send({ t: 'stats', reqId: m.reqId, stats: this.#stats() });
      case 'shutdown':
        this.#watchdog.stop();
        this.#pool.dropAll('unload');
        this.#dying = true;
        return this.#exit();
      default:
        return;
    }
  }

  async #invoke(m: Invoke, frameAttachments: Buffer[]): Promise<void> {
    const unpacked = this.#pool.unpack(m, frameAttachments);
    if (unpacked === undefined) {
      // The supervisor sends a plugin's view before its first call here; without it nothing can run.
      const message = errorMessage('SANDBOX_UNAVAILABLE', { reason: 'the worker was not sent the plugin it was asked to run' });
      return this.#send({ t: 'result', callId: m.callId, ok: false, code: 'SANDBOX_UNAVAILABLE', message, cpuMs: 0, wallMs: 0, heapUsedBytes: 0, heapPeakBytes: 0 });
    }
    const { plugin, inputJson, configJson, bytes: attachments } = unpacked;
    const { limits } = plugin;
    const ended = Promise.withResolvers<void>();
    const call: Call = {
      ended: ended.promise,
      markEnded: ended.resolve,
      callId: m.callId,
      plugin,
      executionId: m.executionId,
      owner: {},
      iso: undefined,
      done: false,
      aborted: false,
      pendingBridge: new Set(),
      pendingLogs: new Set(),
      delivered: new Set(),
      startWall: performance.now(),
      startCpuNs: undefined,
      heapPeak: 0,
      cpuMs: limits.cpuMs,
      wallMs: limits.wallMs,
      abortedAt: undefined,
      abortGraceMs: this.#init.abortGraceMs,
    };
    this.#calls.set(call.callId, call);
    const fields = Array.isArray(m.binaryFields) ? m.binaryFields : [];
    if (fields.length !== attachments.length || attachments.reduce((n, a) => n + a.length, 0) > this.#init.maxBinaryBytes) {
      return this.#finish(call, { code: 'INPUT_TOO_LARGE', message: errorMessage('INPUT_TOO_LARGE', { what: 'input', limit: this.#init.maxBinaryBytes, measure: 'in byte fields' }) });
    }
    // A cancelled call of this plugin still winding down has its isolate disposed if its grace
    // runs out: wait for it to end or be stopped, rather than join an isolate that may go.
    const windingDown = [...this.#calls.values()].filter((c) => c !== call && c.aborted && !c.done && c.plugin.id === plugin.id);
    if (windingDown.length > 0) await Promise.all(windingDown.map((c) => c.ended));
    if (call.done) return;
    let iso: PluginIsolate;
    try {
      iso = await this.#pool.isolateFor(plugin);
    } catch (err) {
      return this.#finish(call, { code: 'PLUGIN_LOAD_FAILED', message: errorMessage('PLUGIN_LOAD_FAILED', { reason: messageOf(err) }) });
    }
    if (call.done) return;
    const found = m.kind === 'agent' ? iso.handlers.agents[m.target]?.includes(m.capability) : m.kind === 'estimate' ? iso.handlers.estimates?.includes(m.target) : iso.handlers.workflows.includes(m.target);
    if (!found) return this.#finish(call, this.#missing(m, plugin.name));
    call.iso = iso;
    call.owner = iso;
    call.startWall = performance.now();
    call.startCpuNs = iso.cpuNs();
    call.heapPeak = iso.lastHeapUsed;
    this.#watchdog.poke();
    const timeoutMs = Math.max(1, limits.cpuMs);
    const meta = `{"executionId":${JSON.stringify(m.executionId)},"plugin":${JSON.stringify({ name: plugin.name, version: plugin.version })},"caller":${JSON.stringify(m.caller)},"config":${configJson},"binary":${JSON.stringify(fields)}}`;
    let envelope: unknown;
    const sent = performance.now();
    try {
      envelope = await iso.dispatch([m.callId, m.kind, m.target, m.capability, inputJson, meta], attachments.map(exactBuffer), timeoutMs);
    } catch (err) {
      return this.#dispatchFailed(call, iso, err, performance.now() - sent, timeoutMs);
    }
    if (call.done) return;
    if (call.aborted) return this.#finish(call, { code: 'EXECUTION_CANCELLED', message: errorMessage('EXECUTION_CANCELLED', { subject: 'call' }) });
    const { outcome, dropped } = readAnswer(envelope, this.#init, call.delivered);
    if (dropped) this.#reportDrops(call, dropped);
    this.#finish(call, outcome);
  }

  /**
   * Why a dispatch rejected, decided from state alone. The rejection's text is untrusted (plugin
   * code can shape it, e.g. through the species of a promise isolated-vm waits on): it is
   * never matched for a code, only logged, cut short.
   */
  #dispatchFailed(call: Call, iso: PluginIsolate, err: unknown, elapsedMs: number, timeoutMs: number): void {
    // Disposed, but not by us: isolated-vm does that when the isolate passes its memory limit.
    if (!iso.dead && iso.isolate.isDisposed) return this.#kill(iso, 'memory', call);
    // Disposed by us: #kill already answered this call, with the cause the watchdog recorded.
    if (iso.dead) {
      if (!call.done) this.#finish(call, this.#failureFor(call, iso, (iso.stoppedFor as Cause | undefined) ?? 'aborted', undefined));
      return;
    }
    // isolated-vm's own timeout (the synchronous slice ran `timeoutMs`) cannot fire any sooner.
    if (elapsedMs >= timeoutMs - 1) return this.#kill(iso, 'timeout', call);
    if (call.done) return;
    // A live isolate rejects the dispatch only when isolated-vm gives up on a promise that can
    // never settle (V8 collected it: "Promise was abandoned"). The handler can never answer, so
    // the call is left to the wall-clock watchdog and ends as every never-settling handler
    // does (EXECUTION_TIMEOUT), whether or not V8 happened to collect it first.
    this.#log('warn', 'a dispatch was abandoned; the call ends at its wall-clock budget', { plugin: call.plugin.id, reason: untrusted(err) });
  }

  /**
   * A call's heap peak is sampled when it asks the host for something (its code is parked on
   * the bridge then, so the sample seldom waits) and at its end: exact enough to tell a step
   * that built a large structure from one that did not, without stopping the isolate to look.
   */
  #sampleHeap(call: Call): void {
    const iso = call.iso;
    if (!iso || iso.dead) return;
    void iso.heapUsed(HEAP_SAMPLE_WAIT_MS).then((used) => {
      if (used > call.heapPeak) call.heapPeak = used;
    });
  }

  #abort(callId: string): void {
    const call = this.#calls.get(callId);
    if (!call || call.done || call.aborted) return;
    call.aborted = true;
    call.abortedAt = performance.now();
    if (!call.iso) return this.#finish(call, { code: 'EXECUTION_CANCELLED', message: errorMessage('EXECUTION_CANCELLED', { subject: 'call' }) });
    // ctx.signal fires first; only then do its pending bridge calls fail, so listeners see the
    // abort before the awaiting code moves on. A busy isolate never runs the listener: the
    // watchdog disposes it after the grace period and #finish releases the bridge calls.
    void call.iso.abort(callId).then(() => this.#bridge.release(call, 'EXECUTION_CANCELLED', errorMessage('EXECUTION_CANCELLED', { subject: 'call' })));
    this.#watchdog.poke();
  }

  #finish(call: Call, outcome: Outcome): void {
    if (call.done) return;
    call.done = true;
    call.markEnded();
    this.#calls.delete(call.callId);
    this.#bridge.release(call, 'CALL_ENDED', errorMessage('CALL_ENDED'));
    const iso = call.iso;
    const now = performance.now();
    const cpuNow = iso?.cpuNs();
    const cpuMs = cpuNow !== undefined && call.startCpuNs !== undefined ? Number(cpuNow - call.startCpuNs) / 1e6 : 0;
    const wallMs = now - call.startWall;
    const alone = iso !== undefined && !iso.dead && ![...this.#calls.values()].some((c) => c.iso === iso);
    if (alone) this.#pool.idle(iso, cpuNow);
    // Heap stats queue behind running guest code, so they are only awaited when the isolate is idle.
    const heap = alone ? iso.heapUsed(50) : Promise.resolve(iso?.lastHeapUsed ?? 0);
    void heap.then((heapUsedBytes) => {
      const metrics = { cpuMs, wallMs, heapUsedBytes, heapPeakBytes: Math.max(call.heapPeak, heapUsedBytes) };
      // The guest's own text goes on as it is (the supervisor reads the output from it): no second serialisation here.
      if ('output' in outcome) this.#send({ t: 'result', callId: call.callId, ok: true, ...(outcome.bytes ? { bytes: outcome.bytes } : {}), ...metrics }, [Buffer.from(outcome.envelope), ...(outcome.attachments ?? [])]);
      else this.#send({ t: 'result', callId: call.callId, ok: false, code: outcome.code, message: outcome.message, ...metrics });
    });
  }

  /** Disposes an isolate and fails every call in it; the next call builds a fresh one. */
  #kill(iso: PluginIsolate, cause: Cause, culprit?: Call): void {
    if (!iso.dead) {
      iso.dispose(cause);
      if (iso.pending.size > 0) this.#zombies.set(iso, performance.now() + RUNAWAY_GRACE_MS);
      this.#log(cause === 'unload' ? 'info' : 'warn', 'isolate disposed', { plugin: iso.pluginId, cause });
      if (cause !== 'unload') this.#send({ t: 'killed', pluginId: iso.pluginId, cause });
    }
    this.#pool.disposed(iso);
    for (const call of [...this.#calls.values()]) {
      if (call.iso !== iso) continue;
      this.#finish(call, this.#failureFor(call, iso, cause, culprit));
    }
  }

  /**
   * A handler the call names that the loaded script lacks. A missing estimate hook is the
   * usual case, not a fault: the preview reads AGENT_NOT_FOUND as "no hook" and prices the
   * workflow from its manifest instead.
   */
  #missing(m: Invoke, plugin: string): { code: ErrorCode; message: string } {
    if (m.kind === 'workflow') return { code: 'WORKFLOW_NOT_FOUND', message: errorMessage('WORKFLOW_NOT_FOUND', { type: m.target, plugin }) };
    const agent = m.kind === 'agent' ? `${m.target}.${m.capability}` : `${m.target} (estimate)`;
    return { code: 'AGENT_NOT_FOUND', message: errorMessage('AGENT_NOT_FOUND', { agent, plugin }) };
  }

  #failureFor(call: Call, iso: PluginIsolate, cause: Cause, culprit: Call | undefined): { code: ErrorCode; message: string } {
    const mine = culprit === call || (cause === 'memory' && culprit === undefined);
    if (mine && cause === 'memory') return { code: 'EXECUTION_MEMORY', message: errorMessage('EXECUTION_MEMORY', { memoryMb: iso.memoryMb }) };
    if (mine && cause === 'timeout') return { code: 'EXECUTION_TIMEOUT', message: errorMessage('EXECUTION_TIMEOUT', { cpuMs: call.cpuMs, wallMs: call.wallMs }) };
    if (mine && cause === 'aborted') return { code: 'EXECUTION_CANCELLED', message: errorMessage('EXECUTION_CANCELLED', { subject: 'call' }) };
    // The supervisor unloads a version with calls in it only when its drain ran out (an upgrade, a disable, an uninstall).
    if (cause === 'unload') return { code: 'PLUGIN_DRAIN_TIMEOUT', message: errorMessage('PLUGIN_DRAIN_TIMEOUT', { plugin: call.plugin.name, version: call.plugin.version }) };
    return { code: 'EXECUTION_ABORTED', message: errorMessage('EXECUTION_ABORTED') };
  }

  async #load(reqId: number, plugin: SandboxPlugin, expected: ExpectedHandlers): Promise<void> {
    try {
      const iso = await this.#pool.isolateFor(plugin);
      const missing = missingHandlersMessage(expected, iso.handlers);
      if (missing !== undefined) {
        // A manifest that does not fit a script already running calls (the same bytes under another manifest) refuses the manifest, not the calls.
        if (![...this.#calls.values()].some((c) => c.iso === iso)) this.#pool.drop(plugin.id, 'unload');
        return this.#send({ t: 'loaded', reqId, ok: false, message: truncate(missing) });
      }
      this.#send({ t: 'loaded', reqId, ok: true });
    } catch (err) {
      this.#send({ t: 'loaded', reqId, ok: false, message: messageOf(err) });
    }
  }

  /** One watchdog pass; returns whether anything is in flight. */
  #tick(): boolean {
    const now = performance.now();
    const byIsolate = new Map<PluginIsolate, Call[]>();
    for (const call of this.#calls.values()) {
      if (call.iso && !call.done) byIsolate.set(call.iso, [...(byIsolate.get(call.iso) ?? []), call]);
    }
    for (const [iso, calls] of byIsolate) {
      if (iso.dead) continue;
      if (iso.isolate.isDisposed) {
        this.#kill(iso, 'memory');
        continue;
      }
      const culprit = culpritOf(calls, now, iso.cpuNs());
      if (culprit) this.#kill(iso, culprit.breach, culprit.call);
    }
    for (const entry of this.#pool.entries()) {
      const { building, iso } = entry;
      if (building) {
        const budget = Math.max(2 * entry.plugin.limits.wallMs, 2000);
        if (building.iso.isolate.isDisposed || now - building.start > budget) this.#kill(building.iso, 'timeout');
        continue;
      }
      if (!iso || iso.dead) continue;
      if (iso.isolate.isDisposed) {
        this.#kill(iso, 'memory');
        continue;
      }
      // Code still running after every call returned (detached promises) has the same CPU budget.
      const cpuNow = iso.cpuNs();
      const idle = ![...this.#calls.values()].some((c) => c.iso === iso);
      if (idle && cpuNow !== undefined && entry.idleCpuNs !== undefined && Number(cpuNow - entry.idleCpuNs) / 1e6 > entry.plugin.limits.cpuMs) {
        this.#kill(iso, 'idle');
      }
    }
    for (const [iso, deadline] of this.#zombies) {
      if (iso.pending.size === 0) this.#zombies.delete(iso);
      else if (now > deadline) return this.#fatal('runaway', 'an isolate kept running after it was disposed', iso.pluginId);
    }
    const rss = this.#rss.measure(this.#pool.live(), this.#zombies.keys());
    if (rss.bytes > this.#init.maxRssBytes) {
      const evidence = { workerRssBytes: rss.bytes, capBytes: this.#init.maxRssBytes, ...(rss.culprit ? { chargedBytes: rss.culprit.bytes } : {}) };
      return this.#fatal('memory-cap', 'the worker passed its resident memory cap', rss.culprit?.iso.pluginId, evidence);
    }
    // Code running with no call in flight (detached promises) is watched as closely as calls.
    return rss.ran || this.#calls.size > 0 || this.#zombies.size > 0 || this.#pool.building;
  }

  /**
   * Some allocations cannot be interrupted by V8 (isolated-vm #107/#186): the isolate is
   * marked disposed but its thread keeps allocating. Only ending the process stops it; the
   * supervisor fails this worker's calls, charges the blamed plugin and starts a new worker.
   * In the host's process (in-process mode) that process is the host, as the mode documents.
   */
  #fatal(cause: FatalCause, reason: string, pluginId?: string, evidence?: FatalEvidence): boolean {
    if (this.#dying) return false;
    this.#dying = true;
    this.#watchdog.stop();
    this.#send({ t: 'fatal', reason, cause, pluginId, ...(evidence ? { evidence } : {}) });
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50);
    return false;
  }

  #stats(): WorkerStats {
    const heap: Record<string, number> = {};
    const live = this.#pool.live();
    for (const iso of live) heap[iso.pluginId] = (heap[iso.pluginId] ?? 0) + iso.lastHeapUsed;
    return {
      isolateHeapBytes: Object.values(heap).reduce((a, b) => a + b, 0),
      isolateHeapByPlugin: heap,
      isolatesCreated: this.#pool.created,
      ...this.#cache.counters,
      bridgeNonStringArgs: this.#bridge.nonStringArgs,
      rssBytes: process.memoryUsage.rss(),
      logLinesDropped: this.#logLinesDropped + this.#bridge.logLinesRefused,
      workerCallsInFlight: this.#calls.size,
      isolatesLive: live.size,
      bridgeCallsPending: this.#bridge.pending,
      bridgeCallsAfterEnd: this.#bridge.afterEnd,
    };
  }

  /**
   * The log lines the guest dropped during a call (it counts them; they never crossed): one
   * warning per call, not one per line.
   */
  #reportDrops(call: Call, counts: DroppedLines): void {
    const total = counts.oversize + counts.overflow + counts.invalid;
    this.#logLinesDropped += total;
    this.#send({ t: 'dropped', pluginId: call.plugin.id, count: total });
    this.#log('warn', 'plugin log lines dropped', { plugin: call.plugin.id, executionId: call.executionId, dropped: total, ...counts });
  }

  #log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    this.#send({ t: 'log', level, msg, fields });
  }
}

/**
 * CPU time is only known per isolate, so with several calls in one isolate a CPU breach is
 * charged to the oldest call that is not parked on a bridge call (the one whose window
 * crossed the budget first). Wall time and aborts are exact per call. `calls` is in start order.
 */
function culpritOf(calls: Call[], now: number, cpuNowNs: bigint | undefined): { call: Call; breach: Breach } | undefined {
  for (const call of calls) {
    const exact = breachOf(call, now, undefined);
    if (exact) return { call, breach: exact };
  }
  const over = calls.filter((c) => breachOf(c, now, cpuNowNs));
  const running = over.find((c) => c.pendingBridge.size === 0);
  if (running) return { call: running, breach: 'timeout' };
  // A parked call's window started earlier, so it crosses first while a call that is not
  // parked burns the CPU: that one crosses its own budget within a tick or two, wait for it.
  if (over.length === 0 || calls.some((c) => c.pendingBridge.size === 0)) return undefined;
  // Everyone is parked on the host, yet the isolate burned the CPU (detached code): blame the oldest.
  return { call: over[0]!, breach: 'timeout' };
}

function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : typeof err === 'string' ? err : 'unknown error';
  return truncate(m);
}

/** An error's text that plugin code may have shaped, for a log line: short, never parsed. */
function untrusted(err: unknown): string {
  let m: string;
  try {
    m = err instanceof Error ? String(err.message) : typeof err === 'string' ? err : 'unknown error';
  } catch {
    m = 'unprintable error';
  }
  return m.length > MAX_LOGGED ? `${m.slice(0, MAX_LOGGED)}…` : m;
}

