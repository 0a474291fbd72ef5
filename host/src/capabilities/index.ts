/**
 * The host side of every bridge. The sandbox hands us the caller it bound itself (plugin,
 * version, execution); we read the grant once, ask the capability whether it allows the call
 * (auditing a denial), resolve the call's scope, and hand that one call context to the
 * capability (capability.ts). `ctx.agents` and `ctx.progress` belong to orchestration (the step
 * runner), which hands its functions in.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { jsonLimitProblem, type JsonLimits } from '@easel/sdk/isolate';
import { EaselError } from '../errors/index.ts';
import type { BridgeCaller, BridgeHandler } from '../sandbox/index.ts';
import type { AuditRepository, KvRepository } from '../store/index.ts';
import { kvCapability, type KvLimits } from './kv.ts';
import { logCapability, type PluginLogLine } from './log.ts';
import { modelsCapability } from './models.ts';
import { storageCapability } from './storage.ts';
import type { BlobService } from '../storage/index.ts';
import { PREVIEW_PREFIX, type CallScope, type CallScopes } from '../calls/index.ts';
import type { CallContext, Capability } from './capability.ts';
import { agentsCapability, progressCapability } from './orchestration-bridges.ts';
import type { ModelService } from '../models/index.ts';

export type { LogLevel, PluginLogLine } from './log.ts';
export type { CallContext, Capability } from './capability.ts';

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
  const registered: Capability[] = [
    logCapability(deps.logger, deps.limits.maxLogLineBytes, deps.onLog),
    kvCapability(deps.kv, deps.limits.kv),
    modelsCapability({ models: deps.models, scopes: deps.scopes, maxOpenStreams: deps.limits.maxOpenStreams, onDelta: deps.onModelDelta }),
    storageCapability(deps.blobs),
    agentsCapability(deps.invokeAgent),
    progressCapability(deps.progress),
  ];
  const capabilities = new Map(registered.map((c) => [c.name, c]));
  return async (caller, name, op, args, bytes) => {
    const capability = capabilities.get(name);
    if (!capability) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `no capability ${name}` });
    // An estimate hook (workflow preview) calls no model and no agent.
    if (caller.executionId.startsWith(PREVIEW_PREFIX) && capability.inPreview !== true) {
      throw new EaselError('NOT_AVAILABLE', { capability: name });
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'they must be an object' });
    }
    // Before any capability stringifies or stores them (kv values, progress data, log fields,
    // model requests).
    const over = capability.jsonLimits === false ? undefined : jsonLimitProblem(args, deps.limits.json);
    if (over) {
      const at = over.path.length <= 200 ? ` at ${over.path}` : '';
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `the arguments of ctx.${name}.${op} ${over.message}${at}` });
    }
    const fields = args as Record<string, unknown>;
    const grant = await deps.grantOf(caller.pluginName);
    if (!capability.allows(grant, op, fields)) {
      // One audit row per execution and operation: a plugin looping on a denied call must
      // not turn each attempt into a synchronous database write.
      const key = `${caller.executionId} ${name}.${op}`;
      if (!audited.has(key)) {
        if (audited.size >= AUDITED_DENIALS_MAX) audited.clear();
        audited.add(key);
        await deps.audit.record({ actor: `plugin:${caller.pluginId}`, action: `${name}.${op}`, target: caller.executionId, outcome: 'denied' });
      }
      throw new EaselError('PERMISSION_DENIED', { plugin: caller.pluginName, target: `ctx.${name}`, reason: 'the permission was not granted' });
    }
    // The call context, resolved once: every capability gets the same caller, grant and scope.
    const call: CallContext = { caller, grant, scope: deps.scopes.of(caller) };
    return capability.handle(call, op, fields, bytes);
  };
}
