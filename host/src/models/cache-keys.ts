/**
 * Keys of the result caches. The exact key is model-independent: the normalized request, the
 * task and the tier, so an answer from any model of that tier serves the repeat. The scope
 * (the calling plugin) and the calling app are part of every key: one plugin's or one app's
 * prompts and answers never reach another through the cache.
 */
import { createHash } from 'node:crypto';

/** Unicode NFC, trimmed, runs of whitespace as one space: the same question typed twice. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Key of the exact cache: everything that shapes the answer except which model gives it, and
 * the calling app, so an app never learns from a hit (`cached`, a zero cost) that another app
 * sent the same request. The scope (the plugin) is stored beside the key, to clear it on uninstall.
 */
export function exactKey(scope: string, app: string | undefined, task: string, tier: string, request: Record<string, unknown>): string {
  return sha256(canonicalJson({ scope, app: app ?? null, task, tier, request }));
}

/**
 * Partition of the semantic cache: everything but the prompt must match exactly, so a near
 * prompt only ever reuses an answer given under the same system text and settings.
 */
export function semanticPartition(scope: string, task: string, tier: string, settings: Record<string, unknown>): string {
  return sha256(canonicalJson({ scope, task, tier, settings }));
}
