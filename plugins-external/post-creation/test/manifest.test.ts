/** plugin.json: generated from scripts/manifest.ts, valid, asking for what the code uses and no more. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { createTestContext, loadManifest } from '@easel/sdk/testing';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { manifestText } from '../scripts/manifest.ts';
import { DEFAULTS, type Config } from '../src/config.ts';
import { estimateCreation } from '../src/post-creation.ts';
import { estimateEnhancement } from '../src/post-enhancement.ts';
import { estimateIllustration } from '../src/post-illustration.ts';
import { fakePng, manifest } from './helpers.ts';

const DIR = resolve(import.meta.dirname, '..');
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
const workflow = (type: string) => manifest.workflows.find((w) => w.type === type)!;
const capability = (agent: string, name: string) => manifest.agents.find((a) => a.type === agent)!.capabilities.find((c) => c.name === name)!;

test('plugin.json is what scripts/manifest.ts writes (run `node scripts/manifest.ts` after changing it)', () => {
  expect(readFileSync(resolve(DIR, 'plugin.json'), 'utf8')).toBe(manifestText());
});

test('the SDK validator accepts it', async () => {
  await expect(loadManifest(DIR)).resolves.toMatchObject({ name: 'post-creation' });
});

describe('permissions', () => {
  test('kv, storage read and write, structured models up to standard, and the two canvas agents of canvas ^1.1.0', () => {
    expect(manifest.dependencies).toEqual({ canvas: '^1.1.0' });
    expect(manifest.permissions).toEqual({
      kv: true,
      storage: { read: true, write: true },
      models: { tasks: ['structured'], maxTier: 'standard' },
      agents: ['canvas/image-generator', 'canvas/sketch-enhancer'],
    });
  });
  test('no config value can ask for a tier above the grant', () => {
    for (const tier of Object.values(manifest.config.properties.tiers.properties)) expect(tier.enum).toEqual(['basic', 'standard']);
  });
  test('what is not asked for is denied', async () => {
    const { ctx } = createTestContext({ manifest });
    await expect(ctx.models.text({ prompt: 'x' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(ctx.models.structured({ prompt: 'x', schema: { type: 'object' }, tier: 'premium' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(ctx.models.image({ prompt: 'x' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});

test('config defaults are the ones the code falls back to', () => {
  const props = manifest.config.properties;
  expect({
    defaultStyle: props.defaultStyle.default,
    defaultImageCount: props.defaultImageCount.default,
    defaultTargetAudience: props.defaultTargetAudience.default,
    language: props.language.default,
    imageSize: props.imageSize.default,
    tiers: props.tiers.default,
  }).toEqual(DEFAULTS);
  expect(ajv.compile(manifest.config)({ tiers: { draft: 'premium' } })).toBe(false);
});

test('routes: the posts API, each :param a required input of its target', () => {
  expect(manifest.routes.map((r) => `${r.method} ${r.path} -> ${'workflow' in r ? r.workflow : `${r.agent}.${r.capability}`}`)).toEqual([
    'POST /posts -> post-creation',
    'GET /posts/:postId -> post-store.get',
    'POST /posts/:postId/enhance -> post-enhancement',
    'POST /posts/:postId/images -> post-illustration',
    'GET /posts/:postId/canvas-history -> post-store.canvas-history',
    'DELETE /posts/:postId -> post-store.delete',
  ]);
  for (const route of manifest.routes) {
    const input = 'workflow' in route ? workflow(route.workflow!).input : capability(route.agent!, route.capability!).input;
    for (const param of route.path.split('/').filter((s) => s.startsWith(':'))) expect(input.required).toContain(param.slice(1));
  }
});

test('every input object, at any depth, refuses unknown fields', () => {
  const objects = (schema: any, path: string): string[] => {
    if (schema === null || typeof schema !== 'object') return [];
    const own = schema.type === 'object' && schema.additionalProperties !== false ? [path] : [];
    return [...own, ...Object.entries(schema).flatMap(([k, v]) => objects(v, `${path}/${k}`))];
  };
  const inputs = [...manifest.agents.flatMap((a) => a.capabilities.map((c) => [`${a.type}.${c.name}`, c.input] as const)), ...manifest.workflows.map((w) => [w.type, w.input] as const)];
  for (const [name, input] of inputs) expect(objects(input, name)).toEqual([]);
});

describe('post-creation input', () => {
  const check = ajv.compile(workflow('post-creation').input);
  test('the sketch is a byte field inside canvasConfig (one level down, where the host decodes it), not a top-level one', () => {
    const properties = workflow('post-creation').input.properties;
    expect(properties.sketch).toBeUndefined();
    expect(Object.keys(properties.canvasConfig!.properties)).toEqual(['keyword', 'sketch', 'style', 'imageCount']);
    expect(properties.canvasConfig!.properties.sketch).toMatchObject({ type: 'string', contentEncoding: 'base64', contentMediaType: 'image/*', maxLength: 1400000 });
  });
  test('post-illustration keeps flat fields, so its sketch stays top-level, with the same limits', () => {
    const properties = workflow('post-illustration').input.properties;
    expect(properties.sketch).toEqual(workflow('post-creation').input.properties.canvasConfig!.properties.sketch);
  });
  test.each([
    { title: '고양이' },
    { title: 'Cats', content: 'notes', useCanvas: true, canvasConfig: { keyword: 'cat', sketch: 'iVBORw0KGgo=', style: 'meme', imageCount: 4 }, targetAudience: 'kids', category: 'humor' },
  ])('accepts %j', (input) => expect(check(input)).toBe(true));
  test.each([
    ['no title', {}],
    ['a blank title', { title: ' \t' }],
    ['a category not offered', { title: 't', category: 'news' }],
    ['imageCount 0', { title: 't', canvasConfig: { imageCount: 0 } }],
    ['an unknown canvasConfig field', { title: 't', canvasConfig: { size: '512x512' } }],
    ['useCanvas as text', { title: 't', useCanvas: 'yes' }],
    ['a top-level sketch', { title: 't', useCanvas: true, sketch: 'iVBORw0KGgo=' }],
    ['a canvasConfig.sketch over 1,400,000 base64 characters', { title: 't', useCanvas: true, canvasConfig: { sketch: 'A'.repeat(1400004) } }],
  ])('refuses %s', (_name, input) => expect(check(input)).toBe(false));
});

describe('estimates for the preview', () => {
  const { ctx } = createTestContext<Config>({ manifest, config: { tiers: { select: 'standard' } } });
  test('text only: one draft', () => {
    expect(estimateCreation({ title: 't' }, ctx).steps.map((s) => `${s.agent}.${s.capability}`)).toEqual(['content-generator.draft']);
  });
  test('with canvas: the drawing for the images asked, then a selection at the configured tier', () => {
    const { steps } = estimateCreation({ title: 't', useCanvas: true, canvasConfig: { sketch: fakePng(), imageCount: 3 } }, ctx);
    expect(steps.map((s) => `${s.agent}.${s.capability}`)).toEqual(['content-generator.draft', 'canvas/sketch-enhancer.sketch-to-image', 'image-selector.select']);
    expect(steps[1]!.model).toEqual({ task: 'image', images: 3 });
    expect(steps[2]!.model!.tier).toBe('standard');
  });
  test('enhancement: basic for hashtags, standard otherwise; illustration: default count', () => {
    expect(estimateEnhancement({ postId: 'p', type: 'hashtags' }, ctx).steps[0]!.model!.tier).toBe('basic');
    expect(estimateEnhancement({ postId: 'p', type: 'tone' }, ctx).steps[0]!.model!.tier).toBe('standard');
    expect(estimateIllustration({ postId: 'p' }, ctx).steps[0]).toMatchObject({ agent: 'canvas/image-generator', model: { images: 2 } });
  });
});
