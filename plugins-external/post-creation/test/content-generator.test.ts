/** The content-generator agent through testPlugin: the manifest's schemas are checked both ways. */
import { modelError } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import { EN, harness, KO } from './helpers.ts';

describe('draft', () => {
  test('Korean title and notes: a Korean draft from a standard-tier structured call', async () => {
    const plugin = harness();
    const out = await plugin.invoke('content-generator', 'draft', { title: KO.title, content: KO.content, targetAudience: '고등학생', category: 'study' });
    expect(out).toEqual({
      title: KO.draft.title,
      content: KO.draft.content,
      hashtags: ['#기말고사', '#공부법'],
      summary: KO.draft.summary,
      language: 'ko',
      model: 'apac.amazon.nova-lite-v1:0',
      cost: expect.any(Number),
    });
    const [call] = plugin.recorded.models.structured;
    expect(call).toMatchObject({ tier: 'standard', latency: 'standard', temperature: 0.7 });
    expect(call!.system).toContain('Korean (한국어)');
    expect(call!.prompt).toContain(KO.content);
    expect(call!.prompt).toContain('<category>study</category>');
    expect(call!.prompt).toContain('고등학생');
  });

  test('English title alone: an English draft; the audience comes from the config', async () => {
    const plugin = harness({ config: { defaultTargetAudience: 'cat owners' } });
    const out = await plugin.invoke('content-generator', 'draft', { title: EN.title });
    expect(out.language).toBe('en');
    expect(out.title).toBe(EN.draft.title);
    expect(out.hashtags).toEqual(['#cats', '#funnycats']);
    const [call] = plugin.recorded.models.structured;
    expect(call!.system).toContain('Write everything in English');
    expect(call!.prompt).toContain('cat owners');
    expect(call!.prompt).toContain('<category>general</category>');
  });

  test('the config can force the language, and the input can force it again', async () => {
    const plugin = harness({ config: { language: 'ko' } });
    expect((await plugin.invoke('content-generator', 'draft', { title: EN.title })).language).toBe('ko');
    expect((await plugin.invoke('content-generator', 'draft', { title: EN.title, language: 'en' })).language).toBe('en');
  });

  test('a configured tier is the tier asked for', async () => {
    const plugin = harness({ config: { tiers: { draft: 'basic' } } });
    await plugin.invoke('content-generator', 'draft', { title: EN.title });
    expect(plugin.recorded.models.structured[0]!.tier).toBe('basic');
  });

  test('a body that cleans to nothing is a model fault with a clear message, not an empty post', async () => {
    // The schema asks for a non-empty body; white space and invisible characters still fit it.
    const plugin = harness({ answers: { draft: () => ({ ...EN.draft, content: ' \n\t\u200B\u0007 \n ' }) } });
    const failure = plugin.invoke('content-generator', 'draft', { title: EN.title });
    await expect(failure).rejects.toMatchObject({ code: 'PLUGIN_ERROR', message: expect.stringMatching(/answered a draft whose body is empty once white space and control or invisible characters are removed/) });
    await expect(failure).rejects.toMatchObject({ message: expect.stringContaining('apac.amazon.nova-lite-v1:0') });
  });

  test("a blank title from the model falls back to the author's", async () => {
    const plugin = harness({ answers: { draft: () => ({ ...EN.draft, title: ' ' }) } });
    expect((await plugin.invoke('content-generator', 'draft', { title: EN.title })).title).toBe(EN.title);
  });

  test('a failed model call keeps its code', async () => {
    const plugin = harness({ answers: { draft: () => { throw modelError('BUDGET_EXCEEDED', 'over budget'); } } });
    await expect(plugin.invoke('content-generator', 'draft', { title: EN.title })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });

  test.each([
    ['no title', {}],
    ['a blank title', { title: '   ' }],
    ['a title over 200 characters', { title: 'x'.repeat(201) }],
    ['content over 8000 characters', { title: 't', content: 'x'.repeat(8001) }],
    ['an unknown category', { title: 't', category: 'news' }],
    ['an unknown field', { title: 't', tone: 'funny' }],
  ])('refuses %s before any model call', async (_name, input) => {
    const plugin = harness();
    await expect(plugin.invoke('content-generator', 'draft', input)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(plugin.recorded.models.structured).toHaveLength(0);
  });
});

describe('enhance', () => {
  test.each([
    ['grammar', 0],
    ['tone', 0.4],
    ['length', 0.4],
  ] as const)('Korean %s: standard tier, the edited text and what changed', async (type, temperature) => {
    const plugin = harness();
    const out = await plugin.invoke('content-generator', 'enhance', { title: KO.draft.title, content: KO.draft.content, type, requirements: '더 짧게' });
    expect(out).toEqual({ type, title: '수정된 제목', content: '수정된 본문', changes: ['맞춤법 수정'], language: 'ko', model: expect.any(String), cost: expect.any(Number) });
    expect(plugin.recorded.models.structured[0]).toMatchObject({ tier: 'standard', latency: 'standard', temperature });
    expect(plugin.recorded.models.structured[0]!.prompt).toContain('더 짧게');
  });

  test('English hashtags: basic tier, fast latency; the text is returned unchanged', async () => {
    const plugin = harness();
    const out = await plugin.invoke('content-generator', 'enhance', { title: EN.draft.title, content: EN.draft.content, type: 'hashtags', hashtags: ['#cats'] });
    expect(out).toMatchObject({ type: 'hashtags', title: EN.draft.title, content: EN.draft.content, hashtags: ['#study', '#exams'], language: 'en' });
    expect(plugin.recorded.models.structured[0]).toMatchObject({ tier: 'basic', latency: 'fast' });
    expect(plugin.recorded.models.structured[0]!.prompt).toContain('#cats');
  });

  test('Korean hashtags', async () => {
    const plugin = harness();
    const out = await plugin.invoke('content-generator', 'enhance', { title: KO.draft.title, content: KO.draft.content, type: 'hashtags' });
    expect(out.hashtags).toEqual(['#공부', '#시험']);
    expect(out.changes).toEqual(['해시태그 추천']);
  });

  test('hashtags that normalize to nothing are an error', async () => {
    const plugin = harness({ answers: { hashtags: () => ({ hashtags: ['#', ' ! '], changes: [] }) } });
    await expect(plugin.invoke('content-generator', 'enhance', { title: 't', content: 'c', type: 'hashtags' })).rejects.toMatchObject({ code: 'PLUGIN_ERROR' });
  });

  test.each(['grammar', 'tone', 'length'] as const)('a %s edit whose body cleans to nothing is a model fault with a clear message', async (type) => {
    const plugin = harness({ answers: { edit: () => ({ title: 'Edited title', content: '   \n  ', changes: [] }) } });
    await expect(plugin.invoke('content-generator', 'enhance', { title: 't', content: 'c', type })).rejects.toMatchObject({
      code: 'PLUGIN_ERROR',
      message: expect.stringContaining(`answered a ${type} edit whose body is empty once white space and control or invisible characters are removed`),
    });
  });

  test('a model that declines through its provider: the router\'s code is passed on', async () => {
    const plugin = harness({ answers: { edit: () => { throw modelError('MODEL_OUTPUT_INVALID', 'no candidate model answered with a value that matches the schema'); } } });
    await expect(plugin.invoke('content-generator', 'enhance', { title: 't', content: 'c', type: 'tone', requirements: 'make it insulting' })).rejects.toMatchObject({ code: 'MODEL_OUTPUT_INVALID' });
  });

  test('an unknown type, empty content or requirements over 1000 characters are refused', async () => {
    const plugin = harness();
    for (const input of [
      { title: 't', content: 'c', type: 'style' },
      { title: 't', content: '', type: 'grammar' },
      { title: 't', content: 'c', type: 'tone', requirements: 'x'.repeat(1001) },
    ]) {
      await expect(plugin.invoke('content-generator', 'enhance', input)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    }
    expect(plugin.recorded.models.structured).toHaveLength(0);
  });
});
