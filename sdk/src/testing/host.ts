/**
 * The host side of every `ctx` call in a test, whichever way the plugin runs (handlers called
 * directly, or a packed script in an isolate): the arguments as the guest shim sends them,
 * the grant checked at call time, the capability run, the call recorded, and a failure turned
 * into the code and message plugin code sees.
 */
import type { PluginManifest, Permissions } from '../manifest.ts';
import type { AgentRouter } from './agents.ts';
import { HOST_DEFAULT_JSON_LIMITS, jsonLimitProblem } from '../isolate/json-limits.ts';
import { EaselError } from './errors.ts';
import { allows } from './grant.ts';
import type { MemoryKv } from './kv.ts';
import type { ModelsCapability } from './models/capability.ts';
import type { LogLine, Recorded } from './recorded.ts';
import type { CallScope } from './scope.ts';
import type { BlobStore } from './storage.ts';
import { wireAnswer, type WireAnswer } from './wire.ts';

/** The host's defaults (EASEL_LOG_MAX_LINE_BYTES, EASEL_PROGRESS_MAX_BYTES). */
const MAX_LOG_LINE_BYTES = 8192;
const MAX_PROGRESS_BYTES = 4096;
const LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const CAPABILITIES = new Set(['log', 'kv', 'models', 'storage', 'agents', 'progress']);

export interface HostParts {
  manifest: PluginManifest;
  grant: Permissions;
  kv: MemoryKv;
  storage: BlobStore;
  models: ModelsCapability;
  agents: AgentRouter;
  recorded: Recorded;
  /** Print each log line to stderr as well. */
  printLogs: boolean;
}

export class CapabilityHost {
  readonly parts: HostParts;

  constructor(parts: HostParts) {
    this.parts = parts;
  }

  /**
   * One `ctx` call, `args` parsed from the JSON the plugin side sent; answers what crosses back,
   * or fails with an error plugin code may see (its code remembered by the call).
   */
  async call(scope: CallScope, capability: string, op: string, args: unknown, bytes?: Uint8Array): Promise<WireAnswer> {
    const entry = { capability, op, args: (args ?? {}) as Record<string, unknown>, outcome: 'ok' };
    this.parts.recorded.calls.push(entry);
    try {
      return wireAnswer(await scope.race(() => this.#run(scope, capability, op, args, bytes)));
    } catch (err) {
      const failure = err instanceof EaselError ? err : new EaselError('INTERNAL_ERROR', `internal error: ${(err as Error)?.message}`);
      entry.outcome = failure.code;
      throw scope.deliver(failure.code, failure.message);
    }
  }

  async close(): Promise<void> {
    await this.parts.models.close();
    await this.parts.storage.close();
  }

  async #run(scope: CallScope, capability: string, op: string, raw: unknown, bytes: Uint8Array | undefined): Promise<unknown> {
    if (!CAPABILITIES.has(capability)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `no capability ${capability}`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'bridge arguments must be an object');
    const args = raw as Record<string, unknown>;
    // As a default host: arguments past its JSON limits are refused; a step's input is checked by its target.
    const over = capability === 'agents' ? undefined : jsonLimitProblem(args, HOST_DEFAULT_JSON_LIMITS);
    if (over) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `the arguments of ctx.${capability}.${op} ${over.message}${over.path.length <= 200 ? ` at ${over.path}` : ''}`);
    const { manifest, grant, recorded } = this.parts;
    if (!allows(grant, capability, op, args)) throw new EaselError('PERMISSION_DENIED', `${manifest.name} was not granted ${capability}`);
    switch (capability) {
      case 'log':
        return this.#log(scope, op, args);
      case 'progress': {
        if (op !== 'publish') throw new EaselError('BRIDGE_ARGUMENT_INVALID', `progress has no operation ${op}`);
        if (typeof args.message !== 'string') throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'the progress message must be a string');
        const line = { message: args.message, ...(args.data === undefined ? {} : { data: args.data }) };
        if (Buffer.byteLength(JSON.stringify({ stepId: null, ...line })) > MAX_PROGRESS_BYTES) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `a progress line is capped at ${MAX_PROGRESS_BYTES} bytes`);
        recorded.progress.push(line);
        return undefined;
      }
      case 'kv':
        return this.parts.kv.handle(op, args);
      case 'storage': {
        const answer = await this.parts.storage.handle(op, args, bytes);
        if (op === 'put' && bytes) {
          const { key, contentType } = answer as { key: string; contentType: string };
          recorded.puts.push({ key, bytes, contentType, ...(typeof args.ttlSeconds === 'number' ? { ttlSeconds: args.ttlSeconds } : {}) });
        }
        return answer;
      }
      case 'models':
        return this.parts.models.handle(op, args, bytes, scope.streams, scope.signal);
      default:
        if (op !== 'invoke') throw new EaselError('BRIDGE_ARGUMENT_INVALID', `agents has no operation ${op}`);
        return this.parts.agents.invoke(scope, args, bytes);
    }
  }

  #log(scope: CallScope, op: string, args: Record<string, unknown>): undefined {
    if (!LEVELS.has(op)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `log has no level ${op}`);
    const message = String(args.message ?? '');
    const fields = args.fields !== null && typeof args.fields === 'object' ? (args.fields as Record<string, unknown>) : undefined;
    if (Buffer.byteLength(message) + Buffer.byteLength(JSON.stringify(fields ?? {})) > MAX_LOG_LINE_BYTES) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', `a log line is capped at ${MAX_LOG_LINE_BYTES} bytes`);
    }
    const line: LogLine = { level: op as LogLine['level'], message, ...(fields ? { fields } : {}) };
    this.parts.recorded.logs.push(line);
    if (this.parts.printLogs) {
      const { name, version } = this.parts.manifest;
      process.stderr.write(`[${name}@${version} ${scope.execution.id}] ${op}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
    }
    return undefined;
  }
}
