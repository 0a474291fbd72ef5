/**
 * The model calls plugins (through `ctx.models`) and the API make: text, structured, image,
 * embedding and streamed text. Each builds a route request with its token estimate, asks the
 * caches, routes through ModelRouter to the Bedrock provider, and fills the caches.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ModelCacheRepository, UsageRepository } from '../store/index.ts';
import { EaselError } from '../errors/index.ts';
import { guardKey } from './cache-guard.ts';
import { costOf } from './cost.ts';
import { exactKey, normalizeText, semanticPartition } from './cache-keys.ts';
import { type BedrockProvider, type ChatInput, ProviderError, type StreamEvent } from './providers/bedrock.ts';
import { modelCallCancelled, type CallMeta, type ModelRouter } from './router/router.ts';
import { SchemaChecks, type SchemaLimits } from './schema-checks.ts';
import { estimateTokens, maxTokens as tokenBound } from './tokens.ts';
import type { ModelEventSink } from './events.ts';
import type { ImageQuality, LatencyClass, ModelTier, Residency, RouteRequest, Strategy } from './types.ts';

export interface RoutingWish {
  tier?: ModelTier;
  latency?: LatencyClass;
  strategy?: Strategy;
  residency?: Residency;
}

export interface TextRequest extends RoutingWish {
  prompt: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  /** false: no cache; true (the default): the exact cache; 'semantic': near repeats as well, where the host allows it (text only). */
  cache?: boolean | 'semantic';
}

export interface ImageRequest extends RoutingWish {
  prompt: string;
  negativePrompt?: string;
  count?: number;
  width?: number;
  height?: number;
  quality?: ImageQuality;
  seed?: number;
  /** Base64 PNG or JPEG: makes the call an IMAGE_VARIATION of it. */
  image?: string;
  similarity?: number;
}

export interface CacheOptions {
  enabled: boolean;
  /** Whether a text request may ask for the semantic cache (`cache: 'semantic'`). */
  semantic: boolean;
  threshold: number;
  /** Longest prompt (characters) the semantic cache looks up or stores; a longer one uses the exact cache only. */
  semanticMaxChars: number;
  ttlMs: number;
  maxEntries: number;
}

export interface ModelCallMeta extends CallMeta {
  /** Highest tier the plugin was granted. */
  maxTier?: ModelTier;
}

type Cached = false | 'exact' | 'semantic';

export interface TextAnswer {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cost: number;
  cached: Cached;
  stopReason: string;
}

export interface StructuredAnswer {
  value: unknown;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cost: number;
  cached: Cached;
}

const PRUNE_EVERY = 100;

export class ModelService {
  #router: ModelRouter;
  #provider: BedrockProvider;
  #cache: ModelCacheRepository;
  #usage: UsageRepository;
  #options: CacheOptions;
  #defaultMaxTokens: number;
  #log: FastifyBaseLogger;
  #schemas: SchemaChecks;
  #onEvent: ModelEventSink | undefined;
  #puts = 0;

  constructor(deps: {
    router: ModelRouter;
    provider: BedrockProvider;
    cache: ModelCacheRepository;
    usage: UsageRepository;
    cacheOptions: CacheOptions;
    defaultMaxTokens: number;
    schemaLimits: SchemaLimits;
    logger: FastifyBaseLogger;
    /** Told of every cache hit (the router tells of the calls it sends). */
    onEvent?: ModelEventSink;
  }) {
    this.#onEvent = deps.onEvent;
    this.#schemas = new SchemaChecks(deps.schemaLimits);
    this.#router = deps.router;
    this.#provider = deps.provider;
    this.#cache = deps.cache;
    this.#usage = deps.usage;
    this.#options = deps.cacheOptions;
    this.#defaultMaxTokens = deps.defaultMaxTokens;
    this.#log = deps.logger;
  }

  get router(): ModelRouter {
    return this.#router;
  }

