import { describe, expect, test } from 'vitest';
import { hasHangul, languageOf } from '../src/language.ts';
import { capAtWord, cleanBlock, cleanLine, keywordFromTitle, MAX_HASHTAGS, nanoUsd, normalizeHashtags } from '../src/text.ts';

describe('cleanLine and cleanBlock', () => {
  test('a line: control and invisible characters become spaces, white space collapses', () => {
    expect(cleanLine('  고양이\n\t사진\u0000 \u202Eabc\u200B ')).toBe('고양이 사진 abc');
  });
  test('a block keeps its paragraphs but no more than one blank line between them', () => {
    expect(cleanBlock('first line\r\nsecond\u0007 line   \n\n\n\nnext paragraph\u202E\n')).toBe('first line\nsecond line\n\nnext paragraph');
  });
});

describe('capAtWord', () => {
  test('short text is unchanged; long text is cut at a space, without trailing separators', () => {
    expect(capAtWord('a cat', 10)).toBe('a cat');
    expect(capAtWord('hello wonderful world', 12)).toBe('hello');
    expect(capAtWord('one, two, three', 9)).toBe('one, two');
  });
  test('one long word is cut hard, never inside a surrogate pair', () => {
    expect(capAtWord('abcdefghij', 4)).toBe('abcd');
    expect(capAtWord('ab😀cd', 3)).toBe('ab');
    expect(capAtWord('anything', 0)).toBe('');
  });
});

describe('normalizeHashtags', () => {
  test('leading #, spaces and punctuation go; repeats (any case) and blanks are dropped', () => {
    expect(normalizeHashtags(['#Study Tips', 'studytips', '##수능', ' ', '#', 'exam!', 42])).toEqual(['#StudyTips', '#수능', '#exam']);
  });
  test(`at most ${MAX_HASHTAGS}, each at most 40 characters after #`, () => {
    const tags = normalizeHashtags(Array.from({ length: 15 }, (_, i) => `tag${i}${'x'.repeat(50)}`));
    expect(tags).toHaveLength(MAX_HASHTAGS);
    for (const t of tags) expect(t.length).toBeLessThanOrEqual(41);
  });
});

describe('keywordFromTitle', () => {
  test('the title on one line, without surrounding punctuation', () => {
    expect(keywordFromTitle('  "우리 집 고양이 자랑!!"  ')).toBe('우리 집 고양이 자랑');
    expect(keywordFromTitle('How do I study\nfor finals?')).toBe('How do I study for finals');
  });
  test('at most 100 characters, at a word boundary', () => {
    const keyword = keywordFromTitle(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '));
    expect(keyword.length).toBeLessThanOrEqual(100);
    expect(keyword.endsWith(' ')).toBe(false);
    expect(keyword).toMatch(/word\d+$/);
  });
  test('a title of punctuation only is kept as it is rather than emptied', () => {
    expect(keywordFromTitle('?!')).toBe('?!');
  });
});

describe('the language rule', () => {
  test('Hangul anywhere in the texts means Korean; else English', () => {
    expect(languageOf('auto', 'My cat', '우리 고양이')).toBe('ko');
    expect(languageOf('auto', 'ㅋㅋㅋ')).toBe('ko');
    expect(languageOf('auto', 'My cat', undefined)).toBe('en');
    expect(languageOf(undefined, 'ねこ 猫')).toBe('en');
    expect(hasHangul('\uD7A3')).toBe(true);
    expect(hasHangul('\uD7A4')).toBe(false);
  });
  test('the config can force either language', () => {
    expect(languageOf('en', '우리 고양이')).toBe('en');
    expect(languageOf('ko', 'My cat')).toBe('ko');
  });
});

test('costs round to nano-dollars', () => {
  expect(nanoUsd(0.1 + 0.2)).toBe(0.3);
  expect(nanoUsd(1 / 3)).toBe(0.333333333);
});
