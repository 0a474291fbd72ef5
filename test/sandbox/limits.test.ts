import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '../../host/src/sandbox/index.ts';
import { call, elapsed, fixture, installSentinels, rejection, SANDBOX_MODES, startSandbox, TestBridge, waitFor, type Fixture, type TestLogger, expectNoWorkerFaults } from './helpers.ts';

installSentinels();

/** Generous slack for a loaded 2-core CI machine, on top of the budget. */
const SLACK_MS = 1500;
const BUDGET_MS = 300;

describe.each(SANDBOX_MODES)('limits: time, memory, output size (%s)', (mode) => {
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let limits: Fixture;
  let bystander: Fixture;

  beforeAll(async () => {
    limits = await fixture('sandbox-limits', { cpuMs: BUDGET_MS, wallMs: BUDGET_MS, memoryMb: 32 });
    bystander = await fixture('sandbox-greeter', { cpuMs: 1000, wallMs: 2000 });
    bridge.grant(limits.plugin.id, 'kv');
    // One worker: the bystander shares the process with the misbehaving plugin.
    ({ sandbox, logger } = await startSandbox(bridge, { workers: 1, mode }));
    await sandbox.load(limits.plugin, limits.expected);
    await sandbox.load(bystander.plugin, bystander.expected);
  });
  afterAll(async () => {
    expectNoWorkerFaults(logger);
    await sandbox?.close();
  });

  /** The call fails with `code` within `upperMs` (close to its budget), and the plugin answers again afterwards. */
  async function expectStopped(capability: string, code: string, f: Fixture = limits, upperMs = BUDGET_MS + SLACK_MS) {
    const took = elapsed();
    let stopped = false;
    const pending = rejection(call(sandbox, f, 'limits', capability, {})).finally(() => (stopped = true));
    // Another plugin in the same worker keeps answering while this one misbehaves.
    await new Promise((r) => setTimeout(r, 30));
    expect((await call(sandbox, bystander, 'greeter', 'greet', { name: 'bystander' })).output).toEqual({ message: 'Hello, bystander!' });
    // Answered while the misbehaving call still ran, not once its budget had stopped it (a call
    // its clock stops runs at least that long; one that fills its memory may be over already).
    if (code === 'EXECUTION_TIMEOUT') expect(stopped).toBe(false);
    const err = await pending;
    expect(err.code).toBe(code);
    expect(took()).toBeLessThan(upperMs);
    expect((await call(sandbox, f, 'limits', 'echo', { again: true })).output).toEqual({ echoed: { again: true } });
    return err;
  }

  test('a synchronous infinite loop is stopped (EXECUTION_TIMEOUT)', async () => {
    const err = await expectStopped('sync-loop', 'EXECUTION_TIMEOUT');
    expect(err.details).toMatchObject({ wallMs: expect.any(Number) });
  });

  test('a loop after an awaited bridge call is stopped by the watchdog', async () => {
    const took = elapsed();
    await expectStopped('loop-after-await', 'EXECUTION_TIMEOUT');
    expect(took()).toBeGreaterThanOrEqual(BUDGET_MS - 50);
  });

  test('a promise that never settles is stopped at the wall-clock budget', async () => {
    const took = elapsed();
    await expectStopped('never-resolve', 'EXECUTION_TIMEOUT');
    expect(took()).toBeGreaterThanOrEqual(BUDGET_MS - 10);
  });

  test('a heap bomb is stopped (EXECUTION_MEMORY) and the isolate rebuilt', async () => {
    // A time budget the bomb cannot reach first, even on a loaded machine: memory must stop it.
    const bomb = await fixture('sandbox-limits', { cpuMs: 5000, wallMs: 5000, memoryMb: 16 }, 'sandbox-limits-bomb@1.0.0');
    // No time bound: how fast 16 MB fill depends on the machine; the code says memory stopped it.
    await expectStopped('memory-bomb', 'EXECUTION_MEMORY', bomb, Infinity);
    expect((await call(sandbox, bomb, 'limits', 'counter')).output).toEqual({ calls: 1 });
    await sandbox.unload(bomb.plugin.id);
  });

  test('a huge return value is refused by size (OUTPUT_TOO_LARGE)', async () => {
    // A time budget building 50 MB cannot reach first, even on a loaded machine: size must stop it.
    const big = await fixture('sandbox-limits', { cpuMs: 20_000, wallMs: 20_000, memoryMb: 256 }, 'sandbox-limits-big@1.0.0');
    const err = await rejection(call(sandbox, big, 'limits', 'huge-output', { mb: 50 }));
    expect(err.code).toBe('OUTPUT_TOO_LARGE');
    expect((await call(sandbox, big, 'limits', 'echo', { ok: 1 })).output).toEqual({ echoed: { ok: 1 } });
    await sandbox.unload(big.plugin.id);
  });

  test('work left running after a call returned is stopped too', async () => {
    const before = await call(sandbox, limits, 'limits', 'counter');
    expect((await call(sandbox, limits, 'limits', 'detached-loop')).output).toEqual({ returned: true });
    // The detached loop burns the idle isolate until the watchdog disposes it; then a fresh one answers.
    // (Its CPU budget is spent at the speed the machine gives the loop: waitFor's 10 s, not the budget, bound the wait.)
    await waitFor(() => logger.entries.some((e) => e.msg === 'isolate disposed' && (e.obj as { cause?: string }).cause === 'idle'), 'the idle watchdog');
    const fresh = await waitFor(async () => {
      const r = await call(sandbox, limits, 'limits', 'counter').catch(() => undefined);
      return r && (r.output as { calls: number }).calls === 1 ? r : undefined;
    }, 'a rebuilt isolate');
    expect(fresh.output).toEqual({ calls: 1 });
    expect((before.output as { calls: number }).calls).toBeGreaterThan(0);
  });

  test('concurrent calls in an isolate that gets stopped fail with EXECUTION_ABORTED', async () => {
    // A long wall budget: the waiting call is within it, the loop breaks the CPU budget.
    const mixed = await fixture('sandbox-limits', { cpuMs: BUDGET_MS, wallMs: 10_000 }, 'sandbox-limits-mixed@1.0.0');
    bridge.grant(mixed.plugin.id, 'kv');
    const hold = bridge.hold('wait-here');
    const waiting = rejection(call(sandbox, mixed, 'limits', 'hold', { key: 'wait-here' }));
    await hold.entered;
    const took = elapsed();
    const looping = rejection(call(sandbox, mixed, 'limits', 'sync-loop'));
    expect((await looping).code).toBe('EXECUTION_TIMEOUT');
    expect((await waiting).code).toBe('EXECUTION_ABORTED');
    expect(took()).toBeLessThan(BUDGET_MS + SLACK_MS);
    hold.release('late');
    await sandbox.unload(mixed.plugin.id);
  });

  // In the host's process such an allocation ends the host (docs/guides/operating-the-host.md):
  // test/sandbox/in-process.test.ts runs it in a host of its own.
  if (mode === 'processes') test('an allocation V8 cannot interrupt ends its worker, not the host (isolated-vm #107)', async () => {
    // A time budget the bomb cannot reach first, even on a loaded machine: memory must stop it.
    const runaway = await fixture('sandbox-limits', { cpuMs: 5000, wallMs: 5000, memoryMb: 32 }, 'sandbox-limits-runaway@1.0.0');
    const pid = sandbox.workerPids()[0];
    const took = elapsed();
    const err = await rejection(call(sandbox, runaway, 'limits', 'runaway-bomb'));
    // The call fails as soon as isolated-vm flags the memory limit (not when the worker goes down,
    // nor at its 5 s time budget); the thread keeps allocating.
    expect(err.code).toBe('EXECUTION_MEMORY');
    expect(took()).toBeLessThan(4000);
    await waitFor(() => sandbox.workerPids().length === 1 && sandbox.workerPids()[0] !== pid, 'a new worker');
    const last = logger.entries.find((e) => e.msg === 'sandbox worker is ending itself');
    expect(last?.obj).toMatchObject({ plugin: runaway.plugin.id, reason: 'an isolate kept running after it was disposed' });
    expect((await call(sandbox, runaway, 'limits', 'echo', { after: 'runaway' })).output).toEqual({ echoed: { after: 'runaway' } });
    expect((await call(sandbox, limits, 'limits', 'echo', { after: 'runaway' })).output).toEqual({ echoed: { after: 'runaway' } });
    expect((await call(sandbox, bystander, 'greeter', 'greet', { name: 'again' })).output).toEqual({ message: 'Hello, again!' });
  });
});
