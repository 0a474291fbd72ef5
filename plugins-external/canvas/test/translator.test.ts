/**
 * The `translator` agent's `translate-keywords`, run by name through the test kit's
 * `testPlugin`: the manifest's input and output schemas are checked on every call.
 */
import { modelError, testPlugin, type ScriptedModels } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import { TRANSLATION_SYSTEM } from '../src/translate.ts';

const TEXT_MODEL = 'apac.amazon.nova-micro-v1:0';

function translator(models: ScriptedModels = {}) {
  const plugin = testPlugin(definition, manifest, { models });
  return { plugin, translate: (keywords: unknown) => plugin.invoke('translator', 'translate-keywords', { keywords }) };
}

describe('translate-keywords', () => {
  test('Korean: one basic, deterministic text call; one English keyword per Korean one', async () => {
    const { plugin, translate } = translator({ text: ['Cat, outer space.'] });
    const out = await translate(['고양이', '우주']);
    expect(out).toEqual({ keywords: ['Cat', 'outer space'], translated: true, model: TEXT_MODEL, cost: expect.any(Number) });
    expect(out.cost).toBeGreaterThan(0);
    expect(plugin.recorded.models.text).toHaveLength(1);
    expect(plugin.recorded.models.text[0]).toMatchObject({ prompt: 'Keywords: 고양이, 우주', system: TRANSLATION_SYSTEM, tier: 'basic', maxTokens: 100, temperature: 0 });
  });

  test('Korean mixed with English: the whole list is translated together; a single string is one keyword', async () => {
    const { plugin, translate } = translator({ text: ['cute cat, hat', 'a red house'] });
    expect((await translate(['귀여운 고양이', 'hat'])).keywords).toEqual(['cute cat', 'hat']);
    expect((await translate('빨간 집')).keywords).toEqual(['a red house']);
    expect(plugin.recorded.models.text.map((r) => r.prompt)).toEqual(['Keywords: 귀여운 고양이, hat', 'Keywords: 빨간 집']);
  });

  test('English: no model call, the keywords come back cleaned and deduplicated, cost 0', async () => {
    const { plugin, translate } = translator();
    expect(await translate(['  a red\tfox ', 'Moon', 'moon'])).toEqual({ keywords: ['a red fox', 'Moon'], translated: false, cost: 0 });
    expect(await translate('lighthouse')).toEqual({ keywords: ['lighthouse'], translated: false, cost: 0 });
    expect(plugin.recorded.models.text).toHaveLength(0);
  });

  test('a failed call falls back to the original keywords, with a warning and no cost', async () => {
    const { plugin, translate } = translator({ text: [modelError('BUDGET_EXCEEDED', 'no budget left')] });
    expect(await translate(['고양이', 'hat'])).toEqual({ keywords: ['고양이', 'hat'], translated: false, cost: 0 });
    const warn = plugin.logs.find((l) => l.level === 'warn');
    expect(warn).toMatchObject({ message: expect.stringMatching(/translation failed/), fields: { code: 'BUDGET_EXCEEDED' } });
  });

  test('a blank answer falls back too, reporting the model that answered', async () => {
    const { translate } = translator({ text: ['"" \n'] });
    expect(await translate('고양이')).toEqual({ keywords: ['고양이'], translated: false, model: TEXT_MODEL, cost: expect.any(Number) });
  });

  test('items of the answer that are still Korean are dropped; an answer with nothing else falls back', async () => {
    const { plugin, translate } = translator({ text: ['cat, 모자, hat', '고양이, 모자'] });
    expect(await translate(['고양이', '모자', '큰 모자'])).toMatchObject({ keywords: ['cat', 'hat'], translated: true });
    expect(plugin.logs.some((l) => l.level === 'warn' && /untranslated/.test(l.message))).toBe(true);
    expect(await translate(['고양이', '모자'])).toMatchObject({ keywords: ['고양이', '모자'], translated: false, model: TEXT_MODEL });
  });

  test('the cost is in whole nano-dollars', async () => {
    const { translate } = translator({ text: [{ text: 'cat', cost: 0.000015154999999999998 }] });
    expect((await translate('고양이')).cost).toBe(0.000015155);
  });

  test('a long translation is kept within the drawing inputs\' limits', async () => {
    const { translate } = translator({ text: [Array.from({ length: 12 }, (_, i) => `thing${i}`).join(', ')] });
    const out = await translate(['가', '나']);
    expect(out.keywords).toHaveLength(8);
    for (const k of out.keywords) expect(k.length).toBeLessThanOrEqual(100);
  });

  test('keywords with nothing visible are refused on purpose (REQUEST_REJECTED), before any model call', async () => {
    const { plugin, translate } = translator();
    await expect(translate(['\u200B', '\u0001'])).rejects.toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringMatching(/visible character/) });
    expect(plugin.recorded.models.text).toHaveLength(0);
  });

  test('input outside the schema never reaches the handler', async () => {
    const { plugin, translate } = translator();
    await expect(translate(Array(9).fill('고양이'))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(plugin.invoke('translator', 'translate-keywords', { keywords: '고양이', style: 'meme' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(plugin.recorded.models.text).toHaveLength(0);
  });
});
