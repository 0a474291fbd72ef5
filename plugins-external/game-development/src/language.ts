/** Which language an answer is written in. */
import type { Language } from './schemas/common.ts';
import type { Settings } from './config.ts';

const HANGUL = /[\u3131-\u318E\uAC00-\uD7A3]/;

/** Korean when the text has any Hangul, else English. */
export function detectLanguage(text: string): Language {
  return HANGUL.test(text) ? 'ko' : 'en';
}

/**
 * A language the config forces wins; then one the caller names (a workflow passes the one it
 * settled on to every step); then what the text itself is written in.
 */
export function resolveLanguage(config: Pick<Settings, 'language'>, requested: Language | undefined, text: string): Language {
  if (config.language !== 'auto') return config.language;
  return requested ?? detectLanguage(text);
}
