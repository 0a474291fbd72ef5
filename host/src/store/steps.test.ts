import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import type { NewStep, Store, UsageRow } from './index.ts';
import { test } from './test-store.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const step = (id: string, over: Partial<NewStep> = {}): NewStep => ({
  id,
  executionId: 'e1',
  callKey: `key-${id}`,
  depth: 1,
  pluginName: 'writer-kit',
  pluginVersion: '1.0.0',
  agent: 'writer',
  capability: 'draft',
  inputSha256: sha(id),
  ...over,
});

const usage = (stepId: string | undefined, over: Partial<UsageRow> = {}): UsageRow => ({
  appId: 'app-1',
  userId: 'u1',
  pluginName: 'writer-kit',
  executionId: 'e1',
  stepId,
  task: 'text',
  modelId: 'm-small',
  purpose: 'call',
  inputTokens: 100,
  outputTokens: 20,
  images: 0,
  costUsd: 0.001,
  status: 'ok',
  latencyMs: 10,
  ...over,
});

const succeed = (store: Store, id: string, output: unknown = { id }) =>
  store.steps.finish(id, { status: 'succeeded', output, durationMs: 12.5, cpuMs: 3.25, heapPeakBytes: 1_048_576.4 });

describe('begin', () => {
  test('a new call key inserts a running step, attempt 1, with every field read back', async ({ store }) => {
    const begun = await store.steps.begin(step('s1', { parentStepId: 'p0', depth: 2 }));
    expect(begun.replayed).toBe(false);
    expect(begun.step).toEqual({
      ...step('s1', { parentStepId: 'p0', depth: 2 }),
      status: 'running',
      models: [],
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      attempts: 1,
      startedAt: begun.step.startedAt,
    });
    expect(Number.isNaN(Date.parse(begun.step.startedAt))).toBe(false);
    expect(await store.steps.listByExecution('e1')).toEqual([begun.step]);
    expect(await store.steps.listByExecution('other')).toEqual([]);
  });

  test('a succeeded step is replayed: same id and output, nothing rewritten', async ({ store }) => {
    const first = await store.steps.begin(step('s1'));
    const done = await succeed(store, 's1', { text: 'once' });
    // The resumed run makes the same call under a fresh id: the journal answers with the first.
    const again = await store.steps.begin(step('fresh-id', { callKey: 'key-s1', pluginVersion: '9.9.9' }));
    expect(again.replayed).toBe(true);
    expect(again.step).toEqual(done);
    expect(again.step).toMatchObject({ id: first.step.id, status: 'succeeded', output: { text: 'once' }, attempts: 1, pluginVersion: '1.0.0' });
    expect(await store.steps.listByExecution('e1')).toEqual([done]);
  });

  test.for(['failed', 'cancelled'] as const)('a %s step starts again: attempts + 1, same id, outcome cleared', async (status, { store }) => {
    await store.steps.begin(step('s1'));
    await store.steps.finish('s1', { status, errorCode: 'PLUGIN_ERROR', errorMessage: 'boom', output: { partial: true }, durationMs: 5, cpuMs: 1, heapPeakBytes: 10 });
    const again = await store.steps.begin(step('fresh-id', { callKey: 'key-s1', pluginVersion: '1.0.1' }));
    expect(again.replayed).toBe(false);
    expect(again.step).toMatchObject({ id: 's1', status: 'running', attempts: 2, pluginVersion: '1.0.1' });
    for (const field of ['output', 'errorCode', 'errorMessage', 'durationMs', 'cpuMs', 'heapPeakBytes', 'finishedAt']) expect(again.step).not.toHaveProperty(field);
    const third = await store.steps.begin(step('another-id', { callKey: 'key-s1' }));
    expect(third.step).toMatchObject({ id: 's1', attempts: 3 });
    expect((await store.steps.listByExecution('e1')).map((s) => s.id)).toEqual(['s1']);
  });

  test('a step left running (interrupted by a stop) starts again under its id', async ({ store }) => {
    const first = await store.steps.begin(step('s1'));
    const again = await store.steps.begin(step('fresh-id', { callKey: 'key-s1' }));
    expect(again).toMatchObject({ replayed: false, step: { id: 's1', status: 'running', attempts: 2 } });
    expect(Date.parse(again.step.startedAt)).toBeGreaterThanOrEqual(Date.parse(first.step.startedAt));
  });

  test('call keys are per execution: the same key in another execution is another step', async ({ store }) => {
    await store.steps.begin(step('s1'));
    await succeed(store, 's1');
    const other = await store.steps.begin(step('s2', { executionId: 'e2', callKey: 'key-s1' }));
    expect(other).toMatchObject({ replayed: false, step: { id: 's2', executionId: 'e2', attempts: 1 } });
  });

  test('listByExecution keeps start order across a restart', async ({ store }) => {
    for (const id of ['a', 'b', 'c']) await store.steps.begin(step(id));
    await store.steps.finish('a', { status: 'failed', durationMs: 1 });
    await store.steps.begin(step('a-again', { callKey: 'key-a' }));
    expect((await store.steps.listByExecution('e1')).map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('finish', () => {
  test('records the outcome and metrics; a step with no model calls costs nothing', async ({ store }) => {
    await store.steps.begin(step('s1'));
    const done = await succeed(store, 's1', { text: 'hi' });
    expect(done).toMatchObject({ status: 'succeeded', output: { text: 'hi' }, durationMs: 12.5, cpuMs: 3.25, heapPeakBytes: 1_048_576, costUsd: 0, inputTokens: 0, outputTokens: 0, models: [] });
    expect(Date.parse(done?.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(done?.startedAt ?? ''));
    const failed = await store.steps.begin(step('s2'));
    expect(failed.step.status).toBe('running');
    expect(await store.steps.finish('s2', { status: 'failed', errorCode: 'OUTPUT_INVALID', errorMessage: 'bad', durationMs: 2 })).toMatchObject({
      status: 'failed',
      errorCode: 'OUTPUT_INVALID',
      errorMessage: 'bad',
    });
  });

  test("sums the model usage of the step and of all its sub-steps: cost, tokens and distinct models", async ({ store }) => {
    await store.steps.begin(step('root'));
    await store.steps.begin(step('child', { parentStepId: 'root', depth: 2 }));
    await store.steps.begin(step('grandchild', { parentStepId: 'child', depth: 3 }));
    await store.steps.begin(step('sibling'));
    await store.usage.record(usage('root', { modelId: 'm-small', costUsd: 0.1, inputTokens: 10, outputTokens: 1 }));
    await store.usage.record(usage('root', { modelId: 'm-small', costUsd: 0.2, inputTokens: 20, outputTokens: 2 }));
    await store.usage.record(usage('child', { modelId: 'm-large', costUsd: 0.05, inputTokens: 300, outputTokens: 30 }));
    await store.usage.record(usage('grandchild', { modelId: 'm-embed', task: 'embedding', costUsd: 0.000_001, inputTokens: 4000, outputTokens: 0 }));
    // A cache hit: no cost, but its model still answered the step.
    await store.usage.record(usage('grandchild', { modelId: 'm-cached', costUsd: 0, cached: 'exact', inputTokens: 0, outputTokens: 0 }));
    // Not part of the root's tree: a sibling step, and the workflow's own calls.
    await store.usage.record(usage('sibling', { modelId: 'm-other', costUsd: 7, inputTokens: 9999, outputTokens: 9999 }));
    await store.usage.record(usage(undefined, { modelId: 'm-workflow', costUsd: 3 }));

    const grandchild = await succeed(store, 'grandchild');
    expect(grandchild).toMatchObject({ costUsd: 0.000_001, inputTokens: 4000, outputTokens: 0, models: ['m-cached', 'm-embed'] });
    const child = await succeed(store, 'child');
    expect(child).toMatchObject({ costUsd: 0.050_001, inputTokens: 4300, outputTokens: 30, models: ['m-cached', 'm-embed', 'm-large'] });
    const root = await succeed(store, 'root');
    // Exact: money is summed as integer nano-dollars, so 0.1 + 0.2 is 0.3.
    expect(root?.costUsd).toBe(0.350_001);
    expect(root).toMatchObject({ inputTokens: 4330, outputTokens: 33, models: ['m-cached', 'm-embed', 'm-large', 'm-small'] });
    const sibling = await succeed(store, 'sibling');
    expect(sibling).toMatchObject({ costUsd: 7, inputTokens: 9999, outputTokens: 9999, models: ['m-other'] });
  });

  test('a failed step is charged what it spent too', async ({ store }) => {
    await store.steps.begin(step('s1'));
    await store.usage.record(usage('s1', { costUsd: 0.004, status: 'failed', errorCode: 'MODEL_TIMEOUT' }));
    expect(await store.steps.finish('s1', { status: 'failed', errorCode: 'MODEL_TIMEOUT', durationMs: 1 })).toMatchObject({ costUsd: 0.004, models: ['m-small'] });
  });

  test('a restarted step keeps its id, so what its earlier attempt spent stays charged to it', async ({ store }) => {
    await store.steps.begin(step('s1'));
    await store.usage.record(usage('s1', { costUsd: 0.5 }));
    // Interrupted: never finished; the resumed run begins it again and it spends more.
    await store.steps.begin(step('fresh-id', { callKey: 'key-s1' }));
    await store.usage.record(usage('s1', { costUsd: 0.25, modelId: 'm-large' }));
    expect(await succeed(store, 's1')).toMatchObject({ id: 's1', attempts: 2, costUsd: 0.75, models: ['m-large', 'm-small'] });
  });

  test('an unknown step: nothing written, undefined', async ({ store }) => {
    expect(await succeed(store, 'nope')).toBeUndefined();
    expect(await store.steps.listByExecution('e1')).toEqual([]);
  });

  test('an already finished step: the second finish changes nothing', async ({ store }) => {
    await store.steps.begin(step('s1'));
    await store.usage.record(usage('s1', { costUsd: 0.1 }));
    const first = await succeed(store, 's1', { text: 'first' });
    // Spending recorded later (a straggler) and a second outcome do not rewrite the finished row.
    await store.usage.record(usage('s1', { costUsd: 0.9, modelId: 'm-late' }));
    const second = await store.steps.finish('s1', { status: 'failed', errorCode: 'PLUGIN_ERROR', output: { text: 'second' }, durationMs: 999, cpuMs: 999, heapPeakBytes: 999 });
    expect(second).toEqual(first);
    expect(await store.steps.listByExecution('e1')).toEqual([first]);
  });
});

describe('abandon', () => {
  test("fails the execution's running steps only, and says how many", async ({ store }) => {
    await store.steps.begin(step('done'));
    await succeed(store, 'done');
    await store.steps.begin(step('left-1'));
    await store.steps.begin(step('left-2', { parentStepId: 'left-1', depth: 2 }));
    await store.steps.begin(step('elsewhere', { executionId: 'e2' }));
    expect(await store.steps.abandon('e1', 'HOST_RESTARTED', 'left running')).toBe(2);
    const steps = await store.steps.listByExecution('e1');
    expect(steps.map((s) => [s.id, s.status, s.errorCode])).toEqual([
      ['done', 'succeeded', undefined],
      ['left-1', 'failed', 'HOST_RESTARTED'],
      ['left-2', 'failed', 'HOST_RESTARTED'],
    ]);
    expect(steps[1]).toMatchObject({ errorMessage: 'left running', finishedAt: expect.any(String) });
    expect((await store.steps.listByExecution('e2'))[0]?.status).toBe('running');
    // Nothing left to abandon; an abandoned step is begun again like any failed one.
    expect(await store.steps.abandon('e1', 'HOST_RESTARTED', 'again')).toBe(0);
    expect((await store.steps.begin(step('fresh', { callKey: 'key-left-1' }))).step).toMatchObject({ id: 'left-1', status: 'running', attempts: 2 });
  });
});
