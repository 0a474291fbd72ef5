/** Which language a post is written in: Korean when the user's text has Hangul, else English. */

export type Language = 'ko' | 'en';
/** The config setting: detect, or force one language. */
export type LanguageSetting = 'auto' | Language;

// Hangul syllables and compatibility jamo (the range the house rule names).
const HANGUL = /[\u3131-\u318E\uAC00-\uD7A3]/;

/** True when any of the texts has a Hangul letter. */
export function hasHangul(...texts: (string | undefined)[]): boolean {
  return texts.some((t) => t !== undefined && HANGUL.test(t));
}

/** `ko` or `en`: forced by the setting, else detected from the user's texts. */
export function languageOf(setting: LanguageSetting | undefined, ...texts: (string | undefined)[]): Language {
  if (setting === 'ko' || setting === 'en') return setting;
  return hasHangul(...texts) ? 'ko' : 'en';
}

/** How prompts name the language to write in. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  ko: 'Korean (한국어)',
  en: 'English',
};
