/**
 * Small text helpers: pure functions, no `ctx`. User text reaches prompts, kv and canvas
 * keywords through these, so control and invisible characters never travel further.
 */

// Control characters (C0, DEL, C1) except tab/newline, bidi embeddings/overrides/isolates,
// zero-width space and BOM.
const UNWANTED_INLINE = /[\p{Cc}\u200B\u202A-\u202E\u2066-\u2069\uFEFF]/gu;
const UNWANTED_BLOCK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2066-\u2069\uFEFF]/gu;

/** One line: control and invisible characters become spaces, white space collapses, trimmed. */
export function cleanLine(text: string): string {
  return text.replace(UNWANTED_INLINE, ' ').replace(/\s+/gu, ' ').trim();
}

/**
 * A block of text (a post body): line breaks are kept (CRLF and CR become LF), other control
 * and invisible characters are dropped, runs of more than two blank lines shrink, trimmed.
 */
export function cleanBlock(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(UNWANTED_BLOCK, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * At most `max` UTF-16 code units, cut at the last space when there is one in the kept part,
 * never inside a surrogate pair, without trailing separators.
 */
export function capAtWord(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  let end = max;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  let kept = text.slice(0, end);
  if (!/\s/.test(text.charAt(end))) {
    const boundary = kept.search(/\s\S*$/);
    if (boundary > 0) kept = kept.slice(0, boundary);
  }
  const trimmed = kept.replace(/[\s,;:.\-]+$/u, '');
  return trimmed === '' ? kept.trimEnd() : trimmed;
}

/** Longest hashtag kept, without its `#`. */
export const MAX_HASHTAG_CHARS = 40;
/** Most hashtags a post keeps. */
export const MAX_HASHTAGS = 10;

/**
 * Hashtags as `#word`: leading `#`s and inner white space or punctuation that breaks a tag
 * removed, blanks and case-insensitive repeats dropped, at most {@link MAX_HASHTAGS}.
 */
export function normalizeHashtags(tags: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of tags ?? []) {
    if (typeof raw !== 'string') continue;
    const body = cleanLine(raw)
      .replace(/^#+/, '')
      .replace(/[\s#.,;:!?'"()[\]{}<>/\\]+/gu, '');
    const tag = capAtWord(body, MAX_HASHTAG_CHARS);
    const folded = tag.toLowerCase();
    if (tag === '' || seen.has(folded)) continue;
    seen.add(folded);
    out.push(`#${tag}`);
    if (out.length === MAX_HASHTAGS) break;
  }
  return out;
}

/** Longest canvas keyword (canvas's own limit). */
export const MAX_KEYWORD_CHARS = 100;

/** The canvas keyword for a post without one: its title, on one line, at most 100 characters. */
export function keywordFromTitle(title: string): string {
  const line = cleanLine(title).replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '');
  return capAtWord(line === '' ? cleanLine(title) : line, MAX_KEYWORD_CHARS);
}

/** Rounds to nano-dollars, the unit the host keeps money in. */
export function nanoUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
