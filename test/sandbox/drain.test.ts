/**
 * Retiring a plugin version drains it (issue 14, item 9), at the sandbox's own interface:
 * calls in flight finish on it, calls bound to it that arrive later still run on it until the
 * deadline, its isolate goes whenever it has no call, and at the deadline what is left ends
 * with PLUGIN_DRAIN_TIMEOUT (never EXECUTION_ABORTED, which blames another call). Calls are
 * held on kv reads the test releases: nothing depends on timing but the deadlines themselves.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '../../host/src/sandbox/index.ts';
import { call, expectNoWorkerFaults, fixture, installSentinels, rejection, startSandbox, TestBridge, waitFor, type Fixture, type TestLogger } from './helpers.ts';

installSentinels();

const bridge = new TestBridge();
let sandbox: Sandbox;
let logger: TestLogger;
let neighbour: Fixture;
let current: Fixture;

/** A version of the greeter under its own id (each test retires a fresh one). */
async function version(id: string): Promise<Fixture> {
  const f = await fixture('sandbox-greeter', { wallMs: 60_000, cpuMs: 5_000 }, id);
  bridge.grant(f.plugin.id, 'kv');
  await sandbox.load(f.plugin, f.expected);
  return f;
}

/** A call parked on a kv read of `key` until the test releases it. */
async function parked(f: Fixture, key: string): Promise<{ answer: Promise<unknown>; release: (v: unknown) => void }> {
  const hold = bridge.hold(key);
  const answer = call(sandbox, f, 'greeter', 'read', { keys: [key] }).then((r) => r.output);
  // Rejections are read by the test; keep them from counting as unhandled meanwhile.
  answer.catch(() => undefined);
  await hold.entered;
  return { answer, release: hold.release };
}

const stats = () => sandbox.stats!();

async function neighbourFine(): Promise<void> {
  expect((await call(sandbox, neighbour, 'patient', 'echo', { ping: 1 })).output).toEqual({ echoed: { ping: 1 } });
  expect(sandbox.quarantines()).toEqual([]);
}

beforeAll(async () => {
  ({ sandbox, logger } = await startSandbox(bridge));
  neighbour = await fixture('bystander', { wallMs: 10_000 }, 'bystander@1.0.0');
  bridge.grant(neighbour.plugin.id, 'kv');
  await sandbox.load(neighbour.plugin, neighbour.expected);
  current = await version('greeter@2.0.0#current');
});
afterAll(async () => {
  expectNoWorkerFaults(logger);
  await sandbox?.close();
});

describe('a retired version', () => {
  test('finishes its calls in flight, still takes calls bound to it, and drops its isolate whenever it has none', async () => {
    const old = await version('greeter@1.0.0#drains');
    const first = await parked(old, 'drain-1');
    const second = await parked(old, 'drain-2');
    let drained = false;
    const drain = sandbox.retire(old.plugin.id, 600_000).then(() => (drained = true));

    // Side by side: the neighbour's, the current version's and the retired one's.
    expect(await stats()).toMatchObject({ isolatesLive: 3, versionsDraining: 1, callsInFlight: 2 });
    expect((await call(sandbox, current, 'greeter', 'greet', { name: 'new' })).output).toEqual({ message: 'Hello, new!' });
    await neighbourFine();

    first.release('one');
    expect(await first.answer).toEqual({ 'drain-1': { value: 'one' } });
    // A call bound to the old version before it was retired, arriving now, runs on it too.
    const created = (await stats()).isolatesCreated;
    expect((await call(sandbox, old, 'greeter', 'greet', { name: 'late' })).output).toEqual({ message: 'Hello, late!' });
    expect((await stats()).isolatesCreated).toBe(created);

    second.release('two');
    expect(await second.answer).toEqual({ 'drain-2': { value: 'two' } });
    await waitFor(async () => (await stats()).isolatesLive === 2, 'the idle retired isolate to go');

    // Later still, but within the drain: rebuilt for the call, dropped again after it.
    expect((await call(sandbox, old, 'greeter', 'greet', { name: 'later' })).output).toEqual({ message: 'Hello, later!' });
    await waitFor(async () => (await stats()).isolatesLive === 2, 'the rebuilt retired isolate to go');
    expect(drained).toBe(false);

    await sandbox.unload(old.plugin.id);
    await drain;
    expect((await stats()).versionsDraining).toBe(0);
  });

  test('at its deadline, calls still in flight end with PLUGIN_DRAIN_TIMEOUT and later ones are refused with it; loading it again makes it live', async () => {
    const old = await version('greeter@1.0.0#deadline');
    const stuck = await parked(old, 'stuck');

    await sandbox.retire(old.plugin.id, 200);
    const err = await rejection(stuck.answer);
    expect(err.code).toBe('PLUGIN_DRAIN_TIMEOUT');
    expect(err.details).toMatchObject({ drainMs: 200 });
    const late = await rejection(call(sandbox, old, 'greeter', 'greet', { name: 'too late' }));
    expect(late.code).toBe('PLUGIN_DRAIN_TIMEOUT');
    await waitFor(async () => (await stats()).isolatesLive === 2, 'the retired isolate to go');
    expect(await stats()).toMatchObject({ versionsDraining: 0, callsInFlight: 0, workerRestarts: 0 });
    stuck.release('never seen');

    // Enabled again (or the same bytes uploaded again): live, and nothing is held against it.
    await sandbox.load(old.plugin, old.expected);
    expect((await call(sandbox, old, 'greeter', 'greet', { name: 'back' })).output).toEqual({ message: 'Hello, back!' });
    expect(sandbox.quarantines()).toEqual([]);
    await neighbourFine();
    await sandbox.unload(old.plugin.id);
  });

  test('loaded again while it drains, it is live again: its calls run on and its isolate stays', async () => {
    const old = await version('greeter@1.0.0#revived');
    const running = await parked(old, 'revived');
    const drain = sandbox.retire(old.plugin.id, 600_000);

    await sandbox.load(old.plugin, old.expected);
    await drain;
    expect((await stats()).versionsDraining).toBe(0);
    running.release('still here');
    expect(await running.answer).toEqual({ revived: { value: 'still here' } });
    expect((await stats()).isolatesLive).toBe(3);
    await sandbox.unload(old.plugin.id);
  });

  test('retired twice, it keeps the earlier deadline', async () => {
    const old = await version('greeter@1.0.0#twice');
    const stuck = await parked(old, 'twice');
    const first = sandbox.retire(old.plugin.id, 200);
    const second = sandbox.retire(old.plugin.id, 600_000);
    await second;
    await first;
    expect((await rejection(stuck.answer)).code).toBe('PLUGIN_DRAIN_TIMEOUT');
    stuck.release('never seen');
  });

  test('an unload stops its calls with PLUGIN_DRAIN_TIMEOUT, never blaming another call', async () => {
    const old = await version('greeter@1.0.0#unloaded');
    const stuck = await parked(old, 'unloaded');
    await sandbox.unload(old.plugin.id);
    expect((await rejection(stuck.answer)).code).toBe('PLUGIN_DRAIN_TIMEOUT');
    stuck.release('never seen');
    await neighbourFine();
  });
});
