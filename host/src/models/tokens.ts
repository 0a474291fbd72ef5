/**
 * Token counts before a call. Providers count with their own tokenizers; the router needs
 * two numbers it can compute alone: an estimate to compare costs, and an upper bound to
 * hold budgets and quotas with.
 */

/** About four bytes of UTF-8 per token (`@easel/bedrock-emulator` counts exactly this way; test/models/tokens.test.ts checks). */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

/**
 * Byte-level BPE tokenizers never make more tokens than the text has UTF-8 bytes, so this
 * bounds the input a call can bill, whatever the model.
 */
export function maxTokens(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
