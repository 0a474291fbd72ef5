/**
 * The sandbox's public contract. The HTTP process talks to sandbox worker processes only
 * through this interface; isolates never live in the HTTP process.
 */
import type { ErrorCode } from '../errors/index.ts';

/** A plugin version as the sandbox needs it. `id` names the version and its script (the host uses `name@version#script-hash`). */
export interface SandboxPlugin {
  id: string;
  name: string;
  version: string;
  /** Absolute path of the installed `dist/plugin.js`. */
  scriptPath: string;
  /** sha256 (hex) of that script: keys the code cache, detects changes. */
  scriptSha256: string;
  /** Effective limits (already capped by host config). */
  limits: { memoryMb: number; cpuMs: number; wallMs: number };
}

export interface InvokeRequest {
  plugin: SandboxPlugin;
  /**
   * `agent` runs agents[target].capabilities[capability]; `workflow` runs workflows[target]
   * (or its `run`); `estimate` runs workflows[target].estimate, the cost preview hook.
   */
  kind: 'agent' | 'workflow' | 'estimate';
  target: string;
  capability?: string;
  /** Already validated input. */
  input: unknown;
  /**
   * Top-level input fields handed to the guest as Uint8Array (decoded binary fields); they are
   * sent as raw bytes next to the JSON input, which must not carry them.
   */
  bytes?: Record<string, Uint8Array>;
  /** The plugin's validated configuration, frozen inside the isolate as `ctx.config`. */
  config: Record<string, unknown>;
  executionId: string;
  /** Who the execution runs for (`ctx.caller`); absent for calls no app made (load checks, previews). */
  caller?: { app: string | null; user: string };
  /** The step this call runs (a `ctx.agents.invoke`); bridges charge its model calls to it. */
  stepId?: string;
  /** Wall-clock budget of this call instead of the plugin's (workflows mostly wait for their steps). */
  wallMs?: number;
  /** Aborting stops the call (the isolate is disposed if code is still running). */
  signal?: AbortSignal;
}

export interface InvokeResult {
  output: unknown;
  /** CPU time the isolate spent during the call, in ms. */
  cpuMs: number;
  wallMs: number;
  /** Isolate heap used at the end of the call, in bytes. */
  heapUsedBytes: number;
  /** Highest isolate heap seen during the call (sampled at its start, at each bridge call and at its end). */
  heapPeakBytes: number;
}

/** Who is calling a bridge: bound by the host from the call record, never from guest input. */
export interface BridgeCaller {
  pluginId: string;
  pluginName: string;
  pluginVersion: string;
  executionId: string;
  /** Set when the call runs a step of a workflow (see InvokeRequest.stepId). */
  stepId?: string;
}

/**
 * Host-side implementation of the bridges (`ctx.kv`, `ctx.log`, ...). Runs in the HTTP
 * process. Throws an EaselError (or resolves); the sandbox turns either into the
 * `{ok, value}` / `{ok:false, code, message}` envelope the guest sees. `bytes` is the byte
 * array the guest passed, if any (untrusted, size-capped); resolving with a `WithBytes`
 * answers with byte arrays.
 */
export type BridgeHandler = (caller: BridgeCaller, capability: string, op: string, args: unknown, bytes?: Buffer) => Promise<unknown>;

export type SandboxMode = 'processes' | 'in-process';

