/** Small text helpers shared by the agents: cleaning, counting and capping. */

// C0 controls except tab and line feed, DEL, C1 controls, bidi embeddings/overrides/isolates,
// zero-width space and BOM: never wanted in prose that apps show to people.
const UNWANTED = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2066-\u2069\uFEFF]/gu;

/**
 * Prose as apps should show it: NFC, `\n` line ends, no control or invisible characters,
 * no trailing spaces on lines, at most one blank line between paragraphs, trimmed.
 */
export function cleanProse(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?|\u2028|\u2029/g, '\n')
    .replace(UNWANTED, '')
    .replace(/[^\S\n]+$/gmu, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** One line: NFC, control characters removed, white space collapsed to one space, trimmed. */
export function cleanLine(text: string): string {
  return text.normalize('NFC').replace(UNWANTED, ' ').replace(/\s+/gu, ' ').trim();
}

/** Words as people count them: runs of non-space characters with a letter or a digit (a Korean 어절 is one word). */
export function wordCount(text: string): number {
  return text.split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** Characters as people count them: Unicode code points, spaces included, line breaks not. */
export function charCount(text: string): number {
  let n = 0;
  for (const ch of text) if (ch !== '\n') n++;
  return n;
}

/** Letters and digits only (Korean narration is paced by syllables). */
export function letterCount(text: string): number {
  return (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
}

/** At most `max` code points, never cutting a surrogate pair; a cut text ends with '…'. */
export function capText(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('').trimEnd()}…`;
}

/** Rounds to nano-dollars, the unit the host keeps money in. */
export function usd(amount: number): number {
  return Math.round(amount * 1e9) / 1e9;
}

/** The code of a bridge or plugin error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
