/**
 * Durable workflows. A real host process is SIGKILLed after two of three steps and started
 * again on the same data dir: the workflow completes under the same id, and the emulator
 * (which outlives the host, so its call log spans both lives) saw the finished steps' model
 * calls exactly once. Then, on an in-process host, the executions a restart cannot resume:
 * a workflow whose plugin changed version, was disabled or removed (RESUME_REFUSED), and an
 * agent call from an app (HOST_RESTARTED).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packWithCli } from '../helpers/pack.ts';

interface StreamEvent {
  seq: number;
  type: string;
  data: any;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
let flow: Buffer;
let flowNext: Buffer;
let idle: Buffer;

beforeAll(async () => {
  [flow, flowNext, idle] = await Promise.all(
    ['durable-flow', 'durable-flow-v101', 'durable-idle'].map(async (dir) => (await packWithCli(`test/fixtures/plugins/${dir}`)).tarball),
  ) as [Buffer, Buffer, Buffer];
});

/** Polls `read` until `done` holds; throws with the last value when time runs out. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** Reads an execution's SSE history up to and including `execution.finished`. */
async function readEvents(url: string, id: string, key: string, timeoutMs: number): Promise<StreamEvent[]> {
  const res = await fetch(`${url}/v1/executions/${id}/events`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: StreamEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: Partial<StreamEvent> = {};
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id:')) event.seq = Number(line.slice(3).trim());
        else if (line.startsWith('event:')) event.type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      // A block of comment lines only is a heartbeat.
      if (event.type === undefined) continue;
      events.push({ seq: event.seq as number, type: event.type, data: JSON.parse(data.join('\n')) });
      if (event.type === 'execution.finished') return events;
    }
  }
  throw new Error(`the stream ended without execution.finished: ${JSON.stringify(events.map((e) => e.type))}`);
}

describe('SIGKILL mid-workflow, restart on the same data dir', () => {
  let emulator: StartedEmulator;
  let host: ChildHost | undefined;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await host?.close();
    await emulator?.close();
  });

  // Two starts of a host process and a workflow of 2 s steps: a budget for a loaded machine.
  test('the workflow completes under the same id; finished steps are replayed, not called again', { timeout: 120_000 }, async () => {
    host = await startChildHost({
      env: {
        EASEL_BEDROCK_MODE: 'emulator',
        EASEL_BEDROCK_ENDPOINT: emulator.url,
        // No cache may answer a repeated prompt: a step run twice must show in the call log.
        EASEL_MODELS_CACHE: 'false',
        EASEL_MODELS_SEMANTIC_CACHE: 'false',
      },
    });
    expect((await host.call('POST', '/v1/plugins/upload', { raw: flow })).status).toBe(201);
    expect((await host.call('POST', '/v1/plugins/durable-flow/enable', { body: { grant: 'requested' } })).status).toBe(200);
    const appKey: string = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'resume' } })).body.key;

    await emulator.control.reset();
    // Every model call takes 2 s: a wide window for the kill while the third step runs, however
    // slowly the polls below come back.
    await emulator.control.fault({ modelId: '*', latencyMs: 2000, count: Infinity });
    const topic = `kill-${randomUUID().slice(0, 8)}`;
    const started = await host.call('POST', '/v1/workflows/three-steps/executions?wait=false', { key: appKey, body: { topic } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(['queued', 'running']).toContain(started.body.status);
    const id: string = started.body.executionId;

    const get = (h: ChildHost) => async () => (await h.call('GET', `/v1/executions/${id}`, { key: appKey })).body;
    const beforeKill = await waitFor(
      get(host),
      (e) => {
        if (TERMINAL.has(e?.status)) throw new Error(`the workflow finished before the kill: ${JSON.stringify(e)}`);
        const steps: { status: string }[] = e?.steps ?? [];
        return steps.length === 3 && steps.filter((s) => s.status === 'succeeded').length === 2 && steps[2]?.status === 'running';
      },
      15_000,
      'two succeeded steps and a running third',
    );
    expect(beforeKill.status).toBe('running');
    await host.kill();

    host = await host.restart();
    const final = await waitFor(get(host), (e) => TERMINAL.has(e?.status), 20_000, 'the resumed workflow to finish');
    expect(final).toMatchObject({ id, kind: 'workflow', target: 'three-steps', pluginName: 'durable-flow', pluginVersion: '1.0.0', status: 'succeeded', resumed: 1 });
    const steps = final.steps as { id: string; status: string; attempts: number; output: { text: string } }[];
    expect(steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(steps.map((s) => s.id)).toEqual(beforeKill.steps.map((s: { id: string }) => s.id));
    expect(steps[0]?.attempts).toBe(1);
    expect(steps[1]?.attempts).toBe(1);
    // Interrupted while running, so begun again under its id.
    expect(steps[2]?.attempts).toBe(2);
    // The output is whole, and the replayed texts are the ones recorded before the kill.
    expect(final.output).toEqual({ texts: steps.map((s) => s.output.text) });
    for (const text of final.output.texts) expect(text.length).toBeGreaterThan(0);
    expect(steps[0]?.output).toEqual(beforeKill.steps[0].output);
    expect(steps[1]?.output).toEqual(beforeKill.steps[1].output);

    const prompts = (await emulator.control.calls()).map((c) => c.prompt);
    const count = (step: number) => prompts.filter((p) => p === `step-${step} ${topic}`).length;
    expect(count(1)).toBe(1);
    expect(count(2)).toBe(1);
    expect(count(3)).toBeGreaterThanOrEqual(1);

    const events = await readEvents(host.url, id, appKey, 10_000);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(events.at(-1)).toMatchObject({ type: 'execution.finished', data: { status: 'succeeded', output: final.output } });
    const starts = events.flatMap((e, i) => (e.type === 'execution.started' ? [i] : []));
    expect(starts).toHaveLength(2);
    expect(events[starts[0] as number]?.data).toMatchObject({ executionId: id, kind: 'workflow', resumed: 0 });
    expect(events[starts[1] as number]?.data).toMatchObject({ executionId: id, kind: 'workflow', resumed: 1 });
    const finishedOf = (list: StreamEvent[], stepId: string | undefined) => list.filter((e) => e.type === 'step.finished' && e.data.stepId === stepId).map((e) => e.data);
    const before = events.slice(0, starts[1]);
    const after = events.slice(starts[1]);
    for (const step of steps.slice(0, 2)) {
      expect(finishedOf(before, step.id)).toEqual([expect.objectContaining({ status: 'succeeded', replayed: false })]);
      expect(finishedOf(after, step.id)).toEqual([expect.objectContaining({ status: 'succeeded', replayed: true })]);
    }
    expect(finishedOf(before, steps[2]?.id)).toEqual([]);
    expect(finishedOf(after, steps[2]?.id)).toEqual([expect.objectContaining({ status: 'succeeded', replayed: false })]);
  });
});

