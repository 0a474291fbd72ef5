/**
 * Deeply nested and very wide JSON, from an app and from a plugin. Inputs over the host's
 * JSON limits (EASEL_JSON_MAX_DEPTH, EASEL_JSON_MAX_NODES) are refused with INPUT_INVALID
 * naming the limit, on every way in, before any execution is recorded; a plugin that hands
 * back such JSON (output, progress data, kv value, step input) gets a coded refusal, its
 * execution is recorded as failed, and its event stream still ends with execution.finished.
 * Before the limits, 5,000 levels answered an uncoded 500 and 1,000 levels lost the
 * execution.finished event (SQLite's json_valid refuses more than 1,000 levels).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packWithCli } from '../helpers/pack.ts';
import { appKey, enable, readEvents, upload } from '../helpers/orchestration.ts';

let host: RunningHost;
let app: string;
const sentinels = { unhandledRejection: 0, uncaughtException: 0 };
const onRejection = () => void sentinels.unhandledRejection++;
const onException = () => void sentinels.uncaughtException++;

const PLUGIN = 'json-nesting';
const NEIGHBOUR = 'sandbox-greeter';

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  host = await startHost();
  for (const [dir, grant] of [[`test/fixtures/plugins/${PLUGIN}`, { kv: true }], [`test/fixtures/plugins/${NEIGHBOUR}`, { kv: true }]] as const) {
    const { body } = await upload(host, (await packWithCli(dir)).tarball);
    await enable(host, body.plugin.name, grant);
  }
  app = await appKey(host, 'nesting');
});
afterAll(async () => {
  await host?.close();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

/** `{"x": {"a": {"a": … {} …}}}` with `levels` objects under x, written as text (JSON.stringify itself overflows at 5,000). */
const deepBody = (levels: number) => Buffer.from(`{"x":${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}}`);
/** `{"x": [0, 0, …]}`: shallow, but `count` values. */
const wideBody = (count: number) => Buffer.from(`{"x":[${new Array(count).fill('0').join(',')}]}`);

const send = (path: string, raw: Buffer) => host.call('POST', path, { key: app, raw, contentType: 'application/json' });

/** Every way an app's JSON becomes a plugin's input. */
const WAYS = [
  { way: 'the agent endpoint', path: `/v1/agents/${PLUGIN}/nest/take` },
  { way: 'a workflow start', path: '/v1/workflows/nesting-start/executions?wait=true' },
  { way: 'a workflow preview', path: '/v1/workflows/nesting-start/preview' },
  { way: 'a plugin route to an agent', path: `/v1/p/${PLUGIN}/take` },
  { way: 'a plugin route to a workflow', path: `/v1/p/${PLUGIN}/start` },
];

async function executionCount(): Promise<number> {
  const res = await host.call('GET', `/v1/executions?plugin=${PLUGIN}&limit=500`);
  expect(res.status).toBe(200);
  return res.body.items.length;
}

async function neighbourAnswers(): Promise<void> {
  const res = await host.call('POST', `/v1/agents/${NEIGHBOUR}/greeter/greet`, { key: app, body: { name: 'Ada' } });
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
  expect(res.body.output).toEqual({ message: 'Hello, Ada!' });
}

describe.each(WAYS)('input through $way', ({ path }) => {
  test.each([5000, 1000, 64])('%i levels: 400 INPUT_INVALID naming EASEL_JSON_MAX_DEPTH, nothing recorded', async (levels) => {
    const before = await executionCount();
    const res = await send(path, deepBody(levels));
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(400);
    expect(res.body.code).toBe('INPUT_INVALID');
    expect(res.body.message).toContain('EASEL_JSON_MAX_DEPTH');
    const [problem] = res.body.details.problems;
    expect(problem.message).toContain('EASEL_JSON_MAX_DEPTH');
    // The first container past 64 levels: the root is level 1, x level 2, then 62 more a's.
    expect(problem.path).toBe(`/x${'/a'.repeat(63)}`);
    expect(await executionCount()).toBe(before);
    await neighbourAnswers();
  });

  test('100,001 values, one level deep: 400 INPUT_INVALID naming EASEL_JSON_MAX_NODES, nothing recorded', async () => {
    const before = await executionCount();
    const res = await send(path, wideBody(100_000));
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(400);
    expect(res.body.code).toBe('INPUT_INVALID');
    expect(res.body.details.problems[0].message).toContain('EASEL_JSON_MAX_NODES');
    expect(await executionCount()).toBe(before);
  });

  test('ordinary input at the limits is taken', async () => {
    // 64 levels (x and 62 a's under the root) and 100,000 values (root, x, its array and 99,997 zeros).
    for (const body of [deepBody(63), wideBody(99_997)]) {
      const res = await send(path, body);
      expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
    }
  });
});

test('a JSON body over the limits on an admin route is REQUEST_INVALID, not a 500', async () => {
  const res = await host.call('PUT', `/v1/plugins/${NEIGHBOUR}/config`, { raw: Buffer.from(`{"config":${deepBody(5000).toString()}}`), contentType: 'application/json' });
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(400);
  expect(res.body.code).toBe('REQUEST_INVALID');
  expect(res.body.message).toContain('EASEL_JSON_MAX_DEPTH');
  expect((await host.call('GET', `/v1/plugins/${NEIGHBOUR}/config`)).body).toEqual({ config: {} });
});

