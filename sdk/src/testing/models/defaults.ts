/**
 * Which model "answers" each task in a test, and what it costs: ids the Bedrock emulator
 * serves (and the host's catalog lists), priced as the catalog prices them in ap-northeast-2.
 */
import type { ModelTask } from '../../manifest.ts';

/**
 * The model id reported for each task, and asked for when the emulator answers. Override per
 * task with `models.modelIds`.
 *
 * @example
 * ```ts
 * createTestContext({ manifest, models: { emulator: url, modelIds: { text: DEFAULT_TEST_MODELS.structured } } });
 * ```
 */
export const DEFAULT_TEST_MODELS: Readonly<Record<ModelTask, string>> = Object.freeze({
  text: 'apac.amazon.nova-micro-v1:0',
  structured: 'apac.amazon.nova-lite-v1:0',
  image: 'amazon.nova-canvas-v1:0',
  embedding: 'amazon.titan-embed-text-v2:0',
});

/** USD per 1,000 tokens, and per image up to 1024x1024 (standard, premium) or larger. */
const PRICES: Record<string, { input?: number; output?: number; image?: [number, number, number, number] }> = {
  'apac.amazon.nova-micro-v1:0': { input: 0.000035, output: 0.00014 },
  'apac.amazon.nova-lite-v1:0': { input: 0.00006, output: 0.00024 },
  'amazon.nova-canvas-v1:0': { image: [0.04, 0.06, 0.06, 0.08] },
  'amazon.titan-embed-text-v2:0': { input: 0.00002 },
};

/** About four bytes of UTF-8 per token, the estimate the host and the emulator use. */
export function tokensOf(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

/** Rounded to nano-dollars, the unit the host keeps money in. */
const usd = (amount: number): number => Math.round(amount * 1e9) / 1e9;

/** What tokens cost on `model` (0 for a model the table does not price). */
export function tokenCost(model: string, inputTokens: number, outputTokens: number): number {
  const price = PRICES[model];
  return usd(((price?.input ?? 0) * inputTokens + (price?.output ?? 0) * outputTokens) / 1000);
}

/** What `count` images of a size and quality cost on `model`. */
export function imageCost(model: string, count: number, width: number, height: number, premium: boolean): number {
  const table = PRICES[model]?.image;
  if (!table) return 0;
  const large = width * height > 1024 * 1024;
  return usd(count * table[(large ? 2 : 0) + (premium ? 1 : 0)]!);
}
