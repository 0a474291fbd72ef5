/**
 * The host side of every bridge. The sandbox hands us the caller it bound itself (plugin,
 * version, execution); we check the grant at call time, audit denials, and dispatch to the
 * capability module. `ctx.agents` and `ctx.progress` belong to orchestration (the step runner).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { jsonLimitProblem, type JsonLimits } from '@easel/sdk/isolate';
import { EaselError } from '../errors/index.ts';
import type { BridgeCaller, BridgeHandler } from '../sandbox/index.ts';
import type { AuditRepository, KvRepository } from '../store/index.ts';
import { allows } from '../grants/index.ts';
import { kvCapability, type KvLimits } from './kv.ts';
import { logCapability, type PluginLogLine } from './log.ts';
import { modelsCapability } from './models.ts';
import { storageCapability } from './storage.ts';
import type { BlobService } from '../storage/index.ts';
import { PREVIEW_PREFIX, type CallScope, type CallScopes } from '../calls/index.ts';
import type { ModelService } from '../models/index.ts';

export type { LogLevel, PluginLogLine } from './log.ts';

/** A capability's handler; `grant` is the plugin's, read once per bridge call by the handler that checked it. */
type Capability = (caller: BridgeCaller, op: string, args: Record<string, unknown>, bytes: Buffer | undefined, grant: Permissions) => Promise<unknown>;

export interface BridgeDeps {
  kv: KvRepository;
  audit: AuditRepository;
  /** Current grant of an installed plugin (cached by the caller; invalidated on change). */
  grantOf(pluginName: string): Promise<Permissions>;
  logger: FastifyBaseLogger;
  /** `json`: the host's JSON limits, which every bridge call's arguments are held to. */
  limits: { kv: KvLimits; maxLogLineBytes: number; maxOpenStreams: number; json: JsonLimits };
  models: ModelService;
  blobs: BlobService;
  scopes: CallScopes;
  /** `ctx.agents.invoke` (the step runner decides who may call whom). */
  invokeAgent(caller: BridgeCaller, args: Record<string, unknown>, bytes?: Buffer): Promise<unknown>;
  /** `ctx.progress` lines onto the execution's event stream. */
  progress(caller: BridgeCaller, args: Record<string, unknown>): void;
  /** Streamed text chunks a plugin reads, for the execution's event stream. */
  onModelDelta?(scope: CallScope, text: string): void;
  /** Each `ctx.log` line the host accepted, for live plugin log streams. */
  onLog?(line: PluginLogLine): void;
}

/** Denials already audited, by `execution capability.op`; bounded so a flood cannot grow it. */
const AUDITED_DENIALS_MAX = 10_000;

export function createBridgeHandler(deps: BridgeDeps): BridgeHandler {
  const audited = new Set<string>();
  const capabilities: Record<string, Capability> = {
    log: logCapability(deps.logger, deps.limits.maxLogLineBytes, deps.onLog),
    kv: kvCapability(deps.kv, deps.limits.kv),
    models: modelsCapability({ models: deps.models, scopes: deps.scopes, maxOpenStreams: deps.limits.maxOpenStreams, onDelta: deps.onModelDelta }),
    storage: storageCapability(deps.blobs, deps.scopes),
    agents: async (caller, op, args, bytes) => {
      if (op !== 'invoke') throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `agents has no operation ${op}` });
      return deps.invokeAgent(caller, args, bytes);
    },
    progress: async (caller, op, args) => {
      if (op !== 'publish') throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `progress has no operation ${op}` });
      deps.progress(caller, args);
      return undefined;
    },
  };
  return async (caller, capability, op, args, bytes) => {
    const run = Object.hasOwn(capabilities, capability) ? capabilities[capability] : undefined;
    if (!run) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `no capability ${capability}` });
    // An estimate hook (workflow preview) may only log: a preview calls no model and no agent.
    if (caller.executionId.startsWith(PREVIEW_PREFIX) && capability !== 'log') {
      throw new EaselError('NOT_AVAILABLE', { capability });
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'they must be an object' });
    }
    // Before any capability stringifies or stores them (kv values, progress data, log fields,
    // model requests). A step's input is held to the same limits by its target's schema check.
    const over = capability === 'agents' ? undefined : jsonLimitProblem(args, deps.limits.json);
    if (over) {
      const at = over.path.length <= 200 ? ` at ${over.path}` : '';
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `the arguments of ctx.${capability}.${op} ${over.message}${at}` });
    }
    const grant = await deps.grantOf(caller.pluginName);
    if (!allows(grant, capability, op, args as Record<string, unknown>)) {
      // One audit row per execution and operation: a plugin looping on a denied call must
      // not turn each attempt into a synchronous database write.
      const key = `${caller.executionId} ${capability}.${op}`;
      if (audited.has(key)) throw new EaselError('PERMISSION_DENIED', { plugin: caller.pluginName, target: `ctx.${capability}`, reason: 'the permission was not granted' });
      if (audited.size >= AUDITED_DENIALS_MAX) audited.clear();
      audited.add(key);
      await deps.audit.record({
        actor: `plugin:${caller.pluginId}`,
        action: `${capability}.${op}`,
        target: caller.executionId,
        outcome: 'denied',
      });
      throw new EaselError('PERMISSION_DENIED', { plugin: caller.pluginName, target: `ctx.${capability}`, reason: 'the permission was not granted' });
    }
    return run(caller, op, args as Record<string, unknown>, bytes, grant);
  };
}
