import { describe, expect, test } from 'vitest';
import { containsHangul, detectLanguage, languageName, resolveLanguage } from '../src/language.ts';

describe('the language rule', () => {
  test('Hangul anywhere in the user text means Korean; anything else English', () => {
    expect(detectLanguage('고양이와 우주')).toBe('ko');
    expect(detectLanguage('a cat in space', '우주 고양이')).toBe('ko');
    expect(detectLanguage('A cat named ㅋㅋ')).toBe('ko'); // compatibility jamo count
    expect(detectLanguage('a cat in space')).toBe('en');
    expect(detectLanguage('猫と宇宙')).toBe('en'); // Japanese is not Korean
    expect(detectLanguage(undefined, '')).toBe('en');
    expect(containsHangul(undefined)).toBe(false);
  });

  test('the input decides first, then the config, then detection', () => {
    expect(resolveLanguage('en', 'ko', '고양이')).toBe('en');
    expect(resolveLanguage('auto', 'ko', 'a cat')).toBe('ko');
    expect(resolveLanguage(undefined, 'en', '고양이')).toBe('en');
    expect(resolveLanguage(undefined, 'auto', '고양이')).toBe('ko');
    expect(resolveLanguage(undefined, undefined, 'a cat')).toBe('en');
  });

  test('prompts name the language', () => {
    expect(languageName('ko')).toMatch(/Korean/);
    expect(languageName('en')).toBe('English');
  });
});
