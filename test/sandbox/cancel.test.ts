import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '../../host/src/sandbox/index.ts';
import { call, elapsed, fixture, installSentinels, rejection, SANDBOX_MODES, startSandbox, TestBridge, waitFor, type Fixture, expectNoWorkerFaults, type TestLogger } from './helpers.ts';

installSentinels();

describe.each(SANDBOX_MODES)('cancellation (%s)', (mode) => {
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let limits: Fixture;

  beforeAll(async () => {
    // Budgets far above the test's timings: only the abort can stop these calls.
    limits = await fixture('sandbox-limits', { cpuMs: 20_000, wallMs: 20_000 });
    bridge.grant(limits.plugin.id, 'kv');
    ({ sandbox, logger } = await startSandbox(bridge, { mode }));
    await sandbox.load(limits.plugin, limits.expected);
  });
  afterAll(async () => {
    expectNoWorkerFaults(logger);
    await sandbox?.close();
  });

  test('aborting stops a CPU loop within a second and the plugin answers again', async () => {
    const controller = new AbortController();
    const pending = rejection(call(sandbox, limits, 'limits', 'sync-loop', {}, { signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 100));
    const took = elapsed();
    controller.abort();
    expect((await pending).code).toBe('EXECUTION_CANCELLED');
    expect(took()).toBeLessThan(1000);
    // The worker disposes the spinning isolate after a short grace; the next call gets a fresh one.
    const after = await waitFor(() => call(sandbox, limits, 'limits', 'counter').catch(() => undefined), 'a fresh isolate', 5000);
    expect(after.output).toEqual({ calls: 1 });
  });

  test('the guest sees ctx.signal fire while it awaits a bridge call', async () => {
    const hold = bridge.hold('abort-me');
    const controller = new AbortController();
    const pending = rejection(call(sandbox, limits, 'limits', 'wait-abort', { key: 'abort-me' }, { signal: controller.signal }));
    await hold.entered;
    controller.abort();
    expect((await pending).code).toBe('EXECUTION_CANCELLED');
    // The isolate was idle (awaiting), so it survives: ask it what it saw.
    const seen = await waitFor(async () => {
      const { output } = await call(sandbox, limits, 'limits', 'read-abort');
      return (output as { awaitCode?: string }).awaitCode ? output : undefined;
    }, 'the plugin to record the abort');
    expect(seen).toEqual({ listener: true, aborted: true, reasonCode: 'EXECUTION_CANCELLED', awaitCode: 'EXECUTION_CANCELLED' });
    hold.release('never seen');
  });

  test('a cancelled call that winds down within the grace leaves the isolate to the calls sharing it', async () => {
    // Its own sandbox: a grace far above the wind-down, whatever the machine's speed.
    const own = await startSandbox(bridge, { abortGraceMs: 10_000 });
    try {
      await own.sandbox.load(limits.plugin, limits.expected);
      const neighbourHold = bridge.hold('neighbour');
      const neighbour = call(own.sandbox, limits, 'limits', 'hold', { key: 'neighbour' });
      await neighbourHold.entered;
      const cancelledHold = bridge.hold('wind-down');
      const controller = new AbortController();
      const cancelled = rejection(call(own.sandbox, limits, 'limits', 'slow-wind-down', { key: 'wind-down', windDownMs: 600 }, { signal: controller.signal }));
      await cancelledHold.entered;
      controller.abort();
      expect((await cancelled).code).toBe('EXECUTION_CANCELLED');
      // Past the wind-down: the neighbour, parked on the host meanwhile, still has its isolate.
      await new Promise((r) => setTimeout(r, 900));
      neighbourHold.release('kept');
      expect((await neighbour).output).toEqual({ value: 'kept' });
      cancelledHold.release('never seen');
      expectNoWorkerFaults(own.logger);
    } finally {
      await own.sandbox.close();
    }
  });

  test('past the grace, the isolate is stopped and the calls sharing it answer EXECUTION_ABORTED', async () => {
    // A grace far below the wind-down: the isolate is disposed while the cancelled code still runs.
    const own = await startSandbox(bridge, { abortGraceMs: 50 });
    try {
      await own.sandbox.load(limits.plugin, limits.expected);
      const neighbourHold = bridge.hold('neighbour-2');
      const neighbour = rejection(call(own.sandbox, limits, 'limits', 'hold', { key: 'neighbour-2' }));
      await neighbourHold.entered;
      const cancelledHold = bridge.hold('wind-down-2');
      const controller = new AbortController();
      const cancelled = rejection(call(own.sandbox, limits, 'limits', 'slow-wind-down', { key: 'wind-down-2', windDownMs: 3000 }, { signal: controller.signal }));
      await cancelledHold.entered;
      controller.abort();
      expect((await cancelled).code).toBe('EXECUTION_CANCELLED');
      expect((await neighbour).code).toBe('EXECUTION_ABORTED');
      neighbourHold.release('too late');
      cancelledHold.release('never seen');
    } finally {
      await own.sandbox.close();
    }
  });

  test('a call made while a cancelled call winds down waits for it, and runs on a fresh isolate once that one is stopped', async () => {
    const own = await startSandbox(bridge, { abortGraceMs: 300 });
    try {
      await own.sandbox.load(limits.plugin, limits.expected);
      expect((await call(own.sandbox, limits, 'limits', 'counter')).output).toEqual({ calls: 1 });
      const cancelledHold = bridge.hold('wind-down-3');
      const controller = new AbortController();
      const cancelled = rejection(call(own.sandbox, limits, 'limits', 'slow-wind-down', { key: 'wind-down-3', windDownMs: 5000 }, { signal: controller.signal }));
      await cancelledHold.entered;
      controller.abort();
      expect((await cancelled).code).toBe('EXECUTION_CANCELLED');
      // Sent while the cancelled code spins past its grace: not into the isolate about to be disposed.
      expect((await call(own.sandbox, limits, 'limits', 'counter')).output).toEqual({ calls: 1 });
      cancelledHold.release('never seen');
    } finally {
      await own.sandbox.close();
    }
  });

  test('an already aborted signal never reaches the worker', async () => {
    const before = bridge.log.length;
    const err = await rejection(call(sandbox, limits, 'limits', 'hold', { key: 'x' }, { signal: AbortSignal.abort() }));
    expect(err.code).toBe('EXECUTION_CANCELLED');
    expect(bridge.log.length).toBe(before);
  });
});
