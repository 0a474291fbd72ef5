/**
 * A worker's isolates, one per plugin: built lazily on the first call, rebuilt after a
 * disposal, replaced when the plugin's script or memory limit changed. Also the view and config
 * the supervisor last sent of each plugin (invoke frames carry them only when they change).
 * Disposing an isolate fails its calls, which the runtime owns, so the pool is handed `kill`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PluginIsolate } from '@easel/sdk/isolate';
import type { CodeCache } from './code-cache.ts';
import type { ParentMessage, WorkerInit } from './protocol.ts';
import type { SandboxPlugin } from './types.ts';
import type { WorkerBridge } from './worker-bridge.ts';

/** Why an isolate was disposed. */
export type Cause = 'timeout' | 'memory' | 'aborted' | 'idle' | 'unload';

type Invoke = Extract<ParentMessage, { t: 'invoke' }>;

export interface Entry {
  plugin: SandboxPlugin;
  iso: PluginIsolate | undefined;
  ready: Promise<PluginIsolate> | undefined;
  /** The isolate being built, watched against the plugin's limits. */
  building: { iso: PluginIsolate; start: number } | undefined;
  /** The isolate's CPU clock when its last call ended: code that runs after it is charged too. */
  idleCpuNs: bigint | undefined;
}

/** What an invoke frame carries, with what the worker kept of its plugin. */
export interface Unpacked {
  plugin: SandboxPlugin;
  inputJson: string;
  configJson: string;
  bytes: Buffer[];
}

export interface IsolatePoolDeps {
  init: WorkerInit;
  cache: CodeCache;
  bridge: WorkerBridge;
  /** An isolate started building: the watchdog must look at it. */
  onBuilding(): void;
  /** Disposes an isolate and fails the calls in it (the runtime's). */
  kill(iso: PluginIsolate, cause: Cause): void;
  /** V8 gave up on an isolate (its thread is parked for good): the worker must end. */
  onCatastrophe(pluginId: string, message: string): void;
}

export class LoadError extends Error {}

export class IsolatePool {
  #deps: IsolatePoolDeps;
  #entries = new Map<string, Entry>();
  /** The last view and config the supervisor sent of each plugin (kept while its isolate comes and goes; dropped by unload). */
  #views = new Map<string, { plugin: SandboxPlugin; configJson: string }>();
  #created = 0;

  constructor(deps: IsolatePoolDeps) {
    this.#deps = deps;
  }

  /** Isolates built so far (for the stats). */
  get created(): number {
    return this.#created;
  }

  /** An invoke's plugin, input, config and byte fields; undefined when the plugin's view was never sent. */
  unpack(m: Invoke, attachments: Buffer[]): Unpacked | undefined {
    const kept = this.#views.get(m.pluginId);
    const plugin = m.plugin ?? kept?.plugin;
    const [input, ...rest] = attachments;
    if (plugin === undefined || input === undefined || (m.config && rest.length === 0)) return undefined;
    const configJson = m.config ? rest.shift()!.toString('utf8') : kept?.configJson;
    if (configJson === undefined) return undefined;
    this.#views.set(m.pluginId, { plugin, configJson });
    // A workflow's own wall limit applies to this call only; the kept view stays the plugin's.
    const forCall = m.wallMs === undefined ? plugin : { ...plugin, limits: { ...plugin.limits, wallMs: m.wallMs } };
    return { plugin: forCall, inputJson: input.toString('utf8'), configJson, bytes: rest };
  }

  /** The plugin's isolate, built when there is none or it no longer matches `plugin`. */
  async isolateFor(plugin: SandboxPlugin): Promise<PluginIsolate> {
    const entry = this.#entries.get(plugin.id);
    if (entry && entry.plugin.scriptSha256 === plugin.scriptSha256 && entry.plugin.limits.memoryMb === plugin.limits.memoryMb) {
      if (entry.iso && !entry.iso.dead) return entry.iso;
      if (entry.ready) return entry.ready;
    }
    if (entry) this.drop(plugin.id, 'unload');
    const fresh: Entry = { plugin, iso: undefined, ready: undefined, building: undefined, idleCpuNs: undefined };
    this.#entries.set(plugin.id, fresh);
    fresh.ready = this.#build(fresh);
    fresh.ready.catch(() => undefined);
    return fresh.ready;
  }

