/**
 * Post length the way each platform counts it, and the pieces a post can be cut between.
 *
 * - `x-weighted`: X's rule (twitter-text config v3). The text is NFC-normalized; each code
 *   point in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F or U+2032–U+2037 counts 1, every
 *   other code point 2 (so Hangul and CJK count 2); an emoji counts 2 however many code
 *   points it is made of; a URL counts 23 whatever its length.
 *   Our approximation: a URL is only what starts with `http://` or `https://` (twitter-text
 *   also links bare domains such as `example.com`, which we count letter by letter, so we
 *   may over-count, never under-count, for those), trailing punctuation is not part of it,
 *   and an emoji is a pictographic code point with its variation selector, skin-tone
 *   modifier and zero-width-joined followers, or a pair of regional indicators (a flag);
 *   keycap sequences count per code point.
 * - `utf16`: UTF-16 code units, JavaScript's `length`. Platforms that do not document how
 *   they count (Instagram, Facebook, LinkedIn, Threads, TikTok) count code points, UTF-16
 *   units or user-perceived characters; UTF-16 units are never fewer than either, so a post
 *   that fits by this count fits by theirs.
 * - `utf8-bytes`: UTF-8 bytes, as YouTube counts a description (a Hangul syllable is 3).
 */

export type Counting = 'x-weighted' | 'utf16' | 'utf8-bytes';

/** One piece of text never cut inside: a code point, an emoji sequence or a URL. */
export interface Piece {
  text: string;
  /** What it counts for. */
  weight: number;
  kind: 'char' | 'emoji' | 'url';
}

/** What X counts a URL as. */
export const X_URL_WEIGHT = 23;

const URL = String.raw`https?:\/\/[^\s]*[^\s.,!?;:'")\]}>…]`;
const EMOJI_PART = String.raw`\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?`;
const EMOJI = String.raw`\p{Regional_Indicator}{2}|${EMOJI_PART}(?:\u200D${EMOJI_PART})*`;
// One regex, tried at each position in turn: a URL, else an emoji sequence, else one code point.
const PIECES = new RegExp(String.raw`(${URL})|(${EMOJI})|([\s\S])`, 'gu');

/** X's weight of one code point. */
function xWeight(codePoint: number): number {
  const light =
    codePoint <= 0x10ff ||
    (codePoint >= 0x2000 && codePoint <= 0x200d) ||
    (codePoint >= 0x2010 && codePoint <= 0x201f) ||
    (codePoint >= 0x2032 && codePoint <= 0x2037);
  return light ? 1 : 2;
}

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function weightOf(text: string, kind: Piece['kind'], counting: Counting): number {
  if (counting === 'utf16') return text.length;
  if (counting === 'utf8-bytes') return utf8Bytes(text);
  if (kind === 'url') return X_URL_WEIGHT;
  if (kind === 'emoji') return 2;
  return xWeight(text.codePointAt(0)!);
}

/** The text as pieces with their weights; X's counting sees the NFC form, as X does. */
export function piecesOf(text: string, counting: Counting): Piece[] {
  const source = counting === 'x-weighted' ? text.normalize('NFC') : text;
  const pieces: Piece[] = [];
  for (const m of source.matchAll(PIECES)) {
    const kind: Piece['kind'] = m[1] !== undefined ? 'url' : m[2] !== undefined ? 'emoji' : 'char';
    pieces.push({ text: m[0], weight: weightOf(m[0], kind, counting), kind });
  }
  return pieces;
}

/** The length of a text as the platform counts it. */
export function lengthOf(text: string, counting: Counting): number {
  let n = 0;
  for (const piece of piecesOf(text, counting)) n += piece.weight;
  return n;
}

/** How many units one character of the language takes, roughly: what a prompt can ask for in characters. */
export function unitsPerChar(counting: Counting, korean: boolean): number {
  if (!korean) return 1;
  if (counting === 'x-weighted') return 2;
  if (counting === 'utf8-bytes') return 3;
  return 1;
}
