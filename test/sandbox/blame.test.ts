import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { QuarantineEvent, Sandbox, SandboxEvent } from '../../host/src/sandbox/index.ts';
import { call, expectNoWorkerFaults, fixture, installSentinels, rejection, startSandbox, TestBridge, waitFor, type Fixture, type TestLogger } from './helpers.ts';

installSentinels();

const ROUNDS = 3;

interface Setup {
  bridge: TestBridge;
  sandbox: Sandbox;
  logger: TestLogger;
  events: QuarantineEvent[];
  /** What the sandbox told its `onEvent` listener (metrics). */
  told: SandboxEvent[];
}

/**
 * One round: the bystander parks a call on a bridge call the test holds, then `attack` makes
 * the worker end itself naming the culprit. The bystander's call fails (its isolate went with
 * the process) and a new worker starts.
 */
async function round(s: Setup, bystander: Fixture, key: string, attack: () => Promise<void>): Promise<void> {
  const [pid] = s.sandbox.workerPids();
  const hold = s.bridge.hold(key);
  const parked = rejection(call(s.sandbox, bystander, bystander.plugin.name === 'sandbox-limits' ? 'limits' : 'memory', 'hold', { key }));
  await hold.entered;
  await attack();
  expect((await parked).code).toBe('SANDBOX_CRASHED');
  hold.release('too late');
  await waitFor(() => s.sandbox.workerPids().length === 1 && s.sandbox.workerPids()[0] !== pid, 'a new worker');
}

/** Every 'sandbox worker died' line names exactly the culprit as struck. */
function expectStruckOnly(logger: TestLogger, pluginId: string, deaths: number): void {
  const died = logger.entries.filter((e) => e.msg === 'sandbox worker died');
  expect(died).toHaveLength(deaths);
  for (const e of died) expect((e.obj as { plugins?: string[] }).plugins).toEqual([pluginId]);
  const quarantined = logger.entries.filter((e) => e.msg === 'plugin quarantined after repeated sandbox crashes');
  expect(quarantined.map((e) => (e.obj as { plugin?: string }).plugin)).toEqual([pluginId]);
}

describe('a worker that ends itself naming a plugin strikes only that plugin', () => {
  const s = { bridge: new TestBridge(), events: [], told: [] } as unknown as Setup;
  let culprit: Fixture;
  let bystander: Fixture;

  beforeAll(async () => {
    // A time budget the bomb cannot reach first, even on a loaded machine: memory must stop it.
    culprit = await fixture('sandbox-limits', { cpuMs: 5000, wallMs: 5000, memoryMb: 32 }, 'runaway@1.0.0');
    // A wall budget the parked call stays within for the whole round.
    bystander = await fixture('sandbox-limits', { cpuMs: 1000, wallMs: 20_000 }, 'bystander@1.0.0');
    s.bridge.grant(bystander.plugin.id, 'kv');
    ({ sandbox: s.sandbox, logger: s.logger } = await startSandbox(s.bridge, { workers: 1, quarantineAfterCrashes: ROUNDS, quarantineWindowMs: 60_000, onQuarantine: (e) => s.events.push(e), onEvent: (e) => s.told.push(e) }));
  });
  afterAll(async () => {
    expectNoWorkerFaults(s.logger);
    await s.sandbox?.close();
  });

  test(`runaway isolate (isolated-vm #107): ${ROUNDS} deaths quarantine the culprit, never the bystander with a call in flight`, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      await round(s, bystander, `runaway-${i}`, async () => {
        expect((await rejection(call(s.sandbox, culprit, 'limits', 'runaway-bomb'))).code).toBe('EXECUTION_MEMORY');
      });
      const last = s.logger.entries.filter((e) => e.msg === 'sandbox worker is ending itself').at(-1);
      expect(last?.obj).toMatchObject({ plugin: culprit.plugin.id, reason: 'an isolate kept running after it was disposed' });
    }
    expectStruckOnly(s.logger, culprit.plugin.id, ROUNDS);
    expect((await rejection(call(s.sandbox, culprit, 'limits', 'echo'))).code).toBe('PLUGIN_QUARANTINED');
    expect((await call(s.sandbox, bystander, 'limits', 'echo', { alive: true })).output).toEqual({ echoed: { alive: true } });
    // The quarantine carries the worker's evidence, crash by crash; the bystander has none.
    const quarantine = s.sandbox.quarantineOf(culprit.plugin.id)!;
    expect(quarantine).toMatchObject({ pluginId: culprit.plugin.id, until: undefined });
    expect(quarantine.strikes.map((k) => [k.reason, k.bystanderCalls])).toEqual(Array(ROUNDS).fill(['an isolate kept running after it was disposed', 1]));
    expect(s.sandbox.quarantines().map((q) => q.pluginId)).toEqual([culprit.plugin.id]);
    expect(s.events.map((e) => [e.type, e.cause, e.quarantine.pluginId])).toEqual([['quarantined', 'crashes', culprit.plugin.id]]);
    // Told to metrics: each worker replaced for the runaway isolate, and the quarantine once.
    expect(s.told.filter((e) => e.type === 'sandbox.worker-restarted')).toEqual(Array(ROUNDS).fill({ type: 'sandbox.worker-restarted', reason: 'runaway' }));
    expect(s.told.filter((e) => e.type === 'sandbox.quarantine')).toEqual([{ type: 'sandbox.quarantine', change: 'started', pluginId: culprit.plugin.id }]);
    expect(s.told.filter((e) => e.type === 'sandbox.killed').every((e) => e.pluginId === culprit.plugin.id)).toBe(true);
    // Lifted by someone: it runs again, and the listener hears who.
    expect(s.sandbox.liftQuarantine(culprit.plugin.id, 'key:admin')?.pluginId).toBe(culprit.plugin.id);
    expect(s.sandbox.liftQuarantine(culprit.plugin.id, 'key:admin')).toBeUndefined();
    expect(s.events.at(-1)).toMatchObject({ type: 'lifted', cause: 'lifted', actor: 'key:admin' });
    expect((await call(s.sandbox, culprit, 'limits', 'echo', { back: true })).output).toEqual({ echoed: { back: true } });
  });
});

