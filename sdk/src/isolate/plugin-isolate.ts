/**
 * One plugin's isolate: memory limit, context, guest shim, the plugin script
 * (compiled with an authenticated code cache) and References to the shim's entry points.
 * Only strings cross in either direction. Lifecycle decisions (watchdog, disposal causes)
 * belong to whoever runs it (the host's sandbox worker, `easel validate`, the test kit); this
 * class only builds, calls and disposes. It lives in the SDK so that what an author's checks
 * load is exactly what the host loads.
 */
import ivm from 'isolated-vm';
import { GUEST_SHIM, type GuestLimits } from './guest-shim.ts';
import type { ExpectedHandlers } from './handlers.ts';

/**
 * Compiled-code cache for plugin scripts, keyed by the script's sha256. Whoever implements it
 * must authenticate what it hands back: V8 trusts cached code as machine code.
 */
export interface ScriptCache {
  get(scriptSha256: string): Uint8Array | undefined;
  put(scriptSha256: string, data: Buffer): void;
  /** V8 refused the data `get` gave: drop it. */
  rejectedByV8(scriptSha256: string): void;
}

/** A cache that keeps nothing: for one-off loads (`easel validate`, the test kit). */
export const NO_SCRIPT_CACHE: ScriptCache = { get: () => undefined, put: () => undefined, rejectedByV8: () => undefined };

/**
 * The bridge function the guest calls: four strings and an optional byte array the shim
 * copied in; out an envelope string, or `[envelope, ...byte arrays]`. Never rejects.
 */
export type GuestBridge = (callId: unknown, capability: unknown, op: unknown, argsJson: unknown, bytes: unknown) => Promise<string | [string, ...ArrayBuffer[]]>;

export interface BuildOptions {
  pluginId: string;
  pluginName: string;
  script: string;
  scriptSha256: string;
  memoryMb: number;
  /** Budget for the shim and the script's top-level code (sync part). */
  cpuMs: number;
  maxPayloadBytes: number;
  maxBinaryBytes: number;
  cache: ScriptCache;
  bridge: GuestBridge;
  /** Per-call limits the guest shim checks before a bridge call crosses (a default host's when absent). */
  guestLimits?: GuestLimits;
  /**
   * V8 lost control of the isolate (isolated-vm's `onCatastrophicError`, run on the main
   * thread): the process must end. Default: `process.abort()` at once; a caller may first say
   * which plugin it was, and must end the process itself.
   */
  onCatastrophicError?: (message: string) => void;
}

type CompiledScript = ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };

export class PluginIsolate {
  readonly pluginId: string;
  readonly scriptSha256: string;
  readonly memoryMb: number;
  readonly isolate: ivm.Isolate;
  /** Handlers the script defines, as the shim found them after load. */
  handlers: ExpectedHandlers = { agents: {}, workflows: [] };
  /** Set once WE disposed it (isolated-vm's memory limit disposes without setting it). */
  dead = false;
  /** Why the worker disposed it (the watchdog's record; never taken from an error's text). */
  stoppedFor: string | undefined;
  /** Applies into the isolate that have not settled: they must settle soon after disposal. */
  readonly pending = new Set<Promise<unknown>>();
  lastHeapUsed = 0;
  #context: ivm.Context | undefined;
  #dispatch: ivm.Reference | undefined;
  #abort: ivm.Reference | undefined;

  private constructor(opts: BuildOptions) {
    this.pluginId = opts.pluginId;
    this.scriptSha256 = opts.scriptSha256;
    this.memoryMb = opts.memoryMb;
    // A catastrophic OOM leaves V8 unrecoverable: end the worker, the supervisor restarts it.
    const onCatastrophicError = opts.onCatastrophicError ?? (() => process.abort());
    this.isolate = new ivm.Isolate({ memoryLimit: opts.memoryMb, onCatastrophicError });
  }

  /** Creates the isolate; `onIsolate` sees it before any code runs so a watchdog can guard the build. */
  static async build(opts: BuildOptions, onIsolate: (iso: PluginIsolate) => void): Promise<PluginIsolate> {
    const self = new PluginIsolate(opts);
    onIsolate(self);
    await self.#track(self.#init(opts));
    return self;
  }

  async #init(opts: BuildOptions): Promise<void> {
    const context = await this.isolate.createContext();
    this.#context = context;
    const bridge = new ivm.Reference(opts.bridge);
    const api = (await context.evalClosure(GUEST_SHIM, [bridge, opts.maxPayloadBytes, opts.maxBinaryBytes, opts.guestLimits === undefined ? undefined : JSON.stringify(opts.guestLimits)], {
      result: { reference: true },
      timeout: Math.max(opts.cpuMs, 1000),
      filename: 'easel:guest-shim',
    })) as ivm.Reference;
    this.#dispatch = (await api.get('dispatch', { reference: true })) as ivm.Reference;
    this.#abort = (await api.get('abort', { reference: true })) as ivm.Reference;
    const afterLoad = (await api.get('afterLoad', { reference: true })) as ivm.Reference;
    api.release();

