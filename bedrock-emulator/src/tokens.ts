/**
 * The emulator's token count: one token per four bytes of UTF-8, rounded up. Easel's router
 * estimates with the same rule, so what it holds for a call and what the emulator bills agree.
 */

/**
 * The tokens the emulator counts for `text` (usage, quotas, `maxTokens` cuts).
 * @example estimateTokens('hello world') // 3
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

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