export interface SandboxOptions {
  /**
   * Where isolates run: in `workers` worker processes (the default), or in the host's own
   * process (`in-process`, for trusted plugins: no process boundary, no RSS cap, and an
   * isolate V8 cannot stop ends the host). The host must then run with `--no-node-snapshot`.
   */
  mode?: SandboxMode;
  /** Number of worker processes (default: one per core); one runtime in `in-process` mode. */
  workers: number;
  bridge: BridgeHandler;
  /** Largest serialized input/output/bridge payload, in bytes. */
  maxPayloadBytes: number;
  /** Most bytes one bridge message (or one call's byte inputs) may carry as byte arrays, all together. */
  maxBinaryBytes: number;
  /** Bridge calls one call may have in flight at once. */
  maxPendingBridgeCalls: number;
  /**
   * Worker crashes blamed on a plugin within `quarantineWindowMs` after which it is quarantined.
   * Only a crash the worker blamed on the plugin counts (see CrashLedger), never one it was a
   * bystander of.
   */
  quarantineAfterCrashes: number;
  quarantineWindowMs: number;
  /** How long a quarantine lasts before it lifts itself, in ms; absent or 0: until lifted or reloaded. */
  quarantineLiftMs?: number;
  /** Told of every quarantine that starts or lifts (for the audit log). Must not throw. */
  onQuarantine?: (event: QuarantineEvent) => void;
  /** Told of isolate kills, worker restarts, dropped log lines and quarantines (metrics). Must not throw. */
  onEvent?: (event: SandboxEvent) => void;
  /** Limits the guest shim checks before a bridge call crosses; a default host's where absent. */
  guestLimits?: { maxPendingLogLines?: number; maxLogLineBytes?: number; maxKvKeyLength?: number; maxKvValueBytes?: number };
  /** Folder for the host-made, HMAC-authenticated code cache. */
  cacheDir: string;
  /** Secret for the code cache HMAC. */
  cacheKey: Buffer;
  logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /**
   * Resident memory (MB) past which a worker process is recycled (default 1024). A backstop for
   * allocations V8 cannot interrupt (isolated-vm #107/#186), where `memoryLimit` is not enough.
   */
  workerMaxRssMb?: number;
  /**
   * How long a cancelled call's code may take to wind down before its isolate is disposed
   * (default DEFAULT_ABORT_GRACE_MS). Short enough to free a slot held by code that ignores
   * the abort, long enough that a busy machine does not stop an isolate other calls share.
   */
  abortGraceMs?: number;
}

/** Counters for operators and tests, summed over the live workers. */
export interface SandboxStats {
  workers: number;
  /** Workers started again after dying. */
  workerRestarts: number;
  isolatesCreated: number;
  /** Code caches produced by a first compile and stored (memory and disk). */
  cacheProduced: number;
  cacheHitsMemory: number;
  cacheHitsDisk: number;
  /** Cache files whose HMAC did not verify: deleted, never handed to V8. */
  cacheRejectedHmac: number;
  /** Caches V8 itself refused (`cachedDataRejected`). */
  cacheRejectedV8: number;
  /** Bridge calls that reached a worker with a non-string argument (should stay 0). */
  bridgeNonStringArgs: number;
  /** Resident memory of the live worker processes, in bytes, summed. */
  rssBytes: number;
  /** `ctx.log` lines dropped (too large, too many in flight, fields not JSON), as reported by the calls. */
  logLinesDropped: number;
  /** Calls the HTTP process is waiting on. */
  callsInFlight: number;
  /** Plugin versions retired (upgraded, disabled, uninstalled) whose drain has not ended yet. */
  versionsDraining: number;
  /** Isolates alive (or being built) in the workers: one per plugin version in use, plus those still draining. */
  isolatesLive: number;
  /** Calls the workers hold, summed (0 once every call has answered: nothing is kept per call). */
  workerCallsInFlight: number;
  /** Bridge requests the workers wait on the HTTP process for, summed. */
  bridgeCallsPending: number;
  /** Bridge calls that reached a worker for a call that had ended (the guest refuses those before they cross). */
  bridgeCallsAfterEnd: number;
  /** Heap of the live isolates at their last sample (a call's end, its bridge calls), in bytes, summed. */
  isolateHeapBytes: number;
  /** The same by plugin id (a version, as the host names it); only isolates alive now. */
  isolateHeapByPlugin: Record<string, number>;
}

/** Why a worker disposed an isolate that was running plugin code: its call broke a limit, or was cancelled and did not stop. */
export type KillCause = 'timeout' | 'memory' | 'idle' | 'aborted';

/**
 * Why a worker process was replaced: it ended itself past its resident memory cap
 * (`memory-cap`), over an isolate that kept running after disposal (`runaway`) or one V8 gave
 * up on (`v8`); it died otherwise (`exited`: killed from outside, a crash); or it never came up
 * (`start-failed`).
 */
