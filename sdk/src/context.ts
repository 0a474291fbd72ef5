/**
 * What a handler receives as `ctx`. Every member is a bridge to the host that checks the
 * plugin's grant on the host side; a call outside the grant throws a {@link PluginCallError}
 * with code `PERMISSION_DENIED`.
 */
import type { ModelTask, ModelTier } from './manifest.ts';

/** The error plugin code sees when a bridge call fails: a stable code and a safe message. */
export interface PluginCallError extends Error {
  code: string;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The plugin's own key-value store (needs the `kv` permission). Values are JSON. */
export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, sorted, at most `limit` (default 100). */
  list(prefix?: string, options?: { limit?: number }): Promise<string[]>;
}

/** How the router may choose a model; every field is optional. */
export interface Routing {
  /** Lowest acceptable tier (default basic); never above the tier the plugin was granted. For images it buys quality. */
  tier?: ModelTier;
  /** Slowest acceptable latency class (default slow: any). */
  latency?: 'fast' | 'standard' | 'slow';
  /** Default: the plugin config's `modelStrategy`, else the host's. */
  strategy?: 'cost-first' | 'quality-first' | 'balanced';
  /** Narrows the host's residency policy: in-region keeps the call in Seoul. */
  residency?: 'in-region' | 'apac' | 'global';
}

export interface TextRequest extends Routing {
  prompt: string;
  system?: string;
  /** Output cap in tokens (default: the host's, 1024). */
  maxTokens?: number;
  /** 0 to 1. */
  temperature?: number;
  /**
   * Which cached answers may serve this request (`text` and `structured`; answers cost 0 and say
   * which cache gave them in `cached`):
   * - `true` (the default): the exact cache, a repeat of the same request by this plugin;
   * - `'semantic'`: also a near repeat by the same user (`text` only; elsewhere it is `true`),
   *   where the host's admin allows it (`EASEL_MODELS_SEMANTIC_CACHE`, off by default). A near
   *   prompt is one whose embedding is close enough and that agrees with this one on negations,
   *   numbers, dates and names. Use it for questions whose wording varies but whose answer does
   *   not depend on it; each lookup costs one embedding;
   * - `false`: never answer from (nor fill) the caches.
   *
   * @example
   * ```ts
   * const faq = await ctx.models.text({ prompt: question, cache: 'semantic' });
   * if (faq.cached) ctx.log.info('answered from cache', { cached: faq.cached });
   * ```
   */
  cache?: boolean | 'semantic';
}

/** `false`, or which cache answered (then `cost` is 0). */
export type CacheHit = false | 'exact' | 'semantic';

export interface TextResult {
  text: string;
  /** The catalog id of the model that answered. */
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** USD billed to the user for this call. */
  cost: number;
  cached: CacheHit;
  stopReason: string;
}

export interface ImageRequest extends Routing {
  prompt: string;
  negativePrompt?: string;
  /** 1 to 5 (default 1). */
  count?: number;
  /** Multiples of 64 from 320 to 2048 (default 1024). */
  width?: number;
  height?: number;
  quality?: 'standard' | 'premium';
  seed?: number;
  /** A PNG or JPEG to vary (IMAGE_VARIATION) instead of drawing from text alone; copied before the call returns. */
  image?: ArrayBufferView | ArrayBuffer;
  /** 0.2 to 1: how close to `image` the result stays (default 0.7). */
  similarity?: number;
}

/**
 * Model calls through the host's router: it picks the model (strategy, tier, latency,
 * residency), falls back on failures, holds the user's budget and serves repeats from cache.
 * Failures throw with codes such as `MODELS_COOLING`, `MODEL_QUOTA_EXHAUSTED` (both carry
 * `retryAfterMs` at the API), `BUDGET_EXCEEDED`, `MODEL_CALL_FAILED`, `PERMISSION_DENIED`.
 */
export interface Models {
  text(request: TextRequest): Promise<TextResult>;
  structured<T = unknown>(request: TextRequest & { schema: Record<string, unknown> }): Promise<{ value: T; model: string; inputTokens: number; outputTokens: number; cost: number; cached: CacheHit }>;
  image(request: ImageRequest): Promise<{ images: Uint8Array[]; model: string; cost: number; width: number; height: number }>;
  embed(request: { text: string; dimensions?: number; cache?: boolean } & Routing): Promise<{ vector: number[]; model: string; cost: number; cached: CacheHit }>;
  /** Text deltas as the model writes them; usage is billed when the stream ends or is closed. */
  streamText(request: Omit<TextRequest, 'cache'>): AsyncIterable<string>;
}

