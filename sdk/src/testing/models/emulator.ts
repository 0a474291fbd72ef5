/**
 * Model answers from the Bedrock emulator (`@easel/bedrock-emulator`, or anything that speaks
 * Bedrock Runtime's REST protocol) at a URL the test gives: Converse for text and structured
 * answers (a tool whose input schema is the requested schema, as the host asks), InvokeModel
 * for images and embeddings, with the bodies the host sends. No AWS SDK and no signing.
 *
 * The emulator speaks cleartext HTTP/2 only (as the Bedrock client does), which `fetch`
 * cannot, so requests go through `node:http2`. Streamed text is one Converse call whose
 * answer is handed over word by word.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import type { ModelTask } from '../../manifest.ts';
import { EaselError } from '../errors.ts';
import { DEFAULT_TEST_MODELS, imageCost, tokenCost, tokensOf } from './defaults.ts';
import { wordChunks, type EmbedAnswer, type EmbedRequest, type ImageAnswer, type ImageCall, type ModelBackend, type StreamAnswer, type StructuredAnswer, type StructuredRequest, type TextRequest, type TextResult } from './types.ts';

/**
 * Answers from a Bedrock emulator at `emulator` (e.g. `startEmulator().url`), asking the
 * model ids `modelIds` names per task (default {@link DEFAULT_TEST_MODELS}).
 *
 * @example
 * ```ts
 * const emulator = await startEmulator(); // from @easel/bedrock-emulator
 * const { ctx } = createTestContext({ manifest, models: { emulator: emulator.url } });
 * ```
 */
export interface EmulatorModels {
  emulator: string;
  modelIds?: Partial<Record<ModelTask, string>>;
  /** Output tokens when a request names none (the host's default, 1024). */
  defaultMaxTokens?: number;
}

type Json = Record<string, any>;

/** Bedrock exceptions that say the request itself was wrong; the rest are the model's failures. */
const REQUEST_FAULTS = new Set(['ValidationException', 'ResourceNotFoundException']);

export class EmulatorBackend implements ModelBackend {
  readonly #url: string;
  readonly #ids: Record<ModelTask, string>;
  readonly #maxTokens: number;
  #session: ClientHttp2Session | undefined;
  #inFlight = 0;

  constructor(options: EmulatorModels) {
    this.#url = new URL(options.emulator).origin;
    this.#ids = { ...DEFAULT_TEST_MODELS, ...options.modelIds };
    this.#maxTokens = options.defaultMaxTokens ?? 1024;
  }

  async text(request: TextRequest, signal: AbortSignal): Promise<TextResult> {
    const model = this.#ids.text;
    const out = await this.#converse(model, request, undefined, signal);
    const text = content(out).map((block: Json) => block.text ?? '').join('');
    const { inputTokens, outputTokens } = usage(out);
    return { text, model, inputTokens, outputTokens, cost: tokenCost(model, inputTokens, outputTokens), cached: false, stopReason: out.stopReason ?? 'end_turn' };
  }

  async structured(request: StructuredRequest, signal: AbortSignal): Promise<StructuredAnswer> {
    const model = this.#ids.structured;
    const out = await this.#converse(model, request, request.schema, signal);
    const tool = content(out).find((block: Json) => block.toolUse)?.toolUse;
    if (!tool) throw new EaselError('MODEL_OUTPUT_INVALID', `${model} answered without a value for the schema`);
    const { inputTokens, outputTokens } = usage(out);
    return { value: tool.input, model, inputTokens, outputTokens, cost: tokenCost(model, inputTokens, outputTokens), cached: false };
  }

  async image(request: ImageCall, signal: AbortSignal): Promise<ImageAnswer> {
    const model = this.#ids.image;
    const count = request.count ?? 1;
    const width = request.width ?? 1024;
    const height = request.height ?? 1024;
    const quality = request.quality ?? (request.tier === 'premium' ? 'premium' : 'standard');
    const config = { numberOfImages: count, quality, width, height, ...(request.seed === undefined ? {} : { seed: request.seed }) };
    const prompts = { text: request.prompt, negativeText: request.negativePrompt };
    const body = request.image
      ? { taskType: 'IMAGE_VARIATION', imageVariationParams: { ...prompts, images: [Buffer.from(request.image).toString('base64')], similarityStrength: request.similarity ?? 0.7 }, imageGenerationConfig: config }
      : { taskType: 'TEXT_IMAGE', textToImageParams: prompts, imageGenerationConfig: config };
    const out = await this.#post(model, 'invoke', body, signal);
    if (!Array.isArray(out.images) || out.images.length !== count) throw new EaselError('MODEL_CALL_FAILED', `${model} answered ${Array.isArray(out.images) ? out.images.length : 'no'} images for ${count} asked`);
    const images = out.images.map((b64: string) => new Uint8Array(Buffer.from(b64, 'base64')));
    return { images, model, width, height, cost: imageCost(model, count, width, height, quality === 'premium') };
  }

