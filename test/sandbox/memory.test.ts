import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '../../host/src/sandbox/index.ts';
import { call, expectNoWorkerFaults, fixture, installSentinels, startSandbox, TestBridge, waitFor, type Fixture, type TestLogger } from './helpers.ts';

installSentinels();

/**
 * Ways to memory V8 allocates outside the isolate's heap accounting (WebAssembly memories,
 * resizable and growable buffers), and the buffers isolated-vm's allocator must keep refusing.
 * Each would fill 256 MB from a 16 MB isolate if it worked.
 */
const BYPASSES: [string, RegExp][] = [
  ['wasm-memory', /^threw TypeError: .*Memory/],
  ['wasm-grow', /^threw TypeError: .*Memory/],
  ['wasm-bare', /^threw ReferenceError: WebAssembly is not defined/],
  ['resizable', /^threw RangeError: resizable ArrayBuffers are not available/],
  ['resizable-subclass', /^threw RangeError: resizable ArrayBuffers are not available/],
  ['resizable-reflect', /^threw RangeError: resizable ArrayBuffers are not available/],
  ['resizable-via-instance', /^threw RangeError: resizable ArrayBuffers are not available/],
  ['resize-method', /^threw TypeError: /],
  ['shared-growable', /^threw TypeError: .*not a constructor/],
  ['shared-plain', /^threw TypeError: .*not a constructor/],
  ['plain-huge', /^threw RangeError: Array buffer allocation failed/],
  ['typed-huge', /^threw RangeError: /],
  ['transfer-huge', /^threw RangeError: Array buffer allocation failed/],
  ['atomics-wait-async', /^threw TypeError: .*not a shared typed array/],
];

describe('memory V8 does not charge to the isolate', () => {
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let attacker: Fixture;
  let bystander: Fixture;
  let pid: number;

  beforeAll(async () => {
    // The reviewer's setup: a 16 MB isolate next to an innocent plugin in the same worker.
    attacker = await fixture('sandbox-memory', { memoryMb: 16, cpuMs: 2000, wallMs: 3000 });
    bystander = await fixture('sandbox-greeter', { cpuMs: 1000, wallMs: 2000 });
    bridge.grant(attacker.plugin.id, 'kv');
    ({ sandbox, logger } = await startSandbox(bridge, { workers: 1, workerMaxRssMb: 1024 }));
    await sandbox.load(attacker.plugin, attacker.expected);
    await sandbox.load(bystander.plugin, bystander.expected);
    pid = sandbox.workerPids()[0]!;
  });
  afterAll(async () => {
    // Nothing took the worker down, nothing was quarantined, nothing was logged as a crash.
    expect(sandbox.workerPids()).toEqual([pid]);
    expect((await sandbox.stats!()).workerRestarts).toBe(0);
    expect(logger.entries.filter((e) => /sandbox worker|quarantined/.test(e.msg ?? ''))).toEqual([]);
    expect((await call(sandbox, attacker, 'memory', 'echo', { still: 'here' })).output).toEqual({ echoed: { still: 'here' } });
    expect((await call(sandbox, bystander, 'greeter', 'greet', { name: 'bystander' })).output).toEqual({ message: 'Hello, bystander!' });
    expectNoWorkerFaults(logger);
    await sandbox.close();
  });

  test.each(BYPASSES)('%s throws inside the isolate, before the call returns', async (how, outcome) => {
    const { output, heapUsedBytes } = await call(sandbox, attacker, 'memory', 'bypass', { how });
    expect(output).toEqual({ how, outcome: expect.stringMatching(outcome) });
    expect(heapUsedBytes).toBeLessThan(16 * 1024 * 1024);
  });

  test.each(['then', 'catch'])('every bypass throws in detached code too (ctx.kv.get(...).%s(bomb) after the call returned)', async (via) => {
    for (const [how] of BYPASSES) {
      expect((await call(sandbox, attacker, 'memory', 'bypass-detached', { how, via })).output).toEqual({ returned: true });
    }
    const report = await waitFor(async () => {
      const { output } = (await call(sandbox, attacker, 'memory', 'report')) as { output: Record<string, string> };
      return BYPASSES.every(([how]) => `${via}:${how}` in output) ? output : undefined;
    }, 'every detached attempt to run');
    for (const [how, outcome] of BYPASSES) expect(report[`${via}:${how}`], how).toMatch(outcome);
    // The innocent plugin in the same worker never noticed.
    expect((await call(sandbox, bystander, 'greeter', 'greet', { name: via })).output).toEqual({ message: `Hello, ${via}!` });
  });

  test('typed arrays, DataView and the ArrayBuffer wrapper still behave like the real thing', async () => {
    const { output } = await call(sandbox, attacker, 'memory', 'buffers');
    expect(output).toEqual({
      instanceOf: true,
      constructorIsGlobal: true,
      isView: [true, true, false],
      dataView: 2,
      subclass: ['tagged', true, 4],
      slice: [4, 7],
      transfer: [true, 16, false, 0],
      withoutNew: 'TypeError',
      typed: [4, 2, 0],
      text: 'hi',
      globals: ['ArrayBuffer', 'Atomics'],
    });
  });
});
