/**
 * The worker's leg of the bridge. The guest hands over four strings and, optionally, one
 * byte array its shim copied into a fresh fixed-length buffer; this checks them (types,
 * sizes, the call they name, the call's pending count), forwards parsed JSON and the bytes
 * to the supervisor and answers the guest with an envelope string, plus the answer's byte
 * arrays when it has any. It never rejects and never puts a host error, stack or path into
 * an answer.
 */
import type { ParentMessage, WorkerMessage } from './protocol.ts';
import { exactBuffer } from './bytes.ts';
import { errorMessage } from '../errors/easel-error.ts';

/** What the bridge needs to know about a call in flight. */
export interface BridgeCall {
  callId: string;
  /** The isolate the call runs in: a call id is only valid from its own isolate. */
  owner: object;
  done: boolean;
  aborted: boolean;
  pendingBridge: Set<number>;
  /** `ctx.log` lines in flight: a budget of their own, and never a sign that the call is parked. */
  pendingLogs: Set<number>;
  /** Error codes the bridge answered this call with: the only non-plugin codes it may end with. */
  delivered: Set<string>;
}

/** Told of every bridge request a live call makes, before it is forwarded (heap sampling). */
export type BridgeObserver = (call: BridgeCall) => void;

const NAME = /^[a-zA-Z][a-zA-Z0-9]{0,31}$/;
const INTERNAL = JSON.stringify({ ok: false, code: 'INTERNAL_ERROR', message: errorMessage('INTERNAL_ERROR', { reference: 'the execution id' }) });

export function errorEnvelope(code: string, message: string): string {
  return JSON.stringify({ ok: false, code, message });
}

export class WorkerBridge {
  /** Non-string arguments seen (only a subverted shim could send one). */
  nonStringArgs = 0;
  /** Log lines refused here (over the size or in-flight cap): the shim should have dropped them. */
  logLinesRefused = 0;
  /** Bridge calls that crossed for a call no longer live: the shim refuses those itself, so this stays near 0. */
  afterEnd = 0;
  #seq = 0;
  #waiters = new Map<number, { call: BridgeCall; resolve: (answer: string | [string, ...ArrayBuffer[]]) => void }>();
  #calls: Map<string, BridgeCall>;
  #send: (m: WorkerMessage, attachments?: readonly Uint8Array[]) => void;
  #maxPayload: number;
  #maxBinary: number;
  #maxPending: number;
  #maxPendingLogs: number;
  #maxLogLine: number;
  #observe: BridgeObserver;

  constructor(
    calls: Map<string, BridgeCall>,
    send: (m: WorkerMessage, attachments?: readonly Uint8Array[]) => void,
    limits: { maxPayloadBytes: number; maxBinaryBytes: number; maxPendingBridgeCalls: number; guestLimits: { maxPendingLogLines: number; maxLogLineBytes: number } },
    observe: BridgeObserver = () => undefined,
  ) {
    this.#observe = observe;
    this.#calls = calls;
    this.#send = send;
    this.#maxPayload = limits.maxPayloadBytes;
    this.#maxBinary = limits.maxBinaryBytes;
    this.#maxPending = limits.maxPendingBridgeCalls;
    this.#maxPendingLogs = limits.guestLimits.maxPendingLogLines;
    this.#maxLogLine = limits.guestLimits.maxLogLineBytes;
  }

  /** Bridge requests waiting for the supervisor's answer. */
  get pending(): number {
    return this.#waiters.size;
  }

  /** The function behind an isolate's bridge Reference. */
  forIsolate(owner: () => object | undefined) {
    return async (callId: unknown, capability: unknown, op: unknown, argsJson: unknown, bytes: unknown): Promise<string | [string, ...ArrayBuffer[]]> => {
      try {
        return await this.#handle(owner(), callId, capability, op, argsJson, bytes);
      } catch {
        return INTERNAL;
      }
    };
  }

