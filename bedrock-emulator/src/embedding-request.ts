/** Reading a Titan Text Embeddings body (reference §4.8), G1 and V2. */
import { invalid } from './errors.ts';
import type { ResolvedModel } from './model-ids.ts';

export interface EmbeddingRequest {
  inputText: string;
  /** False for G1, which has no other options. */
  v2: boolean;
  dimensions: number;
  normalize: boolean;
  embeddingTypes: Array<'float' | 'binary'>;
}

const MAX_CHARS = 50_000;
const V1_DIMENSIONS = 1536;
const V2_DIMENSIONS = new Set([256, 512, 1024]);

export function readEmbeddingRequest(body: Record<string, unknown>, model: ResolvedModel): EmbeddingRequest {
  const { inputText } = body;
  if (typeof inputText !== 'string' || inputText.trim() === '') throw invalid('inputText must be a non-empty string.');
  if (inputText.length > MAX_CHARS) throw invalid(`inputText must be at most ${MAX_CHARS} characters.`);
  const v2 = model.baseId === 'amazon.titan-embed-text-v2:0';
  if (!v2) return { inputText, v2, dimensions: V1_DIMENSIONS, normalize: true, embeddingTypes: ['float'] };

  const dimensions = body.dimensions ?? 1024;
  if (typeof dimensions !== 'number' || !V2_DIMENSIONS.has(dimensions)) throw invalid('dimensions must be 256, 512 or 1024.');
  const normalize = body.normalize ?? true;
  if (typeof normalize !== 'boolean') throw invalid('normalize must be a boolean.');
  const types = body.embeddingTypes ?? ['float'];
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => t === 'float' || t === 'binary')) {
    throw invalid('embeddingTypes must be a non-empty list of float and binary.');
  }
  return { inputText, v2, dimensions, normalize, embeddingTypes: [...new Set(types)] as EmbeddingRequest['embeddingTypes'] };
}
