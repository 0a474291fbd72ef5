/** The two ways to draw, as plain functions the two drawing agents call. */
import { PluginError, type Context, type ImageRequest } from '@easel/sdk';
import { imageCount, settingsOf, type Settings } from './config.ts';
import { isPngOrJpeg, sketchBytes, storeImages, type Image } from './images.ts';
import { visibleKeywords, type Keywords } from './keywords.ts';
import {
  buildNegativePrompt,
  buildPrompt,
  normalizeKeywords,
  parseSize,
  SKETCH_SUBJECT,
  type Size,
  type Style,
} from './prompts.ts';
import { subjectFor } from './translate.ts';

interface Common {
  /** Default: the config's `defaultStyle`. */
  style?: Style;
  /** Default 1; at most the config's `maxImages`. */
  count?: number;
  /** Default: the config's `defaultSize`. */
  size?: Size;
  seed?: number;
  /** Also answer the PNG bytes of each image (`bytes`), for a calling plugin to keep. */
  returnBytes?: boolean;
}

export interface TextToImageInput extends Common {
  keywords: Keywords;
}

export interface SketchToImageInput extends Common {
  /** The host validates the base64 field (PNG or JPEG, size) and hands over its bytes. */
  sketch: Uint8Array;
  keywords?: Keywords;
  similarity?: number;
}

export interface CanvasOutput {
  images: Image[];
  /** The prompt sent to the image model. */
  prompt: string;
  negativePrompt: string;
  /** The PNG bytes of each image, in the order of `images`; only with `returnBytes`. */
  bytes?: Uint8Array[];
}

export const DEFAULT_SIMILARITY = 0.7;
/** The largest seed Nova Canvas takes. */
export const MAX_SEED = 2_147_483_646;

/** A seed in 0..MAX_SEED (Math.random is all an isolate has, and all this needs). */
export function randomSeed(): number {
  return Math.floor(Math.random() * (MAX_SEED + 1));
}

/** Images from keywords (TEXT_IMAGE). */
export async function textToImage(input: TextToImageInput, ctx: Context): Promise<CanvasOutput> {
  ctx.signal.throwIfAborted();
  const settings = settingsOf(ctx.config);
  // Refused before the translation is paid for.
  const count = imageCount(input.count, settings);
  const keywords = visibleKeywords(input.keywords);
  const subject = await subjectFor(keywords, ctx);
  return draw(ctx, input, settings, count, subject.text, subject.translated, undefined);
}

/** Images that follow a sketch (IMAGE_VARIATION), guided by keywords when there are any. */
export async function sketchToImage(input: SketchToImageInput, ctx: Context): Promise<CanvasOutput> {
  ctx.signal.throwIfAborted();
  const settings = settingsOf(ctx.config);
  const count = imageCount(input.count, settings);
  const sketch = sketchBytes(input.sketch);
  if (!isPngOrJpeg(sketch)) throw new PluginError('REQUEST_REJECTED', 'sketch must be a PNG or JPEG image');
  const keywords = normalizeKeywords(input.keywords);
  const subject = keywords.length > 0 ? await subjectFor(keywords, ctx) : { text: SKETCH_SUBJECT, translated: false };
  return draw(ctx, input, settings, count, subject.text, subject.translated, { image: sketch, similarity: input.similarity ?? DEFAULT_SIMILARITY });
}

async function draw(
  ctx: Context,
  input: Common,
  settings: Settings,
  count: number,
  subject: string,
  translated: boolean,
  variation: { image: Uint8Array; similarity: number } | undefined,
): Promise<CanvasOutput> {
  ctx.signal.throwIfAborted();
  const style = input.style ?? settings.defaultStyle;
  const { width, height } = parseSize(input.size ?? settings.defaultSize);
  const prompt = buildPrompt(subject, style);
  const negativePrompt = buildNegativePrompt(style);
  // Nova Canvas's own default seed is fixed (12): without one, the same keywords would always
  // give the same pictures. A caller who wants that passes a seed.
  const seed = input.seed ?? randomSeed();
  const request: ImageRequest = { prompt, negativePrompt, count, width, height, seed };
  if (variation) {
    request.image = variation.image;
    request.similarity = variation.similarity;
  }
  ctx.log.info('drawing', { mode: variation ? 'sketch' : 'text', style, count, width, height, translated, seed, promptChars: prompt.length });
  const result = await ctx.models.image(request);
  ctx.signal.throwIfAborted();
  const images = await storeImages(result, ctx);
  // The same bytes that were stored (storage.put copied them), in the same order.
  return input.returnBytes === true ? { images, prompt, negativePrompt, bytes: result.images } : { images, prompt, negativePrompt };
}
