/**
 * story-writer.write through the test kit's testPlugin: the manifest's input and output
 * schemas are checked on every call, models are scripted per prompt.
 */
import { modelError, testPlugin, type TestOptions } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import type { StoryOutput } from '../src/story-writer.ts';
import { fallbackTitle, tidyStory } from '../src/story-writer.ts';
import { EN_STORY, EN_STORY_CHUNKS, KO_STORY, KO_STORY_CHUNKS, kindOf, models, type Scripts } from './helpers.ts';

function plugin(scripts: Scripts = {}, options: TestOptions = {}) {
  return testPlugin(definition, manifest, { models: models(scripts), ...options });
}

const streamNexts = (p: ReturnType<typeof plugin>) => p.recorded.calls.filter((c) => c.capability === 'models' && c.op === 'streamNext').length;

describe('story-writer.write', () => {
  test('English: streamed chunk by chunk, titled by a basic structured call, counted', async () => {
    const p = plugin({ story: EN_STORY_CHUNKS, title: '"The Paper Boat."' });
    const out = await p.invoke<StoryOutput>('story-writer', 'write', { topic: 'a lighthouse keeper and a paper boat', genre: 'fantasy', tone: 'wistful' });
    expect(out).toMatchObject({
      title: 'The Paper Boat',
      story: EN_STORY.trim(),
      language: 'en',
      genre: 'fantasy',
      tone: 'wistful',
      audience: 'general',
      length: 'short',
      streamed: true,
      model: null,
      titleModel: 'apac.amazon.nova-lite-v1:0',
      costComplete: false,
    });
    expect(out.wordCount).toBe(EN_STORY.trim().split(/\s+/).length);
    expect(out.charCount).toBe(EN_STORY.trim().replace(/\n/g, '').length);
    expect(out.cost).toBeGreaterThan(0); // the title call's

    // The story was streamed: one stream opened, read chunk by chunk (one more read says it ended).
    expect(p.recorded.models.streamText).toHaveLength(1);
    expect(p.recorded.models.text).toHaveLength(0);
    expect(streamNexts(p)).toBe(EN_STORY_CHUNKS.length + 1);
    const stream = p.recorded.models.streamText[0]!;
    expect(kindOf(stream)).toBe('story');
    expect(stream).toMatchObject({ tier: 'standard', temperature: 0.9 });
    expect(stream.prompt).toContain('Topic: a lighthouse keeper and a paper boat');

    const title = p.recorded.models.structured[0]!;
    expect(title).toMatchObject({ tier: 'basic', latency: 'fast' });
    expect(title.prompt).toContain('The lighthouse keeper counted the ships');
    expect(p.recorded.progress.map((l) => l.message)).toEqual(['writing the story', 'story written']);
  });

  test('Korean: detected from the topic, Korean rules in the prompt, Korean counts', async () => {
    const p = plugin({ story: KO_STORY_CHUNKS, title: '종이배' });
    const out = await p.invoke<StoryOutput>('story-writer', 'write', { topic: '등대지기와 종이배', length: 'flash', audience: 'children' });
    expect(out).toMatchObject({ title: '종이배', story: KO_STORY, language: 'ko', length: 'flash', audience: 'children' });
    expect(out.charCount).toBe(Array.from(KO_STORY.replace(/\n/g, '')).length);
    expect(out.wordCount).toBe(KO_STORY.split(/\s+/).length);
    const stream = p.recorded.models.streamText[0]!;
    expect(stream.system).toMatch(/Korean \(한국어\)/);
    expect(stream.prompt).toContain('공백 포함 약 700~1,000자');
    expect(p.recorded.models.structured[0]!.system).toMatch(/must be in Korean/);
  });

  test('the input language wins over the text, and the config language over detection', async () => {
    const p = plugin();
    expect((await p.invoke<StoryOutput>('story-writer', 'write', { topic: '종이배', language: 'en' })).language).toBe('en');
    const ko = plugin({}, { config: { language: 'ko' } });
    expect((await ko.invoke<StoryOutput>('story-writer', 'write', { premise: 'A paper boat brings a letter.' })).language).toBe('ko');
  });

  test('config defaults fill what the input leaves out', async () => {
    const p = plugin({}, { config: { genre: 'mystery', tone: 'eerie', storyLength: 'medium', tiers: { story: 'basic' } } });
    const out = await p.invoke<StoryOutput>('story-writer', 'write', { topic: 'a paper boat' });
    expect(out).toMatchObject({ genre: 'mystery', tone: 'eerie', length: 'medium' });
    expect(p.recorded.models.streamText[0]).toMatchObject({ tier: 'basic', maxTokens: 3072 });
  });

  test('streamStory false: one text call, whose model and cost the output reports', async () => {
    const p = plugin({ text: EN_STORY }, { config: { streamStory: false } });
    const out = await p.invoke<StoryOutput>('story-writer', 'write', { topic: 'a paper boat' });
    expect(out).toMatchObject({ streamed: false, model: 'apac.amazon.nova-micro-v1:0', costComplete: true });
    expect(p.recorded.models.streamText).toHaveLength(0);
    expect(p.recorded.models.text).toHaveLength(1);
    expect(out.cost).toBeGreaterThan(0);
  });

  test('a failed title call still returns the story, titled from the topic, with a warning', async () => {
    const p = plugin({ title: modelError('MODEL_OUTPUT_INVALID', 'no model matched the schema') });
    const out = await p.invoke<StoryOutput>('story-writer', 'write', { topic: 'a lighthouse keeper and a paper boat' });
    expect(out).toMatchObject({ title: 'a lighthouse keeper and a paper boat', titleModel: null, story: EN_STORY.trim() });
    expect(p.recorded.logs.find((l) => l.level === 'warn')?.fields).toMatchObject({ code: 'MODEL_OUTPUT_INVALID' });
  });

  test('a title line the model added despite the prompt is removed', async () => {
    const p = plugin({ story: ['# The Boat\n\n', 'Once there was a boat.'] });
    expect((await p.invoke<StoryOutput>('story-writer', 'write', { topic: 'boat' })).story).toBe('Once there was a boat.');
    expect(tidyStory('제목: 종이배\n\n옛날에 종이배가 있었다.')).toBe('옛날에 종이배가 있었다.');
    expect(tidyStory('**Title**\nText')).toBe('Text');
    expect(tidyStory('A single line with # inside')).toBe('A single line with # inside');
    expect(fallbackTitle('"A boat."\nmore')).toBe('A boat');
  });

  test('a blank story from the model fails the call as a plugin error', async () => {
    const p = plugin({ story: ['  ', '\n\n'] });
    await expect(p.invoke('story-writer', 'write', { topic: 'boat' })).rejects.toMatchObject({ code: 'PLUGIN_ERROR' });
  });

  test('input limits: a topic or premise is required, unknown fields and bad enums refused before any model call', async () => {
    const p = plugin();
    await expect(p.invoke('story-writer', 'write', { genre: 'fantasy' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('story-writer', 'write', { topic: 'boat', length: 'epic' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('story-writer', 'write', { topic: 'boat', colour: 'red' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('story-writer', 'write', { topic: 'x'.repeat(301) })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    // Only invisible characters pass the schema's \S, and are refused by the agent.
    await expect(p.invoke('story-writer', 'write', { topic: '\u200B' })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    expect(p.recorded.models.streamText).toHaveLength(0);
  });

  test('a model failure keeps its code', async () => {
    const p = testPlugin(definition, manifest, { models: { streamText: [modelError('BUDGET_EXCEEDED', 'monthly budget reached')] } });
    await expect(p.invoke('story-writer', 'write', { topic: 'boat' })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });

  test('without the structured task granted, the title falls back; without text, the story is denied', async () => {
    const noStructured = plugin({}, { grant: { models: { tasks: ['text'], maxTier: 'standard' } } });
    expect((await noStructured.invoke<StoryOutput>('story-writer', 'write', { topic: 'boat' })).titleModel).toBeNull();
    const noText = plugin({}, { grant: { models: { tasks: ['structured'], maxTier: 'standard' } } });
    await expect(noText.invoke('story-writer', 'write', { topic: 'boat' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
