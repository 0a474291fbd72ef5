/**
 * Issue 14, item 1: a plugin with no permissions must not get an innocent neighbour quarantined.
 *
 * The attack: a handler floods `ctx.log` with oversize lines and `ctx.kv` with calls it never
 * awaits. Each crossing used to copy its arguments out of the isolate and queue work in the
 * worker, whose resident memory grew by hundreds of MB per call and stayed, until the worker
 * passed its cap, ended itself naming nobody, and every plugin with a call in flight got a
 * strike. Here, against a real host (real sandbox worker, real isolates, real HTTP):
 * - the floods answer, the worker's RSS stays under a bound well below its cap, nothing is kept
 *   per call once the calls have answered, and the worker never restarts;
 * - a neighbour calling at the same time keeps answering and is never quarantined;
 * - a plugin that really does crash its worker (past its RSS cap) is quarantined on the
 *   worker's evidence alone, visibly (reason, since, liftsAt, each crash with its figures),
 *   while a bystander with a call in flight at every crash is not; an admin lifts it, or it
 *   lifts itself after EASEL_SANDBOX_QUARANTINE_LIFT_MS; every start and lift is audited.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

const MiB = 1024 * 1024;
/** The worker's resident cap in the flood host. */
const FLOOD_CAP_MB = 512;
/**
 * Worker RSS after any flood stays under half its cap. An idle worker with two plugins loaded
 * sits near 100 MB; before the fix, one 3,000-line flood of 100 kB lines left it above 400 MB.
 */
const RSS_BOUND_BYTES = (FLOOD_CAP_MB / 2) * MiB;
/** The worker's resident cap in the quarantine hosts: the hog fills twice as much. */
const HOG_CAP_MB = 320;
const HOG_FILL_MB = 640;
/** EASEL_SANDBOX_MAX_PENDING_LOG_LINES and _MAX_PENDING_BRIDGE_CALLS, at their defaults. */
const PENDING_LOG_LINES = 32;
const PENDING_BRIDGE_CALLS = 64;

const tarballs = new Map<string, Promise<Buffer>>();
function tarball(dir: string): Promise<Buffer> {
  if (!tarballs.has(dir)) tarballs.set(dir, packWithCli(dir).then((p) => p.tarball));
  return tarballs.get(dir)!;
}

async function install(host: RunningHost, dir: string, grant: object | 'requested'): Promise<void> {
  const up = await host.call('POST', '/v1/plugins/upload', { raw: await tarball(dir) });
  expect(up.status).toBe(201);
  const on = await host.call('POST', `/v1/plugins/${up.body.plugin.name}/enable`, { body: { grant } });
  expect(on.status).toBe(200);
}

async function appKey(host: RunningHost): Promise<string> {
  const res = await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'flood-test' } });
  expect(res.status).toBe(201);
  return res.body.key;
}

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sentinels = { unhandled: [] as unknown[], uncaught: [] as unknown[] };
const onRejection = (reason: unknown) => sentinels.unhandled.push(reason);
const onException = (err: unknown) => sentinels.uncaught.push(err);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  expect(sentinels).toEqual({ unhandled: [], uncaught: [] });
});