  #route(task: RouteRequest['task'], wish: RoutingWish, meta: ModelCallMeta, estimate: RouteRequest['estimate']): RouteRequest {
    return { task, tier: wish.tier, maxTier: meta.maxTier, latency: wish.latency, strategy: wish.strategy, residency: wish.residency, estimate };
  }

  #chat(request: TextRequest, tool?: ChatInput['tool']): { input: ChatInput; inputTokens: number; bound: number } {
    const input: ChatInput = {
      system: request.system,
      messages: [{ role: 'user', text: request.prompt }],
      maxTokens: request.maxTokens ?? this.#defaultMaxTokens,
      temperature: request.temperature,
      tool,
    };
    const schemaText = tool ? JSON.stringify(tool.schema) : '';
    const inputTokens = estimateTokens(request.system ?? '') + estimateTokens(request.prompt) + estimateTokens(schemaText);
    return { input, inputTokens, bound: tokenBound(request.system ?? '') + tokenBound(request.prompt) + tokenBound(schemaText) };
  }

  /** A free answer from a cache: a usage row with what the answer cost when a model made it (what the hit saved), and an event, `started` being when the lookup began. */
  async #hit(meta: ModelCallMeta, task: 'text' | 'structured' | 'embedding', modelId: string, kind: 'exact' | 'semantic', answer: unknown, started: number): Promise<void> {
    this.#onEvent?.({ type: 'model.called', task, modelId, outcome: 'ok', cache: 'hit', latencyMs: performance.now() - started, inputTokens: 0, outputTokens: 0, images: 0, costUsd: 0 });
    const savedUsd = this.#costOfCached(answer, task, modelId);
    await this.#usage.record({ appId: meta.appId, userId: meta.userId, pluginName: meta.pluginName, executionId: meta.executionId, stepId: meta.stepId, task, modelId, purpose: 'call', inputTokens: 0, outputTokens: 0, images: 0, costUsd: 0, cached: kind, status: 'ok', latencyMs: 0, savedUsd });
  }

  /** The cost a cached answer carries, or (entries stored without one) its tokens at the model's price. */
  #costOfCached(answer: unknown, task: 'text' | 'structured' | 'embedding', modelId: string): number {
    const a = (answer ?? {}) as { cost?: unknown; inputTokens?: unknown; outputTokens?: unknown };
    if (typeof a.cost === 'number' && Number.isFinite(a.cost) && a.cost >= 0) return a.cost;
    const model = this.#router.catalog.models.find((m) => m.id === modelId);
    const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);
    return (model && costOf(model, task, { inputTokens: count(a.inputTokens), outputTokens: count(a.outputTokens) })) || 0;
  }

  /** A cached answer for `key`, recorded as a free hit; undefined on a miss. */
  async #exactHit<T>(key: string, meta: ModelCallMeta, task: 'text' | 'structured' | 'embedding'): Promise<(T & { cost: number; cached: Cached }) | undefined> {
    const started = performance.now();
    const hit = await this.#cache.getExact(key, Date.now());
    if (!hit) return undefined;
    await this.#hit(meta, task, hit.modelId, 'exact', hit.answer, started);
    return { ...(hit.answer as T), cost: 0, cached: 'exact' };
  }

  async #remember(key: string, scope: string, answer: unknown, modelId: string, semantic?: { partition: string; vector: Float32Array }): Promise<void> {
    const expiresAtMs = Date.now() + this.#options.ttlMs;
    await this.#cache.putExact({ key, scope, answer, modelId, expiresAtMs });
    if (semantic) await this.#cache.putSemantic({ ...semantic, scope, answer, modelId, expiresAtMs });
    if (++this.#puts % PRUNE_EVERY === 0) await this.#cache.prune(Date.now(), this.#options.maxEntries);
  }

  /** The prompt's embedding for the semantic cache; a failure only skips the semantic lookup. */
  async #embedForCache(text: string, meta: ModelCallMeta): Promise<Float32Array | undefined> {
    try {
      const { vector } = await this.embed({ text }, { ...meta, purpose: 'cache-embedding', maxTier: undefined }, false);
      return Float32Array.from(vector);
    } catch (error) {
      this.#log.warn({ err: error, plugin: meta.pluginName }, 'semantic cache lookup skipped: the embedding call failed');
      return undefined;
    }
  }

  async text(request: TextRequest, meta: ModelCallMeta): Promise<TextAnswer> {
    const { input, inputTokens, bound } = this.#chat(request);
    const tier = request.tier ?? 'basic';
    const scope = meta.pluginName ?? 'host';
    // Residency is part of the key: an answer given by a global model must not serve an in-region request.
    const settings = { system: request.system === undefined ? undefined : normalizeText(request.system), maxTokens: input.maxTokens, temperature: request.temperature, residency: request.residency };
    const useCache = this.#options.enabled && request.cache !== false;
    const key = useCache ? exactKey(scope, meta.appId, 'text', tier, { prompt: normalizeText(request.prompt), ...settings }) : '';
    let semantic: { partition: string; vector: Float32Array } | undefined;
    if (useCache) {
      const hit = await this.#exactHit<TextAnswer>(key, meta, 'text');
      if (hit) return hit;
      // Near repeats only for a request that asks, on a host that allows it: a near prompt may ask another question.
      if (this.#options.semantic && request.cache === 'semantic' && request.prompt.length <= this.#options.semanticMaxChars) {
        const lookup = performance.now();
        const vector = await this.#embedForCache(normalizeText(request.prompt), meta);
        if (vector) {
          // Per user (of an app: ids are namespaced per app) as well: a near prompt of another
          // user may carry that user's details in its answer. And per guard signature: only a
          // prompt that agrees on negations, numbers, dates and names may share an answer (the
          // system text, in `settings`, must be the same text, which covers its signature).
          semantic = { partition: semanticPartition(scope, 'text', tier, { ...settings, appId: meta.appId, userId: meta.userId, guard: guardKey(request.prompt) }), vector };
          const near = await this.#cache.nearest(semantic.partition, vector, this.#options.threshold, Date.now());
          if (near) {
            await this.#hit(meta, 'text', near.modelId, 'semantic', near.answer, lookup);
            return { ...(near.answer as TextAnswer), cost: 0, cached: 'semantic' };
          }
        }
      }
    }
    const routed = await this.#router.route(
      {
        route: this.#route('text', request, meta, { inputTokens, outputTokens: input.maxTokens }),
        maxInputTokens: bound,
        cache: useCache ? 'miss' : 'bypass',
        send: async (model, signal) => {
          const out = await this.#provider.converse(model.id, input, signal);
          return { value: out, billing: { inputTokens: out.inputTokens, outputTokens: out.outputTokens, images: 0 } };
        },
      },
      // Reaching the router with the cache on means it was asked and missed.
      useCache ? { ...meta, cacheMiss: true } : meta,
    );
    const answer: TextAnswer = {
      text: routed.value.text,
      model: routed.model.id,
      inputTokens: routed.value.inputTokens,
      outputTokens: routed.value.outputTokens,
      cost: routed.costUsd,
      cached: false,
      stopReason: routed.value.stopReason,
    };
    if (useCache) await this.#remember(key, scope, answer, routed.model.id, semantic);
    return answer;
  }

  async structured(request: TextRequest & { schema: Record<string, unknown> }, meta: ModelCallMeta): Promise<StructuredAnswer> {
    const check = this.#schemas.compile(request.schema);
    const tool = { name: 'answer', description: 'Give the answer as a value matching this schema.', schema: request.schema };
    const { input, inputTokens, bound } = this.#chat(request, tool);
    const tier = request.tier ?? 'basic';
    const scope = meta.pluginName ?? 'host';
    const useCache = this.#options.enabled && request.cache !== false;
    const key = !useCache ? '' : exactKey(scope, meta.appId, 'structured', tier, {
      prompt: normalizeText(request.prompt),
      system: request.system === undefined ? undefined : normalizeText(request.system),
      schema: request.schema,
      maxTokens: input.maxTokens,
      temperature: request.temperature,
      residency: request.residency,
    });
    if (useCache) {
      const hit = await this.#exactHit<StructuredAnswer>(key, meta, 'structured');
      if (hit) return hit;
    }
    const routed = await this.#router.route(
      {
        route: this.#route('structured', request, meta, { inputTokens, outputTokens: input.maxTokens }),
        maxInputTokens: bound,
        cache: useCache ? 'miss' : 'bypass',
        send: async (model, signal) => {
          const out = await this.#provider.converse(model.id, input, signal).catch((error: unknown) => {
            // A model that cannot produce a value for this schema says nothing of its health for others.
            if (error instanceof ProviderError && error.providerCode === 'ModelErrorException') return undefined;
            throw error;
          });
          if (!out) return { value: { text: '', stopReason: 'error', inputTokens: 0, outputTokens: 0 }, billing: { inputTokens: 0, outputTokens: 0, images: 0 }, invalid: 'the model could not answer with the schema' };
          const billing = { inputTokens: out.inputTokens, outputTokens: out.outputTokens, images: 0 };
          return { value: out, billing, ...(check(out.toolInput) ? {} : { invalid: 'the answer does not match the schema' }) };
        },
      },
      useCache ? { ...meta, cacheMiss: true } : meta,
    );
    const answer: StructuredAnswer = { value: routed.value.toolInput, model: routed.model.id, inputTokens: routed.value.inputTokens, outputTokens: routed.value.outputTokens, cost: routed.costUsd, cached: false };
    if (useCache) await this.#remember(key, scope, answer, routed.model.id);
    return answer;
  }

  async embed(request: { text: string; dimensions?: number; cache?: boolean } & RoutingWish, meta: ModelCallMeta, useCache = this.#options.enabled && request.cache !== false) {
    const scope = meta.pluginName ?? 'host';
    const key = useCache ? exactKey(scope, meta.appId, 'embedding', 'basic', { text: request.text, dimensions: request.dimensions, residency: request.residency }) : '';
    if (useCache) {
      const hit = await this.#exactHit<{ vector: number[]; model: string; inputTokens: number }>(key, meta, 'embedding');
      if (hit) return hit;
    }
    const routed = await this.#router.route(
      {
        route: this.#route('embedding', request, meta, { inputTokens: estimateTokens(request.text), outputTokens: 0 }),
        maxInputTokens: tokenBound(request.text),
        cache: useCache ? 'miss' : 'bypass',
        send: async (model, signal) => {
          const dims = model.dimensions ?? [];
          const body = dims.length > 1 ? { inputText: request.text, dimensions: request.dimensions ?? dims[0], normalize: true } : { inputText: request.text };
          if (request.dimensions !== undefined && !dims.includes(request.dimensions)) {
            throw new EaselError('MODEL_REQUEST_INVALID', { reason: `${model.id} makes vectors of ${dims.join(', ')} dimensions, not ${request.dimensions}` });
          }
          const out = await this.#provider.invokeJson(model.id, body, signal);
          const vector = out.body.embedding;
          if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) throw new EaselError('MODEL_CALL_FAILED', { reason: `${model.id} answered without an embedding` });
          const inputTokens = typeof out.body.inputTextTokenCount === 'number' ? out.body.inputTextTokenCount : estimateTokens(request.text);
          return { value: vector as number[], billing: { inputTokens, outputTokens: 0, images: 0 } };
        },
      },
      useCache ? { ...meta, cacheMiss: true } : meta,
    );
    const answer = { vector: routed.value, model: routed.model.id, inputTokens: estimateTokens(request.text), cost: routed.costUsd, cached: false as Cached };
    if (useCache) await this.#remember(key, scope, { vector: answer.vector, model: answer.model, inputTokens: answer.inputTokens, cost: answer.cost }, routed.model.id);
    return answer;
  }

  async image(request: ImageRequest, meta: ModelCallMeta) {
    const count = request.count ?? 1;
    const width = request.width ?? 1024;
    const height = request.height ?? 1024;
    const quality: ImageQuality = request.quality ?? (request.tier === 'premium' ? 'premium' : 'standard');
    const config = { numberOfImages: count, quality, width, height, ...(request.seed === undefined ? {} : { seed: request.seed }) };
    const body = request.image
      ? { taskType: 'IMAGE_VARIATION', imageVariationParams: { text: request.prompt, negativeText: request.negativePrompt, images: [request.image], similarityStrength: request.similarity ?? 0.7 }, imageGenerationConfig: config }
      : { taskType: 'TEXT_IMAGE', textToImageParams: { text: request.prompt, negativeText: request.negativePrompt }, imageGenerationConfig: config };
    const routed = await this.#router.route(
      {
        route: this.#route('image', request, meta, { inputTokens: estimateTokens(request.prompt), outputTokens: 0, images: count, width, height, quality }),
        maxInputTokens: tokenBound(request.prompt),
        send: async (model, signal) => {
          const out = await this.#provider.invokeJson(model.id, body, signal);
          const images = out.body.images;
          if (!Array.isArray(images) || images.length !== count || !images.every((i) => typeof i === 'string')) {
            throw new EaselError('MODEL_CALL_FAILED', { reason: `${model.id} answered ${Array.isArray(images) ? images.length : 'no'} images for ${count} asked` });
          }
          return { value: images as string[], billing: { inputTokens: 0, outputTokens: 0, images: count } };
        },
      },
      meta,
    );
    return { images: routed.value, model: routed.model.id, cost: routed.costUsd, width, height };
  }

  /** Streams text deltas; the usage row is written when the stream ends, breaks or is closed. */
  async streamText(request: TextRequest, meta: ModelCallMeta): Promise<{ model: string; deltas: AsyncGenerator<string, { cost: number }>; close(): Promise<void> }> {
    const { input, inputTokens, bound } = this.#chat(request);
    const routed = await this.#router.route(
      {
        route: this.#route('text', request, meta, { inputTokens, outputTokens: input.maxTokens }),
        maxInputTokens: bound,
        send: async (model, signal) => {
          const { events, cancel } = await this.#provider.converseStream(model.id, input, signal);
          // Pull the first event here: a stream that fails before it says anything can still
          // fall back to the next model.
          const first = await events.next();
          return { value: { events, first, cancel } };
        },
      },
      meta,
    );
    // Settled exactly once, however the stream ends: finished, broken, closed early, or never read.
    let settled: Promise<number> | undefined;
    const settle = (outcome: Parameters<NonNullable<typeof routed.settle>>[0]) => (settled ??= (routed.settle as NonNullable<typeof routed.settle>)(outcome));
    const { events, first, cancel } = routed.value;
    async function* deltas(): AsyncGenerator<string, { cost: number }> {
      let delivered = '';
      let finished = false;
      try {
        let next: IteratorResult<StreamEvent> = first;
        while (!next.done) {
          const event = next.value;
          if (event.type === 'delta') {
            delivered += event.text;
            yield event.text;
          } else {
            finished = true;
            // Without the provider's usage, bill our own count of what was asked and delivered.
            const billing = event.usageKnown
              ? { inputTokens: event.inputTokens, outputTokens: event.outputTokens, images: 0 }
              : { inputTokens, outputTokens: estimateTokens(delivered), images: 0 };
            return { cost: await settle({ billing }) };
          }
          next = await events.next();
        }
        finished = true;
        return { cost: await settle({ billing: { inputTokens, outputTokens: estimateTokens(delivered), images: 0 } }) };
      } catch (error) {
        finished = true;
        const cancelled = (error as { kind?: string }).kind === 'aborted' ? modelCallCancelled(meta.signal) : undefined;
        await settle({ billing: { inputTokens, outputTokens: estimateTokens(delivered), images: 0 }, errorCode: cancelled?.code ?? 'MODEL_STREAM_BROKEN' });
        if (cancelled) throw cancelled;
        throw new EaselError('MODEL_STREAM_BROKEN', { model: routed.model.id, delivered: delivered.length });
      } finally {
        // Closed early by the consumer: stop the provider's stream and bill what was delivered.
        if (!finished) {
          cancel();
          await events.return(undefined as never).catch(() => undefined);
          await settle({ billing: { inputTokens, outputTokens: estimateTokens(delivered), images: 0 } });
        }
      }
    }
    const stream = deltas();
    return {
      model: routed.model.id,
      deltas: stream,
      // return() on a generator that never started skips its finally: stop and bill here too.
      close: async () => {
        await stream.return({ cost: 0 }).catch(() => undefined);
        cancel();
        await events.return(undefined as never).catch(() => undefined);
        await settle({ billing: { inputTokens, outputTokens: 0, images: 0 } });
      },
    };
  }
}
