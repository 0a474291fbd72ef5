/**
 * The guest side of the sandbox: plain JavaScript evaluated (strict, via `evalClosure`) in a
 * plugin's context BEFORE the plugin script. `$0` is the bridge Reference, `$1` the payload
 * cap. It returns `{ dispatch, abort, afterLoad }`, which the worker holds as References.
 *
 * Rules this code keeps, because plugin code runs in the same realm afterwards:
 * - every intrinsic it uses is captured now and called through `apply`, so later patches of
 *   JSON, Promise.prototype.then, Array/Object prototypes change nothing here;
 * - no iteration protocol, no spread, no property reads that could fall through to a
 *   polluted prototype (own reads only), descriptors and transfer options with a null proto;
 * - the bridge Reference only ever lives in this closure and only ever receives strings;
 * - only errors this shim creates for bridge failures keep their `code` (a WeakSet decides);
 * - memory V8 does not charge to the isolate's limit cannot be had: WebAssembly (memories and
 *   memory.grow) and SharedArrayBuffer are removed, and ArrayBuffer is a wrapper that refuses
 *   `maxByteLength`, with `resize` gone, so no resizable or growable buffer exists. Plain
 *   buffers and typed arrays go through isolated-vm's allocator, which counts them;
 * - the promise `dispatch` returns never reaches plugin code and carries its own species, so
 *   isolated-vm's `then` on it runs no plugin code (the worker still never trusts its text).
 */
