/**
 * Orchestration end to end: orch-a's story-pack workflow polishes a topic with its own
 * agent, then has orch-b (a dependency) draft and orch-c (another) sketch in parallel,
 * through a real host, real sandbox workers and the built-in Bedrock emulator. Checked: the
 * result, the step rows (who ran, with which models, for how much, overlapping in time),
 * the event stream in order, `?wait=false`, listing, privacy between apps, and subscribers
 * that arrive late or resume with Last-Event-ID.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import type { RunningHost } from '../helpers/host.ts';
import { orchestrationHost, EventReader, readEvents, startWorkflow, waitFor, type SseEvent } from '../helpers/orchestration.ts';

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
  // Every model call takes a while, so the parallel steps surely overlap and a subscriber can arrive mid-run.
  await control.fault({ modelId: '*', latencyMs: 250 });
});

const execution = async (id: string, key = app) => {
  const res = await host.call('GET', `/v1/executions/${id}`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const at = (iso: string) => Date.parse(iso);
const index = (events: SseEvent[], predicate: (e: SseEvent) => boolean) => {
  const i = events.findIndex(predicate);
  expect(i, 'event not found').toBeGreaterThanOrEqual(0);
  return i;
};
const started = (capability: string) => (e: SseEvent) => e.event === 'step.started' && e.data.capability === capability;
const finished = (stepId: string) => (e: SseEvent) => e.event === 'step.finished' && e.data.stepId === stepId;
const progress = (message: string) => (e: SseEvent) => e.event === 'progress' && e.data.message === message;

describe('a workflow over three plugins', () => {
  test('story-pack: a sequential step, then two parallel ones; step rows carry agents, models, tokens and costs', async () => {
    const user = 'story-reader';
    const res = await startWorkflow(host, app, 'story-pack', { topic: 'a lighthouse keeper' }, { wait: true, user });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ executionId: expect.any(String), status: 'succeeded' });
    const { title, text, caption } = res.body.output;
    for (const part of [title, text, caption]) expect(part).toMatch(/synthetic/i);

    const record = await execution(res.body.executionId);
    expect(record).toMatchObject({ id: res.body.executionId, pluginName: 'orch-a', pluginVersion: '1.0.0', kind: 'workflow', target: 'story-pack', userId: user, status: 'succeeded', output: res.body.output });
    const steps: any[] = record.steps;
    // In start order: polish first, then the pair in whichever order they started.
    const names = steps.map((s) => `${s.pluginName}/${s.agent}.${s.capability}`);
    expect(names[0]).toBe('orch-a/editor.polish');
    expect(names.slice(1).sort()).toEqual(['orch-b/writer.draft', 'orch-c/illustrator.sketch']);
    expect(steps).toHaveLength(3);
    const [polish, ...pair] = steps;
    const draft = pair.find((s) => s.capability === 'draft');
    const sketch = pair.find((s) => s.capability === 'sketch');
    expect(draft).toMatchObject({ pluginName: 'orch-b', agent: 'writer' });
    expect(sketch).toMatchObject({ pluginName: 'orch-c', agent: 'illustrator' });
    for (const step of steps) {
      expect(step).toMatchObject({ depth: 1, pluginVersion: '1.0.0', status: 'succeeded', attempts: 1 });
      expect(step.parentStepId ?? null).toBeNull();
      expect(step.models.length).toBeGreaterThan(0);
      for (const model of step.models) expect(model).toEqual(expect.any(String));
      expect(step.inputTokens).toBeGreaterThan(0);
      expect(step.outputTokens).toBeGreaterThan(0);
      expect(step.costUsd).toBeGreaterThan(0);
      expect(at(step.finishedAt)).toBeGreaterThanOrEqual(at(step.startedAt));
    }

    // Sequential, then parallel: polish ends before either of the pair starts, and the pair's intervals intersect.
    expect(at(polish.finishedAt)).toBeLessThanOrEqual(Math.min(at(draft.startedAt), at(sketch.startedAt)));
    expect(Math.max(at(draft.startedAt), at(sketch.startedAt))).toBeLessThan(Math.min(at(draft.finishedAt), at(sketch.finishedAt)));

    // One cost, told the same way everywhere: the steps add up to the execution, which is what the models were billed.
    const topLevel = steps.filter((s) => !s.parentStepId);
    expect(record.costUsd).toBeGreaterThan(0);
    expect(record.costUsd).toBeCloseTo(topLevel.reduce((sum, s) => sum + s.costUsd, 0), 9);
    expect(res.body.costUsd).toBeCloseTo(record.costUsd, 9);
    const usage = await host.host.store.usage.listByExecution(record.id);
    expect(usage).toHaveLength(3);
    expect(usage.reduce((sum, row) => sum + row.costUsd, 0)).toBeCloseTo(record.costUsd, 9);
    expect(new Set(usage.map((row) => row.pluginName))).toEqual(new Set(['orch-a', 'orch-b', 'orch-c']));
    expect(new Set(steps.flatMap((s) => s.models))).toEqual(new Set(usage.map((row) => row.modelId)));
    const stats = await host.call('GET', `/v1/models/usage/${user}/stats`, { key: app });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ calls: 3 });
    expect(stats.body.costUsd).toBeCloseTo(record.costUsd, 9);

    // The emulator saw exactly the three calls: one streamed (the writer), two plain.
    const calls = await control.calls();
    expect(calls.map((c) => c.op).sort()).toEqual(['converse', 'converse', 'converse-stream']);
    for (const marker of ['orch-a polish:', 'orch-b draft:', 'orch-c sketch:']) expect(calls.filter((c) => c.prompt?.startsWith(marker))).toHaveLength(1);
  });

  test('the event stream tells the run in order, from execution.started to execution.finished', async () => {
    const start = await startWorkflow(host, app, 'story-pack', { topic: 'a paper boat' }, { wait: false });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const id = start.body.executionId;
    const events = await readEvents(host, id, { key: app });
    const record = await execution(id);

    // Numbered from 1, strictly increasing; started first, finished last and once.
    expect(events[0]!.id).toBe(1);
    for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
    expect(events[0]).toMatchObject({ event: 'execution.started', data: { executionId: id, kind: 'workflow', target: 'story-pack', plugin: 'orch-a', version: '1.0.0' } });
    expect(events.filter((e) => e.event === 'execution.finished')).toHaveLength(1);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ event: 'execution.finished', data: { status: 'succeeded', output: record.output } });
    expect(last.data.costUsd).toBeCloseTo(record.costUsd, 9);

    // The step events name the step rows.
    const polish = events[index(events, started('polish'))]!.data;
    const draft = events[index(events, started('draft'))]!.data;
    const sketch = events[index(events, started('sketch'))]!.data;
    expect(polish).toMatchObject({ parentStepId: null, depth: 1, plugin: 'orch-a', version: '1.0.0', agent: 'editor', capability: 'polish' });
    expect(draft).toMatchObject({ parentStepId: null, depth: 1, plugin: 'orch-b', agent: 'writer' });
    expect(sketch).toMatchObject({ parentStepId: null, depth: 1, plugin: 'orch-c', agent: 'illustrator' });
    expect(new Set([polish.stepId, draft.stepId, sketch.stepId])).toEqual(new Set(record.steps.map((s: { id: string }) => s.id)));
    for (const step of [polish, draft, sketch]) {
      const done = events[index(events, finished(step.stepId))]!.data;
      expect(done).toMatchObject({ status: 'succeeded', replayed: false });
      expect(done.costUsd).toBeGreaterThan(0);
      expect(done.inputTokens).toBeGreaterThan(0);
      expect(done.models.length).toBeGreaterThan(0);
    }

    // polish runs and ends before the pair starts; both of the pair start before either ends.
    const i = {
      polishStarted: index(events, started('polish')),
      polishFinished: index(events, finished(polish.stepId)),
      draftStarted: index(events, started('draft')),
      draftFinished: index(events, finished(draft.stepId)),
      sketchStarted: index(events, started('sketch')),
      sketchFinished: index(events, finished(sketch.stepId)),
    };
    expect(i.polishStarted).toBeLessThan(i.polishFinished);
    expect(i.polishFinished).toBeLessThan(Math.min(i.draftStarted, i.sketchStarted));
    expect(Math.max(i.draftStarted, i.sketchStarted)).toBeLessThan(Math.min(i.draftFinished, i.sketchFinished));

    // The writer's tokens stream out between its step's start and end, and make up its text.
    const deltas = events.map((e, n) => ({ e, n })).filter(({ e }) => e.event === 'model.delta' && e.data.stepId === draft.stepId);
    expect(deltas.length).toBeGreaterThan(1);
    for (const { n } of deltas) {
      expect(n).toBeGreaterThan(i.draftStarted);
      expect(n).toBeLessThan(i.draftFinished);
    }
    expect(deltas.map(({ e }) => e.data.text).join('')).toBe(record.output.text);

    // Progress lines: the workflow's own (no step) between its steps, the writer's inside its step.
    expect(events[index(events, progress('polishing'))]!.data).toMatchObject({ stepId: null, data: { topic: 'a paper boat' } });
    expect(index(events, progress('polishing'))).toBeLessThan(i.polishStarted);
    const fanOut = index(events, progress('drafting and sketching'));
    expect(fanOut).toBeGreaterThan(i.polishFinished);
    expect(fanOut).toBeLessThan(Math.min(i.draftStarted, i.sketchStarted));
    const assembling = index(events, progress('assembling'));
    expect(assembling).toBeGreaterThan(Math.max(i.draftFinished, i.sketchFinished));
    expect(assembling).toBeLessThan(events.length - 1);
    const drafting = index(events, progress('drafting'));
    expect(events[drafting]!.data).toMatchObject({ stepId: draft.stepId, data: { topic: 'a paper boat' } });
    expect(drafting).toBeGreaterThan(i.draftStarted);
    expect(drafting).toBeLessThan(i.draftFinished);
  });

  test('?wait=false answers 202 at once; the execution is polled, listed, and private to the app that started it', async () => {
    const res = await startWorkflow(host, app, 'story-pack', { topic: 'a quiet harbour' }, { wait: false });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.executionId as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(['queued', 'running']).toContain(res.body.status);
    expect(res.body.links).toEqual({
      self: expect.stringMatching(new RegExp(`/v1/executions/${id}$`)),
      events: expect.stringMatching(new RegExp(`/v1/executions/${id}/events$`)),
      cancel: expect.stringMatching(new RegExp(`/v1/executions/${id}/cancel$`)),
    });
    expect(res.headers.get('location')).toMatch(new RegExp(`/v1/executions/${id}$`));

    const done = await waitFor('the execution to succeed', async () => {
      const record = await execution(id);
      expect(['queued', 'running', 'succeeded']).toContain(record.status);
      return record.status === 'succeeded' && record;
    });
    expect(done.output).toMatchObject({ title: expect.any(String), text: expect.any(String), caption: expect.any(String) });
    expect(done.steps).toHaveLength(3);

    const listed = await host.call('GET', '/v1/executions?workflow=story-pack&status=succeeded', { key: app });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const item = listed.body.items.find((e: { id: string }) => e.id === id);
    expect(item).toMatchObject({ id, target: 'story-pack', status: 'succeeded', pluginName: 'orch-a' });
    expect(item.steps).toBeUndefined();
    for (const e of listed.body.items) expect(e).toMatchObject({ target: 'story-pack', status: 'succeeded' });
    const failed = await host.call('GET', '/v1/executions?workflow=story-pack&status=failed', { key: app });
    expect(failed.body.items.map((e: { id: string }) => e.id)).not.toContain(id);

    // Another app neither sees it, nor its events, nor may cancel it: the same answer as an unknown id.
    for (const [method, path] of [['GET', `/v1/executions/${id}`], ['GET', `/v1/executions/${id}/events`], ['POST', `/v1/executions/${id}/cancel`]] as const) {
      const res = await host.call(method, path, { key: otherApp });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.code).toBe('EXECUTION_NOT_FOUND');
    }
    const theirs = await host.call('GET', '/v1/executions?workflow=story-pack', { key: otherApp });
    expect(theirs.status).toBe(200);
    expect(theirs.body.items).toEqual([]);

    // An admin sees every app's executions, with their steps.
    const asAdmin = await host.call('GET', `/v1/executions/${id}`);
    expect(asAdmin.status, JSON.stringify(asAdmin.body)).toBe(200);
    expect(asAdmin.body).toMatchObject({ id, status: 'succeeded' });
    expect(asAdmin.body.steps).toHaveLength(3);
    expect((await host.call('GET', '/v1/executions?workflow=story-pack')).body.items.map((e: { id: string }) => e.id)).toContain(id);
    // A workflow and an agent at once is a contradiction, not a silent choice.
    const both = await host.call('GET', '/v1/executions?workflow=story-pack&agent=editor', { key: app });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('REQUEST_INVALID');
  });
});

describe('late subscribers', () => {
  test('after the end: the whole history, then the stream ends; Last-Event-ID resumes after that id', async () => {
    const res = await startWorkflow(host, app, 'story-pack', { topic: 'an old map' }, { wait: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const id = res.body.executionId;
    const all = await readEvents(host, id, { key: app });
    expect(all[0]).toMatchObject({ id: 1, event: 'execution.started' });
    expect(all.at(-1)).toMatchObject({ event: 'execution.finished', data: { status: 'succeeded', output: res.body.output } });
    expect(all.some((e) => e.event === 'model.delta')).toBe(true);
    // The history is stable: read again, it is the same.
    expect(await readEvents(host, id, { key: app })).toEqual(all);

    const polishDone = all.find((e) => e.event === 'step.finished' && all.some((s) => started('polish')(s) && s.data.stepId === e.data.stepId))!;
    const resumed = await readEvents(host, id, { key: app, lastEventId: polishDone.id });
    expect(resumed).toEqual(all.filter((e) => e.id > polishDone.id));
    // Resuming after the last event: nothing left to send, and the stream ends.
    expect(await readEvents(host, id, { key: app, lastEventId: all.at(-1)!.id })).toEqual([]);
  });

  test('during the run: the history first, then live events, without gaps or duplicates', async () => {
    const start = await startWorkflow(host, app, 'story-pack', { topic: 'a night train' }, { wait: false });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const id = start.body.executionId;
    // Subscribe once the first step has finished, while the parallel pair is still waiting for its models.
    const midway = await waitFor('the first step to finish', async () => {
      const record = await execution(id);
      return record.steps?.some((s: { capability: string; status: string }) => s.capability === 'polish' && s.status === 'succeeded') && record;
    });
    expect(midway.status).toBe('running');
    const fromStart = await EventReader.open(host, id, { key: app });
    const fromTwo = await EventReader.open(host, id, { key: app, lastEventId: 2 });
    const [a, b] = await Promise.all([fromStart.rest(), fromTwo.rest()]);
    fromStart.close();
    fromTwo.close();

    const history = await readEvents(host, id, { key: app });
    expect(history.at(-1)).toMatchObject({ event: 'execution.finished', data: { status: 'succeeded' } });
    expect(a).toEqual(history);
    expect(b).toEqual(history.filter((e) => e.id > 2));
    expect(new Set(a.map((e) => e.id)).size).toBe(a.length);
    // Both the replayed part (polish) and the live part (the writer's tokens) came through.
    expect(a.some(started('polish'))).toBe(true);
    expect(a.some((e) => e.event === 'model.delta')).toBe(true);
  });
});

describe("an app's agent call", () => {
  const agentCall = (path: string, body: unknown) => host.call('POST', `/v1/agents/${path}`, { key: app, body });

  test('a plain call writes no event log; its stream is rebuilt from the record, the same ids and data', async () => {
    const res = await agentCall('orch-a/editor/polish', { topic: 'a lamp' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const id = res.body.executionId;
    const record = await execution(id);
    expect(await host.host.store.executionEvents.count(id)).toBe(0);

    const all = await readEvents(host, id, { key: app });
    expect(all).toEqual([
      { id: 1, event: 'execution.started', data: { executionId: id, kind: 'agent', target: 'editor', capability: 'polish', plugin: 'orch-a', version: '1.0.0', resumed: 0 } },
      { id: 2, event: 'execution.finished', data: { status: 'succeeded', output: res.body.output, costUsd: record.costUsd, durationMs: record.durationMs } },
    ]);
    expect(record.costUsd).toBeGreaterThan(0);
    expect(await readEvents(host, id, { key: app, lastEventId: 1 })).toEqual([all[1]]);
    expect(await readEvents(host, id, { key: app, lastEventId: 2 })).toEqual([]);
    // Another app cannot read it, rebuilt or not.
    expect((await fetch(`${host.url}/v1/executions/${id}/events`, { headers: { authorization: `Bearer ${otherApp}` } })).status).toBe(404);
  });

  test('a call that publishes more than its start and end keeps its whole log', async () => {
    const res = await agentCall('orch-b/writer/draft', { topic: 'a kite' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const id = res.body.executionId;
    const all = await readEvents(host, id, { key: app });
    expect(all.map((e) => e.event)).toEqual(expect.arrayContaining(['execution.started', 'progress', 'model.delta', 'execution.finished']));
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(await host.host.store.executionEvents.count(id)).toBe(all.length);
  });

  test('a client following a plain call while it runs gets it live, and its log is written', async () => {
    // A model call long enough for the client to find the call and subscribe on a slow machine too (latencies add up).
    await control.fault({ modelId: '*', latencyMs: 2000 });
    const pending = agentCall('orch-b/writer/wait-model', { prompt: 'orch-b followed call' });
    const running = await waitFor('the call to run', async () => (await host.call('GET', '/v1/executions?status=running&kind=agent', { key: app })).body.items?.[0]);
    const reader = await EventReader.open(host, running.id, { key: app });
    const events = await reader.rest();
    expect(events.map((e) => [e.id, e.event])).toEqual([[1, 'execution.started'], [2, 'execution.finished']]);
    expect((await pending).status).toBe(200);
    expect(await host.host.store.executionEvents.count(running.id)).toBe(2);
  });
});
