/** The emulator's token count: the router's own estimate (../tokens.ts), so both sides agree. */
import { estimateTokens } from '../tokens.ts';

export { estimateTokens };

/**
 * The longest prefix of `text` that costs at most `maxTokens`, cut at a word boundary when
 * one is near, never inside a code point.
 */
export function cutToTokens(text: string, maxTokens: number): string {
  if (estimateTokens(text) <= maxTokens) return text;
  const maxBytes = Math.max(0, maxTokens) * 4;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  const cut = text.slice(0, end);
  const space = cut.lastIndexOf(' ');
  return space > cut.length / 2 ? cut.slice(0, space) : cut;
}