export const GUEST_SHIM = String.raw`'use strict';
const bridge = $0;
const MAX_PAYLOAD = $1;
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
const charCodeAt = String.prototype.charCodeAt;
const fromCharCode = String.fromCharCode;
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

const nullObject = (fields) => {
  const o = create(null);
  const names = ownKeys(fields);
  for (let i = 0; i < names.length; i++) o[names[i]] = fields[names[i]];
  return freeze(o);
};
// Read through the guest's Object.prototype otherwise (isolated-vm reads option bags with [[Get]]).
const APPLY_OPTIONS = nullObject({ result: nullObject({ promise: true }) });
const valueDescriptor = (value) => nullObject({ value: value, enumerable: true, writable: false, configurable: false });

// Memory outside the isolate's limit (runs before any plugin code, so nothing is patched yet).
// WebAssembly.Memory, resizable ArrayBuffers and growable SharedArrayBuffers reserve their
// backing store outside isolated-vm's allocator: a 16 MB isolate could fill gigabytes.
{
  delete G.WebAssembly;
  delete G.SharedArrayBuffer;
  const NativeArrayBuffer = G.ArrayBuffer;
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

const decode = (answer) => {
  if (typeof answer !== 'string') throw bridgeError('INTERNAL_ERROR', 'the bridge answered nothing');
  const r = parse(answer);
  if (ownGet(r, 'ok') === true) return ownGet(r, 'value');
  throw bridgeError(text(ownGet(r, 'code')), text(ownGet(r, 'message')));
};
const bridgeDown = () => {
  throw bridgeError('INTERNAL_ERROR', 'the bridge is unavailable');
};

// The one way out of the isolate: four strings in, one envelope string back.
const call = (callId, capability, op, args) => {
  let json;
  try {
    json = stringify(args);
  } catch (e) {
    return rejected(bridgeError('BRIDGE_ARGUMENT_INVALID', 'bridge arguments must be JSON: ' + text(ownGet(e, 'message'))));
  }
  if (typeof json !== 'string') json = '{}';
  if (json.length > MAX_PAYLOAD) return rejected(bridgeError('BRIDGE_ARGUMENT_INVALID', 'bridge arguments are over ' + MAX_PAYLOAD + ' bytes'));
  let answer;
  try {
    answer = apply(refApply, bridge, [undefined, [callId, capability, op, json], APPLY_OPTIONS]);
  } catch (e) {
    return rejected(bridgeError('INTERNAL_ERROR', 'the bridge is unavailable'));
  }
  return then(answer, decode, bridgeDown);
};

// Bytes cross as base64 text, so a view over a resizable or shared buffer never does.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const toBase64 = (bytes) => {
  let copy;
  try { copy = new Uint8ArrayCtor(bytes); } catch (e) { copy = undefined; }
  if (bytes === null || typeof bytes !== 'object' || copy === undefined) throw bridgeError('BRIDGE_ARGUMENT_INVALID', 'bytes must be a readable Uint8Array');
  let out = '';
  for (let i = 0; i < copy.length; i += 3) {
    const n = (copy[i] << 16) | ((copy[i + 1] ?? 0) << 8) | (copy[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < copy.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < copy.length ? B64[n & 63] : '=');
  }
  return out;
};
const B64_INDEX = create(null);
for (let i = 0; i < 64; i++) B64_INDEX[B64[i]] = i;
const fromBase64 = (s) => {
  if (typeof s !== 'string') return new Uint8ArrayCtor(0);
  const clean = s.length > 0 && s[s.length - 1] === '=' ? (s[s.length - 2] === '=' ? 2 : 1) : 0;
  const out = new Uint8ArrayCtor(((s.length * 3) >> 2) - clean);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const n = ((B64_INDEX[s[i]] ?? 0) << 18) | ((B64_INDEX[s[i + 1]] ?? 0) << 12) | ((B64_INDEX[s[i + 2]] ?? 0) << 6) | (B64_INDEX[s[i + 3]] ?? 0);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
};
const bytesOf = (p) => then(p, (v) => (v === undefined || v === null ? undefined : fromBase64(v)));

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

const makeContext = (callId, meta, signal) => {
  const c = (capability, op, args) => call(callId, capability, op, args);
  const log = (level) => (message, fields) => {
    then(c('log', level, { message: typeof message === 'string' ? message : text(message), fields: fields }), noop, noop);
  };
  const plugin = ownGet(meta, 'plugin');
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
    config: deepFreeze(ownGet(meta, 'config') ?? {}),
    log: freeze({ debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }),
    kv: freeze({
      get: (key) => c('kv', 'get', { key: key }),
      set: (key, value) => then(c('kv', 'set', { key: key, value: value }), noop),
      delete: (key) => c('kv', 'delete', { key: key }),
      list: (prefix, options) => c('kv', 'list', { prefix: prefix, limit: ownGet(options, 'limit') }),
    }),
    models: freeze({
      text: (request) => c('models', 'text', request),
      structured: (request) => c('models', 'structured', request),
      image: (request) => {
        // A sketch (IMAGE_VARIATION) crosses as base64 text, copied by toBase64 like storage.put.
        let args = request;
        const sketch = ownGet(request, 'image');
        if (sketch !== undefined) {
          args = create(null);
          const names = ownKeys(request);
          for (let i = 0; i < names.length; i++) args[names[i]] = request[names[i]];
          try { args.image = toBase64(sketch); } catch (e) { return rejected(e); }
        }
        return then(c('models', 'image', args), (r) => {
        const images = ownGet(r, 'images');
        const out = [];
        if (isArray(images)) for (let i = 0; i < images.length; i++) defineProperty(out, i, nullObject({ value: fromBase64(images[i]), enumerable: true, writable: true, configurable: true }));
        return freeze({ images: out, model: ownGet(r, 'model'), cost: ownGet(r, 'cost'), width: ownGet(r, 'width'), height: ownGet(r, 'height') });
        });
      },
      embed: (request) => c('models', 'embed', request),
      streamText: stream,
    }),
    storage: freeze({
      put: (key, bytes, contentType) => {
        let data;
        try { data = toBase64(bytes); } catch (e) { return rejected(e); }
        return c('storage', 'put', { key: key, bytes: data, contentType: contentType });
      },
      get: (key) => bytesOf(c('storage', 'get', { key: key })),
      head: (key) => c('storage', 'head', { key: key }),
      delete: (key) => c('storage', 'delete', { key: key }),
      list: (prefix) => c('storage', 'list', { prefix: prefix }),
      url: (key) => c('storage', 'url', { key: key }),
    }),
    agents: freeze({
      invoke: (agent, capability, input) => c('agents', 'invoke', { agent: agent, capability: capability, input: input }),
    }),
    signal: signal,
  });
};

let definition;
const live = new MapCtor();

const lookup = (kind, target, capability) => {
  if (kind === 'agent') return ownGet(ownGet(ownGet(ownGet(definition, 'agents'), target), 'capabilities'), capability);
  if (kind === 'workflow') return ownGet(ownGet(definition, 'workflows'), target);
  return undefined;
};

const success = (value) => {
  const json = stringify(value);
  if (json === undefined) return '{"ok":true}';
  if (json.length > MAX_PAYLOAD) return errorEnvelope('OUTPUT_TOO_LARGE', 'the output is over ' + MAX_PAYLOAD + ' bytes');
  return '{"ok":true,"value":' + json + '}';
};
const failure = (e) => {
  if (e !== null && typeof e === 'object' && apply(weakSetHas, bridgeErrors, [e])) return errorEnvelope(ownGet(e, 'code'), ownGet(e, 'message'));
  const message = e !== null && (typeof e === 'object' || typeof e === 'function') ? (() => { try { return e.message; } catch (x) { return 'plugin error'; } })() : e;
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
const dispatch = (callId, kind, target, capability, inputJson, metaJson) => {
  const p = new PromiseCtor((resolve) => run(resolve, callId, kind, target, capability, inputJson, metaJson));
  defineProperty(p, 'constructor', SEALED_SPECIES);
  return p;
};
const run = (resolve, callId, kind, target, capability, inputJson, metaJson) => {
  const finish = (envelope) => {
    apply(mapDelete, live, [callId]);
    resolve(envelope);
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
    const input = parse(inputJson);
    const signal = makeSignal();
    apply(mapSet, live, [callId, signal.fire]);
    result = apply(handler, undefined, [input, makeContext(callId, parse(metaJson), signal.signal)]);
    const pending = apply(promiseResolve, PromiseCtor, [result]);
    then(pending, (v) => settle(success, v), (e) => settle(failure, e));
  } catch (e) {
    settle(failure, e);
  }
};

const abort = (callId) => {
  const fire = apply(mapGet, live, [callId]);
  if (typeof fire === 'function') fire(bridgeError('EXECUTION_ABORTED', 'the call was cancelled'));
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
  for (let i = 0; i < workflowNames.length; i++) if (typeof ownGet(workflows, workflowNames[i]) === 'function') workflowsJson += (workflowsJson ? ',' : '') + stringify(workflowNames[i]);
  return '{"ok":true,"agents":{' + agentsJson + '},"workflows":[' + workflowsJson + ']}';
};

return freeze({ dispatch: dispatch, abort: abort, afterLoad: afterLoad });
`;
