/**
 * Cancelling a running workflow, end to end: while its first step waits on a slow model call
 * (the emulator holds the answer), and while it spins in a CPU loop that never yields. Each
 * cancel must take effect within a second (the requirement, so a wall-clock bound is
 * the point here), mark the step and the execution cancelled, and keep the second step from
 * ever starting, even though the workflow swallows the first step's failure and goes on.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import type { RunningHost } from '../helpers/host.ts';
import { orchestrationHost, EventReader, sleep, startWorkflow, waitFor, type SseEvent, executionOf } from '../helpers/orchestration.ts';

/** The bound on a cancel, from the request to the status `cancelled`. */
const CANCEL_WITHIN_MS = 1000;

let host: RunningHost;
let app: string;
let otherApp: string;
let control: EmulatorControl;

beforeAll(async () => {
  ({ host, app, otherApp, control } = await orchestrationHost());
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await control.reset();
});

const execution = (id: string) => executionOf(host, app, id);

/**
 * Starts `workflow` without waiting, waits on its event stream until the orch-b step
 * `capability` has started and `ready` resolves, cancels it, and checks what every cancel
 * must leave behind. Returns the execution and its events.
 */
async function cancelWhileRunning(workflow: string, capability: string, ready: () => Promise<unknown>) {
  const start = await startWorkflow(host, app, workflow, {}, { wait: false });
  expect(start.status, JSON.stringify(start.body)).toBe(202);
  const id = start.body.executionId as string;
  const stream = await EventReader.open(host, id, { key: app });
  try {
    const first = (await stream.until((e) => e.event === 'step.started' && e.data.capability === capability)).at(-1)!;
    expect(first.data).toMatchObject({ plugin: 'orch-b', agent: 'writer', depth: 1 });
    await ready();

    // Another app cannot cancel it: the same answer as for an unknown id, and it keeps running.
    const foreign = await host.call('POST', `/v1/executions/${id}/cancel`, { key: otherApp });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('EXECUTION_NOT_FOUND');
    expect((await execution(id)).status).toBe('running');

    const t0 = performance.now();
    const res = await host.call('POST', `/v1/executions/${id}/cancel`, { key: app });
    const elapsed = performance.now() - t0;
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'cancelled' });
    expect(elapsed).toBeLessThan(CANCEL_WITHIN_MS);

    const events: SseEvent[] = await stream.rest();
    const last = events.at(-1)!;
    expect(last).toMatchObject({ event: 'execution.finished', data: { status: 'cancelled' } });
    expect(events.filter((e) => e.event === 'execution.finished')).toHaveLength(1);
    const told = events.map((e) => `${e.id} ${e.event} ${JSON.stringify(e.data).slice(0, 120)}`).join('\n');
    expect(events.find((e) => e.event === 'step.finished' && e.data.stepId === first.data.stepId)?.data, told).toMatchObject({ status: 'cancelled' });

    // Given time to misbehave, the workflow still has not started its second step.
    await sleep(500);
    const record = await execution(id);
    expect(record.status).toBe('cancelled');
    expect(record.steps).toHaveLength(1);
    expect(record.steps[0]).toMatchObject({ id: first.data.stepId, pluginName: 'orch-b', capability, status: 'cancelled' });
    expect(record.steps.some((s: { capability: string }) => s.capability === 'polish')).toBe(false);
    expect((await control.calls()).some((c) => c.prompt?.includes('after-cancel'))).toBe(false);
    // A second cancel finds it finished.
    const again = await host.call('POST', `/v1/executions/${id}/cancel`, { key: app });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('EXECUTION_FINISHED');
    return { id, record, events };
  } finally {
    stream.close();
  }
}

test('cancel during a model call: cancelled within a second, the call was made, what it spent stays recorded', async () => {
  // The emulator holds the answer for 20 s: only the cancel can end the step this soon.
  await control.fault({ modelId: '*', latencyMs: 20_000, count: 1 });
  const inFlight = () => waitFor('the model call to reach the emulator', async () => (await control.calls()).find((c) => c.prompt?.startsWith('orch-b wait:')));
  const { id, record } = await cancelWhileRunning('cancel-in-model', 'wait-model', inFlight);

  const calls = await control.calls();
  expect(calls.filter((c) => c.prompt?.startsWith('orch-b wait:'))).toHaveLength(1);
  expect(calls).toHaveLength(1);
  // Whatever the cancelled call cost (the emulator never answered it, so likely nothing) is the execution's cost.
  const usage = await host.host.store.usage.listByExecution(id);
  expect(record.costUsd).toBeGreaterThanOrEqual(0);
  expect(record.costUsd).toBeCloseTo(usage.reduce((sum, row) => sum + row.costUsd, 0), 9);
  expect(record.steps[0].costUsd).toBeCloseTo(record.costUsd, 9);
});

test('cancel during a CPU loop: cancelled within a second, and orch-b answers calls afterwards', async () => {
  // The loop has no await to wait on; give it a moment to be well into spinning.
  await cancelWhileRunning('cancel-in-loop', 'spin', () => sleep(150));
  expect(await control.calls()).toEqual([]);

  const res = await host.call('POST', '/v1/agents/orch-b/writer/wait-model', { key: app, body: { prompt: 'orch-b wait: after the loop' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.output.text).toMatch(/synthetic/i);
});

test('a request still waiting for the result answers 409 EXECUTION_CANCELLED with the execution id', async () => {
  const before = await host.call('GET', '/v1/executions?workflow=cancel-in-loop', { key: app });
  const known = new Set(before.body.items.map((e: { id: string }) => e.id));
  const waiting = startWorkflow(host, app, 'cancel-in-loop', {}, { wait: true });
  const id = await waitFor('the spinning step', async () => {
    const list = await host.call('GET', '/v1/executions?workflow=cancel-in-loop&status=running', { key: app });
    const found = list.body.items.find((e: { id: string }) => !known.has(e.id));
    if (!found) return undefined;
    const record = await execution(found.id);
    return record.steps?.some((s: { capability: string; status: string }) => s.capability === 'spin' && s.status === 'running') && (found.id as string);
  });

  const cancelled = await host.call('POST', `/v1/executions/${id}/cancel`, { key: app });
  expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
  const res = await waiting;
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  expect(res.body).toMatchObject({ code: 'EXECUTION_CANCELLED', details: { executionId: id } });
});
