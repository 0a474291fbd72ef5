/**
 * The admin-set configuration: the manifest's `config` schema, `settingsOf` (the schema's
 * defaults as fallbacks, since a host fills none in), and each setting as it reaches the
 * models, through the test kit's `config` option (validated as a host validates it).
 */
import type { WorkflowDefinition } from '@easel/sdk';
import { createTestContext, testPlugin, type ScriptedModels } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import { DEFAULTS, MAX_IMAGES, settingsOf, TRANSLATION_TIERS, type CanvasConfig } from '../src/config.ts';
import definition from '../src/index.ts';
import { buildNegativePrompt, SIZES, STYLE_PRESETS, STYLES } from '../src/prompts.ts';

/** Enough of a PNG for the host's and the plugin's checks: the signature and a few bytes. */
const fakePng = (tag = 0) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, tag]);

const workflow = definition.workflows!.canvas as WorkflowDefinition;
const configSchema = manifest.config as { type: string; additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };

function canvasPlugin(config?: CanvasConfig, models: ScriptedModels = {}) {
  return testPlugin(definition, manifest, { models, ...(config !== undefined ? { config: { ...config } } : {}) });
}

/** The estimate as the host's preview runs it: with a ctx that carries the config. */
async function estimateWith(config: CanvasConfig, input: Record<string, unknown>) {
  const { ctx } = createTestContext({ manifest, config });
  return workflow.estimate!(input, ctx);
}

/** What a synchronous call threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('nothing was thrown');
}

/** Every input schema with style, count and size: both drawing capabilities and the workflow. */
const drawingInputs = [
  ...manifest.agents.flatMap((a) => a.capabilities.filter((c) => 'style' in c.input.properties).map((c) => [c.name, c.input.properties] as const)),
  ['workflow canvas', manifest.workflows[0]!.input.properties] as const,
] as unknown as [string, Record<string, Record<string, unknown>>][];

describe('the manifest', () => {
  test('an object schema, no unknown keys, every property with a description and a default', () => {
    expect(configSchema.type).toBe('object');
    expect(configSchema.additionalProperties).toBe(false);
    expect(Object.keys(configSchema.properties).sort()).toEqual(['defaultSize', 'defaultStyle', 'maxImages', 'translationTier']);
    for (const [name, property] of Object.entries(configSchema.properties)) {
      expect(property.description, name).toEqual(expect.any(String));
      expect(property, name).toHaveProperty('default');
    }
  });

  test('the schema\'s defaults are the ones the code falls back to', () => {
    const defaults = Object.fromEntries(Object.entries(configSchema.properties).map(([k, p]) => [k, p.default]));
    expect(defaults).toEqual({ ...DEFAULTS });
    expect(configSchema.properties.defaultStyle!.enum).toEqual([...STYLES]);
    expect(configSchema.properties.defaultSize!.enum).toEqual([...SIZES]);
    expect(configSchema.properties.maxImages).toMatchObject({ type: 'integer', minimum: 1, maximum: MAX_IMAGES });
  });

  test('no setting can ask for more than the grant: the translation tier stays within maxTier standard, and there is no image quality', () => {
    expect(manifest.permissions.models.maxTier).toBe('standard');
    expect(configSchema.properties.translationTier!.enum).toEqual([...TRANSLATION_TIERS]);
    expect(TRANSLATION_TIERS).not.toContain('premium');
    // Premium images count as tier premium, which the grant does not reach.
    expect(Object.keys(configSchema.properties)).not.toContain('imageQuality');
  });

  test.each(drawingInputs)('%s: style and size name no default (the config\'s applies); count is capped at maxImages\' maximum', (_name, properties) => {
    expect(properties.style).not.toHaveProperty('default');
    expect(properties.size).not.toHaveProperty('default');
    expect(properties.count).toMatchObject({ minimum: 1, maximum: MAX_IMAGES, default: 1 });
  });
});

describe('settingsOf', () => {
  test('no config, or an empty one (what a host hands when the admin saved none): the defaults', () => {
    expect(settingsOf(undefined)).toEqual(DEFAULTS);
    expect(settingsOf({})).toEqual(DEFAULTS);
  });

  test('each valid value is taken', () => {
    const config: CanvasConfig = { defaultStyle: 'meme', defaultSize: '512x512', translationTier: 'standard', maxImages: 2 };
    expect(settingsOf(config)).toEqual(config);
  });

  test('a value the schema would refuse falls back to its default', () => {
    expect(settingsOf({ defaultStyle: 'anime', defaultSize: '1000x1000', translationTier: 'premium', maxImages: 9 })).toEqual(DEFAULTS);
    expect(settingsOf({ maxImages: 2.5 }).maxImages).toBe(4);
    expect(settingsOf({ maxImages: '2' }).maxImages).toBe(4);
  });
});

