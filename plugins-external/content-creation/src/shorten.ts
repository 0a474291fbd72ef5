/**
 * Shortening a text to a length budget, at a sentence end when that keeps most of the text,
 * else at a word boundary, else (one long word) between characters; the cut text ends with
 * an ellipsis. Emoji and URLs are never split.
 */
import { lengthOf, piecesOf, type Counting } from './post-length.ts';

export const ELLIPSIS = '…';

export type Cut = 'none' | 'sentence' | 'word' | 'character';

export interface Shortened {
  text: string;
  cut: Cut;
}

// Punctuation that ends a sentence (Latin, CJK full-width), and closing quotes or brackets that may follow it.
const SENTENCE_END = /^[.!?。！？]$/u;
const CLOSER = /^["'”’)\]」』]$/u;
const SPACE = /^\s$/u;
/** A sentence cut is taken when it keeps at least this share of what a word cut keeps. */
const SENTENCE_SHARE = 0.6;

/**
 * `text` if it fits in `budget` units, else its longest sensible beginning that fits with
 * an ellipsis added. A budget too small for even the ellipsis gives ''.
 */
export function shortenTo(text: string, budget: number, counting: Counting): Shortened {
  if (lengthOf(text, counting) <= budget) return { text, cut: 'none' };
  const room = budget - lengthOf(ELLIPSIS, counting);
  if (room <= 0) return { text: '', cut: 'character' };
  const pieces = piecesOf(text, counting);

  // How many pieces fit in the room, and the best cut points among them.
  let used = 0;
  let fit = 0;
  let sentence = 0;
  let sentenceWeight = 0;
  let word = 0;
  let wordWeight = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (used + piece.weight > room) break;
    used += piece.weight;
    fit = i + 1;
    const next = pieces[i + 1];
    const endsWord = next === undefined || SPACE.test(next.text);
    if (endsWord && !SPACE.test(piece.text)) {
      word = fit;
      wordWeight = used;
      if (endsSentence(pieces, i)) {
        sentence = fit;
        sentenceWeight = used;
      }
    }
  }
  let end = fit;
  let cut: Cut = 'character';
  if (sentence > 0 && sentenceWeight >= SENTENCE_SHARE * wordWeight) {
    end = sentence;
    cut = 'sentence';
  } else if (word > 0) {
    end = word;
    cut = 'word';
  }
  const kept = pieces
    .slice(0, end)
    .map((p) => p.text)
    .join('')
    // A trailing period, comma or dash before the ellipsis reads badly; '!' and '?' stay.
    .replace(/[\s.,;:。、\-–—]+$/u, '');
  if (kept === '') return { text: ELLIPSIS, cut: 'character' };
  return { text: `${kept}${ELLIPSIS}`, cut };
}

/** True when piece `i` ends a sentence: sentence punctuation, possibly followed by closers up to `i`. */
function endsSentence(pieces: readonly { text: string }[], i: number): boolean {
  let j = i;
  while (j >= 0 && CLOSER.test(pieces[j]!.text)) j--;
  return j >= 0 && SENTENCE_END.test(pieces[j]!.text);
}
