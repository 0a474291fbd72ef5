/**
 * The two in-process entry points: a `ctx` for calling handler functions yourself
 * (`createTestContext`), and a plugin definition run by name with the host's checks
 * (`testPlugin`). Both answer `ctx` calls from the same host side as `runPacked`.
 */
import type { Context } from '../context.ts';
import type { PluginDefinition } from '../index.ts';
import { expectedHandlers, missingHandlersMessage } from '../isolate/index.ts';
import { DirectEngine, handlersOf } from './direct-engine.ts';
import { directContext } from './direct-context.ts';
import { EaselError } from './errors.ts';
import { harnessOf, type PluginHarness } from './harness.ts';
import type { Recorded } from './recorded.ts';
import { PluginRunner } from './runner.ts';
import { CallScope } from './scope.ts';
import { setUp, type ManifestInput, type Setup, type TestOptions } from './setup.ts';
import type { StoredObject } from './storage.ts';

/**
 * Options of {@link createTestContext}: the manifest (its permissions are the grant unless
 * `grant` narrows them), and how the kit answers.
 *
 * @example
 * ```ts
 * import manifest from '../plugin.json' with { type: 'json' };
 * const options: TestContextOptions = { manifest, executionId: 'exec-1', models: { text: ['cat'] } };
 * ```
 */
export interface TestContextOptions<Config = Record<string, unknown>> extends TestOptions<Config> {
  manifest: ManifestInput;
  /** `ctx.executionId` (default `exec-1`). */
  executionId?: string;
  /** The plugin's definition: `ctx.agents.invoke` of its own agents then runs their handlers. */
  definition?: PluginDefinition<Config>;
}

/**
 * A `ctx` and what it recorded. `abort()` cancels the call `ctx` belongs to: `ctx.signal`
 * fires, and pending and later `ctx` calls fail with EXECUTION_ABORTED.
 *
 * @example
 * ```ts
 * const { ctx, recorded, abort } = createTestContext({ manifest });
 * const pending = draw({ keywords: 'cat' }, ctx);
 * abort();
 * await assert.rejects(pending, { code: 'EXECUTION_CANCELLED' });
 * ```
 */
export interface TestContext<Config = Record<string, unknown>> {
  ctx: Context<Config>;
  recorded: Recorded;
  abort(): void;
  /** The plugin's kv contents now. */
  readKv(): Record<string, unknown>;
  /** The plugin's stored objects now, with their bytes. */
  readStorage(): Promise<StoredObject[]>;
  /** Releases what the context holds (emulator connection, temp folder). */
  close(): Promise<void>;
}

function runnerFor<Config>(setup: Setup<Config>, definition: PluginDefinition<Config>): PluginRunner {
  const engine = new DirectEngine(definition, setup.host, { plugin: { name: setup.manifest.name, version: setup.manifest.version }, config: setup.config });
  const runner = new PluginRunner(setup.manifest, setup.schemas, setup.limits, engine, setup.caller);
  setup.agents.runOwn = (parent, agent, capability, input) => runner.nested(parent, agent, capability, input);
  return runner;
}

/**
 * A `ctx` as a host gives a handler, for calling plugin functions directly in a unit test.
 * Every member behaves as on a host: the grant is checked at call time (PERMISSION_DENIED),
 * arguments are checked and copied, kv and storage follow the host's rules, models answer
 * from scripts or the Bedrock emulator, and every call is recorded.
 *
 * @example
 * ```ts
 * import { createTestContext, modelError } from '@easel/sdk/testing';
 * import manifest from '../plugin.json' with { type: 'json' };
 *
 * const { ctx, recorded } = createTestContext({ manifest, models: { text: [modelError('MODEL_CALL_FAILED', 'down')] } });
 * const subject = await subjectFor(['고양이'], ctx);
 * assert.equal(recorded.logs[0]?.level, 'warn');
 * await assert.rejects(ctx.kv.get('x'), { code: 'PERMISSION_DENIED' }); // the manifest asks for no kv
 * ```
 */
export function createTestContext<Config = Record<string, unknown>>(options: TestContextOptions<Config>): TestContext<Config> {
  const setup = setUp<Config>(options.manifest, options);
  if (options.definition) runnerFor(setup, options.definition);
  const scope = new CallScope({ id: options.executionId ?? 'exec-1', steps: 0, caller: setup.caller }, 0, []);
  const ctx = directContext(setup.host, scope, { plugin: { name: setup.manifest.name, version: setup.manifest.version }, config: setup.config });
  return {
    ctx,
    recorded: setup.recorded,
    abort: () => scope.abort(),
    readKv: () => setup.host.parts.kv.snapshot(),
    readStorage: () => setup.host.parts.storage.objects(),
    close: () => setup.host.close(),
  };
}

/**
 * Runs a plugin's handlers by name, in this process, with the host's checks: the definition
 * must define every handler the manifest lists (PLUGIN_LOAD_FAILED), inputs and outputs
 * must match the manifest's schemas, errors come out as the host reports them. Handlers are
 * not isolated: use {@link runPacked} for limits and the isolate's rules.
 *
 * @example
 * ```ts
 * import { testPlugin } from '@easel/sdk/testing';
 * import definition from '../src/index.ts';
 * import manifest from '../plugin.json' with { type: 'json' };
 *
 * const plugin = testPlugin(definition, manifest);
 * assert.deepEqual(await plugin.invoke('greeter', 'count', { name: 'Ada' }), { name: 'Ada', visits: 1 });
 * await assert.rejects(plugin.invoke('greeter', 'greet', {}), { code: 'INPUT_INVALID' });
 * ```
 */
export function testPlugin<Config = Record<string, unknown>>(definition: PluginDefinition<Config>, manifest: ManifestInput, options: TestOptions<Config> = {}): PluginHarness {
  const setup = setUp<Config>(manifest, options);
  const missing = missingHandlersMessage(expectedHandlers(setup.manifest), handlersOf(definition));
  if (missing !== undefined) throw new EaselError('PLUGIN_LOAD_FAILED', missing);
  return harnessOf(setup as Setup<unknown>, runnerFor(setup, definition), async () => undefined);
}
