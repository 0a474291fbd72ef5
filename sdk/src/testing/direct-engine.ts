/**
 * Runs a plugin's handlers in this process, straight from its definition (what `definePlugin`
 * returned): each call gets its own `ctx`, its input as JSON plus Uint8Arrays for byte
 * fields, and a wall-clock budget; what it throws or returns is judged as the host judges it.
 * Nothing here can stop a handler that never yields: that takes an isolate (`runPacked`).
 */
import type { ExpectedHandlers } from '../isolate/index.ts';
import type { Handler, PluginDefinition, WorkflowDefinition } from '../index.ts';
import { EaselError } from './errors.ts';
import { directContext, type CallMeta } from './direct-context.ts';
import type { CapabilityHost } from './host.ts';
import type { Engine, EngineCall } from './runner.ts';
import { MAX_BINARY_BYTES, MAX_PAYLOAD_BYTES } from './wire.ts';
import { bytesAsBase64, takeByteFields } from '../isolate/byte-fields.ts';
import { placeInputBytes } from '../isolate/input-bytes.ts';

const own = (o: unknown, key: string): any => (o !== null && typeof o === 'object' && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined);

/** The handlers a definition provides, in the shape the isolate's load summary has. */
export function handlersOf(definition: PluginDefinition<any>): ExpectedHandlers {
  const agents: Record<string, string[]> = {};
  for (const [agent, spec] of Object.entries(definition.agents ?? {})) {
    agents[agent] = Object.entries(own(spec, 'capabilities') ?? {}).filter(([, h]) => typeof h === 'function').map(([name]) => name);
  }
  const workflows = Object.entries(definition.workflows ?? {}).filter(([, w]) => typeof w === 'function' || typeof own(w, 'run') === 'function').map(([name]) => name);
  return { agents, workflows };
}

function handlerOf(definition: PluginDefinition<any>, call: EngineCall): Handler | undefined {
  if (call.kind === 'agent') return own(own(own(definition.agents, call.target), 'capabilities'), call.capability);
  const workflow = own(definition.workflows, call.target) as Handler | WorkflowDefinition | undefined;
  return typeof workflow === 'function' ? workflow : own(workflow, 'run');
}

export class DirectEngine<Config> implements Engine {
  readonly #definition: PluginDefinition<Config>;
  readonly #host: CapabilityHost;
  readonly #meta: CallMeta<Config>;

  constructor(definition: PluginDefinition<Config>, host: CapabilityHost, meta: CallMeta<Config>) {
    this.#definition = definition;
    this.#host = host;
    this.#meta = meta;
  }

  async run(call: EngineCall): Promise<unknown> {
    const { scope } = call;
    const handler = handlerOf(this.#definition, call);
    if (typeof handler !== 'function') throw new EaselError('PLUGIN_ERROR', `no handler for ${call.kind} ${call.target}${call.kind === 'agent' ? `.${call.capability}` : ''}`);
    const input = inputOf(call);
    const ctx = directContext(this.#host, scope, this.#meta);
    const { cpuMs, wallMs } = call.budget;
    const budget = new EaselError('EXECUTION_TIMEOUT', `the call ran past its budget (${cpuMs} ms CPU, ${wallMs} ms wall)`);
    let timer: NodeJS.Timeout | undefined;
    const overBudget = new Promise<never>((_, reject) => {
      // The runner ends the call once this rejects: the handler's pending ctx calls then fail.
      timer = setTimeout(() => reject(budget), wallMs);
    });
    try {
      return outputOf(await Promise.race([Promise.resolve().then(() => handler(input, ctx as never)), overBudget]));
    } catch (err) {
      throw err === budget || (err instanceof EaselError && err.code === 'OUTPUT_TOO_LARGE') ? err : scope.outcomeOf(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The input a handler receives: a JSON copy, with each byte field as a fresh Uint8Array. */
function inputOf(call: EngineCall): unknown {
  const json = call.input.json === undefined ? undefined : JSON.parse(JSON.stringify(call.input.json));
  return placeInputBytes(json, call.input.bytes);
}

/**
 * The output as it crosses: JSON, at most the payload limit; top-level byte fields (a
 * Uint8Array, or an array of them) become base64 text, as past a host's sandbox.
 */
function outputOf(result: unknown): unknown {
  const { json: rest, layout, bytes } = takeByteFields(result, true);
  if (bytes.reduce((n, b) => n + b.byteLength, 0) > MAX_BINARY_BYTES) throw new EaselError('OUTPUT_TOO_LARGE', `the output's bytes are over ${MAX_BINARY_BYTES} bytes`);
  const json = JSON.stringify(rest);
  if (json === undefined) return undefined;
  if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) throw new EaselError('OUTPUT_TOO_LARGE', `the output is over ${MAX_PAYLOAD_BYTES} bytes`);
  return bytesAsBase64(JSON.parse(json), layout, bytes);
}