describe('no config: everything as before canvas had one', () => {
  const expected = {
    prompt: `cat, ${STYLE_PRESETS.illustration}`,
    negativePrompt: buildNegativePrompt('illustration'),
    count: 1,
    width: 1024,
    height: 1024,
    seed: 3,
  };

  test.each([
    ['no config option', undefined],
    ['an empty config', {}],
    ['every default written out', { ...DEFAULTS }],
  ])('%s: illustration, 1024x1024, one image, a basic translation', async (_name, config) => {
    const plugin = canvasPlugin(config, { text: ['cat', 'cat'] });
    const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: '고양이', seed: 3 });
    expect(plugin.recorded.models.image).toEqual([expected]);
    expect(plugin.recorded.models.text[0]).toMatchObject({ tier: 'basic' });
    expect(out).toMatchObject({ prompt: expected.prompt, negativePrompt: expected.negativePrompt, images: [{ width: 1024, height: 1024 }] });
    // The workflow too: the same request and steps.
    await plugin.run('canvas', { keywords: '고양이', seed: 3 });
    expect(plugin.recorded.models.image[1]).toEqual(expected);
    expect(plugin.recorded.models.text[1]).toMatchObject({ tier: 'basic' });
  });

  test('four images may still be asked for', async () => {
    const plugin = canvasPlugin();
    const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', count: 4 });
    expect(out.images).toHaveLength(4);
    expect(plugin.recorded.models.image[0]!.count).toBe(4);
  });
});

