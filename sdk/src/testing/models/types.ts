/** The model requests and answers as the kit's model backends (scripted, emulator) see them. */
import type { CacheHit, ImageRequest, TextRequest, TextResult } from '../../context.ts';

export type { ImageRequest, TextRequest, TextResult };

/**
 * A `ctx.models.structured` request, as a script receives it and `recorded.models.structured` keeps it.
 *
 * @example
 * ```ts
 * const structured = (request: StructuredRequest) => ({ title: request.prompt.slice(0, 20) });
 * ```
 */
export type StructuredRequest = TextRequest & { schema: Record<string, unknown> };

/**
 * A `ctx.models.embed` request, as a script receives it and `recorded.models.embed` keeps it.
 *
 * @example
 * ```ts
 * const embed = (request: EmbedRequest) => new Array(request.dimensions ?? 1024).fill(0);
 * ```
 */
export type EmbedRequest = { text: string; dimensions?: number; cache?: boolean };

/**
 * A `ctx.models.image` request with the sketch (if any) as the bytes that crossed, as a
 * script receives it and `recorded.models.image` keeps it.
 *
 * @example
 * ```ts
 * const image = (request: ImageCall) => ({ images: [myPng], width: request.width ?? 1024, height: request.height ?? 1024 });
 * assert.deepEqual(recorded.models.image[0]?.image, sketchBytes);
 * ```
 */
export type ImageCall = Omit<ImageRequest, 'image'> & { image?: Uint8Array };

/** A structured answer: a text answer's accounting, with the value instead of the text. */
export type StructuredAnswer = Omit<TextResult, 'text' | 'stopReason'> & { value: unknown };

export interface ImageAnswer {
  images: Uint8Array[];
  model: string;
  cost: number;
  width: number;
  height: number;
}

export interface EmbedAnswer {
  vector: number[];
  model: string;
  cost: number;
  cached: CacheHit;
}

/** A streamed text answer: its chunks, in order. */
export interface StreamAnswer {
  model: string;
  chunks: string[];
  cost: number;
}

/** What answers `ctx.models` in a test; arguments and grants were checked before it is asked. */
export interface ModelBackend {
  text(request: TextRequest, signal: AbortSignal): Promise<TextResult>;
  structured(request: StructuredRequest, signal: AbortSignal): Promise<StructuredAnswer>;
  image(request: ImageCall, signal: AbortSignal): Promise<ImageAnswer>;
  embed(request: EmbedRequest, signal: AbortSignal): Promise<EmbedAnswer>;
  streamText(request: TextRequest, signal: AbortSignal): Promise<StreamAnswer>;
  close(): Promise<void>;
}

/** Text split after each space: chunks that concatenate back to the text. */
export function wordChunks(text: string): string[] {
  return text.match(/\S*\s*/g)?.filter((c) => c !== '') ?? [];
}

/** A call's streamed texts still open, by handle, with how far each was read. */
export type OpenStreams = Map<string, StreamAnswer & { read: number }>;
