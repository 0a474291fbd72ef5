/**
 * Runs a packed plugin script in a real isolate (PluginIsolate: the host's guest shim and
 * loader), with the host's lifecycle rules: built lazily with the manifest's memory limit,
 * checked against the manifest's handlers, watched per call against its CPU and wall-clock
 * budgets, disposed when a call breaks one (the culprit gets EXECUTION_TIMEOUT or
 * EXECUTION_MEMORY, other calls in it EXECUTION_ABORTED, a cancelled call EXECUTION_CANCELLED) and built again for the next call.
 */
import { createHash } from 'node:crypto';
import { bytesAsBase64, checkedLayout, expectedHandlers, GUEST_ERROR_CODES, missingHandlersMessage, NO_SCRIPT_CACHE, PluginIsolate } from '../isolate/index.ts';
import type { PluginManifest } from '../manifest.ts';
import { ownBuffer } from './bytes.ts';
import { cut, EaselError } from './errors.ts';
import type { CapabilityHost } from './host.ts';
import { GuestBridge, type LiveCall } from './packed-bridge.ts';
import type { Engine, EngineCall } from './runner.ts';
import { MAX_BINARY_BYTES, MAX_PAYLOAD_BYTES } from './wire.ts';

/** After a cancel, how long the handler may take to wind down before its isolate is disposed (a default host's, EASEL_SANDBOX_ABORT_GRACE_MS). */
const ABORT_GRACE_MS = 1000;
const POLL_MS = 5;
/** Codes a guest may end a call with on its own word; others need the bridge to have answered them. */

type Cause = 'timeout' | 'memory' | 'aborted';

export class PackedEngine implements Engine {
  readonly #manifest: PluginManifest;
  readonly #script: string;
  readonly #sha256: string;
  readonly #configJson: string;
  readonly #memoryMb: number;
  readonly #bridge: GuestBridge;
  readonly #calls = new Map<string, LiveCall>();
  #iso: Promise<PluginIsolate> | undefined;
  /** The isolate #iso resolved to, once built. */
  #built: PluginIsolate | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #seq = 0;

  constructor(manifest: PluginManifest, script: string, config: unknown, memoryMb: number, host: CapabilityHost) {
    this.#manifest = manifest;
    this.#script = script;
    this.#sha256 = createHash('sha256').update(script).digest('hex');
    this.#configJson = JSON.stringify(config);
    this.#memoryMb = memoryMb;
    this.#bridge = new GuestBridge(this.#calls, host);
  }

