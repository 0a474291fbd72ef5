/**
 * `ctx.kv` in memory, with the host's rules: values are stored as JSON text (so what comes
 * out is a copy, never the object put in), keys are 1 to 512 printable characters, values at
 * most 64 KiB as JSON, a listing is sorted, filtered by prefix and capped at 1 to 1000 keys.
 */
import { EaselError } from './errors.ts';

/** The host's defaults (EASEL_KV_MAX_KEY_LENGTH, _MAX_VALUE_BYTES, _MAX_KEYS_PER_PLUGIN). */
const MAX_KEY_LENGTH = 512;
const MAX_VALUE_BYTES = 65_536;
const MAX_KEYS = 100_000;
const LIST_DEFAULT = 100;
const LIST_MAX = 1000;
const CONTROL = /[\u0000-\u001f\u007f]/;

function keyArgument(args: Record<string, unknown>, name: 'key' | 'prefix'): string {
  const key = args[name];
  const minimum = name === 'prefix' ? 0 : 1;
  if (typeof key !== 'string') throw new EaselError('KV_KEY_INVALID', `${name} must be a string`);
  if (key.length < minimum || key.length > MAX_KEY_LENGTH || CONTROL.test(key)) {
    throw new EaselError('KV_KEY_INVALID', `${name} must be ${minimum} to ${MAX_KEY_LENGTH} printable characters`);
  }
  return key;
}

export class MemoryKv {
  readonly #rows = new Map<string, string>();

  constructor(initial: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(initial)) this.#rows.set(key, JSON.stringify(value));
  }

  /** One bridge operation: `get`, `set`, `delete` or `list`, with the arguments the shim sends. */
  handle(op: string, args: Record<string, unknown>): unknown {
    switch (op) {
      case 'get': {
        const text = this.#rows.get(keyArgument(args, 'key'));
        return text === undefined ? undefined : JSON.parse(text);
      }
      case 'set':
        return this.#set(keyArgument(args, 'key'), args.value);
      case 'delete':
        return this.#rows.delete(keyArgument(args, 'key'));
      case 'list':
        return this.#list(args.prefix === undefined ? '' : keyArgument(args, 'prefix'), args.limit);
      default:
        throw new EaselError('BRIDGE_ARGUMENT_INVALID', `kv has no operation ${op}`);
    }
  }

  /** Every key and its value (a copy), for a test to look at. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries([...this.#rows].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, text]) => [key, JSON.parse(text)]));
  }

  #set(key: string, value: unknown): undefined {
    if (value === undefined) throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'value must be JSON (not undefined)');
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > MAX_VALUE_BYTES) throw new EaselError('KV_VALUE_TOO_LARGE', `value is over ${MAX_VALUE_BYTES} bytes as JSON`);
    if (!this.#rows.has(key) && this.#rows.size >= MAX_KEYS) throw new EaselError('KV_QUOTA_EXCEEDED', `a plugin may hold at most ${MAX_KEYS} kv keys`);
    this.#rows.set(key, text);
    return undefined;
  }

  #list(prefix: string, rawLimit: unknown): string[] {
    const limit = rawLimit === undefined ? LIST_DEFAULT : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', `limit must be an integer from 1 to ${LIST_MAX}`);
    }
    return [...this.#rows.keys()].filter((key) => key.startsWith(prefix)).sort().slice(0, limit);
  }
}
