/**
 * `runPacked`: the plugin as the host runs it. The folder is packed as `easel pack` packs it,
 * the packed `dist/plugin.js` is loaded into a real isolate behind the host's guest shim with
 * the manifest's limits, and its handlers are called by name with the host's checks; `ctx`
 * calls are answered by the same host side as `createTestContext`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleError } from '../bundle/errors.ts';
import { packPlugin, type PackedPlugin } from '../bundle/pack.ts';
import type { PluginManifest } from '../manifest.ts';
import { EaselError } from './errors.ts';
import { harnessOf, type PluginHarness } from './harness.ts';
import { PackedEngine } from './packed-engine.ts';
import { PluginRunner } from './runner.ts';
import { checkedManifest, setUp, type Setup, type TestOptions } from './setup.ts';
import { snapshotDisabled } from '../isolate/snapshot.ts';

export { snapshotDisabled };

/**
 * Reads and validates `dir/plugin.json` with the SDK's own validator (what `easel validate`
 * and the host check), or throws MANIFEST_INVALID with every problem in `details.problems`.
 *
 * @example
 * ```ts
 * const manifest = await loadManifest(new URL('..', import.meta.url).pathname);
 * const { ctx } = createTestContext({ manifest });
 * ```
 */
export async function loadManifest(dir: string): Promise<PluginManifest> {
  const file = join(dir, 'plugin.json');
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new EaselError('MANIFEST_INVALID', missing ? `${file} not found` : `${file} is not valid JSON: ${(err as Error).message}`);
  }
  return checkedManifest(value, file);
}

/**
 * Packs the plugin in `dir`, loads its packed script into a real isolate with the manifest's
 * limits (memory, CPU and wall-clock time; the host's defaults where it sets none: 64 MB,
 * 5,000 ms CPU, 10,000 ms wall) and answers its `ctx` calls as {@link createTestContext}
 * does. A script that does not load, or lacks a handler its manifest lists, is refused with
 * PLUGIN_LOAD_FAILED and the host's message. A call past its budget is stopped
 * (EXECUTION_TIMEOUT), one past the memory limit too (EXECUTION_MEMORY); the isolate is
 * then built again for the next call, as on a host.
 *
 * Creating isolates needs Node started with `--no-node-snapshot`: run tests with
 * `node --no-node-snapshot --test`, or give vitest `pool: 'forks'` and
 * `execArgv: ['--no-node-snapshot']`.
 *
 * @example
 * ```ts
 * import { runPacked } from '@easel/sdk/testing';
 *
 * const plugin = await runPacked(new URL('..', import.meta.url).pathname, { kv: { 'visits/Ada': 1 } });
 * try {
 *   assert.deepEqual(await plugin.invoke('greeter', 'count', { name: 'Ada' }), { name: 'Ada', visits: 2 });
 * } finally {
 *   await plugin.close();
 * }
 * ```
 */
export async function runPacked<Config = Record<string, unknown>>(dir: string, options: TestOptions<Config> = {}): Promise<PluginHarness> {
  if (!snapshotDisabled()) {
    throw new EaselError('NODE_SNAPSHOT_ENABLED', 'runPacked creates V8 isolates, which needs Node started with --no-node-snapshot: run `node --no-node-snapshot --test` (vitest: pool "forks" with execArgv ["--no-node-snapshot"])');
  }
  const packed = await packOrExplain(dir);
  const setup = setUp<Config>(packed.manifest, options);
  const { memoryMb, cpuMs } = setup.limits;
  const engine = new PackedEngine(setup.manifest, packed.script, setup.config, memoryMb, setup.host);
  const runner = new PluginRunner(setup.manifest, setup.schemas, setup.limits, engine, setup.caller);
  setup.agents.runOwn = (parent, agent, capability, input) => runner.nested(parent, agent, capability, input);
  try {
    await engine.load(cpuMs);
  } catch (err) {
    await setup.host.close();
    throw err;
  }
  return harnessOf(setup as Setup<unknown>, runner, () => engine.close());
}

/** Packs `dir`; a refusal becomes the kit's error, its problems in `details.problems` as everywhere else. */
async function packOrExplain(dir: string): Promise<PackedPlugin> {
  try {
    return await packPlugin(dir);
  } catch (err) {
    if (err instanceof BundleError) throw new EaselError(err.code, err.message, { problems: err.problems });
    throw err;
  }
}
