/** asset-generator through the test kit: the asset list, and sprites drawn by a stubbed canvas. */
import { modelError, testPlugin } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import definition from '../src/index.ts';
import { assignIds, slug } from '../src/assets.ts';
import { spriteKeywords } from '../src/prompts/assets.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { canvasAnswer, conceptFixture, answerFor } from './fixtures.ts';
import { expectOutputOf, game, HANGUL, manifest } from './kit.ts';

describe('asset-analysis', () => {
  test.each(['ko', 'en'] as const)('%s: high priority first, unique ids, counted by type and priority', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('asset-generator', 'asset-analysis', { concept: conceptFixture(lang) });
    expectOutputOf({ agent: 'asset-generator', capability: 'asset-analysis' }, out);
    expect(out.assets.map((a: any) => [a.type, a.priority])).toEqual([
      ['background', 'high'],
      ['audio', 'high'],
      ['sprite', 'high'],
      ['ui', 'medium'],
      ['sprite', 'low'],
    ]);
    const ids = out.assets.map((a: any) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Korean names have no ASCII to make an id from: type and position instead.
    if (lang === 'en') expect(ids).toEqual(['cat-sprite-2', 'cat-sprite-4', 'cat-sprite-1', 'cat-sprite-3', 'cat-sprite-1-2']);
    else expect(ids).toEqual(['background-1', 'audio-2', 'sprite-3', 'ui-4', 'sprite-5']);
    expect(out.summary).toEqual({ total: 5, byType: { sprite: 2, background: 1, ui: 1, audio: 1 }, byPriority: { high: 3, medium: 1, low: 1 } });
    expect(out.language).toBe(lang);
    expect(plugin.recorded.models.structured[0]!.prompt).toContain('at most 12 assets');
  });

  test('maxAssets bounds what the model may list', async () => {
    const plugin = game('en', { config: { maxAssets: 20 } });
    const out = await plugin.invoke('asset-generator', 'asset-analysis', { concept: conceptFixture('en'), maxAssets: 3 });
    expect((plugin.recorded.models.structured[0]!.schema as any).properties.assets.maxItems).toBe(3);
    expect(out.assets).toHaveLength(3);
  });

  test('refuses maxAssets over 40', async () => {
    await expect(game('en').invoke('asset-generator', 'asset-analysis', { concept: conceptFixture('en'), maxAssets: 41 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

const ASSETS = {
  ko: [
    { name: '주인공 고양이', type: 'sprite', description: '우주복을 입은 주황색 고양이' },
    { name: '배경 음악', type: 'audio', description: '경쾌한 신스 음악' },
    { name: '우주 정거장 배경', type: 'background', description: '별이 보이는 창문이 있는 복도' },
    { name: '생선 아이콘', type: 'ui', description: '반짝이는 생선' },
  ],
  en: [
    { name: 'Hero cat', type: 'sprite', description: 'An orange cat in a space suit' },
    { name: 'Theme music', type: 'audio', description: 'Upbeat synth' },
    { name: 'Station corridor', type: 'background', description: 'A corridor with star windows' },
    { name: 'Fish icon', type: 'ui', description: 'A shiny fish' },
  ],
};

describe('sprite-generation', () => {
  test.each(['ko', 'en'] as const)('%s: images drawn by canvas, one per visual asset up to maxSprites; audio skipped', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('asset-generator', 'sprite-generation', { assets: ASSETS[lang], maxSprites: 2 });
    expectOutputOf({ agent: 'asset-generator', capability: 'sprite-generation' }, out);
    expect(out.sprites.map((s: any) => s.status)).toEqual(['generated', 'skipped', 'generated', 'skipped']);
    expect(out).toMatchObject({ generated: 2, skipped: 2, failed: 0, style: 'cartoon', size: '512x512', cost: 0.08, language: lang });
    expect(out.sprites[0].image).toEqual({
      url: 'http://easel.test/v1/blobs/blob-0?expires=1&sig=x',
      blobId: 'blob-0',
      width: 512,
      height: 512,
      contentType: 'image/png',
      model: 'amazon.nova-canvas-v1:0',
      cost: 0.04,
    });
    expect(HANGUL.test(out.sprites[1].reason)).toBe(lang === 'ko');
    const calls = plugin.recorded.agents.filter((a) => a.agent === 'canvas/image-generator');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      agent: 'canvas/image-generator',
      capability: 'text-to-image',
      input: { keywords: spriteKeywords({ ...ASSETS[lang][0]!, type: 'sprite' }), style: 'cartoon', count: 1, size: '512x512' },
    });
    // Korean keywords go to canvas as they are: canvas translates them.
    expect(HANGUL.test((calls[0]!.input as any).keywords[0])).toBe(lang === 'ko');
  });

  test('style and size from the input win over the config', async () => {
    const plugin = game('en', { config: { spriteStyle: 'realistic', spriteSize: '1024x1024' } });
    const out = await plugin.invoke('asset-generator', 'sprite-generation', { assets: [ASSETS.en[0]], style: 'illustration', size: '768x768' });
    expect(out).toMatchObject({ style: 'illustration', size: '768x768' });
    expect(plugin.recorded.agents[0]!.input).toMatchObject({ style: 'illustration', size: '768x768' });
  });

  test(`at most four canvas calls are in flight at once`, async () => {
    let inFlight = 0;
    let most = 0;
    const plugin = testPlugin(definition, manifest, {
      agents: {
        'canvas/image-generator': {
          'text-to-image': async (input) => {
            most = Math.max(most, ++inFlight);
            await new Promise((resolve) => setImmediate(resolve));
            inFlight--;
            return canvasAnswer(input);
          },
        },
      },
    });
    const assets = Array.from({ length: 9 }, (_, i) => ({ name: `Sprite ${i}` }));
    const out = await plugin.invoke('asset-generator', 'sprite-generation', { assets, maxSprites: 9 });
    expect(out.generated).toBe(9);
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThan(1);
  });

  test('one failed drawing is reported with its code; the others are kept', async () => {
    let n = 0;
    const plugin = game('en', {
      agents: {
        'canvas/image-generator': {
          'text-to-image': (input) => {
            if (n++ === 1) throw modelError('MODEL_CALL_FAILED', 'every image model failed');
            return canvasAnswer(input, n);
          },
        },
      },
    });
    const out = await plugin.invoke('asset-generator', 'sprite-generation', { assets: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] });
    expect(out.sprites.map((s: any) => s.status)).toEqual(['generated', 'failed', 'generated']);
    expect(out.sprites[1]).toMatchObject({ errorCode: 'MODEL_CALL_FAILED', reason: 'every image model failed' });
    expect(out).toMatchObject({ generated: 2, failed: 1 });
  });

  test('every drawing failed: the call fails with the first error\'s code', async () => {
    const plugin = game('en', { agents: { 'canvas/image-generator': { 'text-to-image': () => { throw modelError('MODEL_CALL_FAILED', 'down'); } } } });
    await expect(plugin.invoke('asset-generator', 'sprite-generation', { assets: [{ name: 'A' }, { name: 'B' }] })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED' });
  });

  test.each(['DEPENDENCY_DISABLED', 'BUDGET_EXCEEDED'])('%s ends the call at once, with its code', async (code) => {
    let calls = 0;
    const plugin = game('en', { agents: { 'canvas/image-generator': { 'text-to-image': () => { calls++; throw modelError(code, 'no'); } } } });
    const assets = Array.from({ length: 8 }, (_, i) => ({ name: `S${i}` }));
    await expect(plugin.invoke('asset-generator', 'sprite-generation', { assets, maxSprites: 8 })).rejects.toMatchObject({ code });
    // The first batch was in flight; the second never started.
    expect(calls).toBeLessThanOrEqual(4);
  });

  test('canvas not granted: PERMISSION_DENIED, and canvas is never called', async () => {
    const plugin = game('en', { grant: { models: { tasks: ['structured'], maxTier: 'premium' } } });
    await expect(plugin.invoke('asset-generator', 'sprite-generation', { assets: [{ name: 'A' }] })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(plugin.recorded.agents.filter((a) => a.agent.startsWith('canvas/'))).toHaveLength(0);
  });

  test('canvas not installed: DEPENDENCY_DISABLED, kept as the call\'s code', async () => {
    const plugin = testPlugin(definition, manifest, { models: { structured: (r) => answerFor(r as never, 'en') } });
    await expect(plugin.invoke('asset-generator', 'sprite-generation', { assets: [{ name: 'A' }] })).rejects.toMatchObject({ code: 'DEPENDENCY_DISABLED' });
  });

  test('only audio: REQUEST_REJECTED before any drawing', async () => {
    const plugin = game('en');
    await expect(plugin.invoke('asset-generator', 'sprite-generation', { assets: [ASSETS.en[1]] })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    expect(plugin.recorded.agents).toHaveLength(0);
  });

  test.each([
    ['no assets', { assets: [] }],
    ['41 assets', { assets: Array.from({ length: 41 }, (_, i) => ({ name: `a${i}` })) }],
    ['an unknown style', { assets: [{ name: 'a' }], style: 'anime' }],
    ['a size canvas does not draw', { assets: [{ name: 'a' }], size: '100x100' }],
    ['an id with capitals', { assets: [{ name: 'a', id: 'Hero' }] }],
  ])('refuses %s', async (_name, input) => {
    await expect(game('en').invoke('asset-generator', 'sprite-generation', input)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('against canvas\'s own manifest (the kit does not check stubs against it)', () => {
  const canvas = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../canvas/plugin.json'), 'utf8'));
  const textToImage = canvas.agents.find((a: any) => a.type === 'image-generator').capabilities.find((c: any) => c.name === 'text-to-image');
  const ajv = new Ajv2020({ strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
  const input = ajv.compile(textToImage.input);
  const output = ajv.compile(textToImage.output);

  test.each(['ko', 'en'] as const)('%s: what sprite-generation sends is valid canvas input, even for long and blank descriptions', async (lang) => {
    const plugin = game(lang);
    const assets = [...ASSETS[lang], { name: 'x'.repeat(80), description: `${'y'.repeat(400)}`, suggestedStyle: ' ' }, { name: 'z', type: 'background', description: '\n\t' }];
    await plugin.invoke('asset-generator', 'sprite-generation', { assets, maxSprites: 16 });
    const sent = plugin.recorded.agents.filter((a) => a.agent === 'canvas/image-generator');
    expect(sent).toHaveLength(5);
    for (const call of sent) expect(input(call.input), JSON.stringify(input.errors)).toBe(true);
  });

  test('the stub answers what canvas answers', () => {
    expect(output(canvasAnswer({ keywords: ['cat'] }))).toBe(true);
  });
});

describe('keywords and ids', () => {
  test('keywords are clipped to 100 characters, blank ones dropped, the kind of asset added', () => {
    const words = spriteKeywords({ name: 'Boss', type: 'background', description: `${'x'.repeat(150)}`, suggestedStyle: '  ' });
    expect(words).toHaveLength(3);
    expect(words[1]).toHaveLength(100);
    expect(words[2]).toMatch(/background/);
    for (const w of words) expect(w.length).toBeLessThanOrEqual(100);
  });

  test('slugs are lowercase ASCII; names without an ASCII letter get type and position', () => {
    expect(slug('  Hero Cat (Idle) #2 ')).toBe('hero-cat-idle-2');
    expect(slug('Épée')).toBe('epee');
    expect(slug('주인공')).toBe('');
    expect(assignIds([{ name: '주인공 1', type: 'sprite' }, { name: 'Boss', type: 'sprite' }, { name: 'Boss', type: 'ui' }, { name: 'x', type: 'ui', id: 'given' }]).map((a) => a.id)).toEqual([
      'sprite-1',
      'boss',
      'boss-2',
      'given',
    ]);
  });
});
