/**
 * Loads a packed plugin script in a fresh isolate, as the host does at install, and checks
 * that it defines every handler its manifest lists. `easel validate` and `easel pack` run it
 * so an author hears about a manifest/code mismatch before an upload does.
 */
import type { PluginManifest } from '../manifest.ts';
import { expectedHandlers, missingHandlersMessage, type ExpectedHandlers } from './handlers.ts';
import { effectiveLimits } from './limits.ts';
import { NO_SCRIPT_CACHE, PluginIsolate } from './plugin-isolate.ts';

/** The host's default caps on one bridge message (`EASEL_SANDBOX_MAX_PAYLOAD_BYTES`, `_MAX_BINARY_BYTES`). */
export const HOST_DEFAULT_BRIDGE = Object.freeze({ maxPayloadBytes: 1_048_576, maxBinaryBytes: 33_554_432 });


export type LoadCheck = { ok: true; handlers: ExpectedHandlers } | { ok: false; code: 'PLUGIN_LOAD_FAILED'; message: string };

/**
 * Loads `script` into an isolate with the manifest's limits and compares the handlers it
 * defines with the manifest. The answer carries the host's code and message on failure.
 *
 * @example
 * ```ts
 * const check = await checkScriptLoads(script, manifest);
 * if (!check.ok) console.error(`${check.code}: ${check.message}`);
 * ```
 */
export async function checkScriptLoads(script: string, manifest: PluginManifest, scriptSha256 = 'load-check'): Promise<LoadCheck> {
  const limits = effectiveLimits(manifest.limits);
  let iso: PluginIsolate | undefined;
  try {
    await PluginIsolate.build(
      {
        pluginId: manifest.name,
        pluginName: manifest.name,
        script,
        scriptSha256,
        memoryMb: limits.memoryMb,
        cpuMs: limits.cpuMs,
        ...HOST_DEFAULT_BRIDGE,
        cache: NO_SCRIPT_CACHE,
        // Top-level plugin code has no call to make bridge calls for.
        bridge: async () => '{"ok":false,"code":"CALL_ENDED","message":"no call is running"}',
      },
      (built) => (iso = built),
    );
    const handlers = iso!.handlers;
    const missing = missingHandlersMessage(expectedHandlers(manifest), handlers);
    return missing === undefined ? { ok: true, handlers } : { ok: false, code: 'PLUGIN_LOAD_FAILED', message: missing };
  } catch (err) {
    // isolated-vm disposes an isolate that passes its memory limit without telling why.
    const outOfMemory = iso !== undefined && iso.isolate.isDisposed && !iso.dead;
    return { ok: false, code: 'PLUGIN_LOAD_FAILED', message: outOfMemory ? 'the plugin ran out of memory while loading' : messageOf(err) };
  } finally {
    (iso as PluginIsolate | undefined)?.dispose();
  }
}

function messageOf(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.length > 1000 ? `${m.slice(0, 1000)}…` : m;
}
