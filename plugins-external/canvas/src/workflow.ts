/**
 * The `canvas` workflow: keywords, a sketch or both. Each call is a recorded step of the
 * execution (`ctx.agents.invoke`): Korean keywords are translated first by `translator`, then
 * `sketch-enhancer` draws from the sketch when there is one, else `image-generator` from the
 * keywords. `estimate` names the same steps for `POST /v1/workflows/canvas/preview`, from the
 * same plan and the same config, without calling anything.
 */
import { PluginError, type Context, type Estimate, type EstimatedStep } from '@easel/sdk';
import { DEFAULTS, imageCount, settingsOf, type Settings } from './config.ts';
import type { CanvasOutput } from './generate.ts';
import type { Image } from './images.ts';
import type { Keywords } from './keywords.ts';
import { containsHangul, normalizeKeywords, type Size, type Style } from './prompts.ts';
import { TRANSLATION_MAX_TOKENS, TRANSLATION_SYSTEM, translationPrompt, type Translation } from './translate.ts';

export interface CanvasInput {
  keywords?: Keywords;
  /** The host decodes the base64 field and hands over its bytes. */
  sketch?: Uint8Array;
  style?: Style;
  count?: number;
  size?: Size;
  similarity?: number;
  seed?: number;
}

/** The workflow's output: what the drawing step answered, without anything else. */
export interface CanvasResult {
  images: Image[];
  prompt: string;
  negativePrompt: string;
}

/** An agent and capability of this plugin, as `ctx.agents.invoke` names them. */
interface Step {
  agent: string;
  capability: string;
}

export const TRANSLATE_STEP: Step = { agent: 'translator', capability: 'translate-keywords' };
export const TEXT_STEP: Step = { agent: 'image-generator', capability: 'text-to-image' };
export const SKETCH_STEP: Step = { agent: 'sketch-enhancer', capability: 'sketch-to-image' };

/**
 * The steps a run takes for an input: translate only when a keyword has Hangul; then draw
 * `count` images. A count over the config's `maxImages` is refused (REQUEST_REJECTED) here,
 * before any step.
 */
export function plan(input: CanvasInput, settings: Settings): { translate: boolean; draw: Step; count: number } {
  if (input.sketch === undefined && input.keywords === undefined) throw new PluginError('REQUEST_REJECTED', 'give keywords, a sketch or both');
  const count = imageCount(input.count, settings);
  const translate = input.keywords !== undefined && normalizeKeywords(input.keywords).some(containsHangul);
  return { translate, draw: input.sketch !== undefined ? SKETCH_STEP : TEXT_STEP, count };
}

/** Runs the plan, one recorded step per agent call. */
export async function canvas(input: CanvasInput, ctx: Context): Promise<CanvasResult> {
  const steps = plan(input, settingsOf(ctx.config));
  const { count } = steps;
  const { keywords, sketch, similarity, ...common } = input;
  let english = keywords;
  if (steps.translate) {
    await ctx.progress('translating the keywords');
    const translation = await ctx.agents.invoke<Translation>(TRANSLATE_STEP.agent, TRANSLATE_STEP.capability, { keywords });
    // A failed translation answers the original keywords; the drawing step then tries once more.
    english = translation.keywords;
    await ctx.progress(translation.translated ? 'translated the keywords' : 'kept the original keywords', { keywords: english });
  }
  // The input goes on as given: the drawing step reads the same config for what it leaves out.
  let drawn: CanvasOutput;
  if (sketch !== undefined) {
    await ctx.progress('drawing from the sketch', { count });
    // The sketch crosses as bytes: the host carries a Uint8Array in a byte field as it is.
    drawn = await ctx.agents.invoke<CanvasOutput>(SKETCH_STEP.agent, SKETCH_STEP.capability, {
      ...common,
      sketch,
      ...(english !== undefined ? { keywords: english } : {}),
      ...(similarity !== undefined ? { similarity } : {}),
    });
  } else {
    await ctx.progress('drawing from the keywords', { count });
    drawn = await ctx.agents.invoke<CanvasOutput>(TEXT_STEP.agent, TEXT_STEP.capability, { ...common, keywords: english });
  }
  return { images: drawn.images, prompt: drawn.prompt, negativePrompt: drawn.negativePrompt };
}

/** UTF-8 bytes of a text, counted without TextEncoder (an isolate has none). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** The host's token estimate: about four bytes of UTF-8 per token. */
const tokensOf = (text: string) => Math.ceil(utf8Length(text) / 4);

/**
 * The steps `canvas` will take for this input under these settings (the config's, read with
 * `settingsOf(ctx.config)`), with the model call each makes, for the preview.
 */
export function estimate(input: CanvasInput, settings: Settings = DEFAULTS): Estimate {
  const steps = plan(input, settings);
  const out: EstimatedStep[] = [];
  if (steps.translate) {
    const keywords = normalizeKeywords(input.keywords);
    const inputTokens = tokensOf(TRANSLATION_SYSTEM) + tokensOf(translationPrompt(keywords));
    out.push({ ...TRANSLATE_STEP, model: { task: 'text', tier: settings.translationTier, inputTokens, outputTokens: TRANSLATION_MAX_TOKENS } });
  }
  // The image call asks for no tier (basic: Nova Canvas at standard quality). Every size canvas
  // offers is in Nova Canvas's lowest price bracket, which the preview prices (1024x1024).
  out.push({ ...steps.draw, model: { task: 'image', tier: 'basic', images: steps.count } });
  return { steps: out };
}
