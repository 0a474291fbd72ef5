/**
 * One handler call as the kit tracks it: its execution, its place in the call tree, its abort
 * signal, its open model streams, and the error codes its `ctx` calls were answered with (a
 * handler may only end with such a code; anything else it throws is PLUGIN_ERROR, as on a host).
 */
import type { Caller } from '../context.ts';
import { GUEST_ERROR_CODES } from '../isolate/byte-fields.ts';
import { cut, EaselError, messageOf } from './errors.ts';
import type { OpenStreams } from './models/types.ts';

/** The host's defaults (EASEL_ORCHESTRATION_MAX_DEPTH, _MAX_STEPS). */
export const MAX_DEPTH = 4;
export const MAX_STEPS = 256;

/** One app call or workflow run, shared by the agent calls it makes. */
export interface Execution {
  id: string;
  steps: number;
  /** `ctx.caller` of every call of the execution. */
  caller: Caller;
}

/** The kit's default `ctx.caller`. */
export const DEFAULT_CALLER: Caller = Object.freeze({ app: 'test-app', user: 'test-user' });

/** A caller as the host binds one: an app key id (or null) and a user id. */
export function checkedCaller(caller: Caller | undefined): Caller {
  if (caller === undefined) return DEFAULT_CALLER;
  if (caller === null || typeof caller !== 'object' || !(caller.app === null || typeof caller.app === 'string') || typeof caller.user !== 'string' || caller.user === '') {
    throw new EaselError('INPUT_INVALID', 'caller must be { app: string | null, user: non-empty string }');
  }
  return Object.freeze({ app: caller.app, user: caller.user });
}


/** A link of the call chain: which capability, with which input (as JSON). */
export interface ChainLink {
  label: string;
  input: string;
}


/** Errors the kit handed to plugin code: only these keep their code when a handler rethrows them. */
const handedOver = new WeakSet<object>();

/** An error for plugin code to see. */
export function pluginError(code: string, message: string): EaselError {
  const err = new EaselError(code, message);
  handedOver.add(err);
  return err;
}

export class CallScope {
  readonly execution: Execution;
  readonly depth: number;
  readonly chain: readonly ChainLink[];
  readonly streams: OpenStreams = new Map();
  readonly delivered = new Set<string>();
  readonly #controller = new AbortController();
  #ended = false;
  #cancelled = false;
  /**
   * Runs when the call is cancelled, before its pending `ctx` calls fail: an isolate fires the
   * handler's `ctx.signal` first, so its listeners see the cancel before awaiting code moves on.
   */
  beforeAbort: (() => Promise<void>) | undefined;

  constructor(execution: Execution, depth: number, chain: readonly ChainLink[], parent?: AbortSignal) {
    this.execution = execution;
    this.depth = depth;
    this.chain = chain;
    if (parent?.aborted) this.abort();
    else parent?.addEventListener('abort', () => this.abort(), { once: true });
  }

  /** Fires when the call is cancelled (its reason: EXECUTION_CANCELLED) or has ended. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Cancels the call. */
  abort(): void {
    // From now on no new ctx call gets through, even while ctx.signal's listeners run.
    this.#cancelled = true;
    const fire = () => {
      if (!this.#controller.signal.aborted) this.#controller.abort(pluginError('EXECUTION_CANCELLED', 'the call was cancelled'));
    };
    if (this.beforeAbort && !this.#ended) void this.beforeAbort().then(fire, fire);
    else fire();
  }

  /** The call is over: what it still waits for is answered CALL_ENDED. */
  end(): void {
    this.#ended = true;
    this.beforeAbort = undefined;
    this.abort();
  }

  /** The error a `ctx` call of this call fails with, remembered as delivered. */
  deliver(code: string, message: string): EaselError {
    this.delivered.add(code);
    return pluginError(code, message);
  }

  /** Starts `work` unless the call is cancelled; settles with it, or fails as soon as the call is cancelled or ends. */
  race<T>(work: () => Promise<T>): Promise<T> {
    if (this.#cancelled) return Promise.reject(this.#stopped());
    const signal = this.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.#stopped());
      signal.addEventListener('abort', onAbort, { once: true });
      work().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * What a handler's throw becomes: a code it was handed by `ctx` (or one the shim makes)
   * stays; anything else is PLUGIN_ERROR with the thrown message.
   */
  outcomeOf(thrown: unknown): EaselError {
    if (thrown instanceof EaselError && handedOver.has(thrown) && (GUEST_ERROR_CODES.has(thrown.code) || this.delivered.has(thrown.code))) {
      return new EaselError(thrown.code, cut(thrown.message));
    }
    // A PluginError (or any error carrying one of its codes) keeps its code, as the shim keeps it.
    const code = thrown !== null && typeof thrown === 'object' ? (thrown as { code?: unknown }).code : undefined;
    if (code === 'RESOURCE_NOT_FOUND' || code === 'REQUEST_REJECTED') return new EaselError(code, cut(messageOf(thrown)));
    return new EaselError('PLUGIN_ERROR', messageOf(thrown));
  }

  #stopped(): EaselError {
    return this.#ended ? this.deliver('CALL_ENDED', 'this call has ended') : this.deliver('EXECUTION_CANCELLED', 'the call was cancelled');
  }
}
