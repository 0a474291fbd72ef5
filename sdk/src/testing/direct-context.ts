/**
 * The `ctx` a handler called directly receives: the same members, argument shapes and answers
 * as the guest shim gives a packed script, over the same host side (CapabilityHost). Bytes
 * are copied in and out; answers are fresh copies parsed from JSON; the signal is the call's.
 */
import type { CallSignal, Context, ImageRequest } from '../context.ts';
import { takeByteFields, withByteFields, type ByteLayout } from '../isolate/byte-fields.ts';
import { copyOf } from './bytes.ts';
import type { CapabilityHost } from './host.ts';
import type { CallScope } from './scope.ts';
import { argumentsJson, checkedBytes, type WireAnswer } from './wire.ts';

export interface CallMeta<Config> {
  plugin: { name: string; version: string };
  config: Readonly<Config>;
}

const noop = () => undefined;

/** The signal plugin code sees: the call's, without the parts an isolate does not have. */
function callSignal(signal: AbortSignal): CallSignal {
  return Object.freeze({
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason;
    },
    throwIfAborted: () => signal.throwIfAborted(),
    addEventListener: (type: 'abort', listener: () => void) => signal.addEventListener(type, listener),
    removeEventListener: (type: 'abort', listener: () => void) => signal.removeEventListener(type, listener),
  });
}

export function directContext<Config>(host: CapabilityHost, scope: CallScope, meta: CallMeta<Config>): Context<Config> {
  const send = async (capability: string, op: string, args: unknown, bytes?: Uint8Array): Promise<WireAnswer> =>
    host.call(scope, capability, op, JSON.parse(argumentsJson(args)), bytes);
  const value = async (capability: string, op: string, args: unknown, bytes?: Uint8Array): Promise<any> => {
    const answer = await send(capability, op, args, bytes);
    return answer.json === undefined ? undefined : JSON.parse(answer.json);
  };
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    value('log', level, { message: typeof message === 'string' ? message : String(message), fields }).catch(noop);
  };
  const stream = (request: object): AsyncIterable<string> => ({
    [Symbol.asyncIterator]() {
      let handle: string | undefined;
      return {
        async next() {
          handle ??= (await value('models', 'streamText', request)).stream as string;
          const step = await value('models', 'streamNext', { stream: handle });
          return step.done === true ? { done: true, value: undefined } : { done: false, value: step.chunk as string };
        },
        async return() {
          if (handle !== undefined) await value('models', 'streamClose', { stream: handle });
          return { done: true, value: undefined };
        },
      };
    },
  });
  return Object.freeze({
    executionId: scope.execution.id,
    caller: Object.freeze({ ...scope.execution.caller }),
    plugin: Object.freeze({ ...meta.plugin }),
    config: meta.config,
    log: Object.freeze({ debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }),
    kv: Object.freeze({
      get: (key: string) => value('kv', 'get', { key }),
      set: async (key: string, v: unknown) => void (await value('kv', 'set', { key, value: v })),
      delete: (key: string) => value('kv', 'delete', { key }),
      list: (prefix?: string, options?: { limit?: number }) => value('kv', 'list', { prefix, limit: options?.limit }),
    }),
    models: Object.freeze({
      text: (request: object) => value('models', 'text', request),
      structured: (request: object) => value('models', 'structured', request),
      embed: (request: object) => value('models', 'embed', request),
      streamText: stream,
      image: async (request: ImageRequest) => {
        // The sketch crosses as bytes, copied; the images come back as bytes.
        const { image, ...rest } = request;
        const sketch = image === undefined ? undefined : checkedBytes(copyOf(image, 'image'), 'image');
        const answer = await send('models', 'image', rest, sketch);
        const { model, cost, width, height } = JSON.parse(answer.json ?? '{}');
        return { images: answer.bytes.map((b) => b.slice()), model, cost, width, height };
      },
    }),
    storage: Object.freeze({
      put: async (key: string, bytes: ArrayBufferView | ArrayBuffer, contentType: string, options?: { ttlSeconds?: number }) =>
        value('storage', 'put', { key, contentType, ttlSeconds: options?.ttlSeconds }, checkedBytes(copyOf(bytes, 'bytes'), 'bytes')),
      get: async (key: string) => (await send('storage', 'get', { key })).bytes[0]?.slice(),
      head: (key: string) => value('storage', 'head', { key }),
      delete: (key: string) => value('storage', 'delete', { key }),
      list: (prefix?: string, options?: { limit?: number; after?: string }) => value('storage', 'list', { prefix, limit: options?.limit, after: options?.after }),
      url: (key: string, options?: { expiresInSeconds?: number }) => value('storage', 'url', { key, expiresInSeconds: options?.expiresInSeconds }),
    }),
    agents: Object.freeze({
      // Top-level byte fields of the input cross as one buffer cut by [field, length] pairs; the
      // output's byte fields come back as byte arrays, as through the guest shim.
      invoke: async (agent: string, capability: string, input: unknown) => {
        const taken = takeByteFields(input, false);
        const joined = taken.layout.length === 0 ? undefined : checkedBytes(Buffer.concat(taken.bytes), 'the byte fields of the input');
        const args = joined ? { agent, capability, input: taken.json, bytes: taken.layout.map(([field], i) => [field, taken.bytes[i]!.byteLength]) } : { agent, capability, input };
        const answer = await send('agents', 'invoke', args, joined && new Uint8Array(joined));
        const { output, bytes } = JSON.parse(answer.json ?? '{}') as { output?: unknown; bytes?: ByteLayout };
        return withByteFields(output, bytes ?? [], answer.bytes);
      },
    }),
    progress: async (message: string, data?: unknown) => void (await value('progress', 'publish', { message, data })),
    signal: callSignal(scope.signal),
  }) as Context<Config>;
}
