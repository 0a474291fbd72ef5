/**
 * Cached model answers as both stores keep them: JSON text, and for semantic entries an
 * embedding as Float32Array bytes. Similarity is computed in JS: vectors are L2-normalized by
 * the caller, so a dot product is the cosine.
 */
import type { CachedAnswer } from '../types.ts';

/** Bounds the work of one lookup: only the newest rows of a partition are compared. */
export const MAX_SCANNED = 2000;

export interface AnswerRow {
  answer: string;
  model_id: string;
  created_at: string;
}

export const toAnswer = (row: AnswerRow): CachedAnswer => ({ answer: JSON.parse(row.answer), modelId: row.model_id, createdAt: row.created_at });

export const toBlob = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

/** A Float32Array over the blob's bytes: a view when aligned, else a copy (typed arrays need 4-byte alignment). */
function toVector(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(new Uint8Array(blob).buffer);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The most similar of `rows` (newest first) at or above `threshold`. Newest first and a strict
 * `>`: of equally similar entries the newest answer wins.
 */
export function nearestOf(rows: Iterable<{ id: number; vector: Buffer }>, vector: Float32Array, threshold: number): { id: number; similarity: number } | undefined {
  let best: { id: number; similarity: number } | undefined;
  for (const row of rows) {
    const candidate = toVector(row.vector);
    // Another embedding model's vector in the same partition cannot be compared.
    if (candidate.length !== vector.length) continue;
    const similarity = dot(vector, candidate);
    if (similarity >= threshold && (best === undefined || similarity > best.similarity)) best = { id: row.id, similarity };
  }
  return best;
}
