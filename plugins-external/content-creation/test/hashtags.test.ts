import { describe, expect, test } from 'vitest';
import { cleanHashtag, cleanHashtags, demoteHashtags, inlineHashtags, tagsToAppend } from '../src/hashtags.ts';
import { PLATFORMS } from '../src/platforms.ts';

describe('hashtags', () => {
  test('suggestions are cleaned to what platforms link: letters, digits, underscores', () => {
    expect(cleanHashtag('#Story Time!', 30)).toBe('StoryTime');
    expect(cleanHashtag('단편 소설', 30)).toBe('단편소설');
    expect(cleanHashtag('##sci-fi', 30)).toBe('scifi');
    expect(cleanHashtag('snake_case', 30)).toBe('snake_case');
    expect(cleanHashtag('#2024', 30)).toBeUndefined(); // digits only are not linked
    expect(cleanHashtag('!!!', 30)).toBeUndefined();
    expect(cleanHashtag('a'.repeat(31), 30)).toBeUndefined();
    expect(cleanHashtags(['Cats', 'cats', '#CATS', 'dogs'], 30)).toEqual(['Cats', 'dogs']);
  });

  test('tags written in the text are found; C#, URLs fragments and digit tags are not tags', () => {
    expect(inlineHashtags('I love #cats and C# and #고양이, see https://a.io/#top #123 #end')).toEqual(['cats', '고양이', 'end']);
  });

  test('extra inline tags lose their # and keep their word', () => {
    expect(demoteHashtags('#one #two and #three', 1)).toEqual({ text: '#one two and three', demoted: 2 });
    expect(demoteHashtags('#2024 #one', 1)).toEqual({ text: '#2024 #one', demoted: 0 });
  });

  test('appended tags fill the room left by inline ones, never repeating them', () => {
    const generated = ['Cats', 'Space', 'Stories', 'Reading'];
    expect(tagsToAppend(generated, [], PLATFORMS.x.hashtags)).toEqual(['Cats', 'Space']);
    expect(tagsToAppend(generated, ['cats'], PLATFORMS.x.hashtags)).toEqual(['Space']);
    expect(tagsToAppend(generated, ['a', 'b'], PLATFORMS.x.hashtags)).toEqual([]);
    expect(tagsToAppend(generated, [], PLATFORMS.threads.hashtags)).toEqual(['Cats']);
  });

  test("each platform's allowed characters decide what a suggested tag keeps", () => {
    for (const rule of Object.values(PLATFORMS)) {
      expect(rule.hashtags.allowed.test('가')).toBe(true);
      expect(rule.hashtags.allowed.test('_')).toBe(true);
      expect(rule.hashtags.allowed.test(' ')).toBe(false);
      expect(rule.hashtags.allowed.test('-')).toBe(false);
    }
    // A stricter rule (ASCII only) is applied as given.
    const asciiOnly = { ...PLATFORMS.x.hashtags, allowed: /^[A-Za-z0-9_]$/ };
    expect(tagsToAppend(['고양이Cat', 'Space!'], [], asciiOnly)).toEqual(['Cat', 'Space']);
  });
});
