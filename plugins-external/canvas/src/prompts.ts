/**
 * Prompt building for the image model: pure functions, no `ctx`, so they can be tested alone.
 * Nova Canvas takes English prompts of at most 1024 characters, and negative prompts of at
 * most 1024 characters (the host refuses longer ones before any model is called).
 */

export const STYLES = ['cartoon', 'realistic', 'meme', 'illustration'] as const;
export type Style = (typeof STYLES)[number];
export const DEFAULT_STYLE: Style = 'illustration';

export const SIZES = ['512x512', '768x768', '1024x1024', '1152x640', '640x1152'] as const;
export type Size = (typeof SIZES)[number];
export const DEFAULT_SIZE: Size = '1024x1024';

/** Nova Canvas's limit for `text`, and the host's for `prompt`. */
export const MAX_PROMPT_CHARS = 1024;
/** Nova Canvas's limit for `negativeText`, and the host's for `negativePrompt`. */
export const MAX_NEGATIVE_PROMPT_CHARS = 1024;

/** Appended to the subject: what each style looks like. */
export const STYLE_PRESETS: Readonly<Record<Style, string>> = {
  cartoon: 'cartoon style, bold outlines, flat vibrant colors',
  realistic: 'photorealistic, natural lighting, high detail, 50mm photo',
  meme: 'meme style, bold expressive composition, humorous, internet meme aesthetic',
  illustration: 'digital illustration, clean lines, soft shading',
};

/** What each style should not look like (listed, not negated: Nova reads "no X" as "X"). */
export const STYLE_NEGATIVES: Readonly<Record<Style, string>> = {
  cartoon: 'photorealistic, photograph, 3d render, realistic skin texture, muted colors',
  realistic: 'cartoon, illustration, painting, drawing, anime, cgi, plastic skin, oversaturated',
  meme: 'dull composition, bland expression, muted colors, gibberish captions',
  illustration: 'photograph, photorealistic, grainy, noisy, messy sketch lines',
};

/** Unwanted in every style. */
export const BASE_NEGATIVE = 'blurry, low quality, watermark, text artifacts, distorted anatomy, deformed hands, extra limbs, jpeg artifacts';

/** The subject of a sketch variation when the caller gives no keywords (the host needs a prompt). */
export const SKETCH_SUBJECT = 'a polished, finished version of the sketched subject';

// Control characters (C0, DEL, C1), bidi embeddings/overrides/isolates, zero-width space and BOM.
// Replaced by a space, so "cat\ndog" stays two words; runs of white space then become one space.
const UNWANTED = /[\p{Cc}\u200B\u202A-\u202E\u2066-\u2069\uFEFF]/gu;

/** Removes control and invisible characters and collapses white space (Unicode-aware) to one space. */
export function cleanText(text: string): string {
  return text.replace(UNWANTED, ' ').replace(/\s+/gu, ' ').trim();
}

/**
 * Keywords as a clean list: one string or a list, each cleaned, blanks dropped, repeats
 * dropped (case-insensitively, first spelling kept). May be empty: the schema's `\S` lets
 * through keywords that are only control or invisible characters.
 */
export function normalizeKeywords(keywords: string | readonly string[] | undefined): string[] {
  if (keywords === undefined) return [];
  const list = typeof keywords === 'string' ? [keywords] : keywords;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of list) {
    const k = cleanText(raw);
    const folded = k.toLowerCase();
    if (k === '' || seen.has(folded)) continue;
    seen.add(folded);
    out.push(k);
  }
  return out;
}

/** At most this many keywords, each at most this many characters (the input schemas' limits). */
export const MAX_KEYWORDS = 8;
export const MAX_KEYWORD_CHARS = 100;

// Commas: ASCII, full-width and the ideographic enumeration comma.
const TRANSLATION_SEPARATOR = /[,\uFF0C\u3001]/u;

/**
 * A cleaned translation line as a keyword list within the input schemas' limits: split at
 * commas, each item capped at 100 characters at a word boundary, blanks and repeats dropped.
 * Items past the eighth are kept together in the eighth (capped), so nothing is silently lost
 * before the cap.
 */
