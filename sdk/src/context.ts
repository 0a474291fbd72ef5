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

export interface TextRequest {
  prompt: string;
  system?: string;
  tier?: ModelTier;
  maxTokens?: number;
  temperature?: number;
}

export interface TextResult {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

/** Model calls through the host's router (issue 4; until then they fail with `NOT_AVAILABLE`). */
export interface Models {
  text(request: TextRequest): Promise<TextResult>;
  structured<T = unknown>(request: TextRequest & { schema: Record<string, unknown> }): Promise<{ value: T; model: string; cost: number }>;
  image(request: { prompt: string; negativePrompt?: string; count?: number; width?: number; height?: number; tier?: ModelTier }): Promise<{ images: Uint8Array[]; model: string; cost: number }>;
  embed(request: { text: string }): Promise<{ vector: number[]; model: string; cost: number }>;
  streamText(request: TextRequest): AsyncIterable<string>;
  readonly tasks?: ModelTask[];
}

/** The plugin's blob namespace (issue 5; until then it fails with `NOT_AVAILABLE`). */
export interface Storage {
  put(key: string, bytes: Uint8Array, contentType: string): Promise<{ blobId: string; size: number }>;
  get(key: string): Promise<Uint8Array | undefined>;
  head(key: string): Promise<{ size: number; contentType: string } | undefined>;
  delete(key: string): Promise<boolean>;
  list(prefix?: string): Promise<string[]>;
  url(key: string): Promise<string>;
}

/** Calls to agents of this plugin or of its dependencies (issue 6; until then `NOT_AVAILABLE`). */
export interface Agents {
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

export interface Context<Config = Record<string, unknown>> {
  /** Ids of this call, bound by the host. */
  readonly executionId: string;
  readonly plugin: { readonly name: string; readonly version: string };
  /** The admin-set configuration, validated against the manifest's `config` schema. */
  readonly config: Readonly<Config>;
  readonly log: Logger;
  readonly kv: KeyValueStore;
  readonly models: Models;
  readonly storage: Storage;
  readonly agents: Agents;
  readonly signal: CallSignal;
}