    const script = await this.#compile(opts);
    // The file name is what stack traces show inside the isolate: never a host path.
    await script.run(context, { timeout: opts.cpuMs, release: true });
    const summary = await afterLoad.apply(undefined, [], { timeout: opts.cpuMs });
    afterLoad.release();
    this.handlers = parseSummary(summary);
  }

  async #compile(opts: BuildOptions): Promise<ivm.Script> {
    const filename = `plugin:${opts.pluginName}`;
    const cached = opts.cache.get(opts.scriptSha256);
    if (cached) {
      const bytes = new Uint8Array(cached.byteLength);
      bytes.set(cached);
      const data = new ivm.ExternalCopy(bytes.buffer);
      const script = (await this.isolate.compileScript(opts.script, { cachedData: data, filename })) as CompiledScript;
      if (script.cachedDataRejected === true) opts.cache.rejectedByV8(opts.scriptSha256);
      return script;
    }
    const script = (await this.isolate.compileScript(opts.script, { produceCachedData: true, filename })) as CompiledScript;
    if (script.cachedData) opts.cache.put(opts.scriptSha256, Buffer.from(script.cachedData.copy()));
    return script;
  }

  /**
   * Runs one handler; resolves with the guest's envelope string (or rejects with an ivm error).
   * `bytes` (the input's byte fields) are copied into the isolate's own heap, counted by its limit.
   */
  dispatch(args: [string, string, string, string, string, string], bytes: ArrayBuffer[], cpuMs: number): Promise<unknown> {
    if (!this.#dispatch || this.dead) return Promise.reject(new Error('isolate is not ready'));
    return this.#track(this.#dispatch.apply(undefined, [...args, bytes], { arguments: { copy: true }, result: { promise: true, copy: true }, timeout: Math.max(1, cpuMs) }));
  }

  /** Fires the call's `ctx.signal` inside the isolate; settles when the listeners ran (or could not). */
  abort(callId: string): Promise<void> {
    if (!this.#abort || this.dead) return Promise.resolve();
    return this.#track(this.#abort.apply(undefined, [callId], { timeout: 100 })).then(
      () => undefined,
      () => undefined,
    );
  }

  cpuNs(): bigint | undefined {
    try {
      return this.dead || this.isolate.isDisposed ? undefined : this.isolate.cpuTime;
    } catch {
      return undefined;
    }
  }

  /** Heap used now, without waiting behind a running task for more than `waitMs`. */
  async heapUsed(waitMs: number): Promise<number> {
    if (this.dead) return this.lastHeapUsed;
    let timer: NodeJS.Timeout | undefined;
    const stats = this.#track(this.isolate.getHeapStatistics()).then((h) => (this.lastHeapUsed = h.used_heap_size + h.externally_allocated_size), () => this.lastHeapUsed);
    const late = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(this.lastHeapUsed), waitMs)));
    try {
      return await Promise.race([stats, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  dispose(cause?: string): void {
    if (!this.dead) this.stoppedFor = cause;
    this.dead = true;
    try {
      if (!this.isolate.isDisposed) this.isolate.dispose();
    } catch {
      // Already gone.
    }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }
}

/** The shim's handler summary is guest output: parse defensively. */
function parseSummary(summary: unknown): ExpectedHandlers {
  if (typeof summary !== 'string' || summary.length > 1_000_000) throw new Error('the plugin did not load');
  const parsed = JSON.parse(summary) as { ok?: unknown; message?: unknown; agents?: unknown; workflows?: unknown; estimates?: unknown };
  if (parsed.ok !== true) throw new Error(typeof parsed.message === 'string' ? parsed.message : 'the plugin did not load');
  const agents: Record<string, string[]> = Object.create(null);
  if (parsed.agents && typeof parsed.agents === 'object') {
    for (const [name, caps] of Object.entries(parsed.agents)) {
      if (Array.isArray(caps)) agents[name] = caps.filter((c): c is string => typeof c === 'string');
    }
  }
  const workflows = Array.isArray(parsed.workflows) ? parsed.workflows.filter((w): w is string => typeof w === 'string') : [];
  const estimates = Array.isArray(parsed.estimates) ? parsed.estimates.filter((w): w is string => typeof w === 'string') : [];
  return { agents, workflows, estimates };
}
