/**
 * The guest shim's limits, configured by the host: what breaks one never crosses the bridge
 * (the test's bridge never sees it), dropped log lines are counted and reported once per call,
 * and a call that ended can make no more bridge calls.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox, SandboxEvent } from '../../host/src/sandbox/index.ts';
import { call, expectNoWorkerFaults, fixture, installSentinels, startSandbox, TestBridge, waitFor, type Fixture, type TestLogger } from './helpers.ts';

installSentinels();

const LIMITS = { maxPendingLogLines: 4, maxLogLineBytes: 100, maxKvKeyLength: 10, maxKvValueBytes: 50 };

describe('limits the guest enforces before anything crosses', () => {
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let flooder: Fixture;
  const told: SandboxEvent[] = [];

  beforeAll(async () => {
    flooder = await fixture('flooder', { cpuMs: 4000, wallMs: 8000 });
    bridge.grant(flooder.plugin.id, 'kv');
    ({ sandbox, logger } = await startSandbox(bridge, { maxPendingBridgeCalls: 8, guestLimits: LIMITS, onEvent: (e) => told.push(e) }));
  });
  afterAll(async () => {
    expectNoWorkerFaults(logger);
    await sandbox?.close();
  });

  const crossed = (capability: string, op?: string) => bridge.log.filter((e) => e.caller.pluginId === flooder.plugin.id && e.capability === capability && (op === undefined || e.op === op));

  test('log lines: over the size cap, past the lines in flight, or with fields that are not JSON, are dropped in the isolate and counted once per call', async () => {
    const before = crossed('log').length;
    // A line is its message and its fields as JSON ('{}' without): 98 + 2 bytes fit, 99 + 2 do not.
    // After 4 lines in flight (none settles while the handler loops) the rest are dropped.
    const sizes = [99, 98, 50, 5000, 1, 2, 3, 4, 5];
    const { output } = await call(sandbox, flooder, 'flood', 'log-mixed', { sizes });
    expect(output).toEqual({ sent: sizes.length + 1 });
    const lines = crossed('log').slice(before).map((e) => (e.args as { message: string }).message.length);
    expect(lines).toEqual([98, 50, 1, 2]);
    const report = await waitFor(() => logger.entries.find((e) => e.msg === 'plugin log lines dropped'), 'the drop report');
    expect(report.level).toBe('warn');
    expect(report.obj).toMatchObject({ plugin: flooder.plugin.id, dropped: 6, oversize: 2, overflow: 3, invalid: 1 });
    expect((await sandbox.stats!()).logLinesDropped).toBe(6);
    // Told to metrics once per call, with the count.
    expect(told.filter((e) => e.type === 'sandbox.log-dropped')).toEqual([{ type: 'sandbox.log-dropped', pluginId: flooder.plugin.id, count: 6 }]);
  });

  test('kv keys and values over their caps, and calls past the in-flight cap, are refused in the isolate', async () => {
    const before = crossed('kv').length;
    const keys = await call(sandbox, flooder, 'flood', 'kv-get', { count: 20, size: 11 });
    expect(keys.output).toEqual({ sent: 20, codes: { KV_KEY_INVALID: 20 } });
    const values = await call(sandbox, flooder, 'flood', 'kv-set', { count: 20, size: 49 });
    // '"' + 49 characters + '"' is 51 bytes of JSON.
    expect(values.output).toEqual({ sent: 20, codes: { KV_VALUE_TOO_LARGE: 20 } });
    expect(crossed('kv').length).toBe(before);
    const busy = await call(sandbox, flooder, 'flood', 'kv-get', { count: 20, size: 10 });
    expect(busy.output).toEqual({ sent: 20, codes: { ok: 8, BRIDGE_BUSY: 12 } });
    expect(crossed('kv', 'get').length).toBe(before + 8);
    const fits = await call(sandbox, flooder, 'flood', 'kv-set', { count: 8, size: 48 });
    expect(fits.output).toEqual({ sent: 8, codes: { ok: 8 } });
  });

  test('a call that ended makes no more bridge calls: refused in the isolate, and its log lines go nowhere', async () => {
    const before = bridge.log.length;
    expect((await call(sandbox, flooder, 'flood', 'late')).output).toEqual({ returned: true });
    const report = await waitFor(async () => {
      const r = (await call(sandbox, flooder, 'flood', 'report')).output as Record<string, unknown>;
      return r.second !== undefined && r;
    }, 'the late calls');
    expect(report).toEqual({ first: 'CALL_ENDED', second: 'CALL_ENDED' });
    const seen = bridge.log.slice(before).filter((e) => e.caller.pluginId === flooder.plugin.id);
    expect(seen.map((e) => [e.capability, e.op, (e.args as { key?: string }).key])).toEqual([['kv', 'get', 'first-key']]);
    const stats = await sandbox.stats!();
    // Refused in the isolate: nothing crossed to the worker for the ended call.
    expect(stats.bridgeCallsAfterEnd).toBe(0);
    expect([stats.callsInFlight, stats.workerCallsInFlight, stats.bridgeCallsPending]).toEqual([0, 0, 0]);
  });
});
