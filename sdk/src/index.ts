/**
 * The Easel plugin SDK: types and `definePlugin` for authors. Plugin code is bundled by
 * `easel pack` into one script that runs inside an isolate; nothing here touches Node.
 */
import type { Context } from './context.ts';
import type { ModelTask, ModelTier } from './manifest.ts';

export type * from './context.ts';
export type * from './manifest.ts';

/** A capability handler: JSON in, JSON out (validated against the manifest's schemas). */
export type Handler<In = any, Out = unknown, Config = Record<string, unknown>> = (
  input: In,
  ctx: Context<Config>,
) => Out | Promise<Out>;

export interface AgentDefinition<Config = Record<string, unknown>> {
  /** Handlers by capability name, as listed under the agent in plugin.json. */
  capabilities: Record<string, Handler<any, unknown, Config>>;
}

/** One step a workflow expects to take, for `POST /v1/workflows/:type/preview`. */
export interface EstimatedStep {
  /** `agent` (own) or `plugin/agent`. */
  agent: string;
  capability: string;
  /** How many times (default 1). */
  count?: number;
  /** The model call the step makes, priced by the host's router without calling it. */
  model?: { task: ModelTask; tier?: ModelTier; inputTokens?: number; outputTokens?: number; images?: number };
}

export interface Estimate {
  steps: EstimatedStep[];
}

/** A workflow with a cost preview hook; the hook runs with no model or agent access. */
export interface WorkflowDefinition<Config = Record<string, unknown>> {
  run: Handler<any, unknown, Config>;
  estimate?: (input: any, ctx: Context<Config>) => Estimate | Promise<Estimate>;
}

export interface PluginDefinition<Config = Record<string, unknown>> {
  /** Agents by type, as listed in plugin.json. */
  agents?: Record<string, AgentDefinition<Config>>;
  /** Workflows by type, as listed in plugin.json: a handler, or `{ run, estimate }`. */
  workflows?: Record<string, Handler<any, unknown, Config> | WorkflowDefinition<Config>>;
}

/**
 * Declares a plugin. Export the result as the default export of the entry file
 * (`src/index.ts`); `easel pack` bundles it so the host can find the handlers.
 *
 * @example
 * ```ts
 * import { definePlugin } from '@easel/sdk';
 *
 * export default definePlugin({
 *   agents: {
 *     greeter: {
 *       capabilities: {
 *         greet: async (input: { name: string }, ctx) => {
 *           ctx.log.info('greeting', { name: input.name });
 *           return { message: `Hello, ${input.name}!` };
 *         },
 *       },
 *     },
 *   },
 * });
 * ```
 */
export function definePlugin<Config = Record<string, unknown>>(
  definition: PluginDefinition<Config>,
): PluginDefinition<Config> {
  return definition;
}

/** The codes a plugin may fail with on purpose; the host answers them with their own HTTP status. */
export type PluginErrorCode = 'RESOURCE_NOT_FOUND' | 'REQUEST_REJECTED';

/**
 * An error a handler throws on purpose: `RESOURCE_NOT_FOUND` (404: no such post, or not one
 * this caller may see) or `REQUEST_REJECTED` (422: the input is valid JSON for the schema but
 * the plugin cannot do it). Any other thrown error is `PLUGIN_ERROR` (502).
 *
 * @example
 * ```ts
 * const post = await ctx.kv.get(`posts/${id}`);
 * if (post === undefined) throw new PluginError('RESOURCE_NOT_FOUND', `no post ${id}`);
 * ```
 */
export class PluginError extends Error {
  readonly code: PluginErrorCode;
  constructor(code: PluginErrorCode, message: string) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
  }
}

/**
 * Whether a failed `ctx` call means nobody wants this call's result any more: it was cancelled
 * (`EXECUTION_CANCELLED`: `ctx.signal` fired: the execution was cancelled or the app hung up) or
 * it had already ended (`CALL_ENDED`: a promise the handler did not await). Retrying or
 * falling back to another model is pointless then; stop and let the error through.
 *
 * @example
 * ```ts
 * try {
 *   return await ctx.models.image({ prompt });
 * } catch (err) {
 *   if (isCancellation(err)) throw err;
 *   return await ctx.models.image({ prompt, tier: 'fast' });
 * }
 * ```
 */
export function isCancellation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'EXECUTION_CANCELLED' || code === 'CALL_ENDED';
}

/**
 * The global name under which a packed plugin script exposes its module namespace;
 * the host reads `globalThis[PLUGIN_GLOBAL].default`.
 */
export const PLUGIN_GLOBAL = '__easelPlugin';
