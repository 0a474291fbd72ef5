/**
 * A host process killed (SIGKILL) in the middle of game-concept-creation, after its concept
 * phase and while its three parallel phases run, and started again on the same data dir: the
 * workflow finishes under the same id, and the concept phase's model call (premium tier, the
 * dearest) was paid once: the emulator, which outlives the host, saw it once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const MIDDLE = ['asset-analysis', 'feasibility-analysis', 'scenario-generation'];
let emulator: StartedEmulator;
let host: ChildHost | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await host?.close();
  await emulator?.close();
});

interface Step {
  id: string;
  capability: string;
  status: string;
  attempts: number;
  output: unknown;
}

test('killed mid-run, the workflow resumes and finishes; the finished concept phase is not paid again', { timeout: 180_000 }, async () => {
  host = await startChildHost({
    env: { EASEL_BEDROCK_MODE: 'emulator', EASEL_BEDROCK_ENDPOINT: emulator.url, EASEL_MODELS_CACHE: 'false', EASEL_MODELS_SEMANTIC_CACHE: 'false' },
  });
  for (const name of ['canvas', 'game-development']) {
    const { tarball } = await packWithCli(`plugins-external/${name}`);
    expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    expect((await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant: 'requested' } })).status).toBe(200);
  }
  const key: string = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'resume' } })).body.key;

  await emulator.control.reset();
  // Every model call takes 3 s: a wide window for the kill while the parallel phases run.
  await emulator.control.fault({ modelId: '*', latencyMs: 3000, count: Infinity });
  const marker = `marker-${randomUUID().slice(0, 8)}`;
  const started = await host.call('POST', '/v1/workflows/game-concept-creation/executions?wait=false', { key, body: { idea: `A puzzle game about ${marker}` } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id: string = started.body.executionId;
  const get = (h: ChildHost) => async () => (await h.call('GET', `/v1/executions/${id}`, { key })).body;

  const beforeKill = await waitFor(
    'the concept phase done and a parallel phase running',
    async () => {
      const e = await get(host!)();
      if (TERMINAL.has(e?.status)) throw new Error(`the workflow finished before the kill: ${JSON.stringify(e)}`);
      const steps: Step[] = e?.steps ?? [];
      return steps.some((s) => s.capability === 'concept-creation' && s.status === 'succeeded') && steps.some((s) => MIDDLE.includes(s.capability) && s.status === 'running') && e;
    },
    60_000,
  );
  await host.kill();

  host = await host.restart();
  const final = await waitFor('the resumed workflow to finish', async () => {
    const e = await get(host!)();
    return TERMINAL.has(e?.status) && e;
  }, 90_000);
  expect(final, JSON.stringify(final).slice(0, 2000)).toMatchObject({ id, status: 'succeeded', resumed: 1 });
  const steps = final.steps as Step[];
  const concept = steps.filter((s) => s.capability === 'concept-creation');
  expect(concept).toHaveLength(1);
  expect(concept[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  // The replayed concept is the one recorded before the kill.
  expect(concept[0]!.output).toEqual(beforeKill.steps.find((s: Step) => s.capability === 'concept-creation').output);
  for (const capability of [...MIDDLE, 'concept-refinement']) expect(steps.filter((s) => s.capability === capability).map((s) => s.status), capability).toEqual(['succeeded']);
  expect(final.output.agentsUsed.length).toBe(4);

  const prompts = (await emulator.control.calls()).map((c) => c.prompt ?? '');
  expect(prompts.filter((p) => p.startsWith('Create a game concept') && p.includes(marker))).toHaveLength(1);
  expect(prompts.filter((p) => p.startsWith('Refine this concept'))).toHaveLength(1);
});
