/** What each model is asked, in each language. */
import { describe, expect, test } from 'vitest';
import { PLATFORMS } from '../src/platforms.ts';
import { buildHashtagPrompt, buildPostPrompt, charBudget, HASHTAG_SYSTEM, POST_SYSTEM } from '../src/prompts/social.ts';
import { buildStoryPrompt, buildTitlePrompt, LENGTH_PLANS, lengthText, STORY_SYSTEM, TITLE_EXCERPT_CHARS } from '../src/prompts/story.ts';
import { buildScriptPrompt, VIDEO_SYSTEM } from '../src/prompts/video.ts';
import { reservedFor } from '../src/social-media.ts';
import { sceneCountFor, VIDEO_FORMATS } from '../src/video-formats.ts';

describe('story prompts', () => {
  const brief = { topic: 'a paper boat', genre: 'fantasy', tone: 'wistful', audience: 'general', length: 'short', language: 'en' } as const;

  test('English: genre, tone, topic, length in words, audience, language', () => {
    const { system, prompt, maxTokens } = buildStoryPrompt(brief);
    expect(system.startsWith(STORY_SYSTEM)).toBe(true);
    expect(system).toMatch(/Write in English\.$/);
    expect(prompt).toContain('Write a fantasy story with a wistful tone.');
    expect(prompt).toContain('Topic: a paper boat');
    expect(prompt).not.toContain('Premise:');
    expect(prompt).toContain('Length: about 600 to 900 words.');
    expect(prompt).toContain('Any reader over 12');
    expect(maxTokens).toBe(LENGTH_PLANS.short.maxTokens.en);
  });

  test('Korean: the length in characters, the Korean style rule, a larger token cap', () => {
    const { system, prompt, maxTokens } = buildStoryPrompt({ ...brief, premise: '종이배가 편지를 싣고 온다', language: 'ko', audience: 'children', length: 'flash' });
    expect(system).toMatch(/Korean \(한국어\).*-다 체/);
    expect(prompt).toContain('Premise: 종이배가 편지를 싣고 온다');
    expect(prompt).toContain('공백 포함 약 700~1,000자');
    expect(prompt).toMatch(/children of about 6 to 10/);
    expect(maxTokens).toBe(LENGTH_PLANS.flash.maxTokens.ko);
    expect(lengthText('medium', 'ko')).toContain('3,000');
  });

  test('the title prompt reads the opening and the ending of a long story', () => {
    const story = `${'가'.repeat(5000)}${'나'.repeat(5000)}`;
    const { system, prompt } = buildTitlePrompt(story, 'ko');
    expect(system).toMatch(/must be in Korean/);
    expect(prompt).toContain('[…]');
    expect(Array.from(prompt).length).toBeLessThan(TITLE_EXCERPT_CHARS + 100);
    expect(prompt).toContain('가가가');
    expect(prompt).toContain('나나나');
    expect(buildTitlePrompt('Short story.', 'en').prompt).toBe('The title must be in English.\n\nStory:\nShort story.');
  });
});

describe('video script prompts', () => {
  test('target, format, scene count, narration pace in the language', () => {
    const format = VIDEO_FORMATS.shorts;
    const { system, prompt } = buildScriptPrompt({ source: 'A story.', sourceKind: 'story', format, durationSeconds: 45, scenes: sceneCountFor(format, 45), language: 'en', tone: 'eerie' });
    expect(system.startsWith(VIDEO_SYSTEM)).toBe(true);
    expect(prompt).toContain('Target duration: 45 seconds in total.');
    expect(prompt).toContain('Vertical 9:16');
    expect(prompt).toContain('Use about 9 scenes.');
    expect(prompt).toContain('Tone: eerie.');
    expect(prompt).toMatch(/Adapt this story:\nA story\.$/);
    const ko = buildScriptPrompt({ source: '브리프', sourceKind: 'brief', format: VIDEO_FORMATS.standard, durationSeconds: 180, scenes: 15, language: 'ko' });
    expect(ko.prompt).toMatch(/Korean \(한국어\).*5 syllables per second/);
    expect(ko.prompt).toContain('Write the video from this brief:');
  });

  test('scene counts: about one per few seconds, 3 to 40', () => {
    expect(sceneCountFor(VIDEO_FORMATS.shorts, 60)).toBe(12);
    expect(sceneCountFor(VIDEO_FORMATS.shorts, 10)).toBe(3);
    expect(sceneCountFor(VIDEO_FORMATS.standard, 600)).toBe(40);
  });
});

describe('social prompts', () => {
  test('the character budget leaves room for tags and converts units to characters of the language', () => {
    const reservedEn = reservedFor(PLATFORMS.x, 'en', undefined);
    expect(reservedEn).toBe(' #SampleHashtag #SampleHashtag'.length);
    expect(charBudget(PLATFORMS.x, 'en', reservedEn)).toBe(200); // the target, under 280 - 29
    const reservedKo = reservedFor(PLATFORMS.x, 'ko', 'https://example.com/a-long-link');
    expect(reservedKo).toBe(1 + 23 + 1 + 13 + 1 + 13); // link 23; '#' + 6 syllables of 2 = 13
    expect(charBudget(PLATFORMS.x, 'ko', reservedKo)).toBe(100); // 200 units / 2 per syllable
    expect(charBudget(PLATFORMS['youtube-shorts'], 'ko', 0)).toBe(333); // 1000 bytes / 3
  });

  test('a post prompt: platform, style, length, no hashtags or links from the writer, the language', () => {
    const { system, prompt, maxTokens } = buildPostPrompt({ rule: PLATFORMS.threads, source: '이야기', sourceKind: 'story', title: '종이배', language: 'ko', reserved: 10 });
    expect(system.startsWith(POST_SYSTEM)).toBe(true);
    expect(system).toMatch(/Do not write hashtags or links/);
    expect(prompt).toContain('Platform: Threads.');
    expect(prompt).toContain('Length: at most 380 characters');
    expect(prompt).toMatch(/Korean \(한국어\)/);
    expect(prompt).toContain('Title: 종이배');
    expect(maxTokens).toBe(64 + Math.ceil(380 * 1.5));
  });

  test('the hashtag prompt asks for the count, in the language, from a summary of at most 1,500 characters', () => {
    const { system, prompt } = buildHashtagPrompt('x'.repeat(5000), 'Title', 'ko', 8);
    expect(system.startsWith(HASHTAG_SYSTEM)).toBe(true);
    expect(prompt).toMatch(/^Suggest 8 hashtags\.\nWrite the hashtags mostly in Korean/);
    expect(prompt.length).toBeLessThan(1700);
  });
});
