/**
 * Korean keywords -> English keywords, through a text model at the config's `translationTier`
 * (basic unless the admin set standard). Nova Canvas documents English prompts only; Hangul
 * in a prompt tends to come out as pseudo-lettering. The `translator` agent runs this as its
 * own step; `text-to-image` and `sketch-to-image` run it inside when they are called with
 * Korean keywords.
 */
import type { Context } from '@easel/sdk';
import { settingsOf } from './config.ts';
import { visibleKeywords, type Keywords } from './keywords.ts';
import { cleanTranslation, containsHangul, splitTranslation, subjectOf } from './prompts.ts';

/** Longest translation line kept, in characters. */
export const MAX_TRANSLATION_CHARS = 200;
/** The translation call's output cap. */
export const TRANSLATION_MAX_TOKENS = 100;

export const TRANSLATION_SYSTEM =
  'You translate keywords for an image generator from Korean into English. ' +
  'Answer with one line only: the English for each keyword, in the order given, separated by commas, ' +
  'with no quotes, numbering, explanations or notes. Translate each keyword as one short phrase without commas. ' +
  'Keep words that are already English as they are.';

/** The user prompt of the translation call. */
export function translationPrompt(keywords: readonly string[]): string {
  return `Keywords: ${keywords.join(', ')}`;
}

/** What the `translator` agent answers. */
export interface Translation {
  /** English keywords; the original keywords when there was nothing to translate or the call failed. */
  keywords: string[];
  /** True when `keywords` is the model's English translation. */
  translated: boolean;
  /** The catalog id of the model that answered, when a call answered. */
  model?: string;
  /** USD billed for the call (0 when none was made, it failed, or the cache answered). */
  cost: number;
}

/**
 * English keywords for cleaned keywords. Keywords without Hangul are returned as they are,
 * with no model call. Keywords with Hangul are translated together in one call (at the
 * config's `translationTier`, temperature 0, so the host's cache answers repeats). Items of
 * the answer that still have Hangul are dropped, so translated keywords never need
 * translating again. If the call fails or answers nothing usable, the original keywords are
 * returned (Nova may still cope) and a warning is logged. A cancelled call is not swallowed.
 */
export async function translateKeywords(keywords: readonly string[], ctx: Context): Promise<Translation> {
  const original = [...keywords];
  if (!keywords.some(containsHangul)) return { keywords: original, translated: false, cost: 0 };
  try {
    const result = await ctx.models.text({
      prompt: translationPrompt(keywords),
      system: TRANSLATION_SYSTEM,
      tier: settingsOf(ctx.config).translationTier,
      maxTokens: TRANSLATION_MAX_TOKENS,
      temperature: 0,
    });
    const cost = nanoUsd(result.cost);
    // An item that still has Hangul is not English: a drawing step would translate it again.
    const items = splitTranslation(cleanTranslation(result.text, MAX_TRANSLATION_CHARS));
    const english = items.filter((k) => !containsHangul(k));
    if (english.length > 0) {
      if (english.length < items.length) ctx.log.warn('dropped untranslated items from the translation', { dropped: items.length - english.length });
      ctx.log.info('translated keywords', { model: result.model, cost, cached: result.cached });
      return { keywords: english, translated: true, model: result.model, cost };
    }
    ctx.log.warn('translation was blank or not English; using the original keywords', { model: result.model });
    return { keywords: original, translated: false, model: result.model, cost };
  } catch (err) {
    ctx.signal.throwIfAborted();
    ctx.log.warn('translation failed; using the original keywords', { code: errorCode(err), message: errorMessage(err) });
    return { keywords: original, translated: false, cost: 0 };
  }
}

export interface Subject {
  /** What goes in front of the style preset. */
  text: string;
  /** True when `text` is made of the model's English translation of the keywords. */
  translated: boolean;
}

/** The subject for the prompt: the (translated) keywords joined naturally ("cat and space"). */
export async function subjectFor(keywords: readonly string[], ctx: Context): Promise<Subject> {
  const translation = await translateKeywords(keywords, ctx);
  return { text: subjectOf(translation.keywords), translated: translation.translated };
}

/** Rounds to nano-dollars, the unit the host keeps money in. */
const nanoUsd = (usd: number) => Math.round(usd * 1e9) / 1e9;

function errorCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The `translator` agent's `translate-keywords` input. */
export interface TranslatorInput {
  keywords: Keywords;
}

/** `translator.translate-keywords`: English keywords for an image prompt. */
export async function translate(input: TranslatorInput, ctx: Context): Promise<Translation> {
  ctx.signal.throwIfAborted();
  return translateKeywords(visibleKeywords(input.keywords), ctx);
}