  #handle(owner: object | undefined, callId: unknown, capability: unknown, op: unknown, argsJson: unknown, bytes: unknown): string | Promise<string | [string, ...ArrayBuffer[]]> {
    if (typeof callId !== 'string' || typeof capability !== 'string' || typeof op !== 'string' || typeof argsJson !== 'string') {
      this.nonStringArgs++;
      return errorEnvelope('BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: 'they must be strings' }));
    }
    const call = this.#calls.get(callId);
    if (!call || call.done || owner === undefined || call.owner !== owner) {
      this.afterEnd++;
      return errorEnvelope('CALL_ENDED', errorMessage('CALL_ENDED'));
    }
    if (call.aborted) return this.#deliver(call, 'EXECUTION_CANCELLED', errorMessage('EXECUTION_CANCELLED', { subject: 'call' }));
    if (!NAME.test(capability) || !NAME.test(op)) return this.#deliver(call, 'BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: 'unknown capability or operation' }));
    // Length first: a UTF-8 byte count is never below the UTF-16 length, and both precede any parse.
    if (argsJson.length > this.#maxPayload || Buffer.byteLength(argsJson) > this.#maxPayload) {
      return this.#deliver(call, 'BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: `they are over ${this.#maxPayload} bytes` }));
    }
    // The shim only ever sends a fresh ArrayBuffer it made; anything else means it was subverted.
    if (bytes !== undefined && !(bytes instanceof ArrayBuffer)) {
      this.nonStringArgs++;
      return this.#deliver(call, 'BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: 'bytes must be an ArrayBuffer' }));
    }
    if (bytes !== undefined && bytes.byteLength > this.#maxBinary) {
      return this.#deliver(call, 'BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: `bytes are over ${this.#maxBinary} bytes` }));
    }
    // The shim keeps both caps before copying; these hold if it was subverted.
    const isLog = capability === 'log';
    if (isLog && call.pendingLogs.size >= this.#maxPendingLogs) {
      this.logLinesRefused++;
      return this.#deliver(call, 'BRIDGE_BUSY', errorMessage('BRIDGE_BUSY', { limit: this.#maxPendingLogs, what: 'log lines' }));
    }
    if (!isLog && call.pendingBridge.size >= this.#maxPending) {
      return this.#deliver(call, 'BRIDGE_BUSY', errorMessage('BRIDGE_BUSY', { limit: this.#maxPending, what: 'bridge calls' }));
    }
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      return this.#deliver(call, 'BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: 'they must be JSON' }));
    }
    if (isLog && logLineBytes(args) > this.#maxLogLine) {
      this.logLinesRefused++;
      return this.#deliver(call, 'BRIDGE_ARGUMENT_INVALID', errorMessage('BRIDGE_ARGUMENT_INVALID', { reason: `a log line is capped at ${this.#maxLogLine} bytes` }));
    }
    const bridgeId = ++this.#seq;
    this.#observe(call);
    const pending = isLog ? call.pendingLogs : call.pendingBridge;
    return new Promise<string | [string, ...ArrayBuffer[]]>((resolve) => {
      this.#waiters.set(bridgeId, { call, resolve });
      pending.add(bridgeId);
      if (bytes === undefined) this.#send({ t: 'bridge', bridgeId, callId, capability, op, args, bytes: false });
      else this.#send({ t: 'bridge', bridgeId, callId, capability, op, args, bytes: true }, [new Uint8Array(bytes)]);
    });
  }

  /** The supervisor's answer to one bridge request, with the byte arrays of its value. */
  reply(m: Extract<ParentMessage, { t: 'bridgeReply' }>, attachments: Buffer[] = []): void {
    const waiter = this.#waiters.get(m.bridgeId);
    if (!waiter) return;
    this.#waiters.delete(m.bridgeId);
    const { call, resolve } = waiter;
    call.pendingBridge.delete(m.bridgeId);
    call.pendingLogs.delete(m.bridgeId);
    if (call.done || call.aborted) return resolve(errorEnvelope('CALL_ENDED', errorMessage('CALL_ENDED')));
    if (!m.ok) return resolve(this.#deliver(call, String(m.code), String(m.message)));
    if (attachments.reduce((n, a) => n + a.length, 0) > this.#maxBinary) {
      return resolve(this.#deliver(call, 'BRIDGE_RESULT_TOO_LARGE', errorMessage('BRIDGE_RESULT_TOO_LARGE', { limit: this.#maxBinary, measure: 'in byte fields' })));
    }
    if (m.valueJson === undefined && attachments.length === 0) return resolve('{"ok":true}');
    if (m.valueJson !== undefined && (typeof m.valueJson !== 'string' || m.valueJson.length > this.#maxPayload)) {
      return resolve(this.#deliver(call, 'BRIDGE_RESULT_TOO_LARGE', errorMessage('BRIDGE_RESULT_TOO_LARGE', { limit: this.#maxPayload, measure: 'as JSON' })));
    }
    const envelope = m.valueJson === undefined ? '{"ok":true}' : `{"ok":true,"value":${m.valueJson}}`;
    if (attachments.length === 0) return resolve(envelope);
    // Copied into the isolate (its allocator counts them) as fresh fixed-length buffers.
    resolve([envelope, ...attachments.map(exactBuffer)]);
  }

  /** Ends a call's open bridge requests (the call finished or was aborted) so the guest moves on. */
  release(call: BridgeCall, code: string, message: string): void {
    for (const pending of [call.pendingBridge, call.pendingLogs]) {
      for (const id of pending) {
        const waiter = this.#waiters.get(id);
        this.#waiters.delete(id);
        waiter?.resolve(this.#deliver(call, code, message));
      }
      pending.clear();
    }
  }

  #deliver(call: BridgeCall, code: string, message: string): string {
    call.delivered.add(code);
    return errorEnvelope(code, message);
  }
}

/** A log line's size as the host's log capability counts it: the message and its fields as JSON, in UTF-8 bytes. */
function logLineBytes(args: unknown): number {
  if (args === null || typeof args !== 'object') return 0;
  const { message, fields } = args as { message?: unknown; fields?: unknown };
  const text = typeof message === 'string' ? message : String(message ?? '');
  return Buffer.byteLength(text) + Buffer.byteLength(JSON.stringify(fields !== null && typeof fields === 'object' ? fields : {}));
}