describe('the RSS cap names the isolate that filled the memory, even from detached code', () => {
  const s = { bridge: new TestBridge(), events: [], told: [] } as unknown as Setup;
  let culprit: Fixture;
  let bystander: Fixture;

  beforeAll(async () => {
    // Counted memory (typed arrays) under a generous isolate limit: only the worker's RSS cap stops it.
    culprit = await fixture('sandbox-memory', { memoryMb: 1024, cpuMs: 5000, wallMs: 5000 }, 'filler@1.0.0');
    bystander = await fixture('sandbox-memory', { memoryMb: 16, cpuMs: 1000, wallMs: 20_000 }, 'parked@1.0.0');
    s.bridge.grant(bystander.plugin.id, 'kv');
    ({ sandbox: s.sandbox, logger: s.logger } = await startSandbox(s.bridge, { workers: 1, quarantineAfterCrashes: ROUNDS, quarantineWindowMs: 60_000, workerMaxRssMb: 320, onQuarantine: (e) => s.events.push(e), onEvent: (e) => s.told.push(e) }));
  });
  afterAll(async () => {
    expectNoWorkerFaults(s.logger);
    await s.sandbox?.close();
  });

  test(`${ROUNDS} worker deaths from memory filled after the culprit's call returned strike only the culprit`, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      await round(s, bystander, `rss-${i}`, async () => {
        // The culprit's call succeeds; the filling happens with no call of its own in flight.
        expect((await call(s.sandbox, culprit, 'memory', 'fill-detached', { mb: 512 })).output).toEqual({ returned: true });
      });
      const last = s.logger.entries.filter((e) => e.msg === 'sandbox worker is ending itself').at(-1);
      expect(last?.obj).toMatchObject({ plugin: culprit.plugin.id, reason: 'the worker passed its resident memory cap' });
    }
    expectStruckOnly(s.logger, culprit.plugin.id, ROUNDS);
    expect((await rejection(call(s.sandbox, culprit, 'memory', 'echo'))).code).toBe('PLUGIN_QUARANTINED');
    expect((await call(s.sandbox, bystander, 'memory', 'echo', { alive: true })).output).toEqual({ echoed: { alive: true } });
    // Each strike holds the figures the worker blamed on: past the cap, and a real share of it charged to the culprit.
    const cap = 320 * 1024 * 1024;
    for (const strike of s.sandbox.quarantineOf(culprit.plugin.id)!.strikes) {
      expect(strike.evidence?.capBytes).toBe(cap);
      expect(strike.evidence?.workerRssBytes).toBeGreaterThan(cap);
      expect(strike.evidence?.chargedBytes).toBeGreaterThanOrEqual(0.1 * cap);
    }
    expect(s.sandbox.quarantineOf(bystander.plugin.id)).toBeUndefined();
    expect(s.told.filter((e) => e.type === 'sandbox.worker-restarted')).toEqual(Array(ROUNDS).fill({ type: 'sandbox.worker-restarted', reason: 'memory-cap' }));
    // Loading the plugin again ends the quarantine too.
    await s.sandbox.load(culprit.plugin, culprit.expected);
    expect(s.sandbox.quarantines()).toEqual([]);
    expect(s.events.at(-1)).toMatchObject({ type: 'lifted', cause: 'reloaded' });
    expect(s.told.at(-1)).toEqual({ type: 'sandbox.quarantine', change: 'lifted', pluginId: culprit.plugin.id });
    expect((await call(s.sandbox, culprit, 'memory', 'echo', { back: true })).output).toEqual({ echoed: { back: true } });
  });
});
