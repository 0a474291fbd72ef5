/**
 * `ctx.kv`: the plugin's own key-value store. The namespace is the plugin name bound by the
 * host (BridgeCaller), so no key a plugin can craft reaches another plugin's rows.
 */
import { EaselError } from '../errors/index.ts';
import type { KvRepository } from '../store/index.ts';
import { noSuchOperation, type Capability } from './capability.ts';

export interface KvLimits {
  maxKeyLength: number;
  maxValueBytes: number;
  maxKeysPerPlugin: number;
}

const LIST_MAX = 1000;
// Control characters make keys ambiguous in logs and listings.
const CONTROL = /[\u0000-\u001f\u007f]/;

function keyOf(args: Record<string, unknown>, name: string, limits: KvLimits, allowEmpty = false): string {
  const key = args[name];
  if (typeof key !== 'string' || (!allowEmpty && key.length === 0) || key.length > limits.maxKeyLength || CONTROL.test(key)) {
    throw new EaselError('KV_KEY_INVALID', { name, least: allowEmpty ? 0 : 1, most: limits.maxKeyLength });
  }
  return key;
}

export function kvCapability(repo: KvRepository, limits: KvLimits): Capability {
  return {
    name: 'kv',
    allows: (grant) => grant.kv === true,
    async handle({ caller }, op, args) {
      const plugin = caller.pluginName;
      switch (op) {
        case 'get': {
          const text = await repo.get(plugin, keyOf(args, 'key', limits));
          return text === undefined ? undefined : JSON.parse(text);
        }
        case 'set': {
          const key = keyOf(args, 'key', limits);
          if (args.value === undefined) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'value must be JSON (not undefined)' });
          const text = JSON.stringify(args.value);
          if (Buffer.byteLength(text) > limits.maxValueBytes) {
            throw new EaselError('KV_VALUE_TOO_LARGE', { limit: limits.maxValueBytes });
          }
          await repo.set(plugin, key, text, limits.maxKeysPerPlugin);
          return undefined;
        }
        case 'delete':
          return repo.delete(plugin, keyOf(args, 'key', limits));
        case 'list': {
          const prefix = args.prefix === undefined ? '' : keyOf(args, 'prefix', limits, true);
          const limit = args.limit === undefined ? 100 : Number(args.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
            throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `limit must be an integer from 1 to ${LIST_MAX}` });
          }
          return repo.list(plugin, prefix, limit);
        }
        default:
          throw noSuchOperation('kv', op);
      }
    },
  };
}