export function splitTranslation(line: string): string[] {
  const items = normalizeKeywords(line.split(TRANSLATION_SEPARATOR));
  const kept = items.length > MAX_KEYWORDS ? [...items.slice(0, MAX_KEYWORDS - 1), items.slice(MAX_KEYWORDS - 1).join(', ')] : items;
  return normalizeKeywords(kept.map((k) => capAtWord(k, MAX_KEYWORD_CHARS)));
}

/** "a", "a and b", "a, b and c". */
export function joinNaturally(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

// Hangul syllables, Hangul Jamo, Hangul Compatibility Jamo.
const HANGUL = /[\uAC00-\uD7A3\u1100-\u11FF\u3130-\u318F]/;

/** True when the text has any Korean letter. */
export function containsHangul(text: string): boolean {
  return HANGUL.test(text);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * At most `max` UTF-16 code units (never more characters than that either), cut at the last
 * word boundary (a space or comma) when there is one in the kept part, and without trailing
 * separators. A text with no boundary (one long word) is cut hard, never inside a surrogate pair.
 */
export function capAtWord(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  let end = max;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  // Cutting right before a boundary keeps the last word whole.
  const nextIsBoundary = /[\s,]/.test(text.charAt(end));
  let kept = text.slice(0, end);
  if (!nextIsBoundary) {
    const boundary = Math.max(kept.lastIndexOf(' '), kept.lastIndexOf(','));
    if (boundary > 0) kept = kept.slice(0, boundary);
  }
  const trimmed = kept.replace(/[\s,;:.\-]+$/u, '');
  return trimmed === '' ? kept.trimEnd() : trimmed;
}

/**
 * The positive prompt: the subject, then the style's preset. The subject is shortened first
 * (at a word boundary), so the style is never cut off; the whole is capped at 1024 characters.
 */
export function buildPrompt(subject: string, style: Style): string {
  const preset = STYLE_PRESETS[style];
  const cleanSubject = cleanText(subject);
  if (cleanSubject === '') return capAtWord(preset, MAX_PROMPT_CHARS);
  const room = MAX_PROMPT_CHARS - preset.length - 2;
  return capAtWord(`${capAtWord(cleanSubject, room)}, ${preset}`, MAX_PROMPT_CHARS);
}

/** The negative prompt: the style's own list, then the common base, capped at 1024 characters. */
export function buildNegativePrompt(style: Style): string {
  return capAtWord(`${STYLE_NEGATIVES[style]}, ${BASE_NEGATIVE}`, MAX_NEGATIVE_PROMPT_CHARS);
}

/** "1152x640" -> { width: 1152, height: 640 }. */
export function parseSize(size: Size): { width: number; height: number } {
  const [w, h] = size.split('x');
  return { width: Number(w), height: Number(h) };
}

/** The subject phrase of plain (untranslated) keywords. */
export function subjectOf(keywords: readonly string[]): string {
  return joinNaturally(keywords);
}

const LEADING_QUOTES = /^["'`\u201C\u201D\u2018\u2019\u300C\u300D]+/u;
const TRAILING_QUOTES = /["'`\u201C\u201D\u2018\u2019\u300C\u300D]+$/u;
const FINAL_PERIOD = /[.\u3002]+$/u;

/**
 * The first non-blank line of a model's translation (a preamble line ending in ':' is
 * skipped), without wrapping quotes, a leading "English:"/"Translation:" label, control
 * characters or a final period, capped at `max` characters at a word boundary. Empty when
 * nothing usable is left.
 */
export function cleanTranslation(answer: string, max = 200): string {
  // A preamble line ("Here is the translation:") is skipped.
  const lines = answer.split(/\r\n|\r|\n|\u2028|\u2029/).map((l) => cleanText(l));
  const line = lines.find((l) => l !== '' && !l.endsWith(':')) ?? '';
  let text = line.replace(/^(?:english|translation|answer)\s*:\s*/i, '');
  // Quotes around the whole answer (a final period may follow them), or left hanging at either end.
  text = text.replace(FINAL_PERIOD, '').replace(LEADING_QUOTES, '').replace(TRAILING_QUOTES, '');
  text = cleanText(text).replace(FINAL_PERIOD, '');
  return capAtWord(text, max);
}
