/** What a call costs on a catalog model, in USD, from token and image counts. */
import type { CatalogModel, ImageQuality, ModelTask, UsageEstimate } from './types.ts';

/** The price bracket for an image of width × height, undefined when the model has none that large. */
export function imagePrice(model: CatalogModel, width: number, height: number, quality: ImageQuality): number | undefined {
  const pixels = width * height;
  const bracket = model.prices.images?.find((b) => pixels <= b.maxPixels);
  return bracket?.[quality];
}

/** Undefined when the model cannot bill this task (no price, image size beyond its brackets). */
export function costOf(model: CatalogModel, task: ModelTask, usage: UsageEstimate): number | undefined {
  if (task === 'image') {
    const each = imagePrice(model, usage.width ?? 1024, usage.height ?? 1024, usage.quality ?? 'standard');
    return each === undefined ? undefined : each * (usage.images ?? 1);
  }
  const input = model.prices.inputPer1k;
  if (input === undefined) return undefined;
  if (task === 'embedding') return (usage.inputTokens / 1000) * input;
  const output = model.prices.outputPer1k;
  if (output === undefined) return undefined;
  return (usage.inputTokens / 1000) * input + (usage.outputTokens / 1000) * output;
}

/** Dollars for people: enough digits for fractions of a cent. */
export function formatUsd(amount: number): string {
  return `$${amount < 0.01 ? amount.toPrecision(2) : amount.toFixed(4)}`;
}