/** What the host records about a stored object. */
export interface BlobInfo {
  /** The plugin's own key, normalized (`/`-separated, no `.`/`..` segments, no leading `/`). */
  key: string;
  /** Stable id of this version of the object: `GET /v1/blobs/:blobId` serves it. A new put gives a new id. */
  blobId: string;
  size: number;
  contentType: string;
  /** Hex sha256 of the bytes. */
  sha256: string;
  createdAt: string;
  /**
   * When the object expires (its `ttlSeconds`, or the host's default TTL for blobs): from then
   * on it reads as absent, and the host deletes it. Absent: it is kept until deleted.
   */
  expiresAt?: string;
}

/** Options of `ctx.storage.put`. */
export interface StoragePutOptions {
  /**
   * Seconds until the object expires and the host deletes it (an integer from 1 to the host's
   * `EASEL_STORAGE_MAX_BLOB_TTL_SECONDS`; a bad value throws `BRIDGE_ARGUMENT_INVALID`). Absent:
   * the host's default TTL for blobs, which by default is none (kept until deleted).
   *
   * @example
   * ```ts
   * // A preview that only needs to outlive the session that asked for it.
   * const info = await ctx.storage.put('previews/1.png', png, 'image/png', { ttlSeconds: 3600 });
   * info.expiresAt; // an hour from now, ISO
   * ```
   */
  ttlSeconds?: number;
}

/**
 * The plugin's own blob namespace (needs `storage.read` / `storage.write`). Keys are
 * normalized (`a//b/` is `a/b`; `.` and `..` segments are refused), so no key reaches
 * another plugin's objects. Bytes are copied in and out; failures throw with codes such as
 * `STORAGE_OBJECT_TOO_LARGE`, `STORAGE_QUOTA_EXCEEDED`, `STORAGE_UNAVAILABLE`.
 */
export interface Storage {
  /** Stores (or replaces) the object under `key`. `bytes` is copied before the call returns. */
  put(key: string, bytes: ArrayBufferView | ArrayBuffer, contentType: string, options?: StoragePutOptions): Promise<BlobInfo>;
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<BlobInfo | undefined>;
  delete(key: string): Promise<boolean>;
  /** Objects whose key starts with `prefix`, sorted by key, after `after`, at most `limit` (default 100, at most 1000). */
  list(prefix?: string, options?: { limit?: number; after?: string }): Promise<BlobInfo[]>;
  /** A host URL apps can fetch without a key until it expires (default: the host's URL lifetime). */
  url(key: string, options?: { expiresInSeconds?: number }): Promise<string>;
}

/** Calls to agents of this plugin or of its dependencies, each a recorded step of the execution. */
export interface Agents {
  /**
   * Runs `capability` of an agent as a recorded step of this execution: `agent` is one of this
   * plugin's agents, or `plugin/agent` for a plugin declared in `dependencies` (and granted in
   * `permissions.agents`). Input and output are checked against that capability's schemas.
   * After a host restart, a step that already completed answers with its recorded output.
   *
   * Bytes cross as bytes: a top-level input field the target declares
   * `{ "type": "string", "contentEncoding": "base64" }` takes a Uint8Array (or any typed array),
   * and a top-level output field declared that way (or an array of such strings) arrives as a
   * Uint8Array (or an array of them). Nobody writes base64.
   *
   * A dependency that is not installed, disabled or out of range fails with
   * `DEPENDENCY_DISABLED`; an agent the grant does not name with `PERMISSION_DENIED`.
   */
  invoke<T = unknown>(agent: string, capability: string, input: unknown): Promise<T>;
}

/** A minimal abort signal: fires when the call is cancelled or runs out of time. */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Who the execution runs for, bound by the host from the request that started it (never from
 * plugin input). Data a plugin keeps per user belongs under both fields: user ids are chosen
 * by each app, so the same `user` under two apps is two people. Every key of an app is the
 * same `app`, so what one of its keys stored for a user, another finds.
 *
 * @example
 * ```ts
 * const key = `notes/${ctx.caller.app ?? '-'}/${ctx.caller.user}/${input.noteId}`;
 * ```
 */
export interface Caller {
  /**
   * The id of the app (tenant) whose key started the execution; null when no app key did (the
   * host). An app key made without naming an app has an app of its own whose id is the key's id.
   */
  readonly app: string | null;
  /** The app's end user (`x-easel-user`), else `key:<app key id>`; unique within the app only. */
  readonly user: string;
}

export interface Context<Config = Record<string, unknown>> {
  /** Ids of this call, bound by the host. */
  readonly executionId: string;
  /** Who the execution runs for (the same for every step of it). */
  readonly caller: Caller;
  readonly plugin: { readonly name: string; readonly version: string };
  /** The admin-set configuration, validated against the manifest's `config` schema. */
  readonly config: Readonly<Config>;
  readonly log: Logger;
  readonly kv: KeyValueStore;
  readonly models: Models;
  readonly storage: Storage;
  readonly agents: Agents;
  /** Publishes a progress line on the execution's event stream (`progress` events); at most a few KiB. */
  progress(message: string, data?: unknown): Promise<void>;
  readonly signal: CallSignal;
}
