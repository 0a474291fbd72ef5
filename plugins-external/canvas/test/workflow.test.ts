/**
 * The `canvas` workflow through the test kit's `testPlugin`: its own agents run by their
 * handlers through `ctx.agents.invoke`, each call recorded in `recorded.agents` as the host
 * journals it as a step. The estimate hook is checked against the steps a run really takes.
 */
import type { EstimatedStep, WorkflowDefinition } from '@easel/sdk';
import { modelError, testPlugin, type ScriptedModels } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import { buildNegativePrompt, STYLE_PRESETS } from '../src/prompts.ts';
import { TRANSLATION_MAX_TOKENS } from '../src/translate.ts';

/** Enough of a PNG for the host's and the plugin's checks: the signature and a few bytes. */
const fakePng = (tag = 0) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, tag]);

const workflow = definition.workflows!.canvas as WorkflowDefinition;

function canvasPlugin(models: ScriptedModels = {}) {
  return testPlugin(definition, manifest, { models });
}

/** The steps a run took, as `agent.capability` of canvas's own agents. */
const stepsOf = (plugin: ReturnType<typeof canvasPlugin>) => plugin.recorded.agents.map((a) => `${a.agent}.${a.capability}`);

/** The steps the estimate names, in the same form. */
async function estimatedSteps(input: Record<string, unknown>): Promise<string[]> {
  const estimate = await workflow.estimate!(input, undefined as never);
  return estimate.steps.map((s) => `canvas/${s.agent}.${s.capability}`);
}

