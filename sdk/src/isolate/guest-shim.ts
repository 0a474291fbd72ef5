/**
 * The guest side of the sandbox: plain JavaScript evaluated (strict, via `evalClosure`) in a
 * plugin's context BEFORE the plugin script. `$0` is the bridge Reference, `$1` the payload
 * cap, `$2` the byte-array cap, `$3` the other per-call limits as a JSON string (GuestLimits;
 * absent: the host's defaults). It returns `{ dispatch, abort, afterLoad }`, which the worker
 * holds as References.
 *
 * Rules this code keeps, because plugin code runs in the same realm afterwards:
 * - every intrinsic it uses is captured now and called through `apply`, so later patches of
 *   JSON, Promise.prototype.then, Array/Object prototypes change nothing here;
 * - no iteration protocol, no spread, no property reads that could fall through to a
 *   polluted prototype (own reads only), descriptors and transfer options with a null proto;
 * - the bridge Reference only ever lives in this closure and only ever receives strings, plus
 *   at most one fresh fixed-length ArrayBuffer this shim allocated and filled (copyBytes):
 *   plugin views (typed arrays, DataViews, buffers) never cross; shared, resizable and
 *   detached buffers are refused, and sizes are checked before anything is copied;
 * - only errors this shim creates for bridge failures keep their `code` (a WeakSet decides);
 * - limits are checked here, where the data is made, before anything crosses: a crossing
 *   copies its arguments out of the isolate's heap (outside its memory limit) and queues work
 *   in the worker, so an oversize log line, kv key or value, a call past its pending-call
 *   cap, or any call after its call ended is refused (or, for fire-and-forget log lines,
 *   dropped and counted: the counts ride on the call's answer) without crossing;
 * - memory V8 does not charge to the isolate's limit cannot be had: WebAssembly (memories and
 *   memory.grow) and SharedArrayBuffer are removed, and ArrayBuffer is a wrapper that refuses
 *   `maxByteLength`, with `resize` gone, so no resizable or growable buffer exists. Plain
 *   buffers and typed arrays go through isolated-vm's allocator, which counts them;
 * - the promise `dispatch` returns never reaches plugin code and carries its own species, so
 *   isolated-vm's `then` on it runs no plugin code (the worker still never trusts its text).
 */
/**
 * Per-call limits the guest shim enforces before anything crosses the bridge (`$3`, as JSON).
 * Any field left out takes a default host's value.
 */
export interface GuestLimits {
  /** Bridge calls (other than log lines) one call may have in flight (`EASEL_SANDBOX_MAX_PENDING_BRIDGE_CALLS`). */
  maxPendingBridgeCalls?: number;
  /** `ctx.log` lines one call may have in flight; more are dropped and counted (`EASEL_SANDBOX_MAX_PENDING_LOG_LINES`). */
  maxPendingLogLines?: number;
  /** Largest log line, message and fields as JSON, in UTF-8 bytes (`EASEL_LOG_MAX_LINE_BYTES`). */
  maxLogLineBytes?: number;
  /** Longest kv key or prefix, in characters (`EASEL_KV_MAX_KEY_LENGTH`). */
  maxKvKeyLength?: number;
  /** Largest kv value as JSON, in UTF-8 bytes (`EASEL_KV_MAX_VALUE_BYTES`). */
  maxKvValueBytes?: number;
}

