/** social-media.posts through testPlugin: one post per platform within its rules, hashtags from a basic fast call. */
import { modelError, testPlugin, type TestOptions } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import { lengthOf } from '../src/post-length.ts';
import { HASHTAG_SCHEMA } from '../src/prompts/social.ts';
import { cleanDraft, type SocialOutput } from '../src/social-media.ts';
import { EN_STORY, KO_STORY, kindOf, models, platformOf, type Scripts } from './helpers.ts';

function plugin(scripts: Scripts = {}, options: TestOptions = {}) {
  return testPlugin(definition, manifest, { models: models(scripts), ...options });
}

const LONG_EN = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} of a post that runs long.`).join(' ');
const LONG_KO = Array.from({ length: 12 }, (_, i) => `${i + 1}번째 문장은 이야기를 조금 더 들려준다.`).join(' ');

describe('social-media.posts', () => {
  test('English: one post per platform in the order asked, each within its limit, with its hashtags', async () => {
    const p = plugin({ posts: (platform) => (platform === 'X' ? LONG_EN : `Here is the post:\n"A ${platform} post about a paper boat."`) });
    const out = await p.invoke<SocialOutput>('social-media', 'posts', {
      story: EN_STORY,
      title: 'The Paper Boat',
      platforms: ['twitter', 'instagram', 'threads', 'youtube-shorts'],
      link: 'https://example.com/paper-boat',
    });
    expect(out.posts.map((post) => post.platform)).toEqual(['x', 'instagram', 'threads', 'youtube-shorts']);
    expect(out).toMatchObject({ language: 'en', overLimit: 'shorten', hashtagModel: 'apac.amazon.nova-lite-v1:0' });
    expect(out.suggestedHashtags).toEqual(['PaperBoat', 'ShortStory', 'Lighthouse', 'Fiction', 'Reading', 'StoryTime']);
    for (const post of out.posts) {
      expect(post.length).toBeLessThanOrEqual(post.limit);
      expect(post.length).toBe(lengthOf(post.text, post.counting));
    }
    const [x, instagram, threads, youtube] = out.posts;
    expect(x).toMatchObject({ shortened: true, limit: 280, unit: 'weighted characters', hashtags: ['PaperBoat', 'ShortStory'], linkIncluded: true });
    expect(x!.text).toMatch(/… https:\/\/example\.com\/paper-boat #PaperBoat #ShortStory$/);
    expect(instagram).toMatchObject({ text: 'A Instagram post about a paper boat.\n\n#PaperBoat #ShortStory #Lighthouse #Fiction #Reading', linkIncluded: false, shortened: false });
    expect(threads).toMatchObject({ text: 'A Threads post about a paper boat. https://example.com/paper-boat #PaperBoat', hashtags: ['PaperBoat'] });
    expect(youtube).toMatchObject({ unit: 'bytes (UTF-8)', hashtags: ['PaperBoat', 'ShortStory', 'Lighthouse'] });
    // The posts' calls and the hashtag call.
    expect(out.cost).toBeGreaterThan(out.posts.reduce((a, post) => a + post.cost, 0));

    // Hashtags: one structured call, basic tier, fast; the posts: one standard text call per platform.
    const tagCalls = p.recorded.models.structured.filter((r) => kindOf(r) === 'hashtags');
    expect(tagCalls).toHaveLength(1);
    expect(tagCalls[0]).toMatchObject({ tier: 'basic', latency: 'fast', schema: HASHTAG_SCHEMA });
    expect(p.recorded.models.text.map((r) => platformOf(r))).toEqual(['X', 'Instagram', 'Threads', 'YouTube Shorts']);
    expect(p.recorded.models.text.every((r) => r.tier === 'standard')).toBe(true);
    // A progress line per post as it is ready.
    const ready = p.recorded.progress.filter((l) => l.message.startsWith('post ready'));
    expect(ready.map((l) => l.message).sort()).toEqual(['post ready: Instagram', 'post ready: Threads', 'post ready: X', 'post ready: YouTube Shorts']);
  });

  test('Korean: X counts each syllable twice, so a Korean post is shortened to 280 weighted; Korean hashtags', async () => {
    const p = plugin({ story: [], posts: () => LONG_KO.slice(0, 200), hashtags: ['단편 소설', '#등대', '2024', 'PaperBoat'] });
    const out = await p.invoke<SocialOutput>('social-media', 'posts', { story: KO_STORY, platforms: ['x', 'threads'] });
    expect(out.language).toBe('ko');
    expect(out.suggestedHashtags).toEqual(['단편소설', '등대', 'PaperBoat']);
    const [x, threads] = out.posts;
    expect(x!.shortened).toBe(true);
    expect(lengthOf(x!.text, 'x-weighted')).toBeLessThanOrEqual(280);
    expect(x!.text).toMatch(/… #단편소설 #등대$/);
    expect(threads).toMatchObject({ shortened: false, hashtags: ['단편소설'] });
    expect(p.recorded.models.text[0]!.prompt).toMatch(/Korean \(한국어\)/);
    expect(p.recorded.models.structured[0]!.prompt).toMatch(/mostly in Korean/);
  });

  test("refuse: a post over its platform's limit fails the call with REQUEST_REJECTED naming the platform and the limit", async () => {
    const p = plugin({ posts: (platform) => (platform === 'X' ? LONG_EN : 'Short.') });
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, platforms: ['instagram', 'x'], overLimit: 'refuse' })).rejects.toMatchObject({
      code: 'REQUEST_REJECTED',
      message: expect.stringMatching(/^refused \(overLimit is "refuse"\): x \(limit 280 weighted characters, 2 hashtag\(s\)\): the X post is \d+ weighted characters; X allows at most 280$/),
    });
  });

  test('refuse by config, and for breaking a hashtag rule', async () => {
    const p = plugin({ posts: () => 'Read #this #story' }, { config: { overLimit: 'refuse' } });
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, platforms: ['threads'] })).rejects.toMatchObject({
      code: 'REQUEST_REJECTED',
      message: expect.stringMatching(/threads .*Threads allows at most 1/),
    });
    // The input overrides the config.
    const out = await p.invoke<SocialOutput>('social-media', 'posts', { story: EN_STORY, platforms: ['threads'], overLimit: 'shorten' });
    expect(out.posts[0]).toMatchObject({ text: 'Read #this story', hashtags: ['this'] });
  });

  test('a failed hashtag call still gives posts, without generated tags', async () => {
    const p = plugin({ hashtags: modelError('MODEL_CALL_FAILED', 'every candidate failed') });
    const out = await p.invoke<SocialOutput>('social-media', 'posts', { brief: 'A short film about a lighthouse', platforms: ['x', 'linkedin'] });
    expect(out).toMatchObject({ hashtagModel: null, suggestedHashtags: [] });
    expect(out.posts.map((post) => post.hashtags)).toEqual([[], []]);
    expect(p.recorded.logs.some((l) => l.level === 'warn' && l.fields?.code === 'MODEL_CALL_FAILED')).toBe(true);
  });

  test('the config platforms are used when the input names none', async () => {
    const p = plugin({}, { config: { platforms: ['facebook', 'tiktok'] } });
    const out = await p.invoke<SocialOutput>('social-media', 'posts', { story: EN_STORY });
    expect(out.posts.map((post) => post.platform)).toEqual(['facebook', 'tiktok']);
  });

  test('input limits are checked before any model call', async () => {
    const p = plugin();
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, platforms: [] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, platforms: ['myspace'] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, link: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, overLimit: 'truncate' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('social-media', 'posts', { platforms: ['x'] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(p.recorded.models.text).toHaveLength(0);
  });

  test('an empty post from the model fails the call', async () => {
    const p = plugin({ posts: () => '  ""  ' });
    await expect(p.invoke('social-media', 'posts', { story: EN_STORY, platforms: ['x'] })).rejects.toMatchObject({ code: 'PLUGIN_ERROR' });
  });

  test('drafts lose a preface line and wrapping quotes, nothing else', () => {
    expect(cleanDraft('Here is your post:\n"Read it."')).toBe('Read it.');
    expect(cleanDraft('다음은 게시물입니다:\n읽어 보세요.')).toBe('읽어 보세요.');
    expect(cleanDraft('"Quote" and more "quotes"')).toBe('"Quote" and more "quotes"');
    expect(cleanDraft('Plain post.')).toBe('Plain post.');
  });
});
