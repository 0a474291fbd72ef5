/**
 * Two hosts on one PostgreSQL store and one S3-compatible bucket (EASEL_REPLICAS=many): an
 * install on one is runnable on the other without a restart, its bundle restored from the
 * bucket; a disable, a grant and a config changed on one are what the other serves next, told
 * through the store's change feed; workflows, cancels, event streams and per-key limits work
 * across hosts.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { freshDatabase } from '../../host/src/store/test-store.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { EventReader } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../helpers/s3rver.ts';

let database: { url: string; drop(): Promise<void> };
let s3: RunningS3rver;
let a: RunningHost;
let b: RunningHost;
let appKey: string;
const DRAIN_MS = 300;

const shared = () =>
  ({
    store: { kind: 'postgres', url: database.url, replicas: 'many' },
    storage: { backend: 's3', s3: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'easel/', timeoutMs: 2000, ...S3RVER_CREDENTIALS } },
    // A version retired by a change on the other host drains this long (calls here take milliseconds).
    sandbox: { drainMs: DRAIN_MS },
  }) as never;

/** `probe` until it gives what `ok` accepts, or `ms` passed (a harness budget, not a figure under test). */
async function within<T>(ms: number, probe: () => Promise<T>, ok: (value: T) => boolean): Promise<{ value: T }> {
  const end = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || performance.now() > end) return { value };
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Follows an execution's stream on `host` to its end: each event with when it arrived (ms since the stream opened). */
async function follow(host: RunningHost, id: string, key: string): Promise<{ seq: number; type: string; data: any; atMs: number }[]> {
  const reader = await EventReader.open(host, id, { key });
  const opened = performance.now();
  const events: { seq: number; type: string; data: any; atMs: number }[] = [];
  try {
    for (let e = await reader.next(90_000); e; e = await reader.next(90_000)) events.push({ seq: e.id, type: e.event, data: e.data, atMs: performance.now() - opened });
  } finally {
    reader.close();
  }
  return events;
}

const greet = (host: RunningHost, name: string) => host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name } });

beforeAll(async () => {
  database = await freshDatabase();
  s3 = await startS3rver({ bucket: 'easel-two-hosts' });
  a = await startHost(shared());
  b = await startHost(shared());
  appKey = (await a.call('POST', '/v1/keys', { body: { role: 'app', label: 'web' } })).body.key;
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
  await s3?.close();
});