export type WorkerExitReason = 'memory-cap' | 'runaway' | 'v8' | 'exited' | 'start-failed';

/** What the sandbox tells operators as it happens; `pluginId` as in SandboxPlugin. */
export type SandboxEvent =
  | { type: 'sandbox.killed'; pluginId: string; cause: KillCause }
  | { type: 'sandbox.worker-restarted'; reason: WorkerExitReason }
  /** `ctx.log` lines a call's guest dropped (too large, too many in flight, fields not JSON). */
  | { type: 'sandbox.log-dropped'; pluginId: string; count: number }
  | { type: 'sandbox.quarantine'; change: 'started' | 'lifted'; pluginId: string };

/** One worker crash charged to a plugin, with what the worker saw. */
export interface QuarantineStrike {
  /** ms since the epoch. */
  at: number;
  /** The worker's reason for ending itself (e.g. 'the worker passed its resident memory cap'). */
  reason: string;
  /** Figures behind the blame, when the worker had them (bytes). */
  evidence?: { workerRssBytes?: number; chargedBytes?: number; capBytes?: number };
  /** Other calls that failed with the worker (bystanders, not charged). */
  bystanderCalls: number;
}

/** A plugin (by sandbox id) that may not run until the quarantine lifts. */
export interface SandboxQuarantine {
  pluginId: string;
  reason: string;
  /** ms since the epoch. */
  since: number;
  /** When it lifts itself (ms since the epoch); undefined: only when lifted or reloaded. */
  until: number | undefined;
  /** The crashes that put it there, oldest first. */
  strikes: QuarantineStrike[];
}

export interface QuarantineEvent {
  type: 'quarantined' | 'lifted';
  quarantine: SandboxQuarantine;
  /** Why it lifted: its time ran out, someone lifted it, or the plugin was loaded or unloaded again. */
  cause: 'crashes' | 'expired' | 'lifted' | 'reloaded';
  /** Who lifted it, when someone did (an audit actor). */
  actor?: string;
}

/** A failed call: one of the sandbox's stable codes and a safe message. */
export interface SandboxFailure {
  code: ErrorCode;
  message: string;
}

export interface Sandbox {
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  /** Loads the plugin (compiles and checks its handlers) without running a handler. */
  load(plugin: SandboxPlugin, expected: { agents: Record<string, string[]>; workflows: string[] }): Promise<void>;
  /** Drops the plugin's isolate now; calls still in it end with PLUGIN_DRAIN_TIMEOUT. */
  unload(pluginId: string): Promise<void>;
  /**
   * Retires a plugin version (on upgrade, disable, uninstall) without stopping its calls: they
   * run on (as do calls bound to it that arrive later) for `drainMs`; its isolate is dropped
   * whenever it has no call in flight. At the deadline the calls still in flight end with
   * PLUGIN_DRAIN_TIMEOUT and later ones are refused with it. Resolves when the drain ends: at
   * the deadline, or when the version is loaded (live again) or unloaded first.
   */
  retire(pluginId: string, drainMs: number): Promise<void>;
  /**
   * The version is current again though this host did not load it (another host on a shared
   * store enabled it, or rolled back to it): its drain or retirement ends, and it loads at its
   * next call.
   */
  revive(pluginId: string): void;
  /** Pids of the worker processes (operators and tests). */
  workerPids(): number[];
  /** Counters of the live workers (code cache, isolates, restarts). */
  stats?(): Promise<SandboxStats>;
  /** The plugin's quarantine, if it is in one now. */
  quarantineOf(pluginId: string): SandboxQuarantine | undefined;
  /** Every quarantine in force. */
  quarantines(): SandboxQuarantine[];
  /** Lifts a quarantine now; the lifted quarantine, or undefined when there was none. `actor` goes to onQuarantine. */
  liftQuarantine(pluginId: string, actor: string): SandboxQuarantine | undefined;
  close(): Promise<void>;
}
