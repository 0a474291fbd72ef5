/**
 * Model answers a test scripts: per task, a queue of answers (and errors to throw) used in
 * order, or a function of the request. A task with no script, or whose queue is used up,
 * gets a default answer: a fixed text, one-colour PNGs of the asked size, a deterministic
 * unit vector. Structured answers have no default: a schema says too little to invent one.
 */
import { createHash } from 'node:crypto';
import type { ModelTask } from '../../manifest.ts';
import { EaselError } from '../errors.ts';
import { DEFAULT_TEST_MODELS, imageCost, tokenCost, tokensOf } from './defaults.ts';
import { solidPng } from './png.ts';
import { wordChunks, type EmbedAnswer, type EmbedRequest, type ImageAnswer, type ImageCall, type ModelBackend, type StreamAnswer, type StructuredAnswer, type StructuredRequest, type TextRequest, type TextResult } from './types.ts';

/**
 * Answers for one task: a list used in order (an `Error` in it is thrown; use
 * `modelError(code, message)` for a host code), or a function of the request.
 *
 * @example
 * ```ts
 * const text: Script<TextRequest, string> = ['first answer', modelError('MODEL_CALL_FAILED', 'down')];
 * const image: Script<ImageCall, Uint8Array[]> = (request) => [myPng(request.width)];
 * ```
 */
export type Script<Request, Answer> = ReadonlyArray<Answer | Error> | ((request: Request) => Answer | Promise<Answer>);

/**
 * Scripted model answers, per task. Partial answers are completed (model id, token counts,
 * cost at catalog prices, `cached: false`, `stopReason: 'end_turn'`).
 *
 * @example
 * ```ts
 * const models: ScriptedModels = {
 *   text: ['cat, space'],
 *   structured: (request) => ({ title: `About ${request.prompt}` }),
 *   image: (request) => ({ images: [png], cost: 0.04, width: request.width ?? 1024, height: request.height ?? 1024 }),
 * };
 * ```
 */
export interface ScriptedModels {
  /** A text, or the parts of a TextResult to set. Default: {@link DEFAULT_TEXT}. */
  text?: Script<TextRequest, string | Partial<TextResult>>;
  /** The value itself (checked against the request's schema). No default. */
  structured?: Script<StructuredRequest, unknown>;
  /** The images, or the parts of the answer to set. Default: `count` one-colour PNGs of the asked size. */
  image?: Script<ImageCall, Uint8Array[] | Partial<ImageAnswer>>;
  /** The vector, or the parts of the answer to set. Default: a unit vector derived from the text. */
  embed?: Script<EmbedRequest, number[] | Partial<EmbedAnswer>>;
  /** The chunks, or a text split into words. Default: the text answer, split into words. */
  streamText?: Script<TextRequest, string | string[]>;
  /** The model id reported per task (default {@link DEFAULT_TEST_MODELS}). */
  modelIds?: Partial<Record<ModelTask, string>>;
}

/**
 * The text a text call answers when nothing is scripted for it.
 *
 * @example
 * ```ts
 * const { ctx } = createTestContext({ manifest });
 * assert.equal((await ctx.models.text({ prompt: 'hi' })).text, DEFAULT_TEXT);
 * ```
 */
export const DEFAULT_TEXT = 'A scripted answer from the Easel test kit.';

const GREY: [number, number, number] = [128, 128, 128];

/** Takes the next answer of a script; undefined when it has none left. */
class Queue<Request, Answer> {
  readonly #script: Script<Request, Answer> | undefined;
  readonly #left: (Answer | Error)[];

  constructor(script: Script<Request, Answer> | undefined) {
    this.#script = script;
    this.#left = typeof script === 'function' || script === undefined ? [] : [...script];
  }

