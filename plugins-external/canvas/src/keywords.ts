/** Keywords as every capability takes them: one string or a list, checked for something visible. */
import { PluginError } from '@easel/sdk';
import { normalizeKeywords } from './prompts.ts';

/** One keyword or phrase, or a list of 1 to 8 (each 1 to 100 characters, by the schemas). */
export type Keywords = string | string[];

/**
 * Cleaned keywords, refused (REQUEST_REJECTED) when nothing visible is left: the schemas'
 * `\S` lets through keywords made only of control or invisible characters.
 */
export function visibleKeywords(keywords: Keywords): string[] {
  const list = normalizeKeywords(keywords);
  if (list.length === 0) throw new PluginError('REQUEST_REJECTED', 'keywords must have at least one visible character');
  return list;
}
