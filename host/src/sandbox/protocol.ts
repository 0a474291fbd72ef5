/**
 * Messages between the supervisor (HTTP process) and a sandbox worker process. Every frame
 * is JSON plus raw byte attachments (see FrameChannel); nothing here is trusted by the side
 * that receives it, so each side checks shapes with the guards below before acting on a
 * message. Where a message carries bytes, the attachments are named in the message.
 */
import type { ErrorCode } from '../errors/index.ts';
import type { KillCause, SandboxPlugin, SandboxStats } from './types.ts';

import type { ByteLayout, ExpectedHandlers } from '@easel/sdk/isolate';

export type { ExpectedHandlers };

export interface WorkerInit {
  t: 'init';
  /** HMAC key of the code cache, base64; sent over the channel, never through env or argv. */
  cacheKey: string;
  cacheDir: string;
  maxPayloadBytes: number;
  /** Most bytes one bridge message or call input may carry as byte arrays, all arrays together. */
  maxBinaryBytes: number;
  maxPendingBridgeCalls: number;
  maxRssBytes: number;
  /** After the host aborts a call, how long its code may take to wind down before its isolate is disposed. */
  abortGraceMs: number;
  /** What the guest shim checks before a bridge call crosses (log lines, kv keys and values). */
  guestLimits: { maxPendingLogLines: number; maxLogLineBytes: number; maxKvKeyLength: number; maxKvValueBytes: number };
}

/** Figures a worker gives for the plugin it blames (bytes). */
export interface FatalEvidence {
  workerRssBytes?: number;
  chargedBytes?: number;
  capBytes?: number;
}

export type ParentMessage =
  | WorkerInit
  | {
      /**
       * Attachments, in order: the input as JSON (UTF-8, never escaped into this frame's JSON);
       * the plugin's config as JSON when `config` is true; then one per byte field. The plugin's
       * view and config are sent only when this worker has not had them (the first call after a
       * load, a restart of the worker or a change); otherwise the worker uses the last ones.
       */
      t: 'invoke';
      callId: string;
      pluginId: string;
      /** Absent: the same as the last one sent to this worker for `pluginId`. */
      plugin?: SandboxPlugin;
      /** This call's wall-clock limit when it is not the plugin's (a workflow's). */
      wallMs?: number;
      /** Whether the config's JSON follows the input's among the attachments. */
      config: boolean;
      kind: 'agent' | 'workflow' | 'estimate';
      target: string;
      capability: string;
      executionId: string;
      /** Top-level input fields delivered as Uint8Array: they fill the attachments after the JSON ones, in this order. */
      binaryFields: string[];
      /** Who the execution runs for (`ctx.caller`), bound by the host. */
      caller: { app: string | null; user: string };
    }
  | { t: 'abort'; callId: string }
  | { t: 'load'; reqId: number; plugin: SandboxPlugin; expected: ExpectedHandlers }
  | { t: 'unload'; reqId: number; pluginId: string }
  /** An ok reply carries its value's byte arrays as attachments, in order. */
  | { t: 'bridgeReply'; bridgeId: number; ok: true; valueJson?: string }
  | { t: 'bridgeReply'; bridgeId: number; ok: false; code: string; message: string }
  | { t: 'stats'; reqId: number }
  | { t: 'shutdown' };

export interface CallMetrics {
  cpuMs: number;
  wallMs: number;
  heapUsedBytes: number;
  heapPeakBytes: number;
}

export type WorkerStats = Omit<SandboxStats, 'workerRestarts' | 'workers' | 'callsInFlight' | 'versionsDraining'>;

/** Why a worker ends itself (see WorkerExitReason). */
export type FatalCause = 'memory-cap' | 'runaway' | 'v8';

export type WorkerMessage =
  | { t: 'ready' }
  /**
   * Attachments: the guest's answer as the guest wrote it (UTF-8 JSON whose `value` is the
   * output; checked by the worker), then the output's byte fields (`bytes`, their layout), in order.
   */
  | ({ t: 'result'; callId: string; ok: true; bytes?: ByteLayout } & CallMetrics)
  | ({ t: 'result'; callId: string; ok: false; code: ErrorCode; message: string } & CallMetrics)
  | { t: 'loaded'; reqId: number; ok: boolean; message?: string }
  | { t: 'unloaded'; reqId: number }
  /** `bytes`: the guest passed one byte array, carried as the frame's only attachment. */
  | { t: 'bridge'; bridgeId: number; callId: string; capability: string; op: string; args: unknown; bytes: boolean }
  | { t: 'stats'; reqId: number; stats: WorkerStats }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields: Record<string, unknown> }
  /** The worker is about to end itself; `pluginId` names the plugin it blames, if any, with the figures behind it. */
  | { t: 'fatal'; reason: string; cause: FatalCause; pluginId?: string; evidence?: FatalEvidence }
  /** An isolate running plugin code was disposed (not an unload). */
  | { t: 'killed'; pluginId: string; cause: KillCause }
  /** A call's guest dropped `count` log lines. */
  | { t: 'dropped'; pluginId: string; count: number };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isString = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length <= max;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

const FATAL_CAUSES: ReadonlySet<unknown> = new Set(['memory-cap', 'runaway', 'v8']);
const KILL_CAUSES: ReadonlySet<unknown> = new Set(['timeout', 'memory', 'idle', 'aborted']);

const isEvidence = (v: unknown): v is FatalEvidence => isObject(v) && Object.entries(v).every(([k, n]) => ['workerRssBytes', 'chargedBytes', 'capBytes'].includes(k) && isCount(n));

/** Narrows a frame from a worker; anything else is a protocol violation. */
export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (!isObject(m)) return false;
  switch (m.t) {
    case 'ready':
      return true;
    case 'result':
      if (!isString(m.callId, 64) || !isCount(m.cpuMs) || !isCount(m.wallMs) || !isCount(m.heapUsedBytes) || !isCount(m.heapPeakBytes)) return false;
      return m.ok === true || (m.ok === false && isString(m.code, 64) && isString(m.message, 4096));
    case 'loaded':
      return isCount(m.reqId) && typeof m.ok === 'boolean' && (m.message === undefined || isString(m.message, 4096));
    case 'unloaded':
      return isCount(m.reqId);
    case 'bridge':
      return isCount(m.bridgeId) && isString(m.callId, 64) && isString(m.capability, 64) && isString(m.op, 64) && typeof m.bytes === 'boolean';
    case 'stats':
      return isCount(m.reqId) && isObject(m.stats);
    case 'log':
      return (m.level === 'info' || m.level === 'warn' || m.level === 'error') && isString(m.msg, 4096) && isObject(m.fields);
    case 'fatal':
      return isString(m.reason, 4096) && FATAL_CAUSES.has(m.cause) && (m.pluginId === undefined || isString(m.pluginId, 512)) && (m.evidence === undefined || isEvidence(m.evidence));
    case 'killed':
      return isString(m.pluginId, 512) && KILL_CAUSES.has(m.cause);
    case 'dropped':
      return isString(m.pluginId, 512) && isCount(m.count) && Number.isSafeInteger(m.count);
    default:
      return false;
  }
}
