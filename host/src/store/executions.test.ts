import { expect, vi } from 'vitest';
import type { NewExecution } from './index.ts';
import { test } from './test-store.ts';

const call = (id: string, pluginName = 'p'): NewExecution => ({
  id,
  pluginName,
  pluginVersion: '1.0.0',
  kind: 'agent',
  target: 'echo',
  capability: 'say',
  input: { text: id },
});

test('lifecycle: create running, complete once, read every field back', async ({ store }) => {
  const created = await store.executions.create({ ...call('e1'), apiKeyId: 'key-1' });
  expect(created).toMatchObject({ id: 'e1', status: 'running' });
  expect(await store.executions.get('e1')).toEqual(created);

  expect(
    await store.executions.complete('e1', { status: 'succeeded', output: { said: 'hi' }, durationMs: 12.6, cpuMs: 3.5, heapUsedBytes: 4096 }),
  ).toEqual({ won: true, costUsd: 0 });
  const done = await store.executions.get('e1');
  expect(done).toEqual({
    ...call('e1'),
    apiKeyId: 'key-1',
    status: 'succeeded',
    output: { said: 'hi' },
    durationMs: 13,
    cpuMs: 3.5,
    heapUsedBytes: 4096,
    costUsd: 0,
    resumed: 0,
    startedAt: created.startedAt,
    finishedAt: done?.finishedAt,
  });
  expect(Date.parse(done?.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(created.startedAt));

  // Finishing twice: the second finisher loses, the record is unchanged.
  expect(await store.executions.complete('e1', { status: 'failed', errorCode: 'X', durationMs: 1 })).toMatchObject({ won: false });
  expect((await store.executions.get('e1'))?.status).toBe('succeeded');
  expect(await store.executions.complete('unknown', { status: 'failed', durationMs: 1 })).toEqual({ won: false, costUsd: 0 });
  expect(await store.executions.get('unknown')).toBeUndefined();
});

test('a failed execution keeps its error; a workflow needs no capability', async ({ store }) => {
  await store.executions.create({ id: 'w1', pluginName: 'p', pluginVersion: '1.0.0', kind: 'workflow', target: 'flow', input: null });
  await store.executions.complete('w1', { status: 'failed', errorCode: 'PLUGIN_ERROR', errorMessage: 'boom', durationMs: 5 });
  const record = await store.executions.get('w1');
  expect(record).toMatchObject({ kind: 'workflow', status: 'failed', errorCode: 'PLUGIN_ERROR', errorMessage: 'boom', input: null });
  expect(record).not.toHaveProperty('capability');
  expect(record).not.toHaveProperty('output');
});

test('list pages newest first with a cursor, filtered by plugin and status', async ({ store }) => {
  for (let i = 1; i <= 7; i++) await store.executions.create(call(`e${i}`, i % 2 === 0 ? 'even' : 'odd'));
  await store.executions.complete('e3', { status: 'succeeded', durationMs: 1 });

  const first = await store.executions.list({ limit: 3 });
  expect(first.items.map((e) => e.id)).toEqual(['e7', 'e6', 'e5']);
  const second = await store.executions.list({ limit: 3, before: first.nextCursor });
  expect(second.items.map((e) => e.id)).toEqual(['e4', 'e3', 'e2']);
  const last = await store.executions.list({ limit: 3, before: second.nextCursor });
  expect(last.items.map((e) => e.id)).toEqual(['e1']);
  expect(last.nextCursor).toBeUndefined();

  expect((await store.executions.list({ plugin: 'even' })).items.map((e) => e.id)).toEqual(['e6', 'e4', 'e2']);
  const odd = await store.executions.list({ plugin: 'odd', status: 'running', limit: 2 });
  expect(odd.items.map((e) => e.id)).toEqual(['e7', 'e5']);
  expect((await store.executions.list({ plugin: 'odd', status: 'running', before: odd.nextCursor })).items.map((e) => e.id)).toEqual(['e1']);
  expect((await store.executions.list({ status: 'succeeded' })).items.map((e) => e.id)).toEqual(['e3']);
  expect((await store.executions.list({ before: 'no-such-id' })).items).toEqual([]);
});

test('list defaults to 50 and caps at 500', async ({ store }) => {
  for (let i = 0; i < 501; i++) await store.executions.create(call(`e${i}`));
  expect((await store.executions.list()).items).toHaveLength(50);
  const capped = await store.executions.list({ limit: 10_000 });
  expect(capped.items).toHaveLength(500);
  expect(capped.nextCursor).toBe('e1');
});

test('failRunning fails what a crash left running, and only that', async ({ another, store }) => {
  await store.executions.create(call('done'));
  await store.executions.complete('done', { status: 'succeeded', durationMs: 1 });
  await store.executions.create(call('left1'));
  await store.executions.create(call('left2'));
  await store.close();

  const restarted = await another();
  try {
    expect(await restarted.executions.failRunning('the host restarted')).toBe(2);
    const left = await restarted.executions.get('left1');
    expect(left).toMatchObject({ status: 'failed', errorCode: 'HOST_RESTARTED', errorMessage: 'the host restarted' });
    expect(left?.finishedAt).toBeDefined();
    expect(left?.durationMs).toBeGreaterThanOrEqual(0);
    expect((await restarted.executions.get('done'))?.status).toBe('succeeded');
    expect(await restarted.executions.failRunning('again')).toBe(0);
    // A late completion of a failed execution does not overwrite it.
    expect(await restarted.executions.complete('left2', { status: 'succeeded', durationMs: 1 })).toMatchObject({ won: false });
  } finally {
    await restarted.close();
  }
});

test('userId is stored and filters the list, alone or with other filters', async ({ store }) => {
  await store.executions.create({ ...call('a1'), userId: 'alice' });
  await store.executions.create({ ...call('b1', 'q'), userId: 'bob' });
  await store.executions.create({ ...call('a2', 'q'), userId: 'alice' });
  await store.executions.create(call('none'));

  expect((await store.executions.get('a1'))?.userId).toBe('alice');
  expect(await store.executions.get('none')).not.toHaveProperty('userId');
  expect((await store.executions.list({ userId: 'alice' })).items.map((e) => e.id)).toEqual(['a2', 'a1']);
  expect((await store.executions.list({ userId: 'alice', plugin: 'q' })).items.map((e) => e.id)).toEqual(['a2']);
  const page = await store.executions.list({ userId: 'alice', status: 'running', limit: 1 });
  expect(page.items.map((e) => e.id)).toEqual(['a2']);
  expect((await store.executions.list({ userId: 'alice', before: page.nextCursor })).items.map((e) => e.id)).toEqual(['a1']);
  expect((await store.executions.list({ userId: 'carol' })).items).toEqual([]);
});

test('startedSince and startedUntil filter by start time, [since, until), with the other filters and the cursor', async ({ store }) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    for (const [id, day, plugin] of [['d1', '01', 'p'], ['d2', '02', 'p'], ['d2q', '02', 'q'], ['d2b', '02', 'p'], ['d3', '03', 'p']] as const) {
      vi.setSystemTime(new Date(`2030-01-${day}T12:00:00.000Z`));
      await store.executions.create(call(id, plugin));
    }
  } finally {
    vi.useRealTimers();
  }
  const day2 = { startedSince: '2030-01-02T00:00:00Z', startedUntil: '2030-01-03T00:00:00+00:00' };
  expect((await store.executions.list(day2)).items.map((e) => e.id)).toEqual(['d2b', 'd2q', 'd2']);
  expect((await store.executions.list({ startedSince: '2030-01-02T12:00:00.000Z' })).items.map((e) => e.id)).toEqual(['d3', 'd2b', 'd2q', 'd2']);
  expect((await store.executions.list({ startedUntil: '2030-01-02T12:00:00.000Z' })).items.map((e) => e.id)).toEqual(['d1']);
  const page = await store.executions.list({ ...day2, plugin: 'p', limit: 1 });
  expect(page.items.map((e) => e.id)).toEqual(['d2b']);
  expect((await store.executions.list({ ...day2, plugin: 'p', limit: 1, before: page.nextCursor })).items.map((e) => e.id)).toEqual(['d2']);
});

test('complete answers the cost it summed from the execution’s usage rows, and a losing finisher the recorded one', async ({ store }) => {
  await store.executions.create(call('costed'));
  const usage = { appId: 'app', userId: 'u1', pluginName: 'p', executionId: 'costed', task: 'text', modelId: 'm', purpose: 'call', inputTokens: 1, outputTokens: 1, images: 0, status: 'ok', latencyMs: 1 } as const;
  await store.usage.record({ ...usage, costUsd: 0.25 });
  await store.usage.record({ ...usage, costUsd: 0.5 });
  await store.usage.record({ ...usage, executionId: 'another', costUsd: 4 });
  expect(await store.executions.complete('costed', { status: 'succeeded', durationMs: 1 })).toEqual({ won: true, costUsd: 0.75 });
  expect((await store.executions.get('costed'))?.costUsd).toBe(0.75);
  expect(await store.executions.complete('costed', { status: 'failed', durationMs: 1 })).toEqual({ won: false, costUsd: 0.75 });
});
