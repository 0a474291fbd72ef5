/**
 * Which language the plugin writes in: Korean when the user's own text has Hangul, else
 * English, unless the input or the admin's config names one.
 */

export const LANGUAGES = ['ko', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export type LanguageChoice = Language | 'auto';

// Hangul Compatibility Jamo and Hangul syllables, the characters Korean is typed in.
const HANGUL = /[\u3131-\u318E\uAC00-\uD7A3]/;

/** True when the text has any Korean letter. */
export function containsHangul(text: string | undefined): boolean {
  return text !== undefined && HANGUL.test(text);
}

/** Korean when any of the texts has Hangul, else English. */
export function detectLanguage(...texts: (string | undefined)[]): Language {
  return texts.some(containsHangul) ? 'ko' : 'en';
}

/**
 * The language to write in: the input's choice, else the config's, else detected from the
 * user's texts. `'auto'` (or nothing) at one level defers to the next.
 */
export function resolveLanguage(requested: LanguageChoice | undefined, configured: LanguageChoice | undefined, ...texts: (string | undefined)[]): Language {
  if (requested === 'ko' || requested === 'en') return requested;
  if (configured === 'ko' || configured === 'en') return configured;
  return detectLanguage(...texts);
}

/** The language's name, as prompts say it. */
export function languageName(language: Language): string {
  return language === 'ko' ? 'Korean (한국어)' : 'English';
}
