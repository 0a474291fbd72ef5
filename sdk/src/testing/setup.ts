/**
 * The options every entry point of the kit takes, and the host side built from them once:
 * the manifest checked, the grant and config settled, the stores and the model backend made.
 */
import { effectiveLimits } from '../isolate/index.ts';
import { validateManifest } from '../bundle/validate-manifest.ts';
import type { Caller } from '../context.ts';
import type { PluginManifest, Permissions } from '../manifest.ts';
import { checkedCaller } from './scope.ts';
import { AgentRouter, type AgentStubs } from './agents.ts';
import { EaselError } from './errors.ts';
import { checkedGrant } from './grant.ts';
import { CapabilityHost } from './host.ts';
import { MemoryKv } from './kv.ts';
import { ModelsCapability } from './models/capability.ts';
import { EmulatorBackend, type EmulatorModels } from './models/emulator.ts';
import { ScriptedBackend, type ScriptedModels } from './models/scripted.ts';
import { emptyRecord, type Recorded } from './recorded.ts';
import { checkedConfig, ManifestSchemas } from './schemas.ts';
import { BlobStore, type StorageLocation } from './storage.ts';

/**
 * A manifest: the parsed plugin.json (a JSON import does), checked with the SDK's validator.
 *
 * @example
 * ```ts
 * import manifest from '../plugin.json' with { type: 'json' };
 * const input: ManifestInput = manifest; // or: await loadManifest(dir)
 * ```
 */
export type ManifestInput = PluginManifest | Readonly<Record<string, unknown>>;

/**
 * How the kit answers the plugin's `ctx` calls. Everything is optional: by default the grant
 * is everything the manifest requests, kv and storage start empty and live in memory, and
 * models answer with defaults (see {@link ScriptedModels}).
 *
 * @example
 * ```ts
 * const options: TestOptions<{ greeting: string }> = {
 *   config: { greeting: 'Hi' },
 *   grant: { kv: true }, // narrower than the manifest: other capabilities are denied
 *   kv: { 'visits/Ada': 2 },
 *   storage: 'temp',
 *   models: { text: ['bonjour'] }, // or { emulator: 'http://127.0.0.1:4010' }
 *   agents: { 'translator/korean': { translate: () => ({ english: 'cat' }) } },
 *   printLogs: true,
 * };
 * ```
 */
export interface TestOptions<Config = Record<string, unknown>> {
  /** The admin-set config, validated against the manifest's `config` schema (PLUGIN_CONFIG_INVALID). */
  config?: Config;
  /** What the admin granted (default: what the manifest requests); more than it requests is GRANT_INVALID. */
  grant?: Permissions;
  /** Initial kv contents. */
  kv?: Record<string, unknown>;
  /** Where stored bytes live (default `'memory'`). */
  storage?: StorageLocation;
  /** Base of `ctx.storage.url` URLs (default `http://easel.test`). */
  publicUrl?: string;
  /** Scripted answers per task, or `{ emulator: url }` for a Bedrock emulator. */
  models?: ScriptedModels | EmulatorModels;
  /** Stubs for agents the plugin calls: `plugin/agent` for dependencies, `agent` for its own. */
  agents?: AgentStubs;
  /** Print log lines to stderr as they come (they are recorded either way). */
  printLogs?: boolean;
  /** `ctx.caller`: the app key id and end user the calls run for (default `{ app: 'test-app', user: 'test-user' }`); a call may override it. */
  caller?: Caller;
}

export interface Setup<Config> {
  manifest: PluginManifest;
  schemas: ManifestSchemas;
  config: Readonly<Config>;
  host: CapabilityHost;
  agents: AgentRouter;
  recorded: Recorded;
  limits: { memoryMb: number; wallMs: number; cpuMs: number };
  caller: Caller;
}

/** The manifest, checked with the SDK's validator, or MANIFEST_INVALID with every problem. */
export function checkedManifest(value: unknown, where = 'the manifest'): PluginManifest {
  const result = validateManifest(value);
  if (result.ok) return result.manifest;
  const listed = result.problems.map((p) => `${p.path} ${p.message}`).join('; ');
  throw new EaselError('MANIFEST_INVALID', `${where} is not a valid plugin.json: ${listed}`, { problems: result.problems });
}

/** Checked manifests and their compiled schemas, by manifest text: compiling takes a while, tests make many contexts. */
const compiled = new Map<string, { manifest: PluginManifest; schemas: ManifestSchemas }>();
const COMPILED_MAX = 32;

function compiledManifest(value: ManifestInput): { manifest: PluginManifest; schemas: ManifestSchemas } {
  const key = JSON.stringify(value);
  let found = compiled.get(key);
  if (!found) {
    const manifest = checkedManifest(JSON.parse(key));
    found = { manifest, schemas: new ManifestSchemas(manifest) };
    if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, found);
  }
  return found;
}

export function setUp<Config>(manifestInput: ManifestInput, options: TestOptions<Config>): Setup<Config> {
  const { manifest, schemas } = compiledManifest(manifestInput);
  const config = checkedConfig<Config>(schemas, options.config);
  const grant = checkedGrant(options.grant, manifest.permissions);
  const recorded = emptyRecord();
  const models = options.models ?? {};
  const backend = 'emulator' in models ? new EmulatorBackend(models) : new ScriptedBackend(models);
  const agents = new AgentRouter(manifest, grant, options.agents ?? {}, recorded);
  const host = new CapabilityHost({
    manifest,
    grant,
    kv: new MemoryKv(options.kv),
    storage: new BlobStore(options.storage ?? 'memory', options.publicUrl ?? 'http://easel.test'),
    models: new ModelsCapability(backend, recorded.models),
    agents,
    recorded,
    printLogs: options.printLogs === true,
  });
  return { manifest, schemas, config, host, agents, recorded, limits: effectiveLimits(manifest.limits), caller: checkedCaller(options.caller) };
}
