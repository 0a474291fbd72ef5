import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorMessage } from '../../host/src/errors/index.ts';
import type { Sandbox } from '../../host/src/sandbox/index.ts';
import { call, fixture, installSentinels, rejection, SANDBOX_MODES, startSandbox, TestBridge, type Fixture, expectNoWorkerFaults, type TestLogger } from './helpers.ts';

installSentinels();

/**
 * What a fresh V8 context has, minus WebAssembly and SharedArrayBuffer (memory outside the
 * isolate's limit; `ArrayBuffer` stays, as a wrapper without resizable buffers); the shim adds
 * nothing, the plugin's global is locked to undefined.
 */
const ALLOWED_GLOBALS = [
  'AggregateError', 'Array', 'ArrayBuffer', 'AsyncDisposableStack', 'Atomics', 'BigInt', 'BigInt64Array', 'BigUint64Array',
  'Boolean', 'DataView', 'Date', 'DisposableStack', 'Error', 'EvalError', 'FinalizationRegistry', 'Float16Array', 'Float32Array',
  'Float64Array', 'Function', 'Infinity', 'Int16Array', 'Int32Array', 'Int8Array', 'Intl', 'Iterator', 'JSON', 'Map', 'Math', 'NaN',
  'Number', 'Object', 'Promise', 'Proxy', 'RangeError', 'ReferenceError', 'Reflect', 'RegExp', 'Set', 'String',
  'SuppressedError', 'Symbol', 'SyntaxError', 'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array', 'Uint8ClampedArray',
  'WeakMap', 'WeakRef', 'WeakSet', '__easelPlugin', 'console', 'decodeURI', 'decodeURIComponent', 'encodeURI',
  'encodeURIComponent', 'escape', 'eval', 'globalThis', 'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'undefined', 'unescape',
];
const HOST_TRACES = [/\/home\/secret/, /AKIA/, /\/work\//, /node_modules/, /\.ts:\d/, /file:\/\//, /isolated-vm/];

const MAX_BINARY = 2 * 1024 * 1024;

describe.each(SANDBOX_MODES)('hostile plugin code (%s)', (mode) => {
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let hostile: Fixture;
  let ungranted: Fixture;
  let pids: number[];

  beforeAll(async () => {
    hostile = await fixture('sandbox-hostile', { cpuMs: 2000, wallMs: 3000 });
    ungranted = await fixture('sandbox-hostile', { cpuMs: 2000, wallMs: 3000 }, 'ungranted@1.0.0');
    bridge.grant(hostile.plugin.id, 'kv', 'models', 'storage', 'agents');
    ({ sandbox, logger } = await startSandbox(bridge, { maxPayloadBytes: 256 * 1024, maxBinaryBytes: MAX_BINARY, maxPendingBridgeCalls: 8, mode }));
    await sandbox.load(hostile.plugin, hostile.expected);
    pids = sandbox.workerPids();
  });
  afterAll(async () => {
    // No hostile call took the worker down (in the host's process there is none to take down).
    expect(sandbox.workerPids()).toEqual(pids);
    expect(pids).toHaveLength(mode === 'in-process' ? 0 : 1);
    expect((await sandbox.stats!()).workerRestarts).toBe(0);
    expect((await sandbox.stats!()).bridgeNonStringArgs).toBe(0);
    expectNoWorkerFaults(logger);
    await sandbox.close();
  });

  test('no Node globals, no way back to the host', async () => {
    const { output } = await call(sandbox, hostile, 'probe', 'escape');
    expect(output).toEqual({
      typeofs: {
        process: 'undefined',
        require: 'undefined',
        Buffer: 'undefined',
        setTimeout: 'undefined',
        setInterval: 'undefined',
        setImmediate: 'undefined',
        queueMicrotask: 'undefined',
        fetch: 'undefined',
        module: 'undefined',
        globalProcess: 'undefined',
      },
      viaConstructor: 'no process',
      viaImport: expect.stringMatching(/^threw/),
      viaThis: 'undefined',
      stackHasHostPath: false,
    });
  });

  test('globalThis holds only the standard globals and no isolated-vm object is reachable', async () => {
    const { output } = (await call(sandbox, hostile, 'probe', 'globals')) as { output: { names: string[]; easelPlugin: string; ivmInGlobals: string[]; ivmInCtx: string[] } };
    expect(output.names).toEqual([...ALLOWED_GLOBALS].sort());
    expect(output.easelPlugin).toBe('undefined');
    expect(output.ivmInGlobals).toEqual([]);
    expect(output.ivmInCtx).toEqual([]);
  });

  test('prototype pollution and patched intrinsics before every bridge: bridges still work, the host gets JSON', async () => {
    const before = bridge.log.length;
    const { output } = await call(sandbox, hostile, 'probe', 'pollute');
    expect(JSON.parse(output as string)).toEqual({
      set: { value: null },
      get: { value: { a: 1, list: [1, 2] } },
      list: { value: ['polluted'] },
      del: { value: true },
      models: { code: 'BRIDGE_ARGUMENT_INVALID', message: expect.any(String) },
      storage: { value: null },
      agents: { code: 'BRIDGE_ARGUMENT_INVALID', message: expect.any(String) },
    });
    const seen = bridge.log.slice(before);
    expect(seen.map((e) => `${e.capability}.${e.op}`)).toEqual(['kv.set', 'kv.get', 'kv.list', 'kv.delete', 'models.text', 'storage.get', 'agents.invoke', 'log.info']);
    for (const e of seen) {
      // Plain JSON data only: what JSON.parse of the args gives back, nothing else.
      expect(JSON.parse(JSON.stringify(e.args))).toEqual(e.args);
      expect(Object.getPrototypeOf(e.args)).toBe(Object.prototype);
    }
    expect(seen[0]!.args).toEqual({ key: 'polluted', value: { a: 1, list: [1, 2] } });
    // The next call in the same isolate is unaffected.
    expect((await call(sandbox, hostile, 'probe', 'forge', { how: 'none' })).output).toEqual({ ok: true });
  });

  test('values JSON cannot carry, oversized values and views over detached buffers never crash anything', async () => {
    const { output } = await call(sandbox, hostile, 'probe', 'hostile-args', { hugeBytes: 300 * 1024 });
    expect(output).toMatchObject({
      fn: { code: 'BRIDGE_ARGUMENT_INVALID' },
      symbol: { code: 'BRIDGE_ARGUMENT_INVALID' },
      symbolKey: { code: 'KV_KEY_INVALID' },
      cyclic: { code: 'BRIDGE_ARGUMENT_INVALID' },
      bigint: { code: 'BRIDGE_ARGUMENT_INVALID' },
      // The guest refuses these by the kv limits (a default host's), before the payload cap or any copy.
      huge: { code: 'KV_VALUE_TOO_LARGE' },
      hugeKey: { code: 'KV_KEY_INVALID' },
      detachedView: { value: null },
      detachedBack: { value: {} },
      storagePut: { code: 'BRIDGE_ARGUMENT_INVALID' },
      storageBytes: { value: { size: 4 } },
      log: 'logged',
    });
    // Bytes cross as bytes next to JSON arguments that do not carry them; the detached view never left.
    const puts = bridge.log.filter((e) => e.capability === 'storage' && e.op === 'put');
    expect(puts.map((e) => [e.args, e.bytes && [...e.bytes]])).toEqual([[{ key: 'bytes', contentType: 'application/octet-stream' }, [1, 2, 3, 250]]]);
    // The host stored JSON, never a buffer.
    expect(bridge.kv.get(hostile.plugin.id)?.get('detached')).toEqual({});
  });

  test('bytes cross as fresh copies: any real view works, forged, detached and oversized ones are refused before copying', async () => {
    const before = bridge.log.length;
    const { output } = await call(sandbox, hostile, 'probe', 'bytes', { max: MAX_BINARY });
    const invalid = { code: 'BRIDGE_ARGUMENT_INVALID', message: expect.any(String) };
    expect(output).toEqual({
      back: [2, 3, 4],
      backIsFresh: true,
      patched: { value: { size: 4 } },
      lyingStored: [7, 7, 7, 7],
      dataView: { value: { size: 2 } },
      arrayBuffer: { value: { size: 2 } },
      int16: { value: { size: 4 } },
      proxy: invalid,
      fake: invalid,
      text: invalid,
      detached: invalid,
      oversized: { code: 'BRIDGE_ARGUMENT_INVALID', message: `bytes is over ${MAX_BINARY} bytes` },
      exact: { value: { size: MAX_BINARY } },
      sharedExists: 'undefined',
      missing: null,
    });
    const stored = bridge.blobs.get(hostile.plugin.id)!;
    expect([...stored.get('dv')!]).toEqual([6, 7]);
    expect([...stored.get('ab')!]).toEqual([8, 9]);
    expect([...stored.get('i16')!]).toEqual([1, 0, 255, 255]);
    // Refused calls never reached the host: only the six good puts (and two gets) did.
    const reached = bridge.log.slice(before).filter((e) => e.capability === 'storage').map((e) => `${e.op}:${(e.args as { key: string }).key}`);
    expect(reached).toEqual(['put:view', 'get:view', 'put:lying', 'get:lying', 'put:dv', 'put:ab', 'put:i16', 'put:exact', 'get:nothing-here']);
  });

  test.each([
    ['view', {}],
    ['typed', { 0: 7, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0 }],
    ['buffer', {}],
    ['fields', { typed: 'BwAAAAAAAAA=', view: 'AAA=', list: ['BwAAAAAAAAA=', 'AQI='], n: 1 }],
  ])('returning a %s comes back as JSON', async (as, expected) => {
    expect((await call(sandbox, hostile, 'probe', 'hostile-return', { as })).output).toEqual(expected);
  });

  test('output bytes over the binary limit, in one field or all together, are OUTPUT_TOO_LARGE', async () => {
    for (const [as, size] of [['huge', MAX_BINARY + 1], ['huge-list', MAX_BINARY + 2]] as const) {
      const err = await rejection(call(sandbox, hostile, 'probe', 'hostile-return', { as, size }));
      expect(err.code, as).toBe('OUTPUT_TOO_LARGE');
    }
    expect(((await call(sandbox, hostile, 'probe', 'hostile-return', { as: 'huge', size: MAX_BINARY })).output as { big: string }).big).toHaveLength(Math.ceil(MAX_BINARY / 3) * 4);
  });

  test('an output field holding a view of a detached buffer is refused, naming the field', async () => {
    const err = await rejection(call(sandbox, hostile, 'probe', 'hostile-return', { as: 'mixed' }));
    expect(err.code).toBe('PLUGIN_ERROR');
    expect(err.message).toBe("the output's detached is detached");
  });

  test('plugin code cannot forge host error codes', async () => {
    for (const how of ['object', 'error', 'permission', 'primitive']) {
      const err = await rejection(call(sandbox, hostile, 'probe', 'forge', { how }));
      expect(err.code, how).toBe('PLUGIN_ERROR');
      expect(err.message).not.toMatch(/\n\s+at /);
    }
    // A forged envelope through Object.prototype.toJSON only changes the plugin's own output.
    expect((await call(sandbox, hostile, 'probe', 'forge', { how: 'toJSON' })).output).toEqual({ ok: false, code: 'SANDBOX_CRASHED', message: 'forged envelope' });
    // A genuine bridge error the plugin lets through keeps its code (the host sent it).
    const real = await rejection(call(sandbox, ungranted, 'probe', 'forge', { how: 'rethrowReal' }));
    expect(real.code).toBe('PERMISSION_DENIED');
    expect(real.message).toBe('rethrown');
  });

  test.each(['timeout', 'memory'])('a dispatch failure text forged through promise species (%s) decides nothing', async (as) => {
    const disposals = () => logger.entries.filter((e) => e.msg === 'isolate disposed').length;
    const before = disposals();
    // The shim's promise carries its own species: the patch never runs for it and the call ends normally.
    const outcome = await call(sandbox, hostile, 'probe', 'forge-rejection', { as }).then(
      (r) => r.output,
      (err: { code?: string }) => ({ failedWith: err.code }),
    );
    expect(outcome).toEqual({ survived: true, value: null });
    // Neither EXECUTION_TIMEOUT nor EXECUTION_MEMORY was claimed: the isolate lives on.
    expect(disposals()).toBe(before);
    expect(logger.entries.filter((e) => e.msg === 'a dispatch failed')).toEqual([]);
    expect((await call(sandbox, hostile, 'probe', 'forge', { how: 'none' })).output).toEqual({ ok: true });
  });

  test('capabilities outside the grant are denied by the host', async () => {
    expect((await call(sandbox, ungranted, 'probe', 'denied', { catch: true })).output).toEqual({ result: { code: 'PERMISSION_DENIED', message: errorMessage('PERMISSION_DENIED', { plugin: 'sandbox-hostile', target: 'ctx.kv', reason: 'the permission was not granted' }) } });
    expect((await rejection(call(sandbox, ungranted, 'probe', 'denied', { catch: false }))).code).toBe('PERMISSION_DENIED');
  });

  test('errors seen inside the isolate carry no host path, secret or stack', async () => {
    const plain = (await call(sandbox, hostile, 'probe', 'leak', { key: 'leak' })).output as Record<string, string>;
    expect(plain).toMatchObject({ threw: true, code: 'INTERNAL_ERROR', message: errorMessage('INTERNAL_ERROR', { reference: 'the execution id' }) });
    const easel = (await call(sandbox, hostile, 'probe', 'leak', { key: 'leak-easel' })).output as Record<string, string>;
    expect(easel).toMatchObject({ threw: true, code: 'KV_KEY_INVALID' });
    for (const seen of [plain, easel]) {
      for (const pattern of HOST_TRACES) {
        expect(seen.message).not.toMatch(pattern);
        expect(seen.stack).not.toMatch(pattern);
      }
    }
  });

  test('a burst of bridge calls is capped per call (BRIDGE_BUSY), never queued without bound', async () => {
    bridge.maxInFlight = 0;
    const before = bridge.log.length;
    const { output } = (await call(sandbox, hostile, 'probe', 'burst', { n: 2000 })) as { output: Record<string, number> };
    // How many get through depends on how many answers arrive while the burst is still being
    // issued (the machine's speed). What does not: every call is answered, admitted or refused;
    // the first 8 always get through; some are refused; the host never has more than 8 at once.
    expect(Object.keys(output).sort()).toEqual(['BRIDGE_BUSY', 'ok']);
    expect(output.ok! + output.BRIDGE_BUSY!).toBe(2000);
    expect(output.ok).toBeGreaterThanOrEqual(8);
    expect(output.BRIDGE_BUSY).toBeGreaterThan(0);
    expect(bridge.maxInFlight).toBeGreaterThan(0);
    expect(bridge.maxInFlight).toBeLessThanOrEqual(8);
    // Refused calls never reach the host: only the admitted ones do, once each.
    expect(bridge.log.slice(before).filter((e) => e.capability === 'kv' && e.op === 'get')).toHaveLength(output.ok!);
  });
});
