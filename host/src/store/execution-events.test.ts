import { expect } from 'vitest';
import type { ExecutionEventRecord } from './index.ts';
import { test } from './test-store.ts';

const event = (executionId: string, seq: number, type = 'progress', data: unknown = { n: seq }): ExecutionEventRecord => ({
  executionId,
  seq,
  type,
  data: JSON.stringify(data),
  at: new Date(Date.UTC(2030, 0, 1, 0, 0, seq)).toISOString(),
});

test('append then list ascending after a seq, per execution, with a limit', async ({ store }) => {
  const repo = store.executionEvents;
  // Concurrent appends share one group commit and keep every event.
  await Promise.all([
    repo.append([event('a', 1, 'execution.started'), event('a', 2)]),
    repo.append([event('b', 1)]),
    repo.append([event('a', 3), event('a', 4, 'execution.finished', { status: 'succeeded' })]),
  ]);
  expect(await repo.list('a', 0, 100)).toEqual([event('a', 1, 'execution.started'), event('a', 2), event('a', 3), event('a', 4, 'execution.finished', { status: 'succeeded' })]);
  expect((await repo.list('a', 2, 100)).map((e) => e.seq)).toEqual([3, 4]);
  expect((await repo.list('a', 0, 2)).map((e) => e.seq)).toEqual([1, 2]);
  expect(await repo.list('a', 4, 100)).toEqual([]);
  expect(await repo.list('b', 0, 100)).toEqual([event('b', 1)]);
  expect(await repo.list('none', 0, 100)).toEqual([]);

  expect(await repo.lastSeq('a')).toBe(4);
  expect(await repo.lastSeq('none')).toBe(0);
  expect(await repo.count('a')).toBe(4);
  expect(await repo.count('none')).toBe(0);
  await repo.append([]);
});

test('limit is clamped to 1..1000', async ({ store }) => {
  const repo = store.executionEvents;
  await repo.append(Array.from({ length: 1001 }, (_, i) => event('big', i + 1)));
  expect(await repo.list('big', 0, 0)).toHaveLength(1);
  expect(await repo.list('big', 0, 5000)).toHaveLength(1000);
  expect(await repo.count('big')).toBe(1001);
});

test('an append with a seq already stored fails whole and leaves the others in place', async ({ store }) => {
  const repo = store.executionEvents;
  await repo.append([event('a', 1), event('a', 2)]);
  const results = await Promise.allSettled([repo.append([event('a', 3), event('a', 2)]), repo.append([event('b', 1)])]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  expect((await repo.list('a', 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
  expect(await repo.count('b')).toBe(1);
  // The data column only takes JSON.
  await expect(repo.append([{ ...event('c', 1), data: 'not json' }])).rejects.toThrow();
  expect(await repo.count('c')).toBe(0);
});

test('events survive a reopen', async ({ another, store }) => {
  await store.executionEvents.append([event('a', 1), event('a', 2)]);
  await store.close();
  const reopened = await another();
  try {
    expect(await reopened.executionEvents.lastSeq('a')).toBe(2);
    expect((await reopened.executionEvents.list('a', 1, 10)).map((e) => JSON.parse(e.data))).toEqual([{ n: 2 }]);
  } finally {
    await reopened.close();
  }
});