describe('the canvas workflow, step by step', () => {
  test('English keywords: one step, text-to-image, with the input as given (similarity dropped)', async () => {
    const plugin = canvasPlugin();
    const out = await plugin.run('canvas', { keywords: ['cat', 'hat'], style: 'realistic', similarity: 0.9, seed: 5 });
    expect(plugin.recorded.agents).toEqual([{ agent: 'canvas/image-generator', capability: 'text-to-image', input: { keywords: ['cat', 'hat'], style: 'realistic', seed: 5 } }]);
    expect(plugin.recorded.models.text).toHaveLength(0);
    expect(plugin.recorded.models.image[0]).toMatchObject({ prompt: `cat and hat, ${STYLE_PRESETS.realistic}`, seed: 5 });
    expect(plugin.recorded.models.image[0]!.image).toBeUndefined();
    expect(Object.keys(out).sort()).toEqual(['images', 'negativePrompt', 'prompt']);
    expect(out.negativePrompt).toBe(buildNegativePrompt('realistic'));
  });

  test('Korean keywords: translate, then text-to-image with the English keywords (no second translation)', async () => {
    const plugin = canvasPlugin({ text: ['cat, space'] });
    const out = await plugin.run('canvas', { keywords: ['고양이', '우주'], style: 'cartoon', count: 2 });
    expect(plugin.recorded.agents).toEqual([
      { agent: 'canvas/translator', capability: 'translate-keywords', input: { keywords: ['고양이', '우주'] } },
      { agent: 'canvas/image-generator', capability: 'text-to-image', input: { keywords: ['cat', 'space'], style: 'cartoon', count: 2 } },
    ]);
    expect(plugin.recorded.models.text).toHaveLength(1);
    expect(out.prompt).toBe(`cat and space, ${STYLE_PRESETS.cartoon}`);
    expect(out.images).toHaveLength(2);
    expect(plugin.recorded.progress.map((p) => p.message)).toEqual(['translating the keywords', 'translated the keywords', 'drawing from the keywords']);
  });

  test('the same prompt through the workflow as from text-to-image called directly', async () => {
    const viaWorkflow = await canvasPlugin({ text: ['cat, space'] }).run('canvas', { keywords: ['고양이', '우주'], seed: 1 });
    const direct = await canvasPlugin({ text: ['cat, space'] }).invoke('image-generator', 'text-to-image', { keywords: ['고양이', '우주'], seed: 1 });
    expect(viaWorkflow.prompt).toBe(direct.prompt);
  });

  test('an answer that echoes some Korean: the drawing step still gets English keywords only, and calls no text model', async () => {
    const plugin = canvasPlugin({ text: ['cat, 모자. Latency, hat'] });
    await plugin.run('canvas', { keywords: ['고양이', '모자'] });
    expect(plugin.recorded.agents[1]!.input).toEqual({ keywords: ['cat', 'hat'] });
    expect(plugin.recorded.models.text).toHaveLength(1);
  });

  test('a failed translation: the original keywords go on, and text-to-image tries once more itself', async () => {
    const plugin = canvasPlugin({ text: [modelError('MODEL_CALL_FAILED', 'down'), 'cat'] });
    const out = await plugin.run('canvas', { keywords: '고양이' });
    expect(plugin.recorded.agents.map((a) => a.input)).toEqual([{ keywords: '고양이' }, { keywords: ['고양이'] }]);
    expect(plugin.recorded.models.text).toHaveLength(2);
    expect(out.prompt).toBe(`cat, ${STYLE_PRESETS.illustration}`);
    expect(plugin.recorded.progress.map((p) => p.message)).toContain('kept the original keywords');
  });

  test('a sketch: one step, sketch-to-image, the sketch arriving as bytes', async () => {
    const plugin = canvasPlugin();
    const sketch = fakePng(9);
    await plugin.run('canvas', { sketch, keywords: 'boat', similarity: 0.9, size: '512x512' });
    expect(stepsOf(plugin)).toEqual(['canvas/sketch-enhancer.sketch-to-image']);
    const input = plugin.recorded.agents[0]!.input as Record<string, unknown>;
    expect(input).toMatchObject({ keywords: 'boat', similarity: 0.9, size: '512x512' });
    expect(input.sketch).toBeInstanceOf(Uint8Array);
    expect(Array.from(input.sketch as Uint8Array)).toEqual(Array.from(sketch));
    const call = plugin.recorded.models.image[0]!;
    expect(Array.from(call.image as Uint8Array)).toEqual(Array.from(sketch));
    expect(call).toMatchObject({ similarity: 0.9, prompt: `boat, ${STYLE_PRESETS.illustration}`, width: 512, height: 512 });
  });

  test('a sketch sent as base64 with Korean keywords: translate, then sketch-to-image with the English keywords and the bytes', async () => {
    const plugin = canvasPlugin({ text: ['a red house'] });
    const sketch = fakePng(3);
    await plugin.run('canvas', { sketch: Buffer.from(sketch).toString('base64'), keywords: '빨간 집' });
    expect(stepsOf(plugin)).toEqual(['canvas/translator.translate-keywords', 'canvas/sketch-enhancer.sketch-to-image']);
    const input = plugin.recorded.agents[1]!.input as Record<string, unknown>;
    expect(input.keywords).toEqual(['a red house']);
    expect(input.sketch).toBeInstanceOf(Uint8Array);
    expect(plugin.recorded.models.image[0]!.prompt).toBe(`a red house, ${STYLE_PRESETS.illustration}`);
  });

  test('neither keywords nor a sketch is refused by the schema, before any step', async () => {
    const plugin = canvasPlugin();
    await expect(plugin.run('canvas', { style: 'meme' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(plugin.run('canvas', { keywords: 'cat', returnBytes: true })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(plugin.recorded.agents).toHaveLength(0);
  });
});

describe('the estimate', () => {
  test('English keywords: the image step only, one image per count', async () => {
    const estimate = await workflow.estimate!({ keywords: ['cat', 'hat'], count: 3 }, undefined as never);
    expect(estimate.steps).toEqual([{ agent: 'image-generator', capability: 'text-to-image', model: { task: 'image', tier: 'basic', images: 3 } }] satisfies EstimatedStep[]);
  });

  test('Korean keywords: the translation (a basic text call, sized from the prompt) before the image step', async () => {
    const { steps } = await workflow.estimate!({ keywords: '고양이' }, undefined as never);
    expect(steps).toHaveLength(2);
    expect(steps[0]).toMatchObject({ agent: 'translator', capability: 'translate-keywords', model: { task: 'text', tier: 'basic', outputTokens: TRANSLATION_MAX_TOKENS } });
    expect(steps[0]!.model!.inputTokens).toBeGreaterThan(0);
    expect(steps[1]).toEqual({ agent: 'image-generator', capability: 'text-to-image', model: { task: 'image', tier: 'basic', images: 1 } });
    const longer = await workflow.estimate!({ keywords: Array(8).fill('고양이 '.repeat(20).trim()) }, undefined as never);
    expect(longer.steps[0]!.model!.inputTokens).toBeGreaterThan(steps[0]!.model!.inputTokens!);
  });

  test('a sketch: the sketch step (after a translation only with Hangul)', async () => {
    expect(await estimatedSteps({ sketch: fakePng(), count: 2 })).toEqual(['canvas/sketch-enhancer.sketch-to-image']);
    expect(await estimatedSteps({ sketch: fakePng(), keywords: ['집', 'garden'] })).toEqual(['canvas/translator.translate-keywords', 'canvas/sketch-enhancer.sketch-to-image']);
  });

  test.each([
    ['English keywords', { keywords: 'lighthouse', count: 2 }],
    ['Korean keywords', { keywords: ['등대', 'storm'] }],
  ])('matches the steps a run takes: %s', async (_name, input) => {
    const plugin = canvasPlugin({ text: ['lighthouse, storm'] });
    await plugin.run('canvas', input);
    expect(stepsOf(plugin)).toEqual(await estimatedSteps(input));
    const images = (await workflow.estimate!(input, undefined as never)).steps.at(-1)!.model!.images;
    expect(plugin.recorded.models.image[0]!.count).toBe(images);
  });

  test('matches the steps a run takes: a sketch with Korean keywords', async () => {
    const input = { sketch: fakePng(), keywords: '집' };
    const plugin = canvasPlugin({ text: ['house'] });
    await plugin.run('canvas', input);
    expect(stepsOf(plugin)).toEqual(await estimatedSteps(input));
  });
});