describe('a permissionless plugin floods ctx.log and ctx.kv', () => {
  let host: RunningHost;
  let key: string;

  beforeAll(async () => {
    host = await startHost({ sandbox: { workers: 1, workerMaxRssMb: FLOOD_CAP_MB } } as never);
    key = await appKey(host);
    await install(host, 'plugins-external/hello', 'requested');
    // Granted nothing: its kv calls are denied by the host, when they get that far.
    await install(host, 'test/fixtures/plugins/flooder', {});
  });
  afterAll(async () => host?.close());

  const flood = (capability: string, body: object) => host.call('POST', `/v1/agents/flooder/flood/${capability}`, { key, body });

  test.each([
    { name: 'oversize log lines', capability: 'log', count: 3000, size: 100_000, output: { sent: 3000 }, dropped: 3000 },
    { name: 'more log lines than may be in flight', capability: 'log', count: 100_000, size: 100, output: { sent: 100_000 }, dropped: 100_000 - PENDING_LOG_LINES },
    { name: 'oversize kv keys', capability: 'kv-get', count: 3000, size: 100_000, output: { sent: 3000, codes: { KV_KEY_INVALID: 3000 } }, dropped: 0 },
    {
      name: 'kv reads never awaited',
      capability: 'kv-get',
      count: 10_000,
      size: 10,
      // Only what may be in flight crosses (and is denied: nothing was granted); the rest is refused in the isolate.
      output: { sent: 10_000, codes: { PERMISSION_DENIED: PENDING_BRIDGE_CALLS, BRIDGE_BUSY: 10_000 - PENDING_BRIDGE_CALLS } },
      dropped: 0,
    },
    { name: 'oversize kv values', capability: 'kv-set', count: 3000, size: 100_000, output: { sent: 3000, codes: { KV_VALUE_TOO_LARGE: 3000 } }, dropped: 0 },
  ])('$name: the call answers, the worker stays small and keeps nothing, the neighbour keeps answering', async ({ capability, count, size, output, dropped }) => {
    const sandbox = host.host.sandbox;
    const before = await sandbox.stats!();

    // The neighbour calls all through the flood.
    let flooding = true;
    const neighbour = (async () => {
      const answers: unknown[] = [];
      do {
        const res = await host.call('POST', '/v1/agents/hello/greeter/greet', { key, body: { name: 'Ada' } });
        answers.push([res.status, res.body.output ?? res.body.code]);
      } while (flooding);
      return answers;
    })();
    const res = await flood(capability, { count, size }).finally(() => (flooding = false));
    const answers = await neighbour;
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual(output);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers).toEqual(answers.map(() => [200, { message: 'Hello, Ada!' }]));

    // Nothing is held for the calls that ended, in the HTTP process or in the worker.
    const after = await waitFor(async () => {
      const s = await sandbox.stats!();
      return s.callsInFlight === 0 && s.workerCallsInFlight === 0 && s.bridgeCallsPending === 0 && s;
    }, 'the calls to be released');
    expect(after.rssBytes).toBeLessThan(RSS_BOUND_BYTES);
    expect(after.logLinesDropped - before.logLinesDropped).toBe(dropped);
    // No crash, no restart, no quarantine, for anyone.
    expect(after.workerRestarts).toBe(before.workerRestarts);
    expect(sandbox.quarantines()).toEqual([]);
    for (const name of ['hello', 'flooder']) expect((await host.call('GET', `/v1/plugins/${name}`)).body.quarantine).toBeNull();
    expect((await flood('echo', { after: capability })).body.output).toEqual({ echoed: { after: capability } });
  });

  test('the same floods again leave the worker where it was: nothing piles up across calls', async () => {
    const sandbox = host.host.sandbox;
    for (let i = 0; i < 3; i++) {
      expect((await flood('log', { count: 3000, size: 100_000 })).status).toBe(200);
      expect((await flood('kv-get', { count: 3000, size: 100_000 })).status).toBe(200);
    }
    const after = await sandbox.stats!();
    expect(after.rssBytes).toBeLessThan(RSS_BOUND_BYTES);
    expect(after.workerRestarts).toBe(0);
  });
});

/** Starts a bystander call that parks on kv reads; resolves once the sandbox holds it, with its answer to come. */
async function parkBystander(host: RunningHost, key: string) {
  const sandbox = host.host.sandbox;
  const idle = (await sandbox.stats!()).callsInFlight;
  const answer = host.call('POST', '/v1/agents/bystander/patient/wait', { key, body: { ms: 40_000 } });
  await waitFor(async () => (await sandbox.stats!()).callsInFlight > idle, 'the bystander call to reach the sandbox');
  // Wrapped: an async function returning the promise itself would wait for the answer.
  return { answer };
}

/** The hog fills memory past the worker's cap: the worker ends itself naming it, and comes back. */
async function crashWorker(host: RunningHost, key: string) {
  const [pid] = host.host.sandbox.workerPids();
  const res = await host.call('POST', '/v1/agents/memory-hog/hog/fill', { key, body: { mb: HOG_FILL_MB } });
  expect(res.status).toBe(503);
  expect(res.body.code).toBe('SANDBOX_CRASHED');
  await waitFor(async () => host.host.sandbox.workerPids().length === 1 && host.host.sandbox.workerPids()[0] !== pid, 'a new worker');
}

