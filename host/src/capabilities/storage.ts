/**
 * `ctx.storage`: the plugin's own blob namespace. The namespace is the plugin name the host
 * bound (BridgeCaller) and the execution is the caller's, so no argument a plugin crafts
 * reaches another plugin's objects. Bytes arrive as the copy the sandbox made and are
 * checked (size, type) by the blob service before anything is written.
 */
import { EaselError } from '../errors/index.ts';
import { WithBytes } from '../sandbox/index.ts';
import type { BlobService } from '../storage/index.ts';
import { noSuchOperation, type Capability } from './capability.ts';

const READS: ReadonlySet<string> = new Set(['get', 'head', 'list', 'url']);

export function storageCapability(blobs: BlobService): Capability {
  return {
    name: 'storage',
    allows: (grant, op) => (READS.has(op) ? grant.storage?.read === true : grant.storage?.write === true),
    async handle({ caller, scope }, op, args, bytes) {
      const plugin = caller.pluginName;
      const signal = scope?.signal;
      switch (op) {
        case 'put':
          if (!bytes) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'put needs bytes' });
          // ttlSeconds is checked by the blob service against EASEL_STORAGE_MAX_BLOB_TTL_SECONDS.
          return blobs.put(plugin, caller.executionId, args.key, bytes, args.contentType, { signal, ttlSeconds: args.ttlSeconds });
        case 'get': {
          const found = await blobs.get(plugin, args.key, signal);
          return found && new WithBytes(found.info, [found.bytes]);
        }
        case 'head':
          return blobs.head(plugin, args.key);
        case 'delete':
          return blobs.delete(plugin, args.key);
        case 'list':
          return blobs.list(plugin, args.prefix, args.after, args.limit);
        case 'url':
          return blobs.url(plugin, args.key, args.expiresInSeconds);
        default:
          throw noSuchOperation('storage', op);
      }
    },
  };
}
