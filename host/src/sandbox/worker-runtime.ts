/**
 * Everything a worker process does: one isolate per plugin (built lazily, rebuilt after a
 * disposal), the calls in flight, the watchdog rules and the answers to the supervisor.
 * Disposal causes map to codes here: the call that broke the budget gets EXECUTION_TIMEOUT
 * or EXECUTION_MEMORY, other calls in the same isolate EXECUTION_ABORTED, a cancelled call EXECUTION_CANCELLED, and calls still in a
 * version the supervisor unloads (its drain ran out) PLUGIN_DRAIN_TIMEOUT.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errorMessage, isErrorCode, type ErrorCode } from '../errors/index.ts';
import { CodeCache } from './code-cache.ts';
import { checkedLayout, GUEST_ERROR_CODES, missingHandlersMessage, PluginIsolate, type ByteLayout } from '@easel/sdk/isolate';
import type { ExpectedHandlers, FatalCause, FatalEvidence, ParentMessage, WorkerInit, WorkerMessage, WorkerStats } from './protocol.ts';
import type { SandboxPlugin } from './types.ts';
import { breachOf, RUNAWAY_GRACE_MS, Watchdog, type Breach, type Watched } from './watchdog.ts';
import { WorkerBridge, type BridgeCall } from './worker-bridge.ts';
import { exactBuffer } from './bytes.ts';
import { RssMeter } from './rss-meter.ts';

type Invoke = Extract<ParentMessage, { t: 'invoke' }>;
type Cause = 'timeout' | 'memory' | 'aborted' | 'idle' | 'unload';

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

/** How a call ended: its output (and the bytes of its byte fields, laid out), or a code. */
type Outcome = { output: unknown; bytes?: ByteLayout; attachments?: Uint8Array[] } | { code: ErrorCode; message: string };

interface Entry {
  plugin: SandboxPlugin;
  iso: PluginIsolate | undefined;
  ready: Promise<PluginIsolate> | undefined;
  /** The isolate being built, watched against the plugin's limits. */
  building: { iso: PluginIsolate; start: number } | undefined;
  idleCpuNs: bigint | undefined;
}

const MAX_MESSAGE = 1000;
/** Text that may come from plugin code is cut to this length before it is logged. */
const MAX_LOGGED = 200;
/**
 * Codes the guest shim answers by itself, without a crossing, when a call passes one of its
 * own limits: a call may end with them although the bridge never delivered them. Each only
 * says the plugin broke a limit, so a plugin claiming one blames nobody but itself.
 */
const SHIM_LIMIT_CODES: ReadonlySet<string> = new Set(['BRIDGE_BUSY', 'KV_KEY_INVALID', 'KV_VALUE_TOO_LARGE']);
/** Room the shim's drop counts take in front of an answer (see guest-shim withDrops). */
const DROPS_ROOM = 256;


class LoadError extends Error {}

export class WorkerRuntime {
  #init: WorkerInit;
  #send: (m: WorkerMessage, attachments?: readonly Uint8Array[]) => void;
  #cache: CodeCache;
  #entries = new Map<string, Entry>();
  /** The last view and config the supervisor sent of each plugin (kept while its isolate comes and goes; dropped by unload). */
  #views = new Map<string, { plugin: SandboxPlugin; configJson: string }>();
  #calls = new Map<string, Call>();
  #bridge: WorkerBridge;
  #watchdog: Watchdog;
  #zombies = new Map<PluginIsolate, number>();
  #rss: RssMeter;
  #isolatesCreated = 0;
  #logLinesDropped = 0;
  #dying = false;

