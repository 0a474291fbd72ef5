/**
 * Hashtags: cleaning what the model suggested, finding the ones a writer put in the text,
 * and choosing which to append for a platform.
 */
import { HASHTAG_CHAR, type HashtagRule } from './platforms.ts';

// A `#` that starts a tag: at the start or after a character that cannot be part of a word
// or a URL (so `C#`, `a&#35;` and `/page#part` are not tags), followed by tag characters.
const INLINE_TAG = /(^|[^\p{L}\p{M}\p{N}_&/#])#([\p{L}\p{M}\p{N}_]+)/gu;

/**
 * A suggested tag as a platform takes it: without leading `#`s, with characters the tag may
 * not hold removed (spaces, punctuation), NFC. Undefined when nothing usable is left, when
 * it is digits only (not linked) or longer than `maxChars`.
 */
export function cleanHashtag(raw: string, maxChars: number, allowed: RegExp = HASHTAG_CHAR): string | undefined {
  const body = Array.from(raw.normalize('NFC').replace(/^[#\s＃]+/u, ''))
    .filter((ch) => allowed.test(ch))
    .join('');
  if (body === '' || /^\p{N}+$/u.test(body) || Array.from(body).length > maxChars) return undefined;
  return body;
}

/** Cleaned tags, repeats dropped (ignoring case), order kept. */
export function cleanHashtags(raw: readonly string[], maxChars: number, allowed: RegExp = HASHTAG_CHAR): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of raw) {
    const tag = cleanHashtag(r, maxChars, allowed);
    if (tag === undefined || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    out.push(tag);
  }
  return out;
}

/** The tags (without `#`) written in a text, in order, digit-only ones left out as platforms leave them unlinked. */
export function inlineHashtags(text: string): string[] {
  return Array.from(text.matchAll(INLINE_TAG), (m) => m[2]!).filter((t) => !/^\p{N}+$/u.test(t));
}

/**
 * The text with every inline tag after the first `keep` turned into a plain word (its `#`
 * removed), and how many were.
 */
export function demoteHashtags(text: string, keep: number): { text: string; demoted: number } {
  let seen = 0;
  let demoted = 0;
  const out = text.replace(INLINE_TAG, (whole, before: string, tag: string) => {
    if (/^\p{N}+$/u.test(tag)) return whole;
    seen++;
    if (seen <= keep) return whole;
    demoted++;
    return `${before}${tag}`;
  });
  return { text: out, demoted };
}

/** Which generated tags to append: up to the platform's suggestion, within its max with the inline ones, none repeated. */
export function tagsToAppend(generated: readonly string[], inline: readonly string[], rule: HashtagRule): string[] {
  const room = Math.max(0, Math.min(rule.suggested, rule.max - inline.length));
  const taken = new Set(inline.map((t) => t.toLowerCase()));
  return cleanHashtags(generated, rule.maxChars, rule.allowed)
    .filter((t) => !taken.has(t.toLowerCase()))
    .slice(0, room);
}
