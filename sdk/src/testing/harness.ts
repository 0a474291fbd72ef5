/** What `testPlugin` and `runPacked` hand a test: calls by name, with the host's checks, and what was recorded. */
import type { PluginManifest } from '../manifest.ts';
import type { LogLine, Recorded } from './recorded.ts';
import type { CallOptions, PluginRunner } from './runner.ts';
import type { Setup } from './setup.ts';
import type { StoredObject } from './storage.ts';

/**
 * A plugin under test. `invoke` and `run` check input and output against the manifest's
 * schemas (INPUT_INVALID, OUTPUT_INVALID with `details.problems`) and fail as a host call
 * fails (PLUGIN_ERROR with the handler's message, EXECUTION_TIMEOUT, …). Each call is a new
 * execution; kv and storage persist across calls.
 *
 * @example
 * ```ts
 * const plugin = testPlugin(definition, manifest, { config: { greeting: 'Hi' } });
 * const out = await plugin.invoke<{ message: string }>('greeter', 'greet', { name: 'Ada' });
 * assert.equal(out.message, 'Hi, Ada!');
 * assert.deepEqual(plugin.logs.map((l) => l.message), ['greeting someone']);
 * await plugin.close();
 * ```
 */
export interface PluginHarness {
  readonly manifest: PluginManifest;
  /** Every `ctx` call and what reached each capability, across calls. */
  readonly recorded: Recorded;
  /** The log lines (`recorded.logs`). */
  readonly logs: LogLine[];
  /** Runs `agents.<agent>.capabilities.<capability>` as an app's call does. */
  invoke<T = any>(agent: string, capability: string, input: unknown, options?: CallOptions): Promise<T>;
  /** Runs workflow `workflow` as a started workflow does. */
  run<T = any>(workflow: string, input: unknown, options?: CallOptions): Promise<T>;
  /** The plugin's kv contents now. */
  readKv(): Record<string, unknown>;
  /** The plugin's stored objects now, with their bytes. */
  readStorage(): Promise<StoredObject[]>;
  /** Releases what the harness holds (isolate, emulator connection, temp folder). */
  close(): Promise<void>;
}

export function harnessOf(setup: Setup<unknown>, runner: PluginRunner, close: () => Promise<void>): PluginHarness {
  const { host, recorded, manifest } = setup;
  return {
    manifest,
    recorded,
    logs: recorded.logs,
    invoke: (agent, capability, input, options) => runner.call('agent', agent, capability, input, options) as Promise<never>,
    run: (workflow, input, options) => runner.call('workflow', workflow, '', input, options) as Promise<never>,
    readKv: () => host.parts.kv.snapshot(),
    readStorage: () => host.parts.storage.objects(),
    close: async () => {
      await close();
      await host.close();
    },
  };
}
