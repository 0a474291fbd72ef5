/** Each platform's rules applied to drafted posts: limits, hashtags, links, shorten vs refuse. */
import { describe, expect, test } from 'vitest';
import { composePost, fitPost, type Fit, type FittedPost } from '../src/fit-post.ts';
import { PLATFORM_IDS, PLATFORMS, normalizePlatforms } from '../src/platforms.ts';
import { lengthOf } from '../src/post-length.ts';
import { ELLIPSIS } from '../src/shorten.ts';

const TAGS = ['PaperBoat', 'ShortStory', 'Lighthouse', 'Fiction', 'Reading', 'StoryTime'];
const LONG_EN = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} tells a little more of the story.`).join(' ');
const LONG_KO = Array.from({ length: 12 }, (_, i) => `${i + 1}번째 문장은 이야기를 조금 더 들려준다.`).join(' ');

function ok(fit: Fit): FittedPost {
  if (!fit.ok) throw new Error(`refused: ${fit.reason}`);
  return fit.post;
}

describe('the platform table', () => {
  test('every platform has a limit, a counting, hashtag rules within its max, and a source', () => {
    for (const id of PLATFORM_IDS) {
      const rule = PLATFORMS[id];
      expect(rule.id).toBe(id);
      expect(rule.limit).toBeGreaterThan(0);
      expect(rule.target).toBeLessThan(rule.limit);
      expect(rule.hashtags.suggested).toBeLessThanOrEqual(rule.hashtags.max);
      expect(rule.source.length).toBeGreaterThan(10);
    }
    expect(PLATFORMS.x).toMatchObject({ limit: 280, counting: 'x-weighted' });
    expect(PLATFORMS.threads).toMatchObject({ limit: 500, hashtags: { max: 1 } });
    expect(PLATFORMS.instagram).toMatchObject({ limit: 2200, hashtags: { max: 30 } });
    expect(PLATFORMS['youtube-shorts']).toMatchObject({ limit: 5000, counting: 'utf8-bytes' });
  });

  test('platform names from input: twitter is X, repeats and unknown names dropped', () => {
    expect(normalizePlatforms(['twitter', 'X', 'threads', 'myspace', 'threads'])).toEqual(['x', 'threads']);
  });
});

describe('fitting a post', () => {
  test('a post that fits gets its hashtags appended as the platform places them', () => {
    const x = ok(fitPost('A short post.', TAGS, PLATFORMS.x, 'shorten'));
    expect(x.text).toBe('A short post. #PaperBoat #ShortStory');
    expect(x).toMatchObject({ shortened: false, hashtags: ['PaperBoat', 'ShortStory'], adjustments: [] });
    const ig = ok(fitPost('A caption.', TAGS, PLATFORMS.instagram, 'shorten'));
    expect(ig.text).toBe('A caption.\n\n#PaperBoat #ShortStory #Lighthouse #Fiction #Reading');
  });

  test('X: a long English post is cut at a boundary with an ellipsis, hashtags kept, within 280 weighted', () => {
    const post = ok(fitPost(LONG_EN, TAGS, PLATFORMS.x, 'shorten'));
    expect(post.length).toBeLessThanOrEqual(280);
    expect(post.length).toBe(lengthOf(post.text, 'x-weighted'));
    expect(post.text).toMatch(new RegExp(`${ELLIPSIS} #PaperBoat #ShortStory$`));
    expect(post.shortened).toBe(true);
    expect(post.adjustments.join(' ')).toMatch(/280/);
  });

  test('X: Korean counts 2 per syllable, so a 150-syllable post is over and gets shortened', () => {
    const draft = LONG_KO.slice(0, 200);
    expect(draft.length).toBeLessThan(280); // fits by a naive count…
    expect(lengthOf(draft, 'x-weighted')).toBeGreaterThan(280); // …but not by X's
    const post = ok(fitPost(draft, ['단편소설', '등대'], PLATFORMS.x, 'shorten'));
    expect(post.length).toBeLessThanOrEqual(280);
    expect(post.text).toMatch(/… #단편소설 #등대$/);
  });

  test('X: a link counts 23 however long, so a post with a long link can fit untouched', () => {
    const link = `https://example.com/stories/${'the-paper-boat-'.repeat(8)}`;
    const body = 'b'.repeat(230);
    const post = ok(fitPost(body, [], PLATFORMS.x, 'refuse', link));
    expect(post.text.length).toBeGreaterThan(280);
    expect(post.length).toBe(230 + 1 + 23);
    expect(post.linkIncluded).toBe(true);
  });

  test('refuse: an over-long post is refused naming the platform and its limit, nothing changed', () => {
    const fit = fitPost(LONG_EN, TAGS, PLATFORMS.x, 'refuse');
    expect(fit.ok).toBe(false);
    expect(!fit.ok && fit.reason).toMatch(/X post is \d+ weighted characters; X allows at most 280/);
    const threads = fitPost(LONG_EN.repeat(2), [], PLATFORMS.threads, 'refuse');
    expect(!threads.ok && threads.reason).toMatch(/Threads allows at most 500/);
  });

  test('Threads: one tag only; extra tags the writer put in lose their # (shorten) or refuse the post', () => {
    const draft = 'Read this #story about a #lighthouse and a #boat';
    const post = ok(fitPost(draft, TAGS, PLATFORMS.threads, 'shorten'));
    expect(post.text).toBe('Read this #story about a lighthouse and a boat');
    expect(post.hashtags).toEqual(['story']);
    expect(post.adjustments[0]).toMatch(/removed # from 2 hashtag\(s\).*at most 1/);
    const refused = fitPost(draft, TAGS, PLATFORMS.threads, 'refuse');
    expect(!refused.ok && refused.reason).toMatch(/has 3 hashtags; Threads allows at most 1/);
  });

  test('Instagram and TikTok: links are left out (not clickable there); elsewhere they go after the text', () => {
    const link = 'https://example.com/story';
    const ig = ok(fitPost('Caption.', [], PLATFORMS.instagram, 'shorten', link));
    expect(ig.text).toBe('Caption.');
    expect(ig.linkIncluded).toBe(false);
    expect(ig.adjustments[0]).toMatch(/not clickable/);
    const li = ok(fitPost('Post.', ['Story'], PLATFORMS.linkedin, 'shorten', link));
    expect(li.text).toBe(`Post.\n\n${link}\n\n#Story`);
  });

  test('YouTube: < and > are replaced (shorten) or refused; length is counted in UTF-8 bytes', () => {
    const post = ok(fitPost('A <b>bold</b> story', [], PLATFORMS['youtube-shorts'], 'shorten'));
    expect(post.text).toBe('A ‹b›bold‹/b› story');
    const refused = fitPost('A <b> story', [], PLATFORMS['youtube-shorts'], 'refuse');
    expect(!refused.ok && refused.reason).toMatch(/does not allow < >/);

    const korean = '가나다라마 '.repeat(300); // 1,800 characters, 4,500+ bytes with the spaces
    const long = korean + korean;
    expect(long.length).toBeLessThan(5000);
    const fitted = ok(fitPost(long, ['단편소설'], PLATFORMS['youtube-shorts'], 'shorten'));
    expect(lengthOf(fitted.text, 'utf8-bytes')).toBeLessThanOrEqual(5000);
    expect(fitted.length).toBe(lengthOf(fitted.text, 'utf8-bytes'));
    expect(fitted.text.endsWith('\n\n#단편소설')).toBe(true);
  });

  test('the link and appended tags make way before the text is cut below 40% of the limit', () => {
    // Threads: 500 characters. A 480-character body keeps its one tag: cutting ~30 characters is enough.
    const body = `${'word '.repeat(96)}end`;
    const post = ok(fitPost(body, ['Story'], PLATFORMS.threads, 'shorten'));
    expect(post.hashtags).toEqual(['Story']);
    expect(post.length).toBeLessThanOrEqual(500);
    // With a 400-character link, link and tag would leave under 200 characters for the text: both go.
    const link = `https://example.com/${'x'.repeat(380)}`;
    const crowded = ok(fitPost(body, ['Story'], PLATFORMS.threads, 'shorten', link));
    expect(crowded).toMatchObject({ linkIncluded: false, hashtags: [], shortened: false });
    expect(crowded.adjustments).toEqual(['dropped 1 appended hashtag(s) to make room', 'left the link out to make room']);
    expect(crowded.text).toBe(body);
  });

  test('composing: body, link, tags, with the placement separator', () => {
    expect(composePost('Body', undefined, ['a', 'b'], 'end')).toBe('Body #a #b');
    expect(composePost('Body', 'https://a.io', [], 'end-block')).toBe('Body\n\nhttps://a.io');
    expect(composePost('', undefined, ['a'], 'end')).toBe('#a');
  });
});
