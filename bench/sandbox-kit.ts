/**
 * What the benches that drive the sandbox directly share: a plugin script written to a temp
 * folder as `easel pack` would leave it, a one-worker sandbox with bench limits, and the same
 * script in an isolate in the bench's own process (no worker, no hop).
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginIsolate, type BuildOptions } from '@easel/sdk/isolate';
import { createSandbox, type Sandbox, type SandboxOptions, type SandboxPlugin } from '../host/src/sandbox/index.ts';

export const NO_LOG = { info() {}, warn() {}, error() {} };

/** Writes `script` to `<dir>/<file>` and describes it as the sandbox loads it. */
export function benchPlugin(dir: string, script: string, limits: SandboxPlugin['limits'], file = 'plugin.js'): SandboxPlugin {
  const scriptPath = join(dir, file);
  writeFileSync(scriptPath, script);
  return { id: 'bench@1.0.0', name: 'bench', version: '1.0.0', scriptPath, scriptSha256: createHash('sha256').update(script).digest('hex'), limits };
}

/** One sandbox worker, a bridge that answers nothing, limits far above what a bench sends; `options` override. */
export function benchSandbox(options: Pick<SandboxOptions, 'cacheDir'> & Partial<SandboxOptions>): Promise<Sandbox> {
  return createSandbox({
    workers: 1,
    bridge: async () => undefined,
    maxPayloadBytes: 1024 * 1024,
    maxBinaryBytes: 32 * 1024 * 1024,
    maxPendingBridgeCalls: 64,
    quarantineAfterCrashes: 3,
    quarantineWindowMs: 60_000,
    cacheKey: randomBytes(32),
    logger: NO_LOG,
    ...options,
  });
}

/** `plugin`'s `script` in an isolate of this process, with the bench limits; `options` give the bridge, the cache and the CPU budget. */
export function benchIsolate(plugin: SandboxPlugin, script: string, options: Pick<BuildOptions, 'cpuMs' | 'cache' | 'bridge'> & Partial<BuildOptions>): Promise<PluginIsolate> {
  return PluginIsolate.build(
    {
      pluginId: plugin.id,
      pluginName: plugin.name,
      script,
      scriptSha256: plugin.scriptSha256,
      memoryMb: 64,
      maxPayloadBytes: 1024 * 1024,
      maxBinaryBytes: 32 * 1024 * 1024,
      ...options,
    },
    () => undefined,
  );
}
