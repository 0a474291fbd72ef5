import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox, SandboxEvent } from '../../host/src/sandbox/index.ts';
import { call, fixture, installSentinels, rejection, startSandbox, TestBridge, waitFor, type Fixture, expectNoWorkerFaults, type TestLogger } from './helpers.ts';

installSentinels();

describe('worker crashes', () => {
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let limits: Fixture;
  let greeter: Fixture;
  const told: SandboxEvent[] = [];

  beforeAll(async () => {
    limits = await fixture('sandbox-limits', { cpuMs: 5000, wallMs: 10_000 });
    greeter = await fixture('sandbox-greeter');
    bridge.grant(limits.plugin.id, 'kv');
    ({ sandbox, logger } = await startSandbox(bridge, { workers: 1, quarantineAfterCrashes: 3, quarantineWindowMs: 60_000, onEvent: (e) => told.push(e) }));
  });
  afterAll(async () => {
    expectNoWorkerFaults(logger);
    await sandbox?.close();
  });

  /** Kills the worker while a call of `limits` waits on a bridge call the test holds open. */
  async function crashMidCall(signal: NodeJS.Signals, key: string) {
    const [pid] = sandbox.workerPids();
    const hold = bridge.hold(key);
    const pending = rejection(call(sandbox, limits, 'limits', 'hold', { key }));
    await hold.entered;
    process.kill(pid!, signal);
    const err = await pending;
    expect(err.code).toBe('SANDBOX_CRASHED');
    hold.release('too late');
    const [next] = await waitFor(() => (sandbox.workerPids().length === 1 && sandbox.workerPids()[0] !== pid ? sandbox.workerPids() : undefined), 'a restarted worker');
    expect(next).not.toBe(pid);
    return err;
  }

  test.each(['SIGKILL', 'SIGABRT'] as const)('a worker killed with %s fails only its in-flight call and is restarted', async (signal) => {
    await crashMidCall(signal, `hold-${signal}`);
    // The answer the bridge gave after the crash went nowhere; the next calls succeed.
    expect((await call(sandbox, limits, 'limits', 'echo', { after: signal })).output).toEqual({ echoed: { after: signal } });
    expect((await call(sandbox, greeter, 'greeter', 'greet', { name: signal })).output).toEqual({ message: `Hello, ${signal}!` });
    const stats = await sandbox.stats!();
    expect(stats.workers).toBe(1);
    expect(stats.workerRestarts).toBeGreaterThanOrEqual(1);
    // A death from outside, with no last words: replaced for reason `exited`, no isolate counted as killed.
    expect(told.filter((e) => e.type === 'sandbox.worker-restarted').at(-1)).toEqual({ type: 'sandbox.worker-restarted', reason: 'exited' });
    expect(told.filter((e) => e.type === 'sandbox.killed')).toEqual([]);
  });

  test('deaths no culprit was named for strike nobody: a plugin that merely had a call in flight is never quarantined', async () => {
    // One strike would have come from each test above under the old rule; three more here.
    for (let i = 0; i < 3; i++) await crashMidCall('SIGKILL', `hold-bystander-${i}`);
    expect(sandbox.quarantines()).toEqual([]);
    expect(sandbox.quarantineOf(limits.plugin.id)).toBeUndefined();
    expect((await call(sandbox, limits, 'limits', 'echo', { still: 'running' })).output).toEqual({ echoed: { still: 'running' } });
    const died = logger.entries.filter((e) => e.msg === 'sandbox worker died');
    expect(died.length).toBeGreaterThanOrEqual(5);
    // Each death names who had calls in flight, and charges none of them.
    for (const e of died) expect(e.obj).toMatchObject({ plugins: [], inFlight: [limits.plugin.id] });
    expect(logger.entries.filter((e) => e.msg === 'plugin quarantined after repeated sandbox crashes')).toEqual([]);
  });

  test('after close, calls are refused and no worker is left', async () => {
    const pids = sandbox.workerPids();
    await sandbox.close();
    expect((await rejection(call(sandbox, greeter, 'greeter', 'greet', { name: 'late' }))).code).toBe('SANDBOX_UNAVAILABLE');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