  /** Builds the isolate now (the next call would); PLUGIN_LOAD_FAILED when the script does not load or lacks a handler. */
  load(cpuMs: number): Promise<PluginIsolate> {
    // Disposed (a broken budget, or isolated-vm's memory limit): the next call gets a fresh one.
    if (this.#built && (this.#built.dead || this.#built.isolate.isDisposed)) {
      this.#built = undefined;
      this.#iso = undefined;
    }
    if (!this.#iso) {
      const building = this.#build(cpuMs);
      this.#iso = building;
      building.then((iso) => (this.#built = iso)).catch(() => {
        if (this.#iso === building) this.#iso = undefined;
      });
    }
    return this.#iso;
  }

  async run(call: EngineCall): Promise<unknown> {
    const iso = await this.load(call.budget.cpuMs);
    const inputJson = JSON.stringify(call.input.json ?? null);
    const names = Object.keys(call.input.bytes);
    const buffers = names.map((name) => ownBuffer(call.input.bytes[name]!));
    if (Buffer.byteLength(inputJson) > MAX_PAYLOAD_BYTES) throw new EaselError('INPUT_TOO_LARGE', `the input is over ${MAX_PAYLOAD_BYTES} bytes as JSON`);
    if (buffers.reduce((n, b) => n + b.byteLength, 0) > MAX_BINARY_BYTES) throw new EaselError('INPUT_TOO_LARGE', `the input's byte fields are over ${MAX_BINARY_BYTES} bytes`);
    const callId = `call-${++this.#seq}`;
    const meta = `{"executionId":${JSON.stringify(call.scope.execution.id)},"plugin":${JSON.stringify({ name: this.#manifest.name, version: this.#manifest.version })},"caller":${JSON.stringify(call.scope.execution.caller)},"config":${this.#configJson},"binary":${JSON.stringify(names)}}`;
    return new Promise<unknown>((resolve, reject) => {
      const live: LiveCall = { callId, iso, scope: call.scope, budget: call.budget, startWall: performance.now(), startCpuNs: iso.cpuNs(), pending: 0, abortedAt: undefined, done: false, resolve, reject };
      this.#calls.set(callId, live);
      // ctx.signal fires in the isolate before the call's pending ctx calls fail.
      call.scope.beforeAbort = async () => {
        live.abortedAt = performance.now();
        await iso.abort(callId);
      };
      this.#watch();
      const sent = performance.now();
      iso.dispatch([callId, call.kind, call.target, call.capability, inputJson, meta], buffers, call.budget.cpuMs).then(
        (envelope) => this.#finish(live, outcomeOf(envelope, live)),
        () => this.#failed(live, performance.now() - sent),
      );
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#watchdog);
    const iso = await this.#iso?.catch(() => undefined);
    iso?.dispose('unload');
    for (const live of this.#calls.values()) this.#finish(live, new EaselError('SANDBOX_UNAVAILABLE', 'the plugin was closed'));
  }

  async #build(cpuMs: number): Promise<PluginIsolate> {
    let iso: PluginIsolate | undefined;
    try {
      iso = await PluginIsolate.build(
        {
          pluginId: this.#manifest.name,
          pluginName: this.#manifest.name,
          script: this.#script,
          scriptSha256: this.#sha256,
          memoryMb: this.#memoryMb,
          cpuMs,
          maxPayloadBytes: MAX_PAYLOAD_BYTES,
          maxBinaryBytes: MAX_BINARY_BYTES,
          cache: NO_SCRIPT_CACHE,
          bridge: this.#bridge.forIsolate(() => iso),
        },
        (built) => (iso = built),
      );
    } catch (err) {
      // isolated-vm disposes an isolate that passes its memory limit without saying why.
      const outOfMemory = iso !== undefined && iso.isolate.isDisposed && !iso.dead;
      iso?.dispose();
      throw new EaselError('PLUGIN_LOAD_FAILED', outOfMemory ? 'the plugin ran out of memory while loading' : cut(err instanceof Error ? err.message : String(err)));
    }
    const missing = missingHandlersMessage(expectedHandlers(this.#manifest), iso.handlers);
    if (missing !== undefined) {
      iso.dispose();
      throw new EaselError('PLUGIN_LOAD_FAILED', missing);
    }
    return iso;
  }

  /** Why a dispatch rejected, decided from state alone (its text may come from plugin code). */
  #failed(live: LiveCall, elapsedMs: number): void {
    const { iso } = live;
    if (!iso.dead && iso.isolate.isDisposed) return this.#kill(iso, 'memory', live);
    if (iso.dead) return this.#finish(live, this.#failure(live, (iso.stoppedFor as Cause | undefined) ?? 'aborted', undefined));
    // isolated-vm's own timeout covers the synchronous slice and cannot fire any sooner.
    if (elapsedMs >= live.budget.cpuMs - 1) return this.#kill(iso, 'timeout', live);
    // A live isolate rejects the dispatch only when isolated-vm gives up on a promise that can
    // never settle (V8 collected it). As on a host, the call is left to the wall-clock
    // watchdog: EXECUTION_TIMEOUT, whether or not V8 happened to collect it first.
  }

  #finish(live: LiveCall, outcome: { output: unknown } | EaselError): void {
    if (live.done) return;
    live.done = true;
    this.#calls.delete(live.callId);
    live.scope.beforeAbort = undefined;
    if (this.#calls.size === 0) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
    if (outcome instanceof EaselError) live.reject(outcome);
    else live.resolve(outcome.output);
  }

  /** Disposes the isolate and fails every call in it; the next call builds a fresh one. */
  #kill(iso: PluginIsolate, cause: Cause, culprit: LiveCall | undefined): void {
    iso.dispose(cause);
    for (const live of [...this.#calls.values()]) if (live.iso === iso) this.#finish(live, this.#failure(live, cause, culprit));
  }

  #failure(live: LiveCall, cause: Cause, culprit: LiveCall | undefined): EaselError {
    const mine = culprit === live || (cause === 'memory' && culprit === undefined);
    if (mine && cause === 'memory') return new EaselError('EXECUTION_MEMORY', `the call ran out of the plugin's ${this.#memoryMb} MB of memory`);
    if (mine && cause === 'timeout') return new EaselError('EXECUTION_TIMEOUT', `the call ran past its budget (${live.budget.cpuMs} ms CPU, ${live.budget.wallMs} ms wall)`);
    if (mine) return new EaselError('EXECUTION_CANCELLED', 'the call was cancelled');
    return new EaselError('EXECUTION_ABORTED', "another call stopped the plugin's isolate");
  }

  #watch(): void {
    this.#watchdog ??= setInterval(() => this.#tick(), POLL_MS);
  }

  /**
   * Wall time and cancels are exact per call; CPU time is only known per isolate, so a CPU
   * breach is charged to the oldest call over budget that is not waiting on a `ctx` call.
   */
  #tick(): void {
    const now = performance.now();
    const calls = [...this.#calls.values()];
    for (const live of calls) {
      if (live.done) continue;
      if (live.abortedAt !== undefined && now - live.abortedAt > ABORT_GRACE_MS) return this.#kill(live.iso, 'aborted', live);
      if (now - live.startWall > live.budget.wallMs) return this.#kill(live.iso, 'timeout', live);
    }
    const cpuNow = calls[0]?.iso.cpuNs();
    const over = calls.filter((c) => cpuNow !== undefined && c.startCpuNs !== undefined && Number(cpuNow - c.startCpuNs) / 1e6 > c.budget.cpuMs);
    const culprit = over.find((c) => c.pending === 0) ?? (calls.every((c) => c.pending > 0) ? over[0] : undefined);
    if (culprit) this.#kill(culprit.iso, 'timeout', culprit);
  }
}

/** The guest's envelope: the output, or the failure with a code the guest may claim. */
function outcomeOf(answer: unknown, live: LiveCall): { output: unknown } | EaselError {
  // [envelope, ...ArrayBuffers] when the output's top-level fields carry bytes: base64 from here on, as on a host.
  const [envelope, ...attachments] = Array.isArray(answer) ? (answer as unknown[]) : [answer];
  if (!attachments.every((a) => a instanceof ArrayBuffer)) return new EaselError('PLUGIN_ERROR', 'the handler produced a malformed answer');
  if (typeof envelope !== 'string') return new EaselError('PLUGIN_ERROR', 'the handler produced no answer');
  if (Buffer.byteLength(envelope) > MAX_PAYLOAD_BYTES + 64) return new EaselError('OUTPUT_TOO_LARGE', `the output is over ${MAX_PAYLOAD_BYTES} bytes`);
  let parsed: { ok?: unknown; value?: unknown; bytes?: unknown; code?: unknown; message?: unknown };
  try {
    parsed = JSON.parse(envelope);
  } catch {
    return new EaselError('PLUGIN_ERROR', 'the handler produced a malformed answer');
  }
  if (parsed.ok === true) {
    const layout = checkedLayout(parsed.bytes);
    if (!layout || layout.attachments !== attachments.length) return new EaselError('PLUGIN_ERROR', 'the handler produced a malformed answer');
    return { output: bytesAsBase64(parsed.value, layout.layout, (attachments as ArrayBuffer[]).map((a) => new Uint8Array(a))) };
  }
  const claimed = typeof parsed.code === 'string' ? parsed.code : '';
  const code = GUEST_ERROR_CODES.has(claimed) || live.scope.delivered.has(claimed) ? claimed : 'PLUGIN_ERROR';
  return new EaselError(code, cut(typeof parsed.message === 'string' ? parsed.message : 'plugin error'));
}