  /** Disposes the plugin's isolate (failing its calls); `forget` also drops the view the supervisor sent. */
  drop(pluginId: string, cause: Cause, forget = false): void {
    if (forget) this.#views.delete(pluginId);
    const entry = this.#entries.get(pluginId);
    if (!entry) return;
    this.#entries.delete(pluginId);
    const iso = entry.iso ?? entry.building?.iso;
    if (iso) this.#deps.kill(iso, cause);
  }

  dropAll(cause: Cause): void {
    for (const id of [...this.#entries.keys()]) this.drop(id, cause, true);
  }

  /** After `iso` was disposed: the next call builds a fresh one. */
  disposed(iso: PluginIsolate): void {
    const entry = this.#entries.get(iso.pluginId);
    if (entry && (entry.iso === iso || entry.building?.iso === iso)) this.#entries.delete(iso.pluginId);
  }

  /** The last call in `iso` ended at `cpuNs` of its clock: what runs from now on is idle code. */
  idle(iso: PluginIsolate, cpuNs: bigint | undefined): void {
    const entry = this.#entries.get(iso.pluginId);
    if (entry?.iso === iso) entry.idleCpuNs = cpuNs;
  }

  entries(): Entry[] {
    return [...this.#entries.values()];
  }

  /** Isolates alive or being built. */
  live(): Set<PluginIsolate> {
    const live = new Set<PluginIsolate>();
    for (const entry of this.#entries.values()) {
      const iso = entry.building?.iso ?? entry.iso;
      if (iso && !iso.dead) live.add(iso);
    }
    return live;
  }

  get building(): boolean {
    return [...this.#entries.values()].some((e) => e.building);
  }

  async #build(entry: Entry): Promise<PluginIsolate> {
    const { plugin } = entry;
    const { init } = this.#deps;
    let script: string;
    try {
      script = await readFile(plugin.scriptPath, 'utf8');
    } catch {
      this.#forget(entry);
      throw new LoadError('the plugin script cannot be read');
    }
    if (createHash('sha256').update(script).digest('hex') !== plugin.scriptSha256) {
      this.#forget(entry);
      throw new LoadError('the plugin script does not match its recorded sha256');
    }
    let built: PluginIsolate | undefined;
    try {
      const iso = await PluginIsolate.build(
        {
          pluginId: plugin.id,
          pluginName: plugin.name,
          script,
          scriptSha256: plugin.scriptSha256,
          memoryMb: plugin.limits.memoryMb,
          cpuMs: plugin.limits.cpuMs,
          maxPayloadBytes: init.maxPayloadBytes,
          maxBinaryBytes: init.maxBinaryBytes,
          cache: this.#deps.cache,
          bridge: this.#deps.bridge.forIsolate(() => built),
          guestLimits: { maxPendingBridgeCalls: init.maxPendingBridgeCalls, ...init.guestLimits },
          onCatastrophicError: (message) => this.#deps.onCatastrophe(plugin.id, message),
        },
        (iso) => {
          built = iso;
          this.#created++;
          entry.building = { iso, start: performance.now() };
          this.#deps.onBuilding();
        },
      );
      entry.building = undefined;
      if (iso.dead) throw new LoadError('the plugin was stopped while loading');
      // Unloaded (or replaced) while the script was being read: this isolate belongs to nobody.
      if (this.#entries.get(plugin.id) !== entry) throw new LoadError('the plugin was unloaded while loading');
      entry.iso = iso;
      entry.idleCpuNs = iso.cpuNs();
      return iso;
    } catch (err) {
      entry.building = undefined;
      const why = built?.isolate.isDisposed && !built.dead ? 'the plugin ran out of memory while loading' : built?.dead ? 'the plugin was stopped while loading (time or memory)' : err instanceof Error ? err.message : 'unknown error';
      built?.dispose();
      this.#forget(entry);
      throw new LoadError(why);
    }
  }

  #forget(entry: Entry): void {
    if (this.#entries.get(entry.plugin.id) === entry) this.#entries.delete(entry.plugin.id);
  }
}
