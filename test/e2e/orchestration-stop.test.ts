/**
 * A graceful stop mid-workflow (the app closes, as on SIGTERM): workflows cut off by the
 * closing sandbox are left unfinished, not failed, and the next start on the same data dir
 * resumes them under the same id, the finished steps answered from the journal. A workflow
 * still waiting for a slot when the host stopped runs after the restart too. The emulator
 * runs outside the host, so its call log spans both lives: a replayed step's model call
 * was made once.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { appKey, enable, executionOf, readEvents, startWorkflow, upload, waitFor, type SseEvent } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

let emulator: StartedEmulator;
let host: RunningHost | undefined;
let dataDir: string | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await host?.close();
  await emulator?.close();
  // A restarted host does not own its data dir (it was handed one): remove it here.
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('a graceful stop leaves running and queued workflows to the next start, which completes them under the same ids', { timeout: 60_000 }, async () => {
  host = await startHost({
    // One slot: the second workflow is still queued when the host stops.
    orchestration: { maxConcurrent: 1, maxConcurrentPerPlugin: 1 },
    models: { bedrock: { mode: 'emulator', endpoint: emulator.url } },
  });
  dataDir = host.dataDir;
  await upload(host, (await packWithCli('test/fixtures/plugins/durable-flow')).tarball);
  await enable(host, 'durable-flow', 'requested');
  const app = await appKey(host, 'stop');

  await emulator.control.reset();
  // The first two model calls (steps 1 and 2) take 2 s each: a window the stop lands in, inside
  // the second step, however slowly the test polls; the calls after the restart are fast.
  await emulator.control.fault({ modelId: '*', latencyMs: 2000, count: 2 });
  const topic = `stop-${randomUUID().slice(0, 8)}`;
  const waiting = `wait-${randomUUID().slice(0, 8)}`;
  const first = await startWorkflow(host, app, 'three-steps', { topic }, { wait: false });
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const id: string = first.body.executionId;
  const second = await startWorkflow(host, app, 'three-steps', { topic: waiting }, { wait: false });
  expect(second.status, JSON.stringify(second.body)).toBe(202);
  expect(second.body.status).toBe('queued');
  const queuedId: string = second.body.executionId;

  const running = host;
  const beforeStop = await waitFor('one succeeded step and a running second', async () => {
    const record = await executionOf(running, app, id);
    if (TERMINAL.has(record.status)) throw new Error(`the workflow finished before the stop: ${JSON.stringify(record)}`);
    const steps: { status: string }[] = record.steps;
    return steps.length === 2 && steps[0]?.status === 'succeeded' && steps[1]?.status === 'running' && record;
  });

  // The graceful path: app.close() runs the onClose hook (stopping, sandbox close, drain).
  // Closing does not wait for the slow model call: the sandbox call is cut off at once, so the
  // second step runs again after the restart (attempts 2 below) instead of finishing first.
  host = await host.restart();
  const h = host;

  const final = await waitFor('the resumed workflow to finish', async () => {
    const record = await executionOf(h, app, id);
    return TERMINAL.has(record.status) && record;
  }, 15_000);
  expect(final, JSON.stringify(final)).toMatchObject({ id, kind: 'workflow', target: 'three-steps', pluginName: 'durable-flow', pluginVersion: '1.0.0', status: 'succeeded', resumed: 1 });
  const steps = final.steps as { id: string; status: string; attempts: number; output: { text: string } }[];
  expect(steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  expect(steps.slice(0, 2).map((s) => s.id)).toEqual(beforeStop.steps.map((s: { id: string }) => s.id));
  expect(steps.map((s) => s.attempts)).toEqual([1, 2, 1]);
  expect(steps[0]?.output).toEqual(beforeStop.steps[0].output);
  expect(final.output).toEqual({ texts: steps.map((s) => s.output.text) });

  // The workflow that was waiting for the slot ran after the restart, once.
  const queued = await waitFor('the queued workflow to finish', async () => {
    const record = await executionOf(h, app, queuedId);
    return TERMINAL.has(record.status) && record;
  }, 15_000);
  expect(queued).toMatchObject({ id: queuedId, status: 'succeeded' });
  expect(queued.steps.map((s: { attempts: number }) => s.attempts)).toEqual([1, 1, 1]);

  const prompts = (await emulator.control.calls()).map((c) => c.prompt);
  const count = (prompt: string) => prompts.filter((p) => p === prompt).length;
  // The finished step was replayed, not called again; the interrupted one may have reached the model twice.
  expect(count(`step-1 ${topic}`)).toBe(1);
  expect(count(`step-2 ${topic}`)).toBeGreaterThanOrEqual(1);
  expect(count(`step-3 ${topic}`)).toBe(1);
  for (const step of [1, 2, 3]) expect(count(`step-${step} ${waiting}`)).toBe(1);

  // The stream tells both lives in one ordered log, ending with the one result.
  const events: SseEvent[] = await readEvents(h, id, { key: app });
  const seqs = events.map((e) => e.id);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  expect(events.filter((e) => e.event === 'execution.finished')).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ event: 'execution.finished', data: { status: 'succeeded', output: final.output } });
  const starts = events.flatMap((e, i) => (e.event === 'execution.started' ? [i] : []));
  expect(starts.map((i) => events[i]?.data.resumed)).toEqual([0, 1]);
  const afterRestart = events.slice(starts[1]);
  const finishedOf = (stepId: string | undefined) => afterRestart.filter((e) => e.event === 'step.finished' && e.data.stepId === stepId).map((e) => e.data);
  expect(finishedOf(steps[0]?.id)).toEqual([expect.objectContaining({ status: 'succeeded', replayed: true })]);
  expect(finishedOf(steps[1]?.id)).toEqual([expect.objectContaining({ status: 'succeeded', replayed: false })]);
  expect(afterRestart.some((e) => e.event === 'step.started' && e.data.stepId === steps[0]?.id)).toBe(false);
});

// Skipped until build-host closes the sandbox in a preClose hook and ExecutionService keeps a
// waiter the stop admits queued (see the patches in the issue-6 test report): today Fastify's
// server close, which runs before build-host's onClose, waits for the request below, so the
// stop takes as long as the workflow plus the keep-alive timeout (over a minute).
test('a request waiting for a workflow does not hold the stop; a queued workflow is not started by it', { timeout: 60_000 }, async () => {
  await host?.close();
  const overrides = {
    orchestration: { maxConcurrent: 1, maxConcurrentPerPlugin: 1 },
    models: { bedrock: { mode: 'emulator' as const, endpoint: emulator.url } },
  };
  host = await startHost(overrides);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = host.dataDir;
  await upload(host, (await packWithCli('test/fixtures/plugins/durable-flow')).tarball);
  await enable(host, 'durable-flow', 'requested');
  const app = await appKey(host, 'stop-wait');

  await emulator.control.reset();
  // The first model call holds for 20 s: a stop that waited for it, or for the request waiting
  // on the workflow, would take that long. The calls after the restart are fast.
  await emulator.control.fault({ modelId: '*', latencyMs: 20_000, count: 1 });
  const topic = `held-${randomUUID().slice(0, 8)}`;
  const held = startWorkflow(host, app, 'three-steps', { topic }, { wait: true });
  const running = host;
  const id = await waitFor('the held workflow to be running, its model call with the emulator', async () => {
    const found = (await running.host.store.executions.list({ status: 'running' })).items[0];
    return found && (await running.host.store.steps.listByExecution(found.id)).length > 0 && (await emulator.control.calls()).length > 0 && found.id;
  });
  const queued = await startWorkflow(host, app, 'three-steps', { topic: `after-${topic}` }, { wait: false });
  expect(queued.body.status).toBe('queued');
  const queuedId: string = queued.body.executionId;

  // The stop alone is timed (not the next start, which takes seconds on a loaded machine).
  const t0 = performance.now();
  await host.host.app.close();
  expect(performance.now() - t0).toBeLessThan(10_000);
  host = await startHost(overrides, dataDir);
  // The waiting client is answered at once, as a start that outlived its wait: which execution to follow.
  const answer = await held;
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  expect(answer.body).toMatchObject({ executionId: id, links: { self: `/v1/executions/${id}` } });

  const h = host;
  for (const each of [id, queuedId]) {
    const record = await waitFor(`execution ${each} to finish`, async () => {
      const found = await executionOf(h, app, each);
      return TERMINAL.has(found.status) && found;
    }, 10_000);
    expect(record).toMatchObject({ status: 'succeeded', resumed: 1 });
    // The held step was cut off by the stop and begun again, not awaited.
    expect(record.steps[0].attempts).toBe(each === id ? 2 : 1);
  }
  // The queued one never started before the restart: one execution.started, after it.
  const events = await readEvents(h, queuedId, { key: app });
  expect(events.filter((e) => e.event === 'execution.started').map((e) => e.data.resumed)).toEqual([1]);
  expect(events[0]).toMatchObject({ event: 'execution.queued' });
});
