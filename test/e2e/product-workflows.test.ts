/**
 * game-development and content-creation end to end, installed from a real registry and run
 * over HTTP on the offline default: every phase's output matches its capability's schema, the
 * four game agents ran, the three middle phases of a game concept (and content's two branches)
 * ran at the same time, the story streamed before its branches started, and the generated game
 * parses as JavaScript.
 */
import { Script } from 'node:vm';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import gameManifest from '../../plugins-external/game-development/plugin.json' with { type: 'json' };
import contentManifest from '../../plugins-external/content-creation/plugin.json' with { type: 'json' };
import { readEvents } from '../helpers/orchestration.ts';
import { overlapped, productHost, type ProductHost } from '../helpers/product.ts';

let product: ProductHost;

beforeAll(async () => {
  product = await productHost();
});
afterAll(async () => {
  await product?.close();
});
beforeEach(async () => {
  await product.control.reset();
  // Every model call takes a while, so steps that run at the same time surely overlap.
  await product.control.fault({ modelId: '*', latencyMs: 300 });
});

interface Step {
  pluginName: string;
  agent: string;
  capability: string;
  status: string;
  output: unknown;
  startedAt: string;
  finishedAt: string;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
/** Checks a step's recorded output against its capability's output schema in the manifest. */
function matchesSchema(manifest: { agents: { type: string; capabilities: { name: string; output: object }[] }[] }, step: Step): void {
  const schema = manifest.agents.find((a) => a.type === step.agent)?.capabilities.find((c) => c.name === step.capability)?.output;
  expect(schema, `${step.agent}.${step.capability}`).toBeDefined();
  const validate = ajv.compile(schema!);
  expect(validate(step.output), `${step.agent}.${step.capability}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

async function runWorkflow(type: string, input: unknown, user = 'maker') {
  const res = await product.host.call('POST', `/v1/workflows/${type}/executions?wait=true`, { key: product.apps.a.key, body: input, headers: { 'x-easel-user': user } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const record = (await product.host.call('GET', `/v1/executions/${res.body.executionId}`, { key: product.apps.a.key })).body;
  return { output: res.body.output, record, steps: record.steps as Step[] };
}

const named = (steps: Step[], capability: string) => steps.filter((s) => s.capability === capability);

describe('game-development', () => {
  test.each([
    ['English', { idea: 'A cozy farming game where crops grow from the songs you play', platforms: ['web', 'mobile'], multiplayer: false }, 'en'],
    ['Korean', { idea: '노래로 작물을 키우는 아늑한 농장 게임', platforms: ['pc'], multiplayer: true }, 'ko'],
  ])('game-concept-creation (%s): concept, then assets, feasibility and playtests at once, then refinement', async (_, input, language) => {
    const { output, record, steps } = await runWorkflow('game-concept-creation', input);
    expect(record.status).toBe('succeeded');
    const top = steps.filter((s) => !('parentStepId' in s) || (s as { parentStepId?: string | null }).parentStepId == null);
    for (const step of top) {
      expect(step.status).toBe('succeeded');
      matchesSchema(gameManifest as never, step);
    }
    const [concept] = named(top, 'concept-creation');
    const middle = ['asset-analysis', 'feasibility-analysis', 'scenario-generation'].map((c) => named(top, c)[0]!);
    const [refinement] = named(top, 'concept-refinement');
    expect(concept && refinement && middle.every(Boolean)).toBe(true);
    // Concept first, the three middle phases overlapping, refinement after all of them.
    for (const step of middle) expect(Date.parse(step.startedAt)).toBeGreaterThanOrEqual(Date.parse(concept!.finishedAt));
    expect(overlapped(middle)).toBe(true);
    expect(Date.parse(refinement!.startedAt)).toBeGreaterThanOrEqual(Math.max(...middle.map((s) => Date.parse(s.finishedAt))));
    // Four agents ran, and the answer says so.
    expect(new Set(top.map((s) => s.agent))).toEqual(new Set(['game-designer', 'asset-generator', 'code-generator', 'playtester']));
    expect([...output.agentsUsed].sort()).toEqual(['asset-generator', 'code-generator', 'game-designer', 'playtester']);
    expect(output).toMatchObject({ language, title: expect.any(String) });
    for (const field of ['concept', 'assetRequirements', 'technicalSpecification', 'developmentPlan', 'playtestPlan']) expect(output[field], field).toBeDefined();
    expect(['simple', 'moderate', 'complex', 'enterprise']).toContain(output.technicalSpecification.complexity?.level ?? output.technicalSpecification.complexity);
    expect(output.totalCost).toBeGreaterThan(0);
    expect(record.costUsd).toBeGreaterThan(0);
    const validate = ajv.compile(gameManifest.workflows.find((w) => w.type === 'game-concept-creation')!.output!);
    expect(validate(output), JSON.stringify(validate.errors)).toBe(true);
  });

  test('code-generation: a single-file HTML5 canvas game whose script parses as JavaScript', async () => {
    const { output } = await runWorkflow('code-generation', { idea: 'Dodge falling stars with a tiny spaceship' });
    expect(output.checks.parses).toBe(true);
    expect(() => new Script(output.script)).not.toThrow();
    expect(output.html).toMatch(/<canvas/i);
    expect(output.html).toContain(output.script);
    expect(output.script).toMatch(/requestAnimationFrame/);
  });

  test('the game routes run the same workflows for apps', async () => {
    const res = await product.host.call('POST', '/v1/p/game-development/prototypes', { key: product.apps.b.key, body: { idea: '벽돌 깨기 게임' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output.language).toBe('ko');
    expect(() => new Script(res.body.output.script)).not.toThrow();
  });
});

describe('content-creation', () => {
  test.each([
    ['English', { topic: 'a lighthouse keeper who befriends a storm', platforms: ['x', 'instagram'], videoDurationSeconds: 45 }, 'en'],
    ['Korean', { topic: '폭풍과 친구가 된 등대지기', platforms: ['x', 'instagram'], videoDurationSeconds: 45 }, 'ko'],
  ])('content (%s): the story streamed first, then the video script and social posts at once', async (_, input, language) => {
    const { output, record, steps } = await runWorkflow('content', input);
    expect(record.status).toBe('succeeded');
    const top = steps.filter((s) => (s as { parentStepId?: string | null }).parentStepId == null);
    for (const step of top) matchesSchema(contentManifest as never, step);
    const [story] = named(top, 'write').filter((s) => s.agent === 'story-writer');
    const script = top.find((s) => s.agent === 'video-script')!;
    const posts = top.find((s) => s.agent === 'social-media')!;
    expect(story && script && posts).toBeTruthy();
    for (const branch of [script, posts]) expect(Date.parse(branch.startedAt)).toBeGreaterThanOrEqual(Date.parse(story!.finishedAt));
    expect(overlapped([script, posts])).toBe(true);
    expect(output.metadata.language).toBe(language);
    expect(output.socialPosts.length ?? output.socialPosts.posts.length).toBeGreaterThan(0);

    // On the stream: the story's text deltas arrive before either branch starts.
    const events = await readEvents(product.host, record.id, { key: product.apps.a.key });
    const firstDelta = events.findIndex((e) => e.event === 'model.delta');
    const firstBranch = events.findIndex((e) => e.event === 'step.started' && (e.data.agent === 'video-script' || e.data.agent === 'social-media'));
    expect(firstDelta).toBeGreaterThanOrEqual(0);
    expect(firstDelta).toBeLessThan(firstBranch);
    expect(events.at(-1)?.event).toBe('execution.finished');
  });
});
