/**
 * The function behind an isolate's bridge Reference in a test: the guest shim hands over
 * four strings and, optionally, one byte array it copied; this checks them as the host's
 * worker does (types, sizes, the call they name and the isolate it runs in), asks the host
 * side (CapabilityHost) and answers an envelope string, or `[envelope, ...ArrayBuffers]`
 * when the answer carries bytes. It never rejects.
 */
import type { PluginIsolate } from '../isolate/index.ts';
import { ownBuffer } from './bytes.ts';
import { codeOf, EaselError } from './errors.ts';
import type { CapabilityHost } from './host.ts';
import type { CallScope } from './scope.ts';
import { MAX_BINARY_BYTES, MAX_PAYLOAD_BYTES } from './wire.ts';

/** A call running in an isolate. */
export interface LiveCall {
  callId: string;
  iso: PluginIsolate;
  scope: CallScope;
  budget: { cpuMs: number; wallMs: number };
  startWall: number;
  startCpuNs: bigint | undefined;
  /** `ctx` calls in flight (a call waiting on one is not the one burning CPU). */
  pending: number;
  abortedAt: number | undefined;
  done: boolean;
  resolve(output: unknown): void;
  reject(error: EaselError): void;
}

type Answer = string | [string, ...ArrayBuffer[]];

const NAME = /^[a-zA-Z][a-zA-Z0-9]{0,31}$/;
/** The host's default EASEL_SANDBOX_MAX_PENDING_BRIDGE_CALLS. */
const MAX_PENDING = 64;

const envelope = (code: string, message: string): string => JSON.stringify({ ok: false, code, message });

export class GuestBridge {
  readonly #calls: ReadonlyMap<string, LiveCall>;
  readonly #host: CapabilityHost;

  constructor(calls: ReadonlyMap<string, LiveCall>, host: CapabilityHost) {
    this.#calls = calls;
    this.#host = host;
  }

  /** The bridge of one isolate: a call id only counts from the isolate it runs in. */
  forIsolate(owner: () => PluginIsolate | undefined) {
    return async (callId: unknown, capability: unknown, op: unknown, argsJson: unknown, bytes: unknown): Promise<Answer> => {
      try {
        return await this.#handle(owner(), callId, capability, op, argsJson, bytes);
      } catch (err) {
        return envelope('INTERNAL_ERROR', `internal error: ${(err as Error)?.message}`);
      }
    };
  }

  async #handle(owner: PluginIsolate | undefined, callId: unknown, capability: unknown, op: unknown, argsJson: unknown, bytes: unknown): Promise<Answer> {
    if (typeof callId !== 'string' || typeof capability !== 'string' || typeof op !== 'string' || typeof argsJson !== 'string') {
      return envelope('BRIDGE_ARGUMENT_INVALID', 'bridge arguments must be strings');
    }
    const live = this.#calls.get(callId);
    if (!live || live.done || owner === undefined || live.iso !== owner) return envelope('CALL_ENDED', 'this call has ended');
    const { scope } = live;
    const refuse = (code: string, message: string) => envelope(code, scope.deliver(code, message).message);
    if (!NAME.test(capability) || !NAME.test(op)) return refuse('BRIDGE_ARGUMENT_INVALID', 'unknown capability or operation');
    if (Buffer.byteLength(argsJson) > MAX_PAYLOAD_BYTES) return refuse('BRIDGE_ARGUMENT_INVALID', `bridge arguments are over ${MAX_PAYLOAD_BYTES} bytes`);
    if (bytes !== undefined && !(bytes instanceof ArrayBuffer)) return refuse('BRIDGE_ARGUMENT_INVALID', 'bytes must be an ArrayBuffer');
    if (bytes !== undefined && bytes.byteLength > MAX_BINARY_BYTES) return refuse('BRIDGE_ARGUMENT_INVALID', `bytes are over ${MAX_BINARY_BYTES} bytes`);
    if (live.pending >= MAX_PENDING) return refuse('BRIDGE_BUSY', `at most ${MAX_PENDING} bridge calls may be in flight per call`);
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      return refuse('BRIDGE_ARGUMENT_INVALID', 'bridge arguments must be JSON');
    }
    live.pending++;
    try {
      const answer = await this.#host.call(scope, capability, op, args, bytes === undefined ? undefined : new Uint8Array(bytes));
      const ok = answer.json === undefined ? '{"ok":true}' : `{"ok":true,"value":${answer.json}}`;
      return answer.bytes.length === 0 ? ok : [ok, ...answer.bytes.map(ownBuffer)];
    } catch (err) {
      // CapabilityHost already recorded the code as delivered to this call.
      return envelope(codeOf(err) ?? 'INTERNAL_ERROR', err instanceof EaselError ? err.message : 'internal error');
    } finally {
      live.pending--;
    }
  }
}
