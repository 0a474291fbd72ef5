/** Length as each platform counts it, and shortening at sensible boundaries. */
import { describe, expect, test } from 'vitest';
import { lengthOf, piecesOf, unitsPerChar, X_URL_WEIGHT } from '../src/post-length.ts';
import { ELLIPSIS, shortenTo } from '../src/shorten.ts';

describe("X's weighted count", () => {
  test('Latin counts 1, Hangul and CJK 2', () => {
    expect(lengthOf('hello', 'x-weighted')).toBe(5);
    expect(lengthOf('안녕', 'x-weighted')).toBe(4);
    expect(lengthOf('猫', 'x-weighted')).toBe(2);
    expect(lengthOf('a'.repeat(280), 'x-weighted')).toBe(280);
    expect(lengthOf('가'.repeat(141), 'x-weighted')).toBe(282);
  });

  test('the punctuation ranges X weighs 1, and the ones it does not', () => {
    expect(lengthOf('\u2014', 'x-weighted')).toBe(1); // em dash, in U+2010–U+201F
    expect(lengthOf('\u2019', 'x-weighted')).toBe(1); // right single quote
    expect(lengthOf(ELLIPSIS, 'x-weighted')).toBe(2); // U+2026 is outside the light ranges
  });

  test('a URL counts 23 however long it is, without its trailing punctuation', () => {
    const url = `https://example.com/${'very-long-path/'.repeat(10)}?x=1`;
    expect(lengthOf(`a ${url} b`, 'x-weighted')).toBe(1 + 1 + X_URL_WEIGHT + 1 + 1);
    expect(lengthOf('http://a.io.', 'x-weighted')).toBe(X_URL_WEIGHT + 1);
    expect(piecesOf('see https://a.io/x).', 'x-weighted').filter((p) => p.kind === 'url').map((p) => p.text)).toEqual(['https://a.io/x']);
    // Bare domains are counted letter by letter (our approximation over-counts them, never under).
    expect(lengthOf('example.com', 'x-weighted')).toBe(11);
  });

  test('an emoji counts 2 however many code points make it', () => {
    expect(lengthOf('👍', 'x-weighted')).toBe(2);
    expect(lengthOf('👍🏽', 'x-weighted')).toBe(2); // with a skin tone
    expect(lengthOf('👨‍👩‍👧', 'x-weighted')).toBe(2); // a zero-width-joined family
    expect(lengthOf('🇰🇷', 'x-weighted')).toBe(2); // a flag
    expect(lengthOf('❤️', 'x-weighted')).toBe(2); // with a variation selector
  });

  test('text is counted in NFC, as X counts it', () => {
    const decomposed = 'e\u0301'; // e + combining acute
    expect(lengthOf(decomposed, 'x-weighted')).toBe(1);
    const jamo = '\u1100\u1161'; // 가 as conjoining jamo: NFC makes it one syllable
    expect(lengthOf(jamo, 'x-weighted')).toBe(2);
  });
});

describe('other countings', () => {
  test('UTF-16 units: what JavaScript length says, never less than code points', () => {
    expect(lengthOf('héllo', 'utf16')).toBe(5);
    expect(lengthOf('가나', 'utf16')).toBe(2);
    expect(lengthOf('😀', 'utf16')).toBe(2);
    expect(lengthOf('https://example.com/long', 'utf16')).toBe(24); // no URL shortening
  });

  test('UTF-8 bytes, as YouTube counts a description', () => {
    expect(lengthOf('a', 'utf8-bytes')).toBe(1);
    expect(lengthOf('é', 'utf8-bytes')).toBe(2);
    expect(lengthOf('가', 'utf8-bytes')).toBe(3);
    expect(lengthOf('😀', 'utf8-bytes')).toBe(4);
  });

  test('units per character of each language, for prompts', () => {
    expect(unitsPerChar('x-weighted', true)).toBe(2);
    expect(unitsPerChar('utf8-bytes', true)).toBe(3);
    expect(unitsPerChar('utf16', true)).toBe(1);
    expect(unitsPerChar('x-weighted', false)).toBe(1);
  });
});

describe('shortening', () => {
  test('a text that fits is left alone', () => {
    expect(shortenTo('short enough', 12, 'utf16')).toEqual({ text: 'short enough', cut: 'none' });
  });

  test('at a sentence end when that keeps most of the text, the period becoming the ellipsis', () => {
    const out = shortenTo('First sentence here. Second sentence is longer than the budget allows.', 30, 'utf16');
    expect(out).toEqual({ text: `First sentence here${ELLIPSIS}`, cut: 'sentence' });
  });

  test('at a word boundary when the last sentence end is too early', () => {
    const out = shortenTo('Hi. This is a long second sentence that goes on and on', 30, 'utf16');
    expect(out.cut).toBe('word');
    expect(out.text).toBe(`Hi. This is a long second${ELLIPSIS}`);
    expect(lengthOf(out.text, 'utf16')).toBeLessThanOrEqual(30);
  });

  test('between characters when there is one long word', () => {
    expect(shortenTo('abcdefghij', 5, 'utf16')).toEqual({ text: `abcd${ELLIPSIS}`, cut: 'character' });
  });

  test('Korean on X: weighted 2 per syllable, cut between words', () => {
    const out = shortenTo('가나다 라마바 사아자', 10, 'x-weighted');
    expect(out).toEqual({ text: `가나다${ELLIPSIS}`, cut: 'word' });
    expect(lengthOf(out.text, 'x-weighted')).toBe(8);
  });

  test('Korean sentences end with a period too', () => {
    const out = shortenTo('그녀는 편지를 읽었다. 그리고 등불을 조금 더 밝게 켰다.', 30, 'x-weighted');
    expect(out).toEqual({ text: `그녀는 편지를 읽었다${ELLIPSIS}`, cut: 'sentence' });
  });

  test('URLs and emoji are never split', () => {
    const url = shortenTo('see https://example.com/abc now', 20, 'utf16');
    expect(url.text).toBe(`see${ELLIPSIS}`);
    const emoji = shortenTo('ab👨‍👩‍👧cd', 5, 'x-weighted'); // a(1) b(1) family(2) + ellipsis(2) > 5
    expect(emoji.text).toBe(`ab${ELLIPSIS}`);
  });

  test('a budget too small for the ellipsis gives nothing', () => {
    expect(shortenTo('abc def', 1, 'x-weighted').text).toBe('');
  });
});
