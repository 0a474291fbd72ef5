import { describe, expect, test } from 'vitest';
import {
  BASE_NEGATIVE,
  buildNegativePrompt,
  buildPrompt,
  capAtWord,
  cleanText,
  cleanTranslation,
  containsHangul,
  DEFAULT_SIZE,
  DEFAULT_STYLE,
  joinNaturally,
  MAX_NEGATIVE_PROMPT_CHARS,
  MAX_PROMPT_CHARS,
  normalizeKeywords,
  parseSize,
  SIZES,
  splitTranslation,
  STYLE_NEGATIVES,
  STYLE_PRESETS,
  STYLES,
} from '../src/prompts.ts';
import manifest from '../plugin.json' with { type: 'json' };

describe('cleanText', () => {
  test('control characters become spaces and white space collapses', () => {
    expect(cleanText('  cat\n\tin\u0000a\u007f hat\u0085 ')).toBe('cat in a hat');
  });
  test('bidi overrides, zero-width spaces and BOMs are removed; Unicode spaces collapse', () => {
    expect(cleanText('\uFEFFred\u202Ecar\u200B\u3000blue')).toBe('red car blue');
  });
  test('ordinary text, Korean and emoji are kept', () => {
    expect(cleanText('고양이 🐱, café')).toBe('고양이 🐱, café');
  });
});

describe('normalizeKeywords', () => {
  test('a single string is one keyword', () => {
    expect(normalizeKeywords('  a red   fox ')).toEqual(['a red fox']);
  });
  test('blank entries and case-insensitive repeats are dropped, order kept', () => {
    expect(normalizeKeywords(['Cat', ' ', 'hat', 'cat', '\u0001', 'HAT', 'moon'])).toEqual(['Cat', 'hat', 'moon']);
  });
  test('keywords made only of invisible characters give an empty list', () => {
    expect(normalizeKeywords(['\u0007', '\u200B'])).toEqual([]);
    expect(normalizeKeywords(undefined)).toEqual([]);
  });
});

describe('splitTranslation', () => {
  test('one keyword per comma (ASCII, full-width or ideographic), cleaned', () => {
    expect(splitTranslation('cat, space')).toEqual(['cat', 'space']);
    expect(splitTranslation('red house，garden、 night sky')).toEqual(['red house', 'garden', 'night sky']);
    expect(splitTranslation('a red house with a garden')).toEqual(['a red house with a garden']);
  });
  test('blanks and repeats are dropped', () => {
    expect(splitTranslation(', cat,, Cat , ')).toEqual(['cat']);
    expect(splitTranslation('')).toEqual([]);
  });
  test('within the input limits: at most 8 keywords (the rest kept in the eighth), each at most 100 characters', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `w${i}`).join(', ');
    expect(splitTranslation(ten)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7, w8, w9']);
    const long = splitTranslation(`${'word '.repeat(30)}, cat`);
    expect(long[0]!.length).toBeLessThanOrEqual(100);
    expect(long[0]).toMatch(/^word( word)*$/);
    expect(long[1]).toBe('cat');
  });
});

describe('joinNaturally', () => {
  test('one, two and many words', () => {
    expect(joinNaturally([])).toBe('');
    expect(joinNaturally(['cat'])).toBe('cat');
    expect(joinNaturally(['cat', 'hat'])).toBe('cat and hat');
    expect(joinNaturally(['cat', 'hat', 'moon'])).toBe('cat, hat and moon');
  });
});

describe('containsHangul', () => {
  test('syllables, jamo and compatibility jamo are Hangul', () => {
    expect(containsHangul('고양이')).toBe(true);
    expect(containsHangul('cute 강아지')).toBe(true);
    expect(containsHangul('\u1100')).toBe(true); // Hangul Jamo ᄀ
    expect(containsHangul('ㅋㅋㅋ')).toBe(true); // compatibility jamo
    expect(containsHangul('\uAC00')).toBe(true);
    expect(containsHangul('\uD7A3')).toBe(true);
  });
  test('English, Japanese and Chinese are not', () => {
    expect(containsHangul('a cat in space')).toBe(false);
    expect(containsHangul('ねこ 猫')).toBe(false);
    expect(containsHangul('\uD7A4')).toBe(false); // just past the syllables block
  });
});

describe('capAtWord', () => {
  test('short text is unchanged', () => {
    expect(capAtWord('a cat', 10)).toBe('a cat');
  });
  test('cuts at the last word boundary, never mid-word', () => {
    expect(capAtWord('hello wonderful world', 12)).toBe('hello');
    expect(capAtWord('hello world foo', 11)).toBe('hello world');
    expect(capAtWord('red, green, blue', 14)).toBe('red, green');
  });
  test('no trailing separators are left', () => {
    expect(capAtWord('one, two, three', 9)).toBe('one, two');
  });
  test('one long word is cut hard, never inside a surrogate pair', () => {
    expect(capAtWord('abcdefghij', 4)).toBe('abcd');
    const cut = capAtWord('ab😀cd', 3);
    expect(cut).toBe('ab');
    expect(cut.length).toBeLessThanOrEqual(3);
  });
  test('a limit of 0 gives an empty string', () => {
    expect(capAtWord('anything', 0)).toBe('');
  });
});