test('a body of 2 MB of open brackets is refused as the parser reads it', async () => {
  const levels = 1_000_000;
  const res = await send(`/v1/agents/${PLUGIN}/nest/take`, Buffer.from(`${'['.repeat(levels)}${']'.repeat(levels)}`));
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(400);
  expect(res.body.code).toBe('INPUT_INVALID');
  expect(res.body.details.problems[0].path).toBe('/0'.repeat(64));
});

/** Runs a capability of the fixture; its execution's events read from the start to the end of the stream. */
async function runAndRead(capability: string, input: unknown): Promise<{ res: { status: number; body: any }; events: { event: string; data: any }[]; record: any }> {
  const res = await host.call('POST', `/v1/agents/${PLUGIN}/nest/${capability}`, { key: app, body: input });
  const executionId = res.body.executionId ?? res.body.details?.executionId;
  expect(executionId, JSON.stringify(res.body)).toBeDefined();
  const events = await readEvents(host, executionId, { key: app });
  const record = (await host.call('GET', `/v1/executions/${executionId}`, { key: app })).body;
  return { res, events, record };
}

describe('JSON a plugin hands back', () => {
  test.each([1000, 64])('an output %i levels deep is OUTPUT_INVALID, recorded as failed, and the stream ends with execution.finished', async (depth) => {
    const { res, events, record } = await runAndRead('give', { depth });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(502);
    expect(res.body.code).toBe('OUTPUT_INVALID');
    expect(res.body.details.problems[0].message).toContain('EASEL_JSON_MAX_DEPTH');
    expect(record).toMatchObject({ status: 'failed', errorCode: 'OUTPUT_INVALID' });
    const last = events.at(-1);
    expect(last?.event).toBe('execution.finished');
    expect(last?.data).toMatchObject({ status: 'failed', error: { code: 'OUTPUT_INVALID' } });
    await neighbourAnswers();
  });

  test('an output 5,000 levels deep (more than the worker can frame) is OUTPUT_INVALID, recorded, with execution.finished last', async () => {
    // Before, the worker's frame failed silently and the call never answered, past its wall budget.
    const { res, events, record } = await runAndRead('give', { depth: 5000 });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(502);
    expect(res.body.code).toBe('OUTPUT_INVALID');
    expect(record).toMatchObject({ status: 'failed', errorCode: 'OUTPUT_INVALID' });
    expect(events.at(-1)?.event).toBe('execution.finished');
    await neighbourAnswers();
  });

  test('an output of 100,001 values is OUTPUT_INVALID naming EASEL_JSON_MAX_NODES', async () => {
    const { res, events } = await runAndRead('give', { wide: 100_000 });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(502);
    expect(res.body.details.problems[0].message).toContain('EASEL_JSON_MAX_NODES');
    expect(events.at(-1)?.event).toBe('execution.finished');
  });

  test('progress data 1,000 levels deep is refused with BRIDGE_ARGUMENT_INVALID; the stream ends with execution.finished', async () => {
    const { res, events, record } = await runAndRead('progress', { depth: 1000 });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(400);
    expect(res.body.code).toBe('BRIDGE_ARGUMENT_INVALID');
    expect(res.body.message).toContain('EASEL_JSON_MAX_DEPTH');
    expect(record).toMatchObject({ status: 'failed', errorCode: 'BRIDGE_ARGUMENT_INVALID' });
    expect(events.map((e) => e.event)).not.toContain('progress');
    expect(events.at(-1)?.event).toBe('execution.finished');
  });

  test.each([100, 5000])('a kv value %i levels deep is refused with BRIDGE_ARGUMENT_INVALID and not stored', async (depth) => {
    await host.host.store.kv.delete(PLUGIN, 'deep');
    const res = await host.call('POST', `/v1/agents/${PLUGIN}/nest/store`, { key: app, body: { depth } });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
    expect(res.body.output).toEqual({ stored: false, code: 'BRIDGE_ARGUMENT_INVALID' });
    expect(await host.host.store.kv.get(PLUGIN, 'deep')).toBeUndefined();
    const ok = await host.call('POST', `/v1/agents/${PLUGIN}/nest/store`, { key: app, body: { depth: 10 } });
    expect(ok.body.output).toEqual({ stored: true });
    expect(await host.host.store.kv.get(PLUGIN, 'deep')).toBeDefined();
  });

  test('a step input 100 levels deep is INPUT_INVALID to the calling plugin, and no step is recorded', async () => {
    const res = await host.call('POST', `/v1/agents/${PLUGIN}/nest/relay`, { key: app, body: { depth: 100 } });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
    expect(res.body.output).toEqual({ called: false, code: 'INPUT_INVALID' });
    const record = (await host.call('GET', `/v1/executions/${res.body.executionId}`, { key: app })).body;
    expect(record.steps).toEqual([]);
    const ok = await host.call('POST', `/v1/agents/${PLUGIN}/nest/relay`, { key: app, body: { depth: 10 } });
    expect(ok.body.output).toEqual({ called: true });
  });
});

test('the host saw no unhandled rejection or uncaught exception', () => {
  expect(sentinels).toEqual({ unhandledRejection: 0, uncaughtException: 0 });
});