test('installed and enabled on A, B serves it without a restart, from the bundle it restores', async () => {
  expect((await greet(b, 'Ada')).body.code).toBe('PLUGIN_NOT_FOUND');
  const { tarball } = await packWithCli('plugins-external/hello');
  expect((await a.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await a.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
  const { value } = await within(5000, () => greet(b, 'Ada'), (res) => res.status === 200);
  expect(value.body.output).toEqual({ message: 'Hello, Ada!' });
});

test('a config set on A is what B uses next', async () => {
  expect((await a.call('PUT', '/v1/plugins/hello/config', { body: { config: { greeting: 'Annyeong' } } })).status).toBe(200);
  const { value } = await within(5000, () => greet(b, 'Bo'), (res) => res.body.output?.message === 'Annyeong, Bo!');
  expect(value.body.output).toEqual({ message: 'Annyeong, Bo!' });
});

test('disabled on A: B refuses new calls with PLUGIN_DISABLED and drops its isolate; enabled again after the drain, B serves again', async () => {
  const isolatesOnB = async () => (await b.host.sandbox.stats!()).isolatesLive;
  expect(await isolatesOnB()).toBe(1);
  expect((await a.call('POST', '/v1/plugins/hello/disable')).status).toBe(200);
  expect((await within(5000, () => greet(b, 'Cy'), (res) => res.status !== 200)).value.body.code).toBe('PLUGIN_DISABLED');
  // The version B ran retires there too: its isolate goes, not at B's next restart.
  expect((await within(5000, isolatesOnB, (n) => n === 0)).value).toBe(0);
  // Past the drain, the version is retired on B; enabled again on A, it is B's to run again.
  await new Promise((resolve) => setTimeout(resolve, DRAIN_MS * 2));
  expect((await a.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
  expect((await within(5000, () => greet(b, 'Cy'), (res) => res.status === 200)).value.body.output).toEqual({ message: 'Annyeong, Cy!' });
});

test('a grant narrowed on A is what B enforces next', async () => {
  // count writes kv; without the kv grant it is refused on B too.
  expect((await b.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Di' } })).status).toBe(200);
  expect((await a.call('POST', '/v1/plugins/hello/enable', { body: { grant: {} } })).status).toBe(200);
  const { value } = await within(5000, () => b.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Di' } }), (res) => res.status !== 200);
  expect(value.body.code).toBe('PERMISSION_DENIED');
});

describe('workflows across hosts', () => {
  let emulator: StartedEmulator;
  let db: { url: string; drop(): Promise<void> };
  let first: RunningHost | undefined;
  let second: RunningHost;
  let key: string;

  const overrides = () =>
    ({
      store: { kind: 'postgres', url: db.url, leaseMs: 1000, replicas: 'many' },
      storage: { backend: 's3', s3: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'workflows/', timeoutMs: 2000, ...S3RVER_CREDENTIALS } },
      models: { bedrock: { mode: 'emulator', endpoint: emulator.url }, cache: { enabled: false, semantic: false } },
      // Far longer than these tests: a stream following another host's execution moves only on the store's notices.
      orchestration: { eventsTailMs: 60_000 },
    }) as never;

  beforeAll(async () => {
    emulator = await startEmulator();
    db = await freshDatabase();
    first = await startHost(overrides());
    second = await startHost(overrides());
    const { tarball } = await packWithCli('test/fixtures/plugins/durable-flow');
    expect((await first.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    expect((await first.call('POST', '/v1/plugins/durable-flow/enable', { body: { grant: 'requested' } })).status).toBe(200);
    key = (await first.call('POST', '/v1/keys', { body: { role: 'app', label: 'workflows' } })).body.key;
  });
  afterAll(async () => {
    await first?.close().catch(() => undefined);
    await second?.close();
    await db?.drop();
    await emulator?.close();
  });

  /** Starts three-steps on `host` with 1.5 s model calls; resolves once its first step finished. */
  async function startedOn(host: RunningHost): Promise<{ id: string; topic: string; get: (h: RunningHost) => () => Promise<any> }> {
    await emulator.control.reset();
    await emulator.control.fault({ modelId: '*', latencyMs: 1500, count: Infinity });
    const topic = `flow-${randomUUID().slice(0, 8)}`;
    const started = await host.call('POST', '/v1/workflows/three-steps/executions?wait=false', { key, body: { topic } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id: string = started.body.executionId;
    const get = (h: RunningHost) => async () => (await h.call('GET', `/v1/executions/${id}`, { key })).body;
    const oneDone = await within(20_000, get(second), (e) => (e?.steps ?? []).filter((s: { status: string }) => s.status === 'succeeded').length >= 1);
    expect(['running', 'queued']).toContain(oneDone.value.status);
    return { id, topic, get };
  }

  // Workflows of 1.5 s steps: budgets for a loaded machine.
  test('a cancel sent to B stops the run A owns: A records it, and no later step is called', { timeout: 120_000 }, async () => {
    const { id, topic, get } = await startedOn(first!);
    const cancelled = await second.call('POST', `/v1/executions/${id}/cancel`, { key });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: 'cancelled', errorCode: 'EXECUTION_CANCELLED' });
    // A's run stopped: after a step's worth of time no third step was ever called.
    await new Promise((r) => setTimeout(r, 2000));
    const prompts = (await emulator.control.calls()).map((c) => c.prompt);
    expect(prompts.filter((p) => p === `step-3 ${topic}`)).toHaveLength(0);
    expect((await get(first!)()).status).toBe('cancelled');
  });

  test('a client following on B sees the workflow A runs step by step, live, to its end', { timeout: 120_000 }, async () => {
    const { id, get } = await startedOn(first!);
    const events = await follow(second, id, key);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'step.finished')).toHaveLength(3);
    expect(events.at(-1)?.data).toMatchObject({ status: 'succeeded' });
    // Live, not all at the end: the last steps (1.5 s model calls each) arrived well after the stream opened.
    const stepsDone = events.filter((e) => e.type === 'step.finished').map((e) => e.atMs);
    expect((stepsDone[2] as number) - (stepsDone[1] as number)).toBeGreaterThan(1000);
    expect((await get(first!)()).status).toBe('succeeded');
  });

  test('A stops in the middle of a workflow: B, already running, takes it over and finishes it; finished steps are not called again; a client following on B sees it through', { timeout: 120_000 }, async () => {
    const { id, topic, get } = await startedOn(first!);
    const followed = follow(second, id, key);
    // A stops (as in a rolling restart): the workflow it was running stays unfinished.
    await first!.close();
    first = undefined;
    const { value: final } = await within(30_000, get(second), (e) => ['succeeded', 'failed', 'cancelled'].includes(e?.status));
    expect(final).toMatchObject({ id, status: 'succeeded', resumed: 1 });
    expect(final.output.texts).toHaveLength(3);
    const prompts = (await emulator.control.calls()).map((c) => c.prompt);
    // The step that finished before the stop was replayed from the journal, not called again.
    expect(prompts.filter((p) => p === `step-1 ${topic}`)).toHaveLength(1);
    // One stream across both hosts: numbered without gaps or repeats, ending as the record does.
    const events = await followed;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.data).toMatchObject({ status: 'succeeded' });
  });
});

describe('limits across hosts', () => {
  let db: { url: string; drop(): Promise<void> };
  let emulator: StartedEmulator;
  const hosts: RunningHost[] = [];

  beforeAll(async () => {
    db = await freshDatabase();
    emulator = await startEmulator();
    const overrides = () =>
      ({
        store: { kind: 'postgres', url: db.url, replicas: 'many' },
        keys: { requestsPerMinute: 5, maxConcurrentExecutions: 1 },
        // One execution of a plugin at once over both hosts (each host alone could run 64).
        orchestration: { maxConcurrentPerPlugin: 1 },
        storage: { backend: 's3', s3: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'limits/', timeoutMs: 2000, ...S3RVER_CREDENTIALS } },
        models: { bedrock: { mode: 'emulator', endpoint: emulator.url }, cache: { enabled: false, semantic: false } },
      }) as never;
    hosts.push(await startHost(overrides()));
    hosts.push(await startHost(overrides()));
  });
  /** Waits until no execution is unfinished and no key or plugin slot is held, on any host. */
  async function idle(): Promise<void> {
    const side = new pg.Client({ connectionString: db.url });
    await side.connect();
    try {
      const busy = async () =>
        Number((await side.query<{ n: string }>(
          "SELECT (SELECT count(*) FROM executions WHERE status IN ('queued', 'running')) + (SELECT count(*) FROM key_slots) + (SELECT count(*) FROM plugin_slots) AS n",
        )).rows[0]!.n);
      expect((await within(60_000, busy, (n) => n === 0)).value).toBe(0);
    } finally {
      await side.end();
    }
  }

  afterAll(async () => {
    for (const host of hosts) await host.close();
    await db?.drop();
    await emulator?.close();
  });

  test("an app key's requests per minute are counted across hosts: the sixth is refused wherever it lands", async () => {
    const [one, two] = hosts as [RunningHost, RunningHost];
    const limited: string = (await one.call('POST', '/v1/keys', { body: { role: 'app', label: 'limited' } })).body.key;
    const list = (host: RunningHost) => host.call('GET', '/v1/executions?limit=1', { key: limited });
    const answers = [];
    for (const host of [one, two, one, two, one]) answers.push((await list(host)).status);
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    const sixth = await list(two);
    expect(sixth.status).toBe(429);
    expect(sixth.body).toMatchObject({ statusCode: 429, code: 'KEY_RATE_LIMITED', details: { max: 5 } });
    // Another key has a window of its own.
    const other: string = (await two.call('POST', '/v1/keys', { body: { role: 'app', label: 'other' } })).body.key;
    expect((await one.call('GET', '/v1/executions?limit=1', { key: other })).status).toBe(200);
  });

  test("an app key's executions at once are counted across hosts: while one runs on A, B refuses a second", { timeout: 60_000 }, async () => {
    const [one, two] = hosts as [RunningHost, RunningHost];
    const { tarball } = await packWithCli('test/fixtures/plugins/durable-flow');
    expect((await one.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    expect((await one.call('POST', '/v1/plugins/durable-flow/enable', { body: { grant: 'requested' } })).status).toBe(200);
    const key: string = (await one.call('POST', '/v1/keys', { body: { role: 'app', label: 'one-at-a-time' } })).body.key;
    await emulator.control.fault({ modelId: '*', latencyMs: 1000, count: Infinity });
    const start = (host: RunningHost) => host.call('POST', '/v1/workflows/three-steps/executions?wait=false', { key, body: { topic: 'slots' } });
    const first = await start(one);
    expect(first.status).toBe(202);
    const second = await start(two);
    expect(second.body).toMatchObject({ code: 'KEY_CONCURRENCY_LIMITED' });
    // Once the first ends its slot is free, on every host.
    // Polled with the admin key: the app key's 5 requests a minute are not spent on it.
    await within(30_000, async () => (await one.call('GET', `/v1/executions/${first.body.executionId}`)).body, (e) => e?.status === 'succeeded');
    // The slot is given back just after the end is recorded.
    await idle();
    const third = await start(two);
    expect(third.status, JSON.stringify(third.body)).toBe(202);
  });

  test("a plugin's executions at once are counted across hosts: while one runs on A, B's waits in its queue, then runs", { timeout: 90_000 }, async () => {
    const [one, two] = hosts as [RunningHost, RunningHost];
    // The executions of the tests before have ended and given their slots back.
    await idle();
    const keyFor = async (label: string): Promise<string> => (await one.call('POST', '/v1/keys', { body: { role: 'app', label } })).body.key;
    const [keyA, keyB] = [await keyFor('plugin-slot-a'), await keyFor('plugin-slot-b')];
    await emulator.control.reset();
    await emulator.control.fault({ modelId: '*', latencyMs: 1000, count: Infinity });
    const start = (host: RunningHost, key: string) => host.call('POST', '/v1/workflows/three-steps/executions?wait=false', { key, body: { topic: 'one-at-a-time' } });
    const first = await start(one, keyA);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body.status).toBe('running');
    const second = await start(two, keyB);
    expect(second.status, JSON.stringify(second.body)).toBe(202);
    expect(second.body.status).toBe('queued');
    const get = (id: string) => async () => (await one.call('GET', `/v1/executions/${id}`)).body;
    const done = await within(60_000, get(first.body.executionId), (e) => e?.status === 'succeeded');
    expect(done.value.status).toBe('succeeded');
    // B's waited all along; A's end frees the slot for B, told by the store's notice.
    const secondDone = await within(60_000, get(second.body.executionId), (e) => e?.status === 'succeeded');
    expect(secondDone.value.status).toBe('succeeded');
    // Its first step ran only after A's execution had ended.
    const firstStep = [...secondDone.value.steps].sort((x: { startedAt: string }, y: { startedAt: string }) => x.startedAt.localeCompare(y.startedAt))[0];
    expect(Date.parse(firstStep.startedAt)).toBeGreaterThanOrEqual(Date.parse(done.value.finishedAt));
  });
});
