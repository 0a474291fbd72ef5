/**
 * Executions wait for a slot: with one slot on the host and room for two waiters, a slow
 * workflow holds the slot while the next ones queue (202 `queued`, their streams opening
 * with `execution.queued`), one more is refused with 429 EXECUTIONS_BUSY before anything is
 * recorded, and a queued execution that is cancelled ends at once without ever running and
 * gives its place up. The waiters then run one after the other, in order.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { appKey, emulatorOf, enable, EventReader, executionOf, readEvents, startWorkflow, upload, waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/**
 * The first workflow's first model call takes this long: it holds the slot while the test does
 * its dozen requests, however slowly they come back, and a cancel that waited for the slot
 * would take about this long.
 */
const SLOW_CALL_MS = 8000;

let host: RunningHost;
let app: string;
let control: EmulatorControl;

beforeAll(async () => {
  host = await startHost({ orchestration: { maxConcurrent: 1, maxConcurrentPerPlugin: 1, maxQueued: 2 } });
  await upload(host, (await packWithCli('test/fixtures/plugins/durable-flow')).tarball);
  await enable(host, 'durable-flow', 'requested');
  app = await appKey(host, 'queue');
  control = emulatorOf(host);
});
afterAll(async () => {
  await host?.close();
});

const execution = (id: string) => executionOf(host, app, id);
const finished = (id: string) => waitFor(`execution ${id} to finish`, async () => {
  const record = await execution(id);
  return TERMINAL.has(record.status) && record;
});
const start = (topic: string) => startWorkflow(host, app, 'three-steps', { topic }, { wait: false });
const rowCount = async () => (await host.host.store.executions.list({ limit: 500 })).items.length;

test('one slot, two places in the queue: queued, refused when full, cancelled while waiting, then run in order', { timeout: 60_000 }, async () => {
  await control.reset();
  // Only the first workflow's first call is slow.
  await control.fault({ modelId: '*', latencyMs: SLOW_CALL_MS, count: 1 });

  const first = await start('q-first');
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  expect(first.body.status).toBe('running');

  const second = await start('q-second');
  expect(second.status, JSON.stringify(second.body)).toBe(202);
  const secondId: string = second.body.executionId;
  expect(second.body).toEqual({
    executionId: secondId,
    status: 'queued',
    links: { self: `/v1/executions/${secondId}`, events: `/v1/executions/${secondId}/events`, cancel: `/v1/executions/${secondId}/cancel` },
  });
  expect(second.headers.get('location')).toBe(`/v1/executions/${secondId}`);
  expect(await execution(secondId)).toMatchObject({ id: secondId, status: 'queued', resumed: 0, steps: [] });

  // Its stream opens with the wait, and says nothing more while it waits.
  const stream = await EventReader.open(host, secondId, { key: app });
  try {
    expect(await stream.next()).toEqual({ id: 1, event: 'execution.queued', data: { position: 1 } });

    const third = await start('q-third');
    expect(third.status, JSON.stringify(third.body)).toBe(202);
    expect(third.body.status).toBe('queued');
    const thirdId: string = third.body.executionId;

    // The queue is full: refused before anything is recorded.
    const rowsBefore = await rowCount();
    const refused = await start('q-refused');
    expect(refused.status, JSON.stringify(refused.body)).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'EXECUTIONS_BUSY' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.details ?? {}).not.toHaveProperty('executionId');
    expect(await rowCount()).toBe(rowsBefore);
    const listed = await host.call('GET', '/v1/executions?workflow=three-steps', { key: app });
    expect(listed.body.items).toHaveLength(3);

    // Cancelling a queued execution ends it at once, not when the slot frees up; it never ran.
    const t0 = performance.now();
    const cancelled = await host.call('POST', `/v1/executions/${thirdId}/cancel`, { key: app });
    expect(performance.now() - t0).toBeLessThan(SLOW_CALL_MS / 2);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ id: thirdId, status: 'cancelled', errorCode: 'EXECUTION_CANCELLED', steps: [] });
    const thirdEvents = await readEvents(host, thirdId, { key: app });
    expect(thirdEvents.map((e) => e.event)).toEqual(['execution.queued', 'execution.finished']);
    expect(thirdEvents[0]?.data).toEqual({ position: 2 });
    expect(thirdEvents[1]?.data).toMatchObject({ status: 'cancelled', error: { code: 'EXECUTION_CANCELLED' }, costUsd: 0 });

    // Its place is free again: a new start queues instead of being refused.
    const fifth = await start('q-fifth');
    expect(fifth.status, JSON.stringify(fifth.body)).toBe(202);
    expect(fifth.body.status).toBe('queued');
    const fifthId: string = fifth.body.executionId;

    // All of that happened while the first still held the slot, and the waiters waited.
    expect((await execution(first.body.executionId)).status).toBe('running');
    expect((await execution(secondId)).status).toBe('queued');
    expect(stream.received.map((e) => e.event)).toEqual(['execution.queued']);

    // The queue moves on: the second runs once the first is done, then the fifth.
    const events = await stream.rest(30_000);
    expect(events[1]).toMatchObject({ event: 'execution.started', data: { executionId: secondId, kind: 'workflow', target: 'three-steps', plugin: 'durable-flow', resumed: 0 } });
    expect(events.at(-1)).toMatchObject({ event: 'execution.finished', data: { status: 'succeeded' } });
    expect(events.filter((e) => e.event === 'execution.queued')).toHaveLength(1);

    const firstDone = await finished(first.body.executionId);
    const secondDone = await finished(secondId);
    const fifthDone = await finished(fifthId);
    expect([firstDone.status, secondDone.status, fifthDone.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect((await execution(thirdId)).status).toBe('cancelled');
    // One at a time: each waiter's first step began after the one before it had finished.
    expect(Date.parse(secondDone.steps[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(firstDone.finishedAt));
    expect(Date.parse(fifthDone.steps[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(secondDone.finishedAt));

    // The model saw the workflows strictly one after the other, and never the cancelled or refused one.
    const prompts = (await control.calls()).map((c) => c.prompt);
    const topicOf = (p: string | undefined) => p?.split(' ')[1];
    expect(prompts.map(topicOf)).toEqual(['q-first', 'q-first', 'q-first', 'q-second', 'q-second', 'q-second', 'q-fifth', 'q-fifth', 'q-fifth']);
  } finally {
    stream.close();
  }
});

test('each step of a run records its CPU time and heap peak', async () => {
  await control.reset();
  const res = await startWorkflow(host, app, 'three-steps', { topic: 'metrics' }, { wait: true });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const record = await execution(res.body.executionId);
  expect(record.steps).toHaveLength(3);
  for (const step of record.steps) {
    expect(step.status).toBe('succeeded');
    expect(step.cpuMs).toBeGreaterThan(0);
    expect(step.heapPeakBytes).toBeGreaterThan(0);
    expect(Number.isInteger(step.heapPeakBytes)).toBe(true);
    expect(step.durationMs).toBeGreaterThan(0);
  }
  // The stream says the same as the record.
  const events = await readEvents(host, res.body.executionId, { key: app });
  const finishedSteps = events.filter((e) => e.event === 'step.finished');
  expect(finishedSteps).toHaveLength(3);
  for (const e of finishedSteps) {
    const step = record.steps.find((s: { id: string }) => s.id === e.data.stepId);
    expect(e.data).toMatchObject({ replayed: false, cpuMs: step.cpuMs, heapPeakBytes: step.heapPeakBytes });
  }
});
