/**
 * `ctx.models`: text, structured, image, embedding and streamed text through the router.
 * The grant (task, highest tier) was checked by the bridge handler before we run; here the
 * arguments are validated, and the call is made for the execution's user, with the
 * execution's abort signal, so a cancelled execution aborts its provider requests.
 */
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ModelTask, ModelTier, Permissions } from '@easel/sdk';
import { cancelledBy, EaselError } from '../errors/index.ts';
import { scopeIdOf, type CallScope, type CallScopes } from '../calls/index.ts';
import type { ImageRequest, ModelCallMeta, ModelService } from '../models/index.ts';
import { STRATEGIES, TIERS, type Strategy } from '../models/types.ts';
import { WithBytes, type BridgeCaller } from '../sandbox/index.ts';
import { sniffImage, toProblems } from '../schemas/index.ts';
import { MODEL_ARGUMENT_SCHEMAS } from './model-arguments.ts';
import { noSuchOperation, type Capability } from './capability.ts';

/** The task a `ctx.models` operation performs (stream steps belong to text). */
const TASK_OF: Record<string, ModelTask> = {
  text: 'text',
  streamText: 'text',
  streamNext: 'text',
  streamClose: 'text',
  structured: 'structured',
  image: 'image',
  embed: 'embedding',
};

/** The task must be granted, and the tier asked for within the grant's highest. */
function allows(grant: Permissions, op: string, args: Record<string, unknown>): boolean {
  const models = grant.models;
  if (!models || models.tasks.length === 0) return false;
  // Unknown operations and malformed tiers are the handler's to refuse as invalid.
  const task = Object.hasOwn(TASK_OF, op) ? TASK_OF[op] : undefined;
  if (task && !models.tasks.includes(task)) return false;
  // A premium image costs what the premium tier does, whichever field asks for it.
  const tier = op === 'image' && args.quality === 'premium' ? 'premium' : (args.tier ?? 'basic');
  return !TIERS.includes(tier as ModelTier) || TIERS.indexOf(tier as ModelTier) <= TIERS.indexOf(models.maxTier);
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = Object.fromEntries(Object.entries(MODEL_ARGUMENT_SCHEMAS).map(([op, schema]) => [op, ajv.compile(schema)]));

interface OpenStream {
  /** The scope (step or execution) that opened it. */
  scopeId: string;
  pluginName: string;
  deltas: AsyncGenerator<string, { cost: number }>;
  close: () => Promise<void>;
  unregister: () => void;
}

export interface ModelsCapabilityDeps {
  models: ModelService;
  scopes: CallScopes;
  maxOpenStreams: number;
  /** Told of each streamed text chunk a plugin reads (the execution's event stream shows them). */
  onDelta?: (scope: CallScope, text: string) => void;
}

/** Keeps the error's details where the API can find them (retryAfterMs for a 429). */
function remember(scope: CallScope, error: unknown): never {
  if (error instanceof EaselError && error.details) scope.lastError = { code: error.code, details: error.details };
  throw error;
}

export function modelsCapability(deps: ModelsCapabilityDeps): Capability {
  const streams = new Map<string, OpenStream>();

  // The sketch arrives as bytes the plugin handed over (untrusted: checked before any model
  // sees it); the images go back as bytes, not base64 in the JSON answer.
  const image = async (request: ImageRequest, sketch: Buffer | undefined, meta: ModelCallMeta): Promise<WithBytes> => {
    if (sketch !== undefined && sniffImage(sketch) === undefined) {
      throw new EaselError('MODEL_REQUEST_INVALID', { reason: 'the image to vary is not a PNG or JPEG' }, { problems: [{ path: '/image', message: 'is not a PNG or JPEG image' }] });
    }
    const out = await deps.models.image(sketch === undefined ? request : { ...request, image: sketch.toString('base64') }, meta);
    const images = out.images.map((b64) => Buffer.from(b64, 'base64'));
    return new WithBytes({ model: out.model, cost: out.cost, width: out.width, height: out.height, count: images.length }, images);
  };

  const closeStream = async (handle: string): Promise<void> => {
    const open = streams.get(handle);
    if (!open) return;
    streams.delete(handle);
    open.unregister();
    await open.close().catch(() => undefined);
  };

  const streamOf = (caller: BridgeCaller, args: Record<string, unknown>): [string, OpenStream] => {
    const handle = String(args.stream);
    const open = streams.get(handle);
    // Handles are random and bound to the call that opened them: another call cannot read them.
    if (!open || open.scopeId !== scopeIdOf(caller) || open.pluginName !== caller.pluginName) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'no such open stream' });
    }
    return [handle, open];
  };

  const handle: Capability['handle'] = async ({ caller, grant, scope }, op, args, bytes) => {
    const validate = Object.hasOwn(validators, op) ? validators[op] : undefined;
    if (!validate) throw noSuchOperation('models', op);
    if (!validate(args)) {
      throw new EaselError('MODEL_REQUEST_INVALID', { reason: `${op}: ${toProblems(validate.errors).map((p) => `${p.path} ${p.message}`).join('; ')}` }, { problems: toProblems(validate.errors) });
    }
    if (!scope) throw new EaselError('CALL_ENDED');
    if (op === 'streamNext') {
      const [handle, open] = streamOf(caller, args);
      try {
        const next = await open.deltas.next();
        if (next.done) await closeStream(handle);
        else deps.onDelta?.(scope, next.value);
        return next.done ? { done: true, cost: next.value.cost } : { done: false, chunk: next.value };
      } catch (error) {
        await closeStream(handle);
        return remember(scope, error);
      }
    }
    if (op === 'streamClose') {
      await closeStream(streamOf(caller, args)[0]);
      return undefined;
    }
    const configured = scope.config.modelStrategy;
    const meta: ModelCallMeta = {
      appId: scope.appId,
      userId: scope.userId,
      pluginName: caller.pluginName,
      executionId: caller.executionId,
      stepId: caller.stepId,
      signal: scope.signal,
      maxTier: grant.models?.maxTier ?? 'basic',
    };
    // The plugin's admin-set config may choose the strategy (`modelStrategy`); a request may still name its own.
    const request = { ...args, strategy: args.strategy ?? (STRATEGIES.includes(configured as Strategy) ? configured : undefined) } as never;
    try {
      switch (op) {
        case 'text':
          return await deps.models.text(request, meta);
        case 'structured':
          return await deps.models.structured(request, meta);
        case 'embed':
          return await deps.models.embed(request, meta);
        case 'image':
          return await image(request, bytes, meta);
        case 'streamText': {
          const open = [...streams.values()].filter((s) => s.scopeId === scope.scopeId).length;
          if (open >= deps.maxOpenStreams) throw new EaselError('BRIDGE_BUSY', { limit: deps.maxOpenStreams, what: 'model streams' });
          const { model, deltas, close } = await deps.models.streamText(request, meta);
          // The execution may have ended while the stream was being opened: nothing would close it.
          if (scope.signal.aborted) {
            await close();
            throw cancelledBy(scope.signal);
          }
          const handle = randomUUID();
          const unregister = deps.scopes.onEnd(scope.scopeId, () => closeStream(handle));
          streams.set(handle, { scopeId: scope.scopeId, pluginName: caller.pluginName, deltas, close, unregister });
          return { stream: handle, model };
        }
        default:
          throw noSuchOperation('models', op);
      }
    } catch (error) {
      return remember(scope, error);
    }
  };
  return { name: 'models', allows, handle };
}