describe('buildPrompt', () => {
  test('subject first, then the style preset', () => {
    expect(buildPrompt('a cat and a hat', 'cartoon')).toBe('a cat and a hat, cartoon style, bold outlines, flat vibrant colors');
    expect(buildPrompt('a cat', 'realistic')).toBe('a cat, photorealistic, natural lighting, high detail, 50mm photo');
  });
  test('every style has its own preset in the prompt', () => {
    const prompts = STYLES.map((s) => buildPrompt('fox', s));
    expect(new Set(prompts).size).toBe(STYLES.length);
    STYLES.forEach((s, i) => expect(prompts[i]).toContain(STYLE_PRESETS[s]));
  });
  test('the subject is cleaned of control characters', () => {
    expect(buildPrompt('cat\r\nin\u0000space', 'meme')).toBe(`cat in space, ${STYLE_PRESETS.meme}`);
  });
  test('a long subject is cut at a word boundary and the preset survives within 1024 characters', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`);
    const prompt = buildPrompt(words.join(' '), 'illustration');
    expect(prompt.length).toBeLessThanOrEqual(MAX_PROMPT_CHARS);
    expect(prompt.length).toBeGreaterThan(MAX_PROMPT_CHARS - 20);
    expect(prompt.endsWith(`, ${STYLE_PRESETS.illustration}`)).toBe(true);
    const subject = prompt.slice(0, -`, ${STYLE_PRESETS.illustration}`.length);
    // Every kept token is a whole word of the input.
    for (const token of subject.split(' ')) expect(words).toContain(token);
  });
  test('the largest input the schema allows (8 x 100 characters) fits', () => {
    const keywords = Array.from({ length: 8 }, (_, i) => `${String(i).repeat(20)} `.repeat(5).trim().slice(0, 100));
    const prompt = buildPrompt(joinNaturally(keywords), 'realistic');
    expect(prompt.length).toBeLessThanOrEqual(MAX_PROMPT_CHARS);
    expect(prompt).toContain(STYLE_PRESETS.realistic);
  });
  test('a blank subject leaves the preset alone', () => {
    expect(buildPrompt(' \u0000 ', 'cartoon')).toBe(STYLE_PRESETS.cartoon);
  });
});

describe('buildNegativePrompt', () => {
  test('style negatives first, then the common base', () => {
    for (const style of STYLES) {
      const negative = buildNegativePrompt(style);
      expect(negative).toBe(`${STYLE_NEGATIVES[style]}, ${BASE_NEGATIVE}`);
      expect(negative.length).toBeLessThanOrEqual(MAX_NEGATIVE_PROMPT_CHARS);
    }
  });
  test('each style pushes away from the others', () => {
    expect(buildNegativePrompt('cartoon')).toMatch(/photorealistic/);
    expect(buildNegativePrompt('realistic')).toMatch(/cartoon/);
    expect(buildNegativePrompt('realistic')).not.toMatch(/photorealistic/);
    expect(buildNegativePrompt('illustration')).toMatch(/photograph/);
    expect(new Set(STYLES.map(buildNegativePrompt)).size).toBe(STYLES.length);
  });
  test('the common base is in every negative prompt', () => {
    for (const style of STYLES) {
      expect(buildNegativePrompt(style)).toContain('blurry, low quality, watermark, text artifacts, distorted anatomy');
    }
  });
  test('negatives are listed, not negated (Nova reads "no X" as X)', () => {
    for (const style of STYLES) expect(buildNegativePrompt(style)).not.toMatch(/\b(no|not|without)\b/i);
  });
});

describe('parseSize', () => {
  test('every offered size is a valid Nova Canvas size for the host (multiples of 64, 320 to 2048)', () => {
    for (const size of SIZES) {
      const { width, height } = parseSize(size);
      for (const side of [width, height]) {
        expect(side % 64).toBe(0);
        expect(side).toBeGreaterThanOrEqual(320);
        expect(side).toBeLessThanOrEqual(2048);
      }
    }
    expect(parseSize('1152x640')).toEqual({ width: 1152, height: 640 });
  });
});

describe('cleanTranslation', () => {
  test('first non-blank line, quotes and labels removed', () => {
    expect(cleanTranslation('\n"cute cat, space"\nThis means...')).toBe('cute cat, space');
    expect(cleanTranslation('Translation: “a puppy in the rain”.')).toBe('a puppy in the rain');
    expect(cleanTranslation("English: 'rainbow'")).toBe('rainbow');
    expect(cleanTranslation('Here is the translation:\n\ncat astronaut')).toBe('cat astronaut');
  });
  test('control characters are stripped and the answer capped at a word boundary', () => {
    expect(cleanTranslation('red\u0000fox')).toBe('red fox');
    const long = cleanTranslation('word '.repeat(100));
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long.endsWith('word')).toBe(true);
  });
  test('blank or quote-only answers are empty', () => {
    expect(cleanTranslation('   \n  ')).toBe('');
    expect(cleanTranslation('""')).toBe('');
  });
});

describe('the manifest agrees with the code', () => {
  const textInput = manifest.agents.find((a) => a.type === 'image-generator')!.capabilities[0]!.input.properties as Record<string, { enum?: unknown; default?: unknown }>;
  test('styles and sizes; their defaults are the config\'s (defaultStyle, defaultSize), not the input schema\'s', () => {
    expect(textInput.style!.enum).toEqual([...STYLES]);
    expect(textInput.style).not.toHaveProperty('default');
    expect(textInput.size!.enum).toEqual([...SIZES]);
    expect(textInput.size).not.toHaveProperty('default');
    expect(manifest.config.properties.defaultStyle).toMatchObject({ enum: [...STYLES], default: DEFAULT_STYLE });
    expect(manifest.config.properties.defaultSize).toMatchObject({ enum: [...SIZES], default: DEFAULT_SIZE });
  });
});