describe('a plugin that does crash its worker is quarantined on evidence, visibly, and only it', () => {
  let host: RunningHost;
  let key: string;

  beforeAll(async () => {
    host = await startHost({ sandbox: { workers: 1, workerMaxRssMb: HOG_CAP_MB, maxMemoryMb: 1024, quarantineAfterCrashes: 3, quarantineLiftMs: 0 } } as never);
    key = await appKey(host);
    await install(host, 'plugins-external/hello', 'requested');
    await install(host, 'test/fixtures/plugins/bystander', 'requested');
    await install(host, 'test/fixtures/plugins/memory-hog', 'requested');
  });
  afterAll(async () => host?.close());

  test('three crashes blamed on the hog quarantine it; the bystander in flight at each crash and hello are never quarantined', async () => {
    for (let round = 0; round < 3; round++) {
      const { answer: parked } = await parkBystander(host, key);
      await crashWorker(host, key);
      // The bystander's call went down with the worker: it was in flight, and it is not charged.
      const bystander = await parked;
      expect(bystander.status).toBe(503);
      expect(bystander.body.code).toBe('SANDBOX_CRASHED');
      expect((await host.call('POST', '/v1/agents/hello/greeter/greet', { key, body: { name: `round ${round}` } })).status).toBe(200);
    }

    const refused = await host.call('POST', '/v1/agents/memory-hog/hog/echo', { key, body: {} });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('PLUGIN_QUARANTINED');
    expect(refused.body.details).toMatchObject({ since: expect.any(String), liftsAt: null });

    const view = (await host.call('GET', '/v1/plugins/memory-hog')).body;
    expect(view.quarantine).toMatchObject({ reason: expect.any(String), since: refused.body.details.since, liftsAt: null });
    expect(view.quarantine.crashes).toHaveLength(3);
    const cap = HOG_CAP_MB * MiB;
    for (const crash of view.quarantine.crashes) {
      expect(crash.reason).toBe('the worker passed its resident memory cap');
      expect(crash.evidence.capBytes).toBe(cap);
      expect(crash.evidence.workerRssBytes).toBeGreaterThan(cap);
      expect(crash.evidence.chargedBytes).toBeGreaterThanOrEqual(0.1 * cap);
      expect(crash.bystanderCalls).toBeGreaterThanOrEqual(1);
    }
    const list = (await host.call('GET', '/v1/plugins')).body.plugins as { name: string; quarantine: unknown }[];
    expect(Object.fromEntries(list.map((p) => [p.name, p.quarantine === null ? null : 'quarantined']))).toEqual({ hello: null, bystander: null, 'memory-hog': 'quarantined' });

    // The innocent plugins answer; the quarantine is audited once.
    expect((await host.call('POST', '/v1/agents/bystander/patient/wait', { key, body: { ms: 0 } })).body.output).toEqual({ reads: 0 });
    expect((await host.call('POST', '/v1/agents/hello/greeter/greet', { key, body: { name: 'Ada' } })).body.output).toEqual({ message: 'Hello, Ada!' });
    const rows = await host.host.store.audit.list({ limit: 10, action: 'plugin.quarantine' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'host', target: 'memory-hog@1.0.0', outcome: 'ok', details: { liftsAt: null } });
    expect((rows[0]!.details as { crashes: unknown[] }).crashes).toHaveLength(3);
  });

  test('an admin lifts it: only an admin, once, audited with the admin key', async () => {
    const byApp = await host.call('POST', '/v1/plugins/memory-hog/quarantine/lift', { key });
    expect(byApp.status).toBe(403);
    expect((await host.call('GET', '/v1/plugins/memory-hog')).body.quarantine).not.toBeNull();
    const unknown = await host.call('POST', '/v1/plugins/no-such-plugin/quarantine/lift');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('PLUGIN_NOT_FOUND');

    const lifted = await host.call('POST', '/v1/plugins/memory-hog/quarantine/lift');
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ name: 'memory-hog', quarantine: null, lifted: { liftsAt: null } });
    expect(lifted.body.lifted.crashes).toHaveLength(3);
    // Lifting again is a no-op.
    const again = await host.call('POST', '/v1/plugins/memory-hog/quarantine/lift');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ quarantine: null, lifted: null });

    expect((await host.call('POST', '/v1/agents/memory-hog/hog/echo', { key, body: { back: true } })).body.output).toEqual({ echoed: { back: true } });
    const rows = await host.host.store.audit.list({ limit: 10, action: 'plugin.quarantine.lift' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: expect.stringMatching(/^key:/), target: 'memory-hog@1.0.0', outcome: 'ok', details: { cause: 'lifted' } });
  });
});

describe('a quarantine lifts itself after EASEL_SANDBOX_QUARANTINE_LIFT_MS', () => {
  const LIFT_MS = 3000;
  let host: RunningHost;
  let key: string;

  beforeAll(async () => {
    host = await startHost({ sandbox: { workers: 1, workerMaxRssMb: HOG_CAP_MB, maxMemoryMb: 1024, quarantineAfterCrashes: 1, quarantineLiftMs: LIFT_MS } } as never);
    key = await appKey(host);
    await install(host, 'test/fixtures/plugins/memory-hog', 'requested');
  });
  afterAll(async () => host?.close());

  test('quarantined with its lift time shown, then lifted by the clock and audited', async () => {
    await crashWorker(host, key);
    const view = (await host.call('GET', '/v1/plugins/memory-hog')).body.quarantine;
    expect(view).not.toBeNull();
    expect(Date.parse(view.liftsAt) - Date.parse(view.since)).toBe(LIFT_MS);
    expect((await host.call('POST', '/v1/agents/memory-hog/hog/echo', { key, body: {} })).body.code).toBe('PLUGIN_QUARANTINED');

    await waitFor(async () => (await host.call('GET', '/v1/plugins/memory-hog')).body.quarantine === null, 'the quarantine to lift itself');
    expect((await host.call('POST', '/v1/agents/memory-hog/hog/echo', { key, body: { back: true } })).body.output).toEqual({ echoed: { back: true } });
    const lifts = await host.host.store.audit.list({ limit: 10, action: 'plugin.quarantine.lift' });
    expect(lifts).toHaveLength(1);
    expect(lifts[0]).toMatchObject({ actor: 'host', target: 'memory-hog@1.0.0', details: { cause: 'expired', since: view.since, liftsAt: view.liftsAt } });
  });
});