  async next(request: Request): Promise<{ answer: Answer } | undefined> {
    if (typeof this.#script === 'function') return { answer: await this.#script(request) };
    if (this.#left.length === 0) return undefined;
    const answer = this.#left.shift()!;
    if (answer instanceof Error) throw answer;
    return { answer };
  }
}

export class ScriptedBackend implements ModelBackend {
  readonly #ids: Record<ModelTask, string>;
  readonly #text: Queue<TextRequest, string | Partial<TextResult>>;
  readonly #structured: Queue<StructuredRequest, unknown>;
  readonly #image: Queue<ImageCall, Uint8Array[] | Partial<ImageAnswer>>;
  readonly #embed: Queue<EmbedRequest, number[] | Partial<EmbedAnswer>>;
  readonly #stream: Queue<TextRequest, string | string[]>;

  constructor(scripts: ScriptedModels) {
    this.#ids = { ...DEFAULT_TEST_MODELS, ...scripts.modelIds };
    this.#text = new Queue(scripts.text);
    this.#structured = new Queue(scripts.structured);
    this.#image = new Queue(scripts.image);
    this.#embed = new Queue(scripts.embed);
    this.#stream = new Queue(scripts.streamText);
  }

  async text(request: TextRequest): Promise<TextResult> {
    const next = await this.#text.next(request);
    const given = typeof next?.answer === 'string' ? { text: next.answer } : (next?.answer ?? {});
    const text = given.text ?? DEFAULT_TEXT;
    const model = given.model ?? this.#ids.text;
    const inputTokens = given.inputTokens ?? tokensOf(`${request.system ?? ''}${request.prompt}`);
    const outputTokens = given.outputTokens ?? tokensOf(text);
    return { stopReason: 'end_turn', cached: false, cost: tokenCost(model, inputTokens, outputTokens), ...given, text, model, inputTokens, outputTokens };
  }

  async structured(request: StructuredRequest): Promise<StructuredAnswer> {
    const next = await this.#structured.next(request);
    if (!next) throw new EaselError('MODEL_CALL_FAILED', 'the test scripts no structured answer: give models.structured, or answer from the emulator');
    const model = this.#ids.structured;
    const inputTokens = tokensOf(`${request.system ?? ''}${request.prompt}${JSON.stringify(request.schema)}`);
    const outputTokens = tokensOf(JSON.stringify(next.answer) ?? '');
    return { value: next.answer, model, inputTokens, outputTokens, cost: tokenCost(model, inputTokens, outputTokens), cached: false };
  }

  async image(request: ImageCall): Promise<ImageAnswer> {
    const next = await this.#image.next(request);
    const given = Array.isArray(next?.answer) ? { images: next.answer } : ((next?.answer as Partial<ImageAnswer> | undefined) ?? {});
    const count = request.count ?? 1;
    const width = given.width ?? request.width ?? 1024;
    const height = given.height ?? request.height ?? 1024;
    const model = given.model ?? this.#ids.image;
    const images = given.images ?? Array.from({ length: count }, () => solidPng(width, height, GREY));
    const premium = (request.quality ?? (request.tier === 'premium' ? 'premium' : 'standard')) === 'premium';
    return { images, model, width, height, cost: given.cost ?? imageCost(model, images.length, width, height, premium) };
  }

  async embed(request: EmbedRequest): Promise<EmbedAnswer> {
    const next = await this.#embed.next(request);
    const given = Array.isArray(next?.answer) ? { vector: next.answer } : ((next?.answer as Partial<EmbedAnswer> | undefined) ?? {});
    const model = given.model ?? this.#ids.embedding;
    const vector = given.vector ?? unitVector(request.text, request.dimensions ?? 1024);
    return { cached: false, cost: tokenCost(model, tokensOf(request.text), 0), ...given, vector, model };
  }

  async streamText(request: TextRequest): Promise<StreamAnswer> {
    const next = await this.#stream.next(request);
    const chunks = next === undefined ? wordChunks((await this.text(request)).text) : typeof next.answer === 'string' ? wordChunks(next.answer) : [...next.answer];
    const model = this.#ids.text;
    const inputTokens = tokensOf(`${request.system ?? ''}${request.prompt}`);
    return { model, chunks, cost: tokenCost(model, inputTokens, tokensOf(chunks.join(''))) };
  }

  async close(): Promise<void> {}
}

/** A deterministic unit vector of `dimensions` numbers, seeded by the text. */
function unitVector(text: string, dimensions: number): number[] {
  const raw: number[] = [];
  for (let block = 0; raw.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}\n${text}`).digest();
    for (let i = 0; i + 1 < digest.length && raw.length < dimensions; i += 2) raw.push(digest.readInt16BE(i) / 32768);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((x) => x / norm);
}
