/**
 * Deterministic text embeddings by feature hashing (reference §4.8): NFKC-lowercased words
 * of Unicode letters and digits, plus the character trigrams of each word (with boundary
 * marks, so Korean forms such as 고양이가 / 고양이는 still share features), each hashed to a
 * dimension and a sign. Texts that share most words point the same way; unrelated texts are
 * nearly orthogonal; texts equal after case and punctuation normalization are identical.
 */
import { hash32 } from './seeded.ts';

const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.75;

export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

function trigrams(word: string): string[] {
  const chars = [...`<${word}>`];
  const grams: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) grams.push(chars.slice(i, i + 3).join(''));
  return grams;
}

function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const h = hash32(feature, 0x9e3779b9);
  const sign = hash32(feature, 0x7f4a7c15) & 1 ? 1 : -1;
  vector[h % vector.length] += sign * weight;
}

/** The raw (unnormalized) feature-hashing vector of `text`. */
export function rawEmbedding(text: string, dimensions: number): Float64Array {
  const vector = new Float64Array(dimensions);
  for (const word of words(text)) {
    addFeature(vector, `w:${word}`, WORD_WEIGHT);
    for (const gram of trigrams(word)) addFeature(vector, `t:${gram}`, TRIGRAM_WEIGHT);
  }
  return vector;
}

/** Scales to unit length; a text with no features gets a fixed unit vector. */
export function l2Normalize(vector: Float64Array): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum === 0) return Array.from(vector, (_, i) => (i === 0 ? 1 : 0));
  const norm = Math.sqrt(sum);
  return Array.from(vector, (value) => value / norm);
}

export function embedding(text: string, dimensions: number, normalize = true): number[] {
  const raw = rawEmbedding(text, dimensions);
  return normalize ? l2Normalize(raw) : Array.from(raw);
}