describe('each setting reaches the model', () => {
  test('defaultStyle: the prompt and negative prompt of an input without a style; a named style still wins', async () => {
    const plugin = canvasPlugin({ defaultStyle: 'cartoon' });
    const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat' });
    expect(plugin.recorded.models.image[0]).toMatchObject({ prompt: `cat, ${STYLE_PRESETS.cartoon}`, negativePrompt: buildNegativePrompt('cartoon') });
    expect(out.prompt).toBe(`cat, ${STYLE_PRESETS.cartoon}`);
    await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', style: 'realistic' });
    expect(plugin.recorded.models.image[1]!.prompt).toBe(`cat, ${STYLE_PRESETS.realistic}`);
    await plugin.invoke('sketch-enhancer', 'sketch-to-image', { sketch: fakePng() });
    expect(plugin.recorded.models.image[2]!.negativePrompt).toBe(buildNegativePrompt('cartoon'));
    await plugin.run('canvas', { keywords: 'cat' });
    expect(plugin.recorded.models.image[3]!.prompt).toBe(`cat, ${STYLE_PRESETS.cartoon}`);
  });

  test('defaultSize: the width and height of an input without a size; a named size still wins', async () => {
    const plugin = canvasPlugin({ defaultSize: '640x1152' });
    const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat' });
    expect(plugin.recorded.models.image[0]).toMatchObject({ width: 640, height: 1152 });
    expect(out.images[0]).toMatchObject({ width: 640, height: 1152 });
    await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', size: '512x512' });
    expect(plugin.recorded.models.image[1]).toMatchObject({ width: 512, height: 512 });
    await plugin.invoke('sketch-enhancer', 'sketch-to-image', { sketch: fakePng() });
    expect(plugin.recorded.models.image[2]).toMatchObject({ width: 640, height: 1152 });
    await plugin.run('canvas', { sketch: fakePng(), keywords: 'boat' });
    expect(plugin.recorded.models.image[3]).toMatchObject({ width: 640, height: 1152 });
  });

  test('translationTier: the tier of every translation call (translator, the drawing capabilities, the workflow)', async () => {
    const plugin = canvasPlugin({ translationTier: 'standard' }, { text: ['cat', 'cat', 'cat', 'cat'] });
    await plugin.invoke('translator', 'translate-keywords', { keywords: '고양이' });
    await plugin.invoke('image-generator', 'text-to-image', { keywords: '고양이' });
    await plugin.invoke('sketch-enhancer', 'sketch-to-image', { sketch: fakePng(), keywords: '고양이' });
    await plugin.run('canvas', { keywords: '고양이' });
    expect(plugin.recorded.models.text.map((r) => r.tier)).toEqual(['standard', 'standard', 'standard', 'standard']);
    expect(plugin.recorded.models.text[0]).toMatchObject({ maxTokens: 100, temperature: 0 });
    // The image call still asks for no tier and no quality.
    for (const call of plugin.recorded.models.image) {
      expect(call).not.toHaveProperty('tier');
      expect(call).not.toHaveProperty('quality');
    }
  });

  test('maxImages: counts up to the cap reach the model', async () => {
    const plugin = canvasPlugin({ maxImages: 2 });
    await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', count: 2 });
    await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat' });
    await plugin.run('canvas', { keywords: 'cat', count: 2 });
    expect(plugin.recorded.models.image.map((r) => r.count)).toEqual([2, 1, 2]);
  });

  test('maxImages: a count over the cap is REQUEST_REJECTED naming it, before any model call or step', async () => {
    const plugin = canvasPlugin({ maxImages: 2 }, { text: ['cat'] });
    const rejected = { code: 'REQUEST_REJECTED', message: expect.stringMatching(/count 3 is over the limit of 2 images per call \(the maxImages setting\)/) };
    // Korean keywords: refused before the translation is paid for.
    await expect(plugin.invoke('image-generator', 'text-to-image', { keywords: '고양이', count: 3 })).rejects.toMatchObject(rejected);
    await expect(plugin.invoke('sketch-enhancer', 'sketch-to-image', { sketch: fakePng(), count: 3 })).rejects.toMatchObject(rejected);
    await expect(plugin.run('canvas', { keywords: '고양이', count: 3 })).rejects.toMatchObject(rejected);
    expect(plugin.recorded.models.text).toHaveLength(0);
    expect(plugin.recorded.models.image).toHaveLength(0);
    expect(plugin.recorded.agents).toHaveLength(0);
  });

  test('maxImages 1: one image per call, said in the singular', async () => {
    const plugin = canvasPlugin({ maxImages: 1 });
    await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat' });
    expect(plugin.recorded.models.image[0]!.count).toBe(1);
    await expect(plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', count: 2 })).rejects.toMatchObject({
      code: 'REQUEST_REJECTED',
      message: expect.stringMatching(/limit of 1 image per call/),
    });
  });

  test('why there is no imageQuality: a premium image is above the grant', async () => {
    const { ctx } = createTestContext({ manifest });
    await expect(ctx.models.image({ prompt: 'cat', quality: 'premium' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});

describe('an invalid config is refused by the kit, as a host refuses it', () => {
  test.each([
    ['an unknown style', { defaultStyle: 'anime' }],
    ['a size not offered', { defaultSize: '1000x1000' }],
    ['a tier above the grant', { translationTier: 'premium' }],
    ['maxImages 0', { maxImages: 0 }],
    ['maxImages 5', { maxImages: 5 }],
    ['maxImages that is not an integer', { maxImages: 2.5 }],
    ['an image quality (not a setting)', { imageQuality: 'premium' }],
    ['an unknown key', { style: 'meme' }],
  ])('%s: PLUGIN_CONFIG_INVALID', (_name, config) => {
    expect(thrown(() => testPlugin(definition, manifest, { config }))).toMatchObject({ code: 'PLUGIN_CONFIG_INVALID', details: { problems: [expect.anything()] } });
    expect(thrown(() => createTestContext({ manifest, config }))).toMatchObject({ code: 'PLUGIN_CONFIG_INVALID' });
  });
});

describe('the estimate follows the config', () => {
  test('without a config: a basic translation, then one image', async () => {
    const { steps } = await estimateWith({}, { keywords: '고양이' });
    expect(steps.map((s) => s.model)).toEqual([expect.objectContaining({ task: 'text', tier: 'basic' }), { task: 'image', tier: 'basic', images: 1 }]);
  });

  test('translationTier: the translation step\'s tier', async () => {
    const { steps } = await estimateWith({ translationTier: 'standard' }, { keywords: ['고양이', '우주'], count: 2 });
    expect(steps[0]).toMatchObject({ agent: 'translator', capability: 'translate-keywords', model: { task: 'text', tier: 'standard' } });
    expect(steps[1]).toEqual({ agent: 'image-generator', capability: 'text-to-image', model: { task: 'image', tier: 'basic', images: 2 } });
  });

  test('maxImages: a count over the cap is refused as a run refuses it; up to it, priced', async () => {
    await expect(estimateWith({ maxImages: 2 }, { keywords: 'cat', count: 3 })).rejects.toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringMatching(/maxImages/) });
    expect((await estimateWith({ maxImages: 2 }, { sketch: fakePng(), count: 2 })).steps).toEqual([
      { agent: 'sketch-enhancer', capability: 'sketch-to-image', model: { task: 'image', tier: 'basic', images: 2 } },
    ]);
  });

  test('matches what a run under the same config asks of the models', async () => {
    const config: CanvasConfig = { translationTier: 'standard', maxImages: 3, defaultStyle: 'meme', defaultSize: '512x512' };
    const input = { keywords: ['등대', 'storm'], count: 3 };
    const plugin = canvasPlugin(config, { text: ['lighthouse, storm'] });
    await plugin.run('canvas', input);
    const { steps } = await estimateWith(config, input);
    expect(plugin.recorded.agents.map((a) => `${a.agent}.${a.capability}`)).toEqual(steps.map((s) => `canvas/${s.agent}.${s.capability}`));
    expect(plugin.recorded.models.text[0]!.tier).toBe(steps[0]!.model!.tier);
    expect(plugin.recorded.models.image[0]!.count).toBe(steps[1]!.model!.images);
  });
});