  async embed(request: EmbedRequest, signal: AbortSignal): Promise<EmbedAnswer> {
    const model = this.#ids.embedding;
    // Titan v2 takes a size; v1 makes 1536 numbers and takes nothing but the text.
    const body = model.includes('titan-embed-text-v1') ? { inputText: request.text } : { inputText: request.text, dimensions: request.dimensions ?? 1024, normalize: true };
    const out = await this.#post(model, 'invoke', body, signal);
    if (!Array.isArray(out.embedding)) throw new EaselError('MODEL_CALL_FAILED', `${model} answered without an embedding`);
    const inputTokens = typeof out.inputTextTokenCount === 'number' ? out.inputTextTokenCount : tokensOf(request.text);
    return { vector: out.embedding, model, cost: tokenCost(model, inputTokens, 0), cached: false };
  }

  async streamText(request: TextRequest, signal: AbortSignal): Promise<StreamAnswer> {
    const answer = await this.text(request, signal);
    return { model: answer.model, chunks: wordChunks(answer.text), cost: answer.cost };
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session && !session.closed) await new Promise<void>((resolve) => session.close(() => resolve()));
  }

  #converse(model: string, request: TextRequest, schema: Record<string, unknown> | undefined, signal: AbortSignal): Promise<Json> {
    const inference = { maxTokens: request.maxTokens ?? this.#maxTokens, ...(request.temperature === undefined ? {} : { temperature: request.temperature }) };
    const tool = schema && { name: 'answer', description: 'Give the answer as a value matching this schema.', inputSchema: { json: schema } };
    return this.#post(model, 'converse', {
      messages: [{ role: 'user', content: [{ text: request.prompt }] }],
      ...(request.system ? { system: [{ text: request.system }] } : {}),
      inferenceConfig: inference,
      ...(tool ? { toolConfig: { tools: [{ toolSpec: tool }], toolChoice: { tool: { name: 'answer' } } } } : {}),
    }, signal);
  }

  /** POST /model/{id}/{action} with a JSON body; the parsed answer, or the failure as a host code. */
  async #post(model: string, action: 'converse' | 'invoke', body: unknown, signal: AbortSignal): Promise<Json> {
    signal.throwIfAborted();
    const { status, headers, text } = await this.#request(`/model/${encodeURIComponent(model)}/${action}`, JSON.stringify(body), signal);
    let parsed: Json;
    try {
      parsed = JSON.parse(text) as Json;
    } catch {
      throw new EaselError('MODEL_CALL_FAILED', `${model} answered HTTP ${status} with a body that is not JSON`);
    }
    if (status === 200) return parsed;
    const type = String(headers['x-amzn-errortype'] ?? parsed.__type ?? `HTTP ${status}`).split(':')[0]!;
    const message = `${model} failed: ${type}: ${String(parsed.message ?? '')}`.slice(0, 500);
    if (REQUEST_FAULTS.has(type)) throw new EaselError('MODEL_REQUEST_INVALID', message);
    if (type === 'ModelErrorException' && action === 'converse' && 'toolConfig' in (body as Json)) throw new EaselError('MODEL_OUTPUT_INVALID', message);
    throw new EaselError('MODEL_CALL_FAILED', message);
  }

  #request(path: string, body: string, signal: AbortSignal): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
    return new Promise((resolve, reject) => {
      const session = this.#open();
      this.#inFlight++;
      session.ref();
      const done = () => {
        if (--this.#inFlight === 0 && !session.destroyed) session.unref();
      };
      const failed = (err: unknown) => {
        done();
        reject(signal.aborted ? signal.reason : new EaselError('MODEL_CALL_FAILED', `the emulator at ${this.#url} could not be reached: ${(err as Error).message}`));
      };
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', accept: 'application/json' }, { signal });
      let headers: Record<string, unknown> = {};
      const parts: Buffer[] = [];
      stream.on('response', (h) => (headers = h));
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('end', () => {
        done();
        resolve({ status: Number(headers[':status'] ?? 0), headers, text: Buffer.concat(parts).toString('utf8') });
      });
      stream.on('error', failed);
      stream.end(body);
    });
  }

  #open(): ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    const session = connect(this.#url);
    // A refused connection fails the request it was opened for; the session is then dropped.
    session.on('error', () => undefined);
    session.on('close', () => {
      if (this.#session === session) this.#session = undefined;
    });
    session.unref();
    this.#session = session;
    return session;
  }
}

const content = (out: Json): Json[] => (Array.isArray(out.output?.message?.content) ? out.output.message.content : []);
const usage = (out: Json) => ({ inputTokens: Number(out.usage?.inputTokens ?? 0), outputTokens: Number(out.usage?.outputTokens ?? 0) });
