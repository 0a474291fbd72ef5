/**
 * `ctx.storage`: the plugin's own blob namespace. The namespace is the plugin name the host
 * bound (BridgeCaller) and the execution is the caller's, so no argument a plugin crafts
 * reaches another plugin's objects. Bytes arrive as the copy the sandbox made and are
 * checked (size, type) by the blob service before anything is written.
 */
import { EaselError } from '../errors/index.ts';
import type { CallScopes } from '../calls/index.ts';
import { WithBytes, type BridgeCaller } from '../sandbox/index.ts';
import type { BlobService } from '../storage/index.ts';

export function storageCapability(blobs: BlobService, scopes: CallScopes) {
  return async (caller: BridgeCaller, op: string, args: Record<string, unknown>, bytes?: Buffer): Promise<unknown> => {
    const plugin = caller.pluginName;
    const signal = scopes.of(caller)?.signal;
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
        throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `storage has no operation ${op}` });
    }
  };
}