  constructor(init: WorkerInit, send: (m: WorkerMessage, attachments?: readonly Uint8Array[]) => void) {
    this.#init = init;
    this.#send = send;
    this.#cache = new CodeCache(init.cacheDir, Buffer.from(init.cacheKey, 'base64'), (msg, fields) => this.#log('warn', msg, fields));
    this.#bridge = new WorkerBridge(this.#calls as Map<string, BridgeCall>, send, init, (call) => this.#sampleHeap(call as Call));
    this.#rss = new RssMeter(init.maxRssBytes);
    this.#watchdog = new Watchdog(() => this.#tick());
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
        this.#drop(m.pluginId, 'unload');
        this.#views.delete(m.pluginId);
        return this.#send({ t: 'unloaded', reqId: m.reqId });
      case 'stats':
        return this.#send({ t: 'stats', reqId: m.reqId, stats: this.#stats() });
      case 'shutdown':
        this.#watchdog.stop();
        for (const id of [...this.#entries.keys()]) this.#drop(id, 'unload');
        return process.exit(0);
      default:
        return;
    }
  }

  /**
   * What an invoke frame carries, with what this worker kept of the plugin from earlier frames
   * (its view and config are sent only when they changed); undefined when it was never sent.
   */
  #unpack(m: Invoke, attachments: Buffer[]): { plugin: SandboxPlugin; inputJson: string; configJson: string; bytes: Buffer[] } | undefined {
    const kept = this.#views.get(m.pluginId);
    const plugin = m.plugin ?? kept?.plugin;
    const [input, ...rest] = attachments;
    if (plugin === undefined || input === undefined || (m.config && rest.length === 0)) return undefined;
    const configJson = m.config ? rest.shift()!.toString('utf8') : kept?.configJson;
    if (configJson === undefined) return undefined;
    this.#views.set(m.pluginId, { plugin, configJson });
    const limits = m.wallMs === undefined ? plugin.limits : { ...plugin.limits, wallMs: m.wallMs };
    return { plugin: { ...plugin, limits }, inputJson: input.toString('utf8'), configJson, bytes: rest };
  }

