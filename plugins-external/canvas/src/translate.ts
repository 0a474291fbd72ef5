/**
 * Korean keywords -> a short English subject, through a basic-tier text model. Nova Canvas
 * documents English prompts only; Hangul in a prompt tends to come out as pseudo-lettering.
 */
import type { Context } from '@easel/sdk';
import { cleanTranslation, containsHangul, subjectOf } from './prompts.ts';

/** Longest translation kept, in characters. */
export const MAX_TRANSLATION_CHARS = 200;

export const TRANSLATION_SYSTEM =
  'You translate keywords for an image generator from Korean into English. ' +
  'Answer with one line only: a short English phrase or comma-separated list of the keywords, ' +
  'with no quotes, explanations or notes. Keep words that are already English as they are.';

export interface Subject {
  /** What goes in front of the style preset. */
  text: string;
  /** True when `text` is the model's English translation of the keywords. */
  translated: boolean;
}

/**
 * The subject for the prompt. Keywords without Hangul are joined as they are. Keywords with
 * Hangul are translated together in one call (cached by the host for repeats: temperature 0);
 * if the call fails or answers nothing usable, the original keywords are used (Nova may still
 * cope) and a warning is logged. A cancelled call is not swallowed.
 */
export async function subjectFor(keywords: readonly string[], ctx: Context): Promise<Subject> {
  const original = subjectOf(keywords);
  if (!keywords.some(containsHangul)) return { text: original, translated: false };
  try {
    const result = await ctx.models.text({
      prompt: `Keywords: ${keywords.join(', ')}`,
      system: TRANSLATION_SYSTEM,
      tier: 'basic',
      maxTokens: 100,
      temperature: 0,
    });
    const english = cleanTranslation(result.text, MAX_TRANSLATION_CHARS);
    if (english !== '') {
      ctx.log.info('translated keywords', { model: result.model, cost: result.cost, cached: result.cached });
      return { text: english, translated: true };
    }
    ctx.log.warn('translation was blank; using the original keywords', { model: result.model });
  } catch (err) {
    ctx.signal.throwIfAborted();
    ctx.log.warn('translation failed; using the original keywords', { code: errorCode(err), message: errorMessage(err) });
  }
  return { text: original, translated: false };
}

function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