describe('executions a restart cannot resume', () => {
  let host: RunningHost | undefined;
  const dirs: string[] = [];
  afterAll(async () => {
    await host?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  test('a workflow whose plugin changed version, was disabled or removed fails RESUME_REFUSED; an app agent call fails HOST_RESTARTED', { timeout: 50_000 }, async () => {
    host = await startHost();
    dirs.push(host.dataDir);
    expect((await host.call('POST', '/v1/plugins/upload', { raw: flow })).status).toBe(201);
    expect((await host.call('POST', '/v1/plugins/durable-flow/enable', { body: { grant: 'requested' } })).status).toBe(200);
    expect((await host.call('POST', '/v1/plugins/upload', { raw: flowNext })).status).toBe(201);
    expect((await host.call('GET', '/v1/plugins/durable-flow')).body).toMatchObject({ version: '1.0.1', enabled: true });
    expect((await host.call('POST', '/v1/plugins/upload', { raw: idle })).status).toBe(201);
    expect((await host.call('POST', '/v1/plugins/durable-idle/enable', { body: { grant: 'requested' } })).status).toBe(200);
    expect((await host.call('POST', '/v1/plugins/durable-idle/disable')).status).toBe(200);
    const app = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'resume' } })).body as { id: string; key: string; appId: string };

    // Rows as a crash leaves them: started, never finished.
    const left = async (row: { pluginName: string; pluginVersion: string; kind: 'agent' | 'workflow'; target: string; capability?: string; input: unknown }) =>
      (await host!.host.store.executions.create({ id: randomUUID(), apiKeyId: app.id, appId: app.appId, userId: app.id, ...row })).id;
    const replaced = await left({ pluginName: 'durable-flow', pluginVersion: '1.0.0', kind: 'workflow', target: 'three-steps', input: { topic: 'replaced' } });
    const disabled = await left({ pluginName: 'durable-idle', pluginVersion: '1.0.0', kind: 'workflow', target: 'idle', input: { topic: 'disabled' } });
    const removed = await left({ pluginName: 'durable-gone', pluginVersion: '1.0.0', kind: 'workflow', target: 'three-steps', input: { topic: 'removed' } });
    const agentCall = await left({ pluginName: 'durable-flow', pluginVersion: '1.0.1', kind: 'agent', target: 'writer', capability: 'write', input: { step: 1, topic: 'agent' } });
    // The workflow's own plugin is unchanged, but a step it completed ran on a version since replaced.
    const stepChanged = await left({ pluginName: 'durable-flow', pluginVersion: '1.0.1', kind: 'workflow', target: 'three-steps', input: { topic: 'step-changed' } });
    const old = await host.host.store.steps.begin({ id: randomUUID(), executionId: stepChanged, callKey: 'k#0', depth: 1, pluginName: 'durable-flow', pluginVersion: '0.9.0', agent: 'writer', capability: 'write', inputSha256: 'a'.repeat(64) });
    await host.host.store.steps.finish(old.step.id, { status: 'succeeded', output: { text: 'old' }, durationMs: 1 });

    host = await host.restart();
    const h = host;
    const settled = (id: string) => waitFor(async () => (await h.call('GET', `/v1/executions/${id}`, { key: app.key })).body, (e) => TERMINAL.has(e?.status), 10_000, `execution ${id} to be settled`);

    const versionChanged = await settled(replaced);
    expect(versionChanged).toMatchObject({ status: 'failed', errorCode: 'RESUME_REFUSED' });
    // The message names the recorded version and the installed one.
    expect(versionChanged.errorMessage).toContain('1.0.0');
    expect(versionChanged.errorMessage).toContain('1.0.1');
    expect(await settled(disabled)).toMatchObject({ status: 'failed', errorCode: 'RESUME_REFUSED' });
    expect(await settled(removed)).toMatchObject({ status: 'failed', errorCode: 'RESUME_REFUSED' });
    expect(await settled(agentCall)).toMatchObject({ status: 'failed', errorCode: 'HOST_RESTARTED' });
    const mixed = await settled(stepChanged);
    expect(mixed).toMatchObject({ status: 'failed', errorCode: 'RESUME_REFUSED' });
    expect(mixed.errorMessage).toMatch(/writer\.write.*0\.9\.0 → 1\.0\.1/);
    // Nothing ran: no step, no model call.
    for (const id of [replaced, disabled, removed, agentCall]) expect((await h.call('GET', `/v1/executions/${id}`, { key: app.key })).body.steps).toEqual([]);
    expect(await h.host.models.emulator?.control.calls()).toEqual([]);
  });
});