export const GUEST_SHIM = String.raw`'use strict';
const bridge = $0;
const MAX_PAYLOAD = $1;
const MAX_BINARY = $2;
const G = globalThis;
const O = Object;
const R = Reflect;
const apply = R.apply;
const create = O.create;
const freeze = O.freeze;
const defineProperty = O.defineProperty;
const hasOwn = O.hasOwn;
const ownKeys = O.keys;
const isArray = Array.isArray;
const parse = JSON.parse;
const stringify = JSON.stringify;
const PromiseCtor = Promise;
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve;
const promiseReject = Promise.reject;
const ErrorCtor = Error;
const StringCtor = String;
const stringSlice = String.prototype.slice;
const Uint8ArrayCtor = Uint8Array;
const MapCtor = Map;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;
const SetCtor = Set;
const setAdd = Set.prototype.add;
const setDelete = Set.prototype.delete;
const setForEach = Set.prototype.forEach;
const setClear = Set.prototype.clear;
const WeakSetCtor = WeakSet;
const weakSetAdd = WeakSet.prototype.add;
const weakSetHas = WeakSet.prototype.has;
const SymbolAsyncIterator = Symbol.asyncIterator;
const SymbolSpecies = Symbol.species;
const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const construct = R.construct;
const getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
const refApply = bridge.apply;
const MAX_MESSAGE = 1000;
const charCodeAt = String.prototype.charCodeAt;

// Byte copying uses the native getters and set, so no view a plugin built (or patched) runs code.
const NativeArrayBuffer = G.ArrayBuffer;
const getterOf = (proto, name) => { const d = getOwnPropertyDescriptor(proto, name); return d === undefined ? undefined : d.get; };
const abByteLength = getterOf(NativeArrayBuffer.prototype, 'byteLength');
const abResizable = getterOf(NativeArrayBuffer.prototype, 'resizable');
const abDetached = getterOf(NativeArrayBuffer.prototype, 'detached');
const isView = NativeArrayBuffer.isView;
const TypedArrayProto = O.getPrototypeOf(Uint8Array.prototype);
const taBuffer = getterOf(TypedArrayProto, 'buffer');
const taOffset = getterOf(TypedArrayProto, 'byteOffset');
const taLength = getterOf(TypedArrayProto, 'byteLength');
const taSet = TypedArrayProto.set;
const dvBuffer = getterOf(DataView.prototype, 'buffer');
const dvOffset = getterOf(DataView.prototype, 'byteOffset');
const dvLength = getterOf(DataView.prototype, 'byteLength');

const nullObject = (fields) => {
  const o = create(null);
  const names = ownKeys(fields);
  for (let i = 0; i < names.length; i++) o[names[i]] = fields[names[i]];
  return freeze(o);
};
// Read through the guest's Object.prototype otherwise (isolated-vm reads option bags with [[Get]]).
// Arguments and result are copied: strings, the one ArrayBuffer this shim made, and back an
// envelope string or [envelope, ...ArrayBuffers] that land in this isolate's own heap.
const APPLY_OPTIONS = nullObject({ arguments: nullObject({ copy: true }), result: nullObject({ promise: true, copy: true }) });
const valueDescriptor = (value) => nullObject({ value: value, enumerable: true, writable: false, configurable: false });

// Memory outside the isolate's limit (runs before any plugin code, so nothing is patched yet).
// WebAssembly.Memory, resizable ArrayBuffers and growable SharedArrayBuffers reserve their
// backing store outside isolated-vm's allocator: a 16 MB isolate could fill gigabytes.
{
  delete G.WebAssembly;
  delete G.SharedArrayBuffer;
  const arrayBufferProto = NativeArrayBuffer.prototype;
  // A normal function (not a class) so it can forward new.target; strict, so stack-trace
  // call sites never hand it out, and neither do they hand out the builtin it calls.
  const ArrayBuffer = function ArrayBuffer(length) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor ArrayBuffer requires 'new'");
    const options = arguments.length > 1 ? arguments[1] : undefined;
    if (options !== null && (typeof options === 'object' || typeof options === 'function') && options.maxByteLength !== undefined) {
      throw new RangeErrorCtor('resizable ArrayBuffers are not available in the sandbox');
    }
    // Only the length travels: the native constructor never sees the options object.
    return construct(NativeArrayBuffer, [length], new.target);
  };
  defineProperty(ArrayBuffer, 'prototype', nullObject({ value: arrayBufferProto, writable: false, enumerable: false, configurable: false }));
  const isView = getOwnPropertyDescriptor(NativeArrayBuffer, 'isView');
  defineProperty(ArrayBuffer, 'isView', nullObject({ value: isView.value, writable: true, enumerable: false, configurable: true }));
  const species = getOwnPropertyDescriptor(NativeArrayBuffer, SymbolSpecies);
  defineProperty(ArrayBuffer, SymbolSpecies, nullObject({ get: species.get, set: undefined, enumerable: false, configurable: true }));
  defineProperty(arrayBufferProto, 'constructor', nullObject({ value: ArrayBuffer, writable: true, enumerable: false, configurable: true }));
  // Without resizable buffers, transfer() and transferToFixedLength() only make fixed ones
  // (through the counting allocator); resize() has nothing left to do.
  delete arrayBufferProto.resize;
  defineProperty(G, 'ArrayBuffer', nullObject({ value: ArrayBuffer, writable: true, enumerable: false, configurable: true }));
}

const bridgeErrors = new WeakSetCtor();
const ownGet = (o, key) => (o !== null && (typeof o === 'object' || typeof o === 'function') && hasOwn(o, key) ? o[key] : undefined);

// Per-call limits (GuestLimits); the defaults are a default host's.
const LIMITS = typeof $3 === 'string' ? parse($3) : undefined;
const limitOf = (name, fallback) => {
  const v = ownGet(LIMITS, name);
  return typeof v === 'number' && v >= 0 ? v : fallback;
};
const MAX_PENDING = limitOf('maxPendingBridgeCalls', 64);
const MAX_PENDING_LOGS = limitOf('maxPendingLogLines', 32);
const MAX_LOG_LINE = limitOf('maxLogLineBytes', 8192);
const MAX_KV_KEY = limitOf('maxKvKeyLength', 512);
const MAX_KV_VALUE = limitOf('maxKvValueBytes', 65536);

// UTF-8 size of s, counted only as far as needed: max + 1 once it is past max.
const utf8Bytes = (s, max) => {
  const n = s.length;
  if (n > max) return max + 1;
  if (n * 3 <= max) {
    // Every UTF-16 unit is at most 3 bytes; an exact count only matters near the cap.
    let ascii = true;
    for (let i = 0; i < n && ascii; i++) ascii = apply(charCodeAt, s, [i]) < 0x80;
    if (ascii) return n;
  }
  let bytes = 0;
  for (let i = 0; i < n && bytes <= max; i++) {
    const c = apply(charCodeAt, s, [i]);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = apply(charCodeAt, s, [i + 1]);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes > max ? max + 1 : bytes;
};
const text = (v) => {
  try {
    const s = typeof v === 'string' ? v : StringCtor(v);
    return s.length > MAX_MESSAGE ? apply(stringSlice, s, [0, MAX_MESSAGE]) : s;
  } catch (e) {
    return 'unprintable value';
  }
};
const bridgeError = (code, message) => {
  const e = new ErrorCtor(text(message));
  defineProperty(e, 'code', valueDescriptor(text(code)));
  apply(weakSetAdd, bridgeErrors, [e]);
  return e;
};
const rejected = (e) => apply(promiseReject, PromiseCtor, [e]);
const then = (p, onOk, onErr) => apply(promiseThen, p, [onOk, onErr]);
const noop = () => undefined;
const errorEnvelope = (code, message) => '{"ok":false,"code":' + stringify(code) + ',"message":' + stringify(text(message)) + '}';

const tryCall = (fn, self) => {
  try { return apply(fn, self, []); } catch (e) { return undefined; }
};
// An answer is an envelope string, or [envelope, ...ArrayBuffers] when it carries bytes.
const decodeWithBytes = (answer) => {
  let envelope = answer;
  const bytes = [];
  if (isArray(answer)) {
    envelope = ownGet(answer, 0);
    const n = ownGet(answer, 'length');
    for (let i = 1; i < n; i++) {
      const b = ownGet(answer, i);
      if (tryCall(abByteLength, b) === undefined) throw bridgeError('INTERNAL_ERROR', 'the bridge answered malformed bytes');
      defineProperty(bytes, i - 1, nullObject({ value: new Uint8ArrayCtor(b), enumerable: true, writable: true, configurable: true }));
    }
  }
  if (typeof envelope !== 'string') throw bridgeError('INTERNAL_ERROR', 'the bridge answered nothing');
  const r = parse(envelope);
  if (ownGet(r, 'ok') === true) return nullObject({ value: ownGet(r, 'value'), bytes: bytes });
  throw bridgeError(text(ownGet(r, 'code')), text(ownGet(r, 'message')));
};
const decode = (answer) => decodeWithBytes(answer).value;
const bridgeDown = () => {
  throw bridgeError('INTERNAL_ERROR', 'the bridge is unavailable');
};

// The one way out of the isolate: four strings (and maybe one fresh buffer) in, one envelope back.
const sendJson = (callId, capability, op, json, bytes, decoder) => {
  if (utf8Bytes(json, MAX_PAYLOAD) > MAX_PAYLOAD) return rejected(bridgeError('BRIDGE_ARGUMENT_INVALID', 'bridge arguments are over ' + MAX_PAYLOAD + ' bytes'));
  let answer;
  try {
    answer = apply(refApply, bridge, [undefined, [callId, capability, op, json, bytes], APPLY_OPTIONS]);
  } catch (e) {
    return rejected(bridgeError('INTERNAL_ERROR', 'the bridge is unavailable'));
  }
  return then(answer, decoder, bridgeDown);
};
const send = (callId, capability, op, args, bytes, decoder) => {
  let json;
  try {
    json = stringify(args);
  } catch (e) {
    return rejected(bridgeError('BRIDGE_ARGUMENT_INVALID', 'bridge arguments must be JSON: ' + text(ownGet(e, 'message'))));
  }
  if (typeof json !== 'string') json = '{}';
  return sendJson(callId, capability, op, json, bytes, decoder);
};

// A call's own state: bridge calls and log lines in flight, log lines dropped, and whether it ended.
const callState = () => {
  const state = create(null);
  state.pending = 0;
  state.logs = 0;
  state.oversize = 0;
  state.overflow = 0;
  state.invalid = 0;
  state.ended = false;
  return state;
};
// Every bridge call but a log line: refused without crossing once the call has ended, or while
// it has MAX_PENDING in flight (the worker refuses the same, but only after the copy).
const guard = (state, start) => {
  if (state.ended) return rejected(bridgeError('CALL_ENDED', 'this call has ended'));
  if (state.pending >= MAX_PENDING) return rejected(bridgeError('BRIDGE_BUSY', 'at most ' + MAX_PENDING + ' bridge calls may be in flight per call'));
  state.pending++;
  // An answer that reaches the isolate after its call ended is never seen: whether the host
  // answered before the worker saw the end is a race, so the guest decides it here.
  return then(start(), (v) => {
    state.pending--;
    if (state.ended) throw bridgeError('CALL_ENDED', 'this call has ended');
    return v;
  }, (e) => {
    state.pending--;
    if (state.ended) throw bridgeError('CALL_ENDED', 'this call has ended');
    throw e;
  });
};
// The drop counts, put in front of the call's answer for the worker to report.
const withDrops = (envelope, state) => {
  if (state.oversize + state.overflow + state.invalid === 0) return envelope;
  const head = '{"logsDropped":{"oversize":' + state.oversize + ',"overflow":' + state.overflow + ',"invalid":' + state.invalid + '},';
  if (typeof envelope === 'string') return head + apply(stringSlice, envelope, [1]);
  defineProperty(envelope, 0, nullObject({ value: head + apply(stringSlice, ownGet(envelope, 0), [1]), enumerable: true, writable: true, configurable: true }));
  return envelope;
};

/**
 * Copies a plugin's bytes (any typed array, DataView or ArrayBuffer) into a fresh
 * fixed-length ArrayBuffer, the only kind that crosses. Reads go through the native getters
 * (a Proxy or a patched prototype gets nowhere); the size is checked before any copy.
 */
const copyBytes = (v, what, tooLarge) => {
  const invalid = (why) => bridgeError('BRIDGE_ARGUMENT_INVALID', what + ' ' + why);
  if (v === null || typeof v !== 'object') throw invalid('must be a Uint8Array, another typed array, a DataView or an ArrayBuffer');
  let buffer = v;
  let offset = 0;
  let length;
  if (apply(isView, NativeArrayBuffer, [v])) {
    buffer = tryCall(taBuffer, v);
    if (buffer !== undefined) {
      offset = apply(taOffset, v, []);
      length = apply(taLength, v, []);
    } else {
      buffer = tryCall(dvBuffer, v);
      if (buffer === undefined) throw invalid('is not a readable view');
      offset = apply(dvOffset, v, []);
      length = apply(dvLength, v, []);
    }
  }
  // The ArrayBuffer getter throws for a SharedArrayBuffer and for anything that is not a buffer.
  const total = tryCall(abByteLength, buffer);
  if (total === undefined) throw invalid('must be a plain ArrayBuffer or a view of one (shared buffers are refused)');
  if (abResizable !== undefined && apply(abResizable, buffer, []) === true) throw invalid('must not be a resizable buffer or a view of one');
  if (abDetached !== undefined && apply(abDetached, buffer, []) === true) throw invalid('is detached');
  if (length === undefined) length = total;
  if (length > MAX_BINARY) throw bridgeError(tooLarge ?? 'BRIDGE_ARGUMENT_INVALID', what + ' is over ' + MAX_BINARY + ' bytes');
  if (offset + length > total) throw invalid('is out of bounds');
  const fresh = construct(NativeArrayBuffer, [length]);
  apply(taSet, new Uint8ArrayCtor(fresh), [new Uint8ArrayCtor(buffer, offset, length)]);
  return fresh;
};

// Bytes in top-level fields (of an invoke's input; of an output, also arrays of them) cross as
// fresh buffers beside the JSON. A layout names them: [field, -1] for one, [field, n] for n.
const isBytes = (v) => v !== null && typeof v === 'object' && (apply(isView, NativeArrayBuffer, [v]) || tryCall(abByteLength, v) !== undefined);
const append = (list, v) => defineProperty(list, list.length, nullObject({ value: v, enumerable: true, writable: true, configurable: true }));
const takeBytes = (value, arrays, tooLarge) => {
  if (value === null || typeof value !== 'object' || isArray(value) || isBytes(value)) return undefined;
  const names = ownKeys(value);
  const rest = create(null);
  const layout = [];
  const buffers = [];
  let total = 0;
  const take = (v, name) => {
    const b = copyBytes(v, name, tooLarge);
    total += apply(abByteLength, b, []);
    if (total > MAX_BINARY) throw bridgeError(tooLarge, 'byte fields are over ' + MAX_BINARY + ' bytes together');
    append(buffers, b);
  };
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const v = value[name];
    if (isBytes(v)) {
      take(v, name);
      append(layout, [name, -1]);
      continue;
    }
    if (arrays && isArray(v) && v.length > 0) {
      let all = true;
      for (let j = 0; j < v.length && all; j++) all = isBytes(v[j]);
      if (all) {
        for (let j = 0; j < v.length; j++) take(v[j], name);
        append(layout, [name, v.length]);
        continue;
      }
    }
    rest[name] = v;
  }
  return layout.length === 0 ? undefined : nullObject({ rest: rest, layout: layout, buffers: buffers });
};
const concatBuffers = (buffers) => {
  let total = 0;
  for (let i = 0; i < buffers.length; i++) total += apply(abByteLength, buffers[i], []);
  const out = construct(NativeArrayBuffer, [total]);
  const view = new Uint8ArrayCtor(out);
  let at = 0;
  for (let i = 0; i < buffers.length; i++) {
    apply(taSet, view, [new Uint8ArrayCtor(buffers[i]), at]);
    at += apply(abByteLength, buffers[i], []);
  }
  return out;
};
// The answer's byte arrays back into the fields its layout names.
const placeBytes = (json, layout, arrays) => {
  if (!isArray(layout) || json === null || typeof json !== 'object') return json;
  let next = 0;
  for (let i = 0; i < layout.length; i++) {
    const field = ownGet(layout[i], 0);
    const count = ownGet(layout[i], 1);
    if (typeof field !== 'string' || typeof count !== 'number') continue;
    let value;
    if (count === -1) value = ownGet(arrays, next++);
    else {
      value = [];
      for (let j = 0; j < count; j++) append(value, ownGet(arrays, next++));
    }
    defineProperty(json, field, nullObject({ value: value, enumerable: true, writable: true, configurable: true }));
  }
  return json;
};
const invokeAgent = (c, agent, capability, input) => {
  let taken;
  try { taken = takeBytes(input, false, 'BRIDGE_ARGUMENT_INVALID'); } catch (e) { return rejected(e); }
  const args = taken === undefined
    ? nullObject({ agent: agent, capability: capability, input: input })
    : nullObject({ agent: agent, capability: capability, input: ownGet(taken, 'rest'), bytes: sizesOf(ownGet(taken, 'layout'), ownGet(taken, 'buffers')) });
  const bytes = taken === undefined ? undefined : concatBuffers(ownGet(taken, 'buffers'));
  return then(c('agents', 'invoke', args, bytes), (r) => {
    const v = ownGet(r, 'value');
    return placeBytes(ownGet(v, 'output'), ownGet(v, 'bytes'), ownGet(r, 'bytes'));
  });
};
// An input's layout as [field, byteLength] pairs: the host splits the one buffer with them.
const sizesOf = (layout, buffers) => {
  const sizes = [];
  for (let i = 0; i < layout.length; i++) append(sizes, [ownGet(layout[i], 0), apply(abByteLength, buffers[i], [])]);
  return sizes;
};

/** A copy of o's own enumerable fields except skip, on a null prototype. */
const without = (o, skip) => {
  const out = create(null);
  if (o === null || typeof o !== 'object') return out;
  const names = ownKeys(o);
  for (let i = 0; i < names.length; i++) if (names[i] !== skip) out[names[i]] = o[names[i]];
  return out;
};

const deepFreeze = (v) => {
  if (v !== null && typeof v === 'object') {
    const names = ownKeys(v);
    for (let i = 0; i < names.length; i++) deepFreeze(v[names[i]]);
    freeze(v);
  }
  return v;
};

// A minimal AbortSignal (isolates have no EventTarget); fired by the host's abort.
const makeSignal = () => {
  const listeners = new SetCtor();
  const state = create(null);
  state.aborted = false;
  state.reason = undefined;
  const signal = freeze({
    get aborted() { return state.aborted; },
    get reason() { return state.reason; },
    throwIfAborted() { if (state.aborted) throw state.reason; },
    addEventListener(type, listener) { if (type === 'abort' && typeof listener === 'function') apply(setAdd, listeners, [listener]); },
    removeEventListener(type, listener) { if (type === 'abort') apply(setDelete, listeners, [listener]); },
  });
  const fire = (reason) => {
    if (state.aborted) return;
    state.aborted = true;
    state.reason = reason;
    apply(setForEach, listeners, [(listener) => { try { apply(listener, signal, []); } catch (e) {} }]);
    apply(setClear, listeners, []);
  };
  return nullObject({ signal: signal, fire: fire });
};

const makeContext = (callId, meta, signal, state) => {
  const c = (capability, op, args, bytes) => guard(state, () => send(callId, capability, op, args, bytes, decode));
  const cb = (capability, op, args, bytes) => guard(state, () => send(callId, capability, op, args, bytes, decodeWithBytes));
  // Fire and forget, so never queued without bound: a line over the size cap, past the cap of
  // lines in flight, or whose fields are not JSON is dropped here and counted.
  const log = (level) => (message, fields) => {
    if (state.ended) return;
    const line = typeof message === 'string' ? message : text(message);
    let size = utf8Bytes(line, MAX_LOG_LINE);
    if (size > MAX_LOG_LINE) {
      state.oversize++;
      return;
    }
    let fieldsJson;
    if (fields !== null && typeof fields === 'object') {
      try { fieldsJson = stringify(fields); } catch (e) { fieldsJson = undefined; }
      if (typeof fieldsJson !== 'string') {
        state.invalid++;
        return;
      }
    }
    size += utf8Bytes(fieldsJson === undefined ? '{}' : fieldsJson, MAX_LOG_LINE - size);
    if (size > MAX_LOG_LINE) {
      state.oversize++;
      return;
    }
    if (state.logs >= MAX_PENDING_LOGS) {
      state.overflow++;
      return;
    }
    state.logs++;
    const done = () => { state.logs--; };
    const json = '{"message":' + stringify(line) + (fieldsJson === undefined ? '' : ',"fields":' + fieldsJson) + '}';
    then(sendJson(callId, 'log', level, json, undefined, decode), done, done);
  };
  const keyRefused = (key, name, least) => (typeof key === 'string' && key.length > MAX_KV_KEY ? rejected(bridgeError('KV_KEY_INVALID', name + ' must be ' + least + ' to ' + MAX_KV_KEY + ' printable characters')) : undefined);
  const kvSet = (key, value) => {
    const refused = keyRefused(key, 'key', 1);
    if (refused !== undefined) return refused;
    let json;
    try { json = stringify(value); } catch (e) { json = undefined; }
    // Not JSON: sent as it is, for the host to refuse with its own message.
    if (typeof json !== 'string') return then(c('kv', 'set', { key: key, value: value }), noop);
    if (utf8Bytes(json, MAX_KV_VALUE) > MAX_KV_VALUE) return rejected(bridgeError('KV_VALUE_TOO_LARGE', 'value is over ' + MAX_KV_VALUE + ' bytes as JSON'));
    return then(guard(state, () => sendJson(callId, 'kv', 'set', '{"key":' + stringify(key) + ',"value":' + json + '}', undefined, decode)), noop);
  };
  const plugin = ownGet(meta, 'plugin');
  const caller = ownGet(meta, 'caller');
  const stream = (request) => freeze({
    [SymbolAsyncIterator]() {
      let handle;
      return freeze({
        next() {
          const open = handle === undefined ? then(c('models', 'streamText', request), (h) => { handle = ownGet(h, 'stream'); }) : apply(promiseResolve, PromiseCtor, []);
          return then(open, () => then(c('models', 'streamNext', { stream: handle }), (r) => freeze({ done: ownGet(r, 'done') === true, value: ownGet(r, 'chunk') })));
        },
        return() {
          const closed = handle === undefined ? apply(promiseResolve, PromiseCtor, []) : c('models', 'streamClose', { stream: handle });
          return then(closed, () => freeze({ done: true, value: undefined }));
        },
      });
    },
  });
  return freeze({
    executionId: text(ownGet(meta, 'executionId')),
    plugin: freeze({ name: text(ownGet(plugin, 'name')), version: text(ownGet(plugin, 'version')) }),
    caller: freeze({ app: typeof ownGet(caller, 'app') === 'string' ? ownGet(caller, 'app') : null, user: text(ownGet(caller, 'user')) }),
    config: deepFreeze(ownGet(meta, 'config') ?? {}),
    log: freeze({ debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }),
    kv: freeze({
      get: (key) => keyRefused(key, 'key', 1) ?? c('kv', 'get', { key: key }),
      set: kvSet,
      delete: (key) => keyRefused(key, 'key', 1) ?? c('kv', 'delete', { key: key }),
      list: (prefix, options) => keyRefused(prefix, 'prefix', 0) ?? c('kv', 'list', { prefix: prefix, limit: ownGet(options, 'limit') }),
    }),
    models: freeze({
      text: (request) => c('models', 'text', request),
      structured: (request) => c('models', 'structured', request),
      image: (request) => {
        // A sketch (IMAGE_VARIATION) crosses as bytes, copied; the images come back as bytes.
        const sketch = ownGet(request, 'image');
        let bytes;
        try { if (sketch !== undefined) bytes = copyBytes(sketch, 'image'); } catch (e) { return rejected(e); }
        return then(cb('models', 'image', without(request, 'image'), bytes), (r) => {
          const v = r.value;
          return freeze({ images: r.bytes, model: ownGet(v, 'model'), cost: ownGet(v, 'cost'), width: ownGet(v, 'width'), height: ownGet(v, 'height') });
        });
      },
      embed: (request) => c('models', 'embed', request),
      streamText: stream,
    }),
    storage: freeze({
      put: (key, bytes, contentType, options) => {
        let data;
        try { data = copyBytes(bytes, 'bytes'); } catch (e) { return rejected(e); }
        return c('storage', 'put', { key: key, contentType: contentType, ttlSeconds: ownGet(options, 'ttlSeconds') }, data);
      },
      get: (key) => then(cb('storage', 'get', { key: key }), (r) => (r.bytes.length > 0 ? r.bytes[0] : undefined)),
      head: (key) => c('storage', 'head', { key: key }),
      delete: (key) => c('storage', 'delete', { key: key }),
      list: (prefix, options) => c('storage', 'list', { prefix: prefix, limit: ownGet(options, 'limit'), after: ownGet(options, 'after') }),
      url: (key, options) => c('storage', 'url', { key: key, expiresInSeconds: ownGet(options, 'expiresInSeconds') }),
    }),
    agents: freeze({
      invoke: (agent, capability, input) => invokeAgent(cb, agent, capability, input),
    }),
    progress: (message, data) => then(c('progress', 'publish', { message: message, data: data }), noop),
    signal: signal,
  });
};

let definition;
const live = new MapCtor();

const lookup = (kind, target, capability) => {
  if (kind === 'agent') return ownGet(ownGet(ownGet(ownGet(definition, 'agents'), target), 'capabilities'), capability);
  // A workflow is a handler, or { run, estimate } when it has a cost estimate hook.
  const workflow = kind === 'workflow' || kind === 'estimate' ? ownGet(ownGet(definition, 'workflows'), target) : undefined;
  if (kind === 'workflow') return typeof workflow === 'function' ? workflow : ownGet(workflow, 'run');
  if (kind === 'estimate') return typeof workflow === 'function' ? undefined : ownGet(workflow, 'estimate');
  return undefined;
};

// An envelope string, or [envelope, ...ArrayBuffers] when top-level fields hold bytes.
const success = (value) => {
  let taken;
  try { taken = takeBytes(value, true, 'OUTPUT_TOO_LARGE'); } catch (e) { return errorEnvelope(ownGet(e, 'code') === 'OUTPUT_TOO_LARGE' ? 'OUTPUT_TOO_LARGE' : 'PLUGIN_ERROR', 'the output\'s ' + text(ownGet(e, 'message'))); }
  const json = stringify(taken === undefined ? value : ownGet(taken, 'rest'));
  if (json === undefined) return '{"ok":true}';
  if (json.length > MAX_PAYLOAD) return errorEnvelope('OUTPUT_TOO_LARGE', 'the output is over ' + MAX_PAYLOAD + ' bytes');
  if (taken === undefined) return '{"ok":true,"value":' + json + '}';
  const answer = ['{"ok":true,"value":' + json + ',"bytes":' + stringify(ownGet(taken, 'layout')) + '}'];
  const buffers = ownGet(taken, 'buffers');
  for (let i = 0; i < buffers.length; i++) append(answer, buffers[i]);
  return answer;
};
// The codes a plugin may fail with on purpose (PluginError); the host maps them to HTTP statuses.
const OWN_CODES = freeze(nullObject({ RESOURCE_NOT_FOUND: true, REQUEST_REJECTED: true }));
const failure = (e) => {
  if (e !== null && typeof e === 'object' && apply(weakSetHas, bridgeErrors, [e])) return errorEnvelope(ownGet(e, 'code'), ownGet(e, 'message'));
  const read = (name) => (e !== null && (typeof e === 'object' || typeof e === 'function') ? (() => { try { return e[name]; } catch (x) { return undefined; } })() : undefined);
  const message = e !== null && (typeof e === 'object' || typeof e === 'function') ? (() => { try { return e.message; } catch (x) { return 'plugin error'; } })() : e;
  const code = read('code');
  if (typeof code === 'string' && hasOwn(OWN_CODES, code)) return errorEnvelope(code, text(message));
  return errorEnvelope('PLUGIN_ERROR', text(message));
};

// isolated-vm waits for dispatch's promise with V8's Promise::Then, which builds the derived
// promise through SpeciesConstructor(promise): through Promise.prototype.constructor and
// Promise[Symbol.species], plugin code could run there and reject it with any text. The
// promise dispatch returns (never seen by plugin code) carries its own constructor whose
// species makes promises that carry their own constructor and then, so none of that runs.
const CONSTRUCTOR_NONE = nullObject({ value: undefined, writable: false, enumerable: false, configurable: false });
const THEN_OWN = nullObject({ value: promiseThen, writable: false, enumerable: false, configurable: false });
const SealedPromise = function (executor) {
  const p = new PromiseCtor(executor);
  defineProperty(p, 'constructor', CONSTRUCTOR_NONE);
  defineProperty(p, 'then', THEN_OWN);
  return p;
};
const speciesHolder = create(null);
speciesHolder[SymbolSpecies] = SealedPromise;
freeze(speciesHolder);
const SEALED_SPECIES = nullObject({ value: speciesHolder, writable: false, enumerable: false, configurable: false });

// Host -> guest: every argument a string, the answer an envelope string; never rejects.
const dispatch = (callId, kind, target, capability, inputJson, metaJson, bins) => {
  const p = new PromiseCtor((resolve) => run(resolve, callId, kind, target, capability, inputJson, metaJson, bins));
  defineProperty(p, 'constructor', SEALED_SPECIES);
  return p;
};
// The input's byte fields arrive as buffers copied into this heap: they become Uint8Arrays, at
// the top level (sketch) or one level down in an object field (canvasConfig.sketch).
const stringIndexOf = String.prototype.indexOf;
const withBytes = (input, names, bins) => {
  if (!isArray(names) || input === null || typeof input !== 'object') return input;
  for (let i = 0; i < names.length; i++) {
    const b = ownGet(bins, i);
    const name = names[i];
    if (typeof name !== 'string' || tryCall(abByteLength, b) === undefined) continue;
    const dot = apply(stringIndexOf, name, ['.']);
    const parent = dot < 0 ? input : ownGet(input, apply(stringSlice, name, [0, dot]));
    if (parent === null || typeof parent !== 'object' || isArray(parent)) continue;
    const field = dot < 0 ? name : apply(stringSlice, name, [dot + 1]);
    defineProperty(parent, field, nullObject({ value: new Uint8ArrayCtor(b), enumerable: true, writable: true, configurable: true }));
  }
  return input;
};
const run = (resolve, callId, kind, target, capability, inputJson, metaJson, bins) => {
  const state = callState();
  const finish = (envelope) => {
    state.ended = true;
    apply(mapDelete, live, [callId]);
    resolve(withDrops(envelope, state));
  };
  const settle = (produce, value) => {
    let envelope;
    try { envelope = produce(value); } catch (e) { try { envelope = failure(e); } catch (x) { envelope = errorEnvelope('PLUGIN_ERROR', 'plugin error'); } }
    finish(envelope);
  };
  let result;
  try {
    const handler = lookup(kind, target, capability);
    if (typeof handler !== 'function') return finish(errorEnvelope('PLUGIN_ERROR', 'no handler for ' + kind + ' ' + target + (capability ? '.' + capability : '')));
    const meta = parse(metaJson);
    const input = withBytes(parse(inputJson), ownGet(meta, 'binary'), bins);
    const signal = makeSignal();
    apply(mapSet, live, [callId, signal.fire]);
    result = apply(handler, undefined, [input, makeContext(callId, meta, signal.signal, state)]);
    const pending = apply(promiseResolve, PromiseCtor, [result]);
    then(pending, (v) => settle(success, v), (e) => settle(failure, e));
  } catch (e) {
    settle(failure, e);
  }
};

const abort = (callId) => {
  const fire = apply(mapGet, live, [callId]);
  if (typeof fire === 'function') fire(bridgeError('EXECUTION_CANCELLED', 'the call was cancelled'));
};

// Runs once, right after the plugin script: takes its definition and removes the global.
const afterLoad = () => {
  let ns;
  try {
    ns = G.__easelPlugin;
    try { delete G.__easelPlugin; } catch (e) {}
    if (hasOwn(G, '__easelPlugin')) defineProperty(G, '__easelPlugin', nullObject({ value: undefined, writable: false }));
  } catch (e) {
    return errorEnvelope('PLUGIN_LOAD_FAILED', 'could not read __easelPlugin: ' + text(ownGet(e, 'message')));
  }
  definition = ownGet(ns, 'default');
  if (definition === null || typeof definition !== 'object') return errorEnvelope('PLUGIN_LOAD_FAILED', 'the script has no default export from definePlugin');
  let agentsJson = '';
  const agents = ownGet(definition, 'agents');
  const agentNames = agents !== null && typeof agents === 'object' ? ownKeys(agents) : [];
  for (let i = 0; i < agentNames.length; i++) {
    const caps = ownGet(ownGet(agents, agentNames[i]), 'capabilities');
    const capNames = caps !== null && typeof caps === 'object' ? ownKeys(caps) : [];
    let list = '';
    for (let j = 0; j < capNames.length; j++) if (typeof ownGet(caps, capNames[j]) === 'function') list += (list ? ',' : '') + stringify(capNames[j]);
    agentsJson += (agentsJson ? ',' : '') + stringify(agentNames[i]) + ':[' + list + ']';
  }
  let workflowsJson = '';
  const workflows = ownGet(definition, 'workflows');
  const workflowNames = workflows !== null && typeof workflows === 'object' ? ownKeys(workflows) : [];
  let estimatesJson = '';
  for (let i = 0; i < workflowNames.length; i++) {
    const w = ownGet(workflows, workflowNames[i]);
    const object = w !== null && typeof w === 'object';
    if (typeof w === 'function' || (object && typeof ownGet(w, 'run') === 'function')) workflowsJson += (workflowsJson ? ',' : '') + stringify(workflowNames[i]);
    if (object && typeof ownGet(w, 'run') === 'function' && typeof ownGet(w, 'estimate') === 'function') estimatesJson += (estimatesJson ? ',' : '') + stringify(workflowNames[i]);
  }
  return '{"ok":true,"agents":{' + agentsJson + '},"workflows":[' + workflowsJson + '],"estimates":[' + estimatesJson + ']}';
};

return freeze({ dispatch: dispatch, abort: abort, afterLoad: afterLoad });
`;