  async #invoke(m: Invoke, frameAttachments: Buffer[]): Promise<void> {
    const unpacked = this.#unpack(m, frameAttachments);
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
      iso = await this.#isolateFor(plugin);
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
    this.#finish(call, this.#outcome(call, envelope));
  }

  /** Reads the guest's envelope: size first, then JSON, then which code the guest may claim. */
  #outcome(call: Call, answer: unknown): Outcome {
    // [envelope, ...ArrayBuffers] when the output's top-level fields carry bytes.
    let envelope = answer;
    let attachments: ArrayBuffer[] = [];
    if (Array.isArray(answer)) {
      [envelope, ...attachments] = answer as unknown[] as [unknown, ...ArrayBuffer[]];
      if (!attachments.every((a) => a instanceof ArrayBuffer)) return { code: 'PLUGIN_ERROR', message: errorMessage('PLUGIN_ERROR', { reason: 'the handler produced a malformed answer' }) };
      if (attachments.reduce((n, a) => n + a.byteLength, 0) > this.#init.maxBinaryBytes) {
        return { code: 'OUTPUT_TOO_LARGE', message: errorMessage('OUTPUT_TOO_LARGE', { limit: this.#init.maxBinaryBytes, measure: 'in byte fields' }) };
      }
    }
    if (typeof envelope !== 'string') {
      (envelope as { release?: () => void } | undefined)?.release?.();
      return { code: 'PLUGIN_ERROR', message: errorMessage('PLUGIN_ERROR', { reason: 'the handler produced no answer' }) };
    }
    const max = this.#init.maxPayloadBytes + 64 + DROPS_ROOM;
    if (envelope.length > max || Buffer.byteLength(envelope) > max) {
      return { code: 'OUTPUT_TOO_LARGE', message: errorMessage('OUTPUT_TOO_LARGE', { limit: this.#init.maxPayloadBytes, measure: 'as JSON' }) };
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(envelope) as Record<string, unknown>;
    } catch {
      return { code: 'PLUGIN_ERROR', message: errorMessage('PLUGIN_ERROR', { reason: 'the handler produced a malformed answer' }) };
    }
    this.#reportDrops(call, parsed.logsDropped);
    if (parsed.ok === true) {
      const bytes = checkedLayout(parsed.bytes);
      if (!bytes || bytes.attachments !== attachments.length) return { code: 'PLUGIN_ERROR', message: errorMessage('PLUGIN_ERROR', { reason: 'the handler produced a malformed answer' }) };
      return bytes.layout.length === 0 ? { output: parsed.value } : { output: parsed.value, bytes: bytes.layout, attachments: attachments.map((a) => new Uint8Array(a)) };
    }
    const code = typeof parsed.code === 'string' && isErrorCode(parsed.code) && (GUEST_ERROR_CODES.has(parsed.code) || SHIM_LIMIT_CODES.has(parsed.code) || call.delivered.has(parsed.code)) ? parsed.code : 'PLUGIN_ERROR';
    return { code, message: truncate(typeof parsed.message === 'string' ? parsed.message : 'plugin error') };
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
    if (alone) {
      const entry = this.#entries.get(iso.pluginId);
      if (entry?.iso === iso) entry.idleCpuNs = cpuNow;
    }
    // Heap stats queue behind running guest code, so they are only awaited when the isolate is idle.
    const heap = alone ? iso.heapUsed(50) : Promise.resolve(iso?.lastHeapUsed ?? 0);
    void heap.then((heapUsedBytes) => {
      const metrics = { cpuMs, wallMs, heapUsedBytes, heapPeakBytes: Math.max(call.heapPeak, heapUsedBytes) };
      if ('output' in outcome) this.#send({ t: 'result', callId: call.callId, ok: true, output: outcome.output, ...(outcome.bytes ? { bytes: outcome.bytes } : {}), ...metrics }, outcome.attachments);
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
    const entry = this.#entries.get(iso.pluginId);
    if (entry && (entry.iso === iso || entry.building?.iso === iso)) this.#entries.delete(iso.pluginId);
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

  async #isolateFor(plugin: SandboxPlugin): Promise<PluginIsolate> {
    const entry = this.#entries.get(plugin.id);
    if (entry && entry.plugin.scriptSha256 === plugin.scriptSha256 && entry.plugin.limits.memoryMb === plugin.limits.memoryMb) {
      if (entry.iso && !entry.iso.dead) return entry.iso;
      if (entry.ready) return entry.ready;
    }
    if (entry) this.#drop(plugin.id, 'unload');
    const fresh: Entry = { plugin, iso: undefined, ready: undefined, building: undefined, idleCpuNs: undefined };
    this.#entries.set(plugin.id, fresh);
    fresh.ready = this.#build(fresh);
    fresh.ready.catch(() => undefined);
    return fresh.ready;
  }

  async #build(entry: Entry): Promise<PluginIsolate> {
    const { plugin } = entry;
    let script: string;
    try {
      script = await readFile(plugin.scriptPath, 'utf8');
    } catch {
      this.#forget(entry);
      throw new LoadError('the plugin script cannot be read');
    }
    if (createHash('sha256').update(script).digest('hex') !== plugin.scriptSha256) {
      this.#forget(entry);
      throw new LoadError('the plugin script does not match its recorded sha256');
    }
    let built: PluginIsolate | undefined;
    try {
      const iso = await PluginIsolate.build(
        {
          pluginId: plugin.id,
          pluginName: plugin.name,
          script,
          scriptSha256: plugin.scriptSha256,
          memoryMb: plugin.limits.memoryMb,
          cpuMs: plugin.limits.cpuMs,
          maxPayloadBytes: this.#init.maxPayloadBytes,
          maxBinaryBytes: this.#init.maxBinaryBytes,
          cache: this.#cache,
          bridge: this.#bridge.forIsolate(() => built),
          guestLimits: { maxPendingBridgeCalls: this.#init.maxPendingBridgeCalls, ...this.#init.guestLimits },
          // V8 gave up on this isolate (its thread is parked for good): say whose it was, then end.
          onCatastrophicError: (message) => void this.#fatal('v8', `V8 lost control of a plugin's isolate: ${untrusted(message)}`, plugin.id),
        },
        (iso) => {
          built = iso;
          this.#isolatesCreated++;
          entry.building = { iso, start: performance.now() };
          this.#watchdog.poke();
        },
      );
      entry.building = undefined;
      if (iso.dead) throw new LoadError('the plugin was stopped while loading');
      // Unloaded (or replaced) while the script was being read: this isolate belongs to nobody.
      if (this.#entries.get(plugin.id) !== entry) throw new LoadError('the plugin was unloaded while loading');
      entry.iso = iso;
      entry.idleCpuNs = iso.cpuNs();
      return iso;
    } catch (err) {
      entry.building = undefined;
      const why = built?.isolate.isDisposed && !built.dead ? 'the plugin ran out of memory while loading' : built?.dead ? 'the plugin was stopped while loading (time or memory)' : messageOf(err);
      built?.dispose();
      this.#forget(entry);
      throw new LoadError(why);
    }
  }

  async #load(reqId: number, plugin: SandboxPlugin, expected: ExpectedHandlers): Promise<void> {
    try {
      const iso = await this.#isolateFor(plugin);
      const missing = missingHandlersMessage(expected, iso.handlers);
      if (missing !== undefined) {
        // A manifest that does not fit a script already running calls (the same bytes under another manifest) refuses the manifest, not the calls.
        if (![...this.#calls.values()].some((c) => c.iso === iso)) this.#drop(plugin.id, 'unload');
        return this.#send({ t: 'loaded', reqId, ok: false, message: truncate(missing) });
      }
      this.#send({ t: 'loaded', reqId, ok: true });
    } catch (err) {
      this.#send({ t: 'loaded', reqId, ok: false, message: messageOf(err) });
    }
  }

  #drop(pluginId: string, cause: Cause): void {
    const entry = this.#entries.get(pluginId);
    if (!entry) return;
    this.#entries.delete(pluginId);
    const iso = entry.iso ?? entry.building?.iso;
    if (iso) this.#kill(iso, cause);
  }

  #forget(entry: Entry): void {
    if (this.#entries.get(entry.plugin.id) === entry) this.#entries.delete(entry.plugin.id);
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
    for (const entry of [...this.#entries.values()]) {
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
    const live = new Set<PluginIsolate>();
    for (const entry of this.#entries.values()) {
      const iso = entry.building?.iso ?? entry.iso;
      if (iso && !iso.dead) live.add(iso);
    }
    const rss = this.#rss.measure(live, this.#zombies.keys());
    if (rss.bytes > this.#init.maxRssBytes) {
      const evidence = { workerRssBytes: rss.bytes, capBytes: this.#init.maxRssBytes, ...(rss.culprit ? { chargedBytes: rss.culprit.bytes } : {}) };
      return this.#fatal('memory-cap', 'the worker passed its resident memory cap', rss.culprit?.iso.pluginId, evidence);
    }
    // Code running with no call in flight (detached promises) is watched as closely as calls.
    return rss.ran || this.#calls.size > 0 || this.#zombies.size > 0 || [...this.#entries.values()].some((e) => e.building);
  }

  /**
   * Some allocations cannot be interrupted by V8 (isolated-vm #107/#186): the isolate is
   * marked disposed but its thread keeps allocating. Only ending the process stops it; the
   * supervisor fails this worker's calls, charges the blamed plugin and starts a new worker.
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
    for (const entry of this.#entries.values()) {
      const iso = entry.building?.iso ?? entry.iso;
      if (iso && !iso.dead) heap[iso.pluginId] = (heap[iso.pluginId] ?? 0) + iso.lastHeapUsed;
    }
    return {
      isolateHeapBytes: Object.values(heap).reduce((a, b) => a + b, 0),
      isolateHeapByPlugin: heap,
      isolatesCreated: this.#isolatesCreated,
      ...this.#cache.counters,
      bridgeNonStringArgs: this.#bridge.nonStringArgs,
      rssBytes: process.memoryUsage.rss(),
      logLinesDropped: this.#logLinesDropped + this.#bridge.logLinesRefused,
      workerCallsInFlight: this.#calls.size,
      isolatesLive: [...this.#entries.values()].filter((e) => e.building !== undefined || (e.iso !== undefined && !e.iso.dead)).length,
      bridgeCallsPending: this.#bridge.pending,
      bridgeCallsAfterEnd: this.#bridge.afterEnd,
    };
  }

  /**
   * The log lines the guest dropped during a call (it counts them; they never crossed): one
   * warning per call, not one per line. The counts come from plugin code, so only small
   * whole numbers are taken.
   */
  #reportDrops(call: Call, dropped: unknown): void {
    if (dropped === null || typeof dropped !== 'object') return;
    const count = (key: string) => {
      const n = (dropped as Record<string, unknown>)[key];
      return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
    };
    const counts = { oversize: count('oversize'), overflow: count('overflow'), invalid: count('invalid') };
    const total = counts.oversize + counts.overflow + counts.invalid;
    if (total === 0) return;
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

function truncate(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

