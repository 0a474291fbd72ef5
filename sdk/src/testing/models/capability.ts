/**
 * `ctx.models` behind the grant check: the request is checked as the host checks it, recorded,
 * answered by the backend (scripted or the emulator), and shaped as the host answers it
 * (images as bytes, streams as handles read chunk by chunk). Structured answers are checked
 * against the requested schema; a failure of the backend keeps its code.
 */
import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '../../bundle/linear-regexp.ts';
import { sniffImage } from '../../isolate/input-bytes.ts';
import { withBytes } from '../bytes.ts';
import { codeOf, EaselError, messageOf } from '../errors.ts';
import { checkModelArguments } from './arguments.ts';
import type { EmbedRequest, ImageCall, ModelBackend, OpenStreams, StreamAnswer, StructuredRequest, TextRequest } from './types.ts';

/**
 * The requests that reached the model backend, per operation, in order (denied and
 * malformed requests never do).
 *
 * @example
 * ```ts
 * const models: RecordedModels = recorded.models;
 * assert.equal(models.text[0]?.tier, 'basic');
 * assert.equal(models.image.length, 0);
 * ```
 */
export interface RecordedModels {
  text: TextRequest[];
  structured: StructuredRequest[];
  image: ImageCall[];
  embed: EmbedRequest[];
  streamText: TextRequest[];
}

// Schemas come from plugin code: linear-time regexes, as the host compiles them.
const ajv = new Ajv2020({ strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
const checks = new Map<string, ValidateFunction>();

/** The check of a structured request's schema, compiled once per schema (ajv keeps every schema it compiled: start over past 200). */
function checkOf(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let check = checks.get(key);
  if (!check) {
    // A top-level $id would clash with the next schema that carries the same one.
    const { $id: _id, ...anonymous } = schema;
    try {
      check = ajv.compile(anonymous);
    } catch (err) {
      throw new EaselError('MODEL_REQUEST_INVALID', `schema is not a valid JSON Schema: ${messageOf(err)}`);
    }
    if (checks.size >= 200) {
      ajv.removeSchema();
      checks.clear();
    }
    checks.set(key, check);
  }
  return check;
}

/** The host's default EASEL_MODELS_MAX_OPEN_STREAMS. */
const MAX_OPEN_STREAMS = 8;

/** Streams one call opened, by handle. */
export class ModelsCapability {
  readonly #backend: ModelBackend;
  readonly #recorded: RecordedModels;

  constructor(backend: ModelBackend, recorded: RecordedModels) {
    this.#backend = backend;
    this.#recorded = recorded;
  }

  async handle(op: string, args: Record<string, unknown>, bytes: Uint8Array | undefined, streams: OpenStreams, signal: AbortSignal): Promise<unknown> {
    checkModelArguments(op, args);
    if (op === 'streamNext') return this.#next(streams, String(args.stream));
    if (op === 'streamClose') {
      this.#stream(streams, String(args.stream));
      streams.delete(String(args.stream));
      return undefined;
    }
    try {
      return await this.#call(op, args, bytes, streams, signal);
    } catch (err) {
      if (err instanceof EaselError || signal.aborted) throw err;
      // A scripted error with a code keeps it; anything else is a failed model call.
      throw new EaselError(codeOf(err) ?? 'MODEL_CALL_FAILED', messageOf(err));
    }
  }

  close(): Promise<void> {
    return this.#backend.close();
  }

  async #call(op: string, args: Record<string, unknown>, bytes: Uint8Array | undefined, streams: OpenStreams, signal: AbortSignal): Promise<unknown> {
    switch (op) {
      case 'text':
        this.#recorded.text.push(args as unknown as TextRequest);
        return this.#backend.text(args as unknown as TextRequest, signal);
      case 'structured':
        return this.#structured(args as unknown as StructuredRequest, signal);
      case 'embed':
        this.#recorded.embed.push(args as unknown as EmbedRequest);
        return this.#backend.embed(args as unknown as EmbedRequest, signal);
      case 'image': {
        if (bytes !== undefined && sniffImage(bytes) === undefined) {
          throw new EaselError('MODEL_REQUEST_INVALID', 'invalid image request: the image to vary is not a PNG or JPEG', { problems: [{ path: '/image', message: 'is not a PNG or JPEG image' }] });
        }
        const request: ImageCall = bytes === undefined ? (args as ImageCall) : { ...(args as ImageCall), image: bytes };
        this.#recorded.image.push(request);
        const out = await this.#backend.image(request, signal);
        return withBytes({ model: out.model, cost: out.cost, width: out.width, height: out.height, count: out.images.length }, out.images);
      }
      default: {
        if (streams.size >= MAX_OPEN_STREAMS) throw new EaselError('BRIDGE_BUSY', `a call may have at most ${MAX_OPEN_STREAMS} open streams`);
        this.#recorded.streamText.push(args as unknown as TextRequest);
        const answer = await this.#backend.streamText(args as unknown as TextRequest, signal);
        const handle = randomUUID();
        streams.set(handle, { ...answer, read: 0 });
        return { stream: handle, model: answer.model };
      }
    }
  }

  async #structured(request: StructuredRequest, signal: AbortSignal): Promise<unknown> {
    const check = checkOf(request.schema);
    this.#recorded.structured.push(request);
    const answer = await this.#backend.structured(request, signal);
    if (!check(answer.value)) throw new EaselError('MODEL_OUTPUT_INVALID', 'no candidate model answered with a value that matches the schema');
    return answer;
  }

  #stream(streams: OpenStreams, handle: string): StreamAnswer & { read: number } {
    const open = streams.get(handle);
    if (!open) throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'no such open stream');
    return open;
  }

  #next(streams: OpenStreams, handle: string): unknown {
    const open = this.#stream(streams, handle);
    if (open.read < open.chunks.length) return { done: false, chunk: open.chunks[open.read++] };
    streams.delete(handle);
    return { done: true, cost: open.cost };
  }
}
