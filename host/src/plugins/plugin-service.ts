/**
 * Installed plugins: upload, enable with a grant, disable, configure, uninstall. Keeps an
 * in-memory view of each plugin (validators, grant, config, sandbox descriptor) so the
 * execution hot path reads no SQLite row; every change goes to the store first and then
 * drops the cached view.
 *
 * A change never stops a call in flight: new calls get the new view at once, while the
 * version they replace drains in the sandbox (`Sandbox.retire`) for EASEL_PLUGIN_DRAIN_MS;
 * its files go when its drain ends. Config travels with each call, so a config change needs
 * nothing more than a new view.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Permissions, PluginManifest } from '@easel/sdk';
import type { BundleLimits } from '@easel/sdk/bundle';
import { effectiveLimits, expectedHandlers, type SandboxLimitConfig } from '@easel/sdk/isolate';
import { exceeds, intersect } from '../grants/index.ts';
import { EaselError } from '../errors/index.ts';
import type { EventBus, HostEvent } from '../events/index.ts';
import type { Sandbox, SandboxPlugin } from '../sandbox/index.ts';
import { toProblems, type PluginValidators, type ValidatorCache } from '../schemas/index.ts';
import { anythingMayHaveChanged, type InstalledPlugin, type Store } from '../store/index.ts';
import { dependentsClosure, dependentsOf, type Dependent } from '../resolver/index.ts';
import { graphOf, inUse, unmetDependencies } from './dependency-rules.ts';
import type { BundleArchive } from './bundle-archive.ts';
import { listFiles } from './list-files.ts';
import { quarantineView, type QuarantineView } from './quarantine.ts';
import { pluginsDir, stageBundle, stagingDir, type StagedBundle } from './stage-bundle.ts';

export interface ActivePlugin {
  record: InstalledPlugin;
  sandbox: SandboxPlugin;
  validators: PluginValidators;
  config: Record<string, unknown>;
}

export interface PluginServiceDeps {
  store: Store;
  sandbox: Sandbox;
  validators: ValidatorCache;
  dataDir: string;
  bundleLimits: BundleLimits;
  /** `drainMs`: how long a retired version's calls may run on (EASEL_PLUGIN_DRAIN_MS; default 900000). */
  sandboxLimits: SandboxLimitConfig & { drainMs?: number };
  /** Told when a plugin becomes runnable or stops being runnable, once the store has the change. */
  bus?: EventBus;
  /**
   * Where bundles are shared (EASEL_STORE=postgres): each install keeps its tarball there, and a
   * plugin whose folder this host lacks is restored from it. A plugin's folder is then
   * `<dataDir>/plugins/<the recorded folder's name>` on every host, whatever data folder
   * installed it.
   */
  archive?: BundleArchive;
  /** Told why a shared bundle could not be restored (`missing`, `mismatch`: its bytes are not what was recorded, `failed`). */
  log?: (plugin: string, outcome: string) => void;
}

/** EASEL_PLUGIN_DRAIN_MS's default. */
const DEFAULT_DRAIN_MS = 900_000;

export class PluginService {
  #deps: PluginServiceDeps;
  #views = new Map<string, Promise<ActivePlugin>>();
  #grants = new Map<string, Promise<Permissions>>();
  #installed: Promise<InstalledPlugin[]> | undefined;
  /** Plugins whose files on disk no longer match what was recorded at install. */
  #modified = new Set<string>();
  /** Install folders found holding exactly their recorded files (shared bundles are checked at use, once). */
  #checkedFolders = new Set<string>();
  /**
   * The grant of a plugin disabled or uninstalled while its calls drain, by name: only those
   * calls can still reach a bridge (new ones are refused), and they finish with what they had.
   */
  #drainingGrants = new Map<string, { grant: Permissions }>();

  constructor(deps: PluginServiceDeps) {
    this.#deps = deps;
    // Another host on a shared store changed a plugin: what is kept of it here is stale.
    deps.store.changes?.subscribe((change) => {
      if (change.plugin !== undefined) this.#forgetChanged(change.plugin);
      else if (anythingMayHaveChanged(change)) this.#forgetAll();
    });
  }

  /**
   * Every installed plugin. Read from the store once and kept until a change made through this
   * service (each forgets it), so a workflow step, which resolves its target among them, reads
   * no row.
   */
  async list(): Promise<InstalledPlugin[]> {
    this.#installed ??= this.#deps.store.plugins.list().then((all) => all.map((p) => this.#local(p)));
    const installed = this.#installed;
    try {
      return [...(await installed)];
    } catch (error) {
      if (this.#installed === installed) this.#installed = undefined;
      throw error;
    }
  }

  async get(name: string): Promise<InstalledPlugin> {
    const found = await this.#deps.store.plugins.get(name);
    if (!found) throw new EaselError('PLUGIN_NOT_FOUND', { plugin: name });
    return this.#local(found);
  }

  /** The record with its folder in this host's data folder, when bundles are shared. */
  #local(plugin: InstalledPlugin): InstalledPlugin {
    return this.#deps.archive ? { ...plugin, path: join(pluginsDir(this.#deps.dataDir), basename(plugin.path)) } : plugin;
  }

  /**
   * What the plugin may use now: the admin's grant cut down to what the installed version
   * requests, so a new version never inherits a permission it stopped asking for.
   */
  grantOf(name: string): Promise<Permissions> {
    return memoize(this.#grants, name, () => this.#effectiveGrant(name));
  }

  /** The enabled plugin ready to run, or PLUGIN_NOT_FOUND / PLUGIN_DISABLED. */
  active(name: string): Promise<ActivePlugin> {
    return memoize(this.#views, name, () => this.#buildView(name));
  }

  /** Installs (or replaces) a plugin from a tarball; the previous version stays until the new one is recorded. */
  async upload(tgz: Buffer, actor: string): Promise<{ plugin: InstalledPlugin; replaced?: string }> {
    return this.announceInstall('upload', async () => {
      const staged = await stageBundle(tgz, this.#deps.dataDir, this.#deps.bundleLimits);
      const [result] = await this.installStaged([staged], actor);
      return result as { plugin: InstalledPlugin; replaced?: string };
    });
  }

  /** Runs one install (an upload, a registry install) and announces how it ended (`plugin.install`). */
  async announceInstall<T>(source: 'upload' | 'registry', install: () => Promise<T>): Promise<T> {
    try {
      const result = await install();
      this.#publish({ type: 'plugin.install', source, outcome: 'ok' });
      return result;
    } catch (error) {
      this.#publish({ type: 'plugin.install', source, outcome: 'failed', errorCode: error instanceof EaselError ? error.code : 'INTERNAL_ERROR' });
      throw error;
    }
  }

  /**
   * Installs staged bundles as one set: each is loaded once in the sandbox (a plugin that
   * cannot load is refused, never installed and skipped later), then all are recorded in one
   * transaction. On any failure nothing is recorded and every staged folder is removed.
   */
  async installStaged(staged: StagedBundle[], actor: string): Promise<{ plugin: InstalledPlugin; replaced?: string }[]> {
    const candidates = staged.map((s) => this.#sandboxPlugin(s.manifest, s.path, s.scriptSha256));
    let replaced: { previous?: InstalledPlugin }[];
    try {
      // Shared bundles are kept before anything is recorded: no record points to a tarball that is not there.
      for (const s of staged) await this.#deps.archive?.keep(s);
      for (const [i, { manifest }] of staged.entries()) {
        const candidate = candidates[i] as SandboxPlugin;
        const previous = await this.#deps.store.plugins.get(manifest.name);
        if (previous?.enabled) this.#checkConfig(manifest, (await this.#deps.store.configs.get(manifest.name)) ?? {});
        await this.#deps.sandbox.load(candidate, expectedHandlers(manifest));
        // Loaded to be checked only: nothing runs it. (Retired rather than unloaded: the same
        // bytes may be draining, disabled, with calls in flight.)
        if (!previous?.enabled) void this.#deps.sandbox.retire(candidate.id, this.#drainMs);
      }
      replaced = await this.#deps.store.plugins.installSet(
        staged.map((s) => ({
          name: s.manifest.name,
          version: s.manifest.version,
          manifest: s.manifest,
          integrity: s.integrity,
          scriptSha256: s.scriptSha256,
          path: s.path,
          files: s.files,
        })),
      );
    } catch (error) {
      const live = new Set<string>();
      for (const { manifest } of staged) {
        const found = await this.#deps.store.plugins.get(manifest.name).catch(() => undefined);
        const installed = found && this.#local(found);
        if (installed?.enabled) live.add(this.#sandboxPlugin(installed.manifest, installed.path, installed.scriptSha256).id);
      }
      // A candidate that is the running version (the same bytes again) keeps running.
      for (const c of candidates) if (!live.has(c.id)) void this.#deps.sandbox.retire(c.id, this.#drainMs);
      await Promise.all(staged.map((s) => rm(s.path, { recursive: true, force: true })));
      throw error;
    }
    // Recorded: from here on the new versions are the installed ones. An enabled plugin stays
    // enabled across an upgrade (and the new version was loaded above), so it is runnable now.
    const previousOf = replaced.map((r) => r.previous && this.#local(r.previous));
    for (const [i, { manifest }] of staged.entries()) {
      const previous = previousOf[i];
      if (!previous?.enabled) continue;
      if (this.#runnable(previous)) this.#publish({ type: 'plugin.unregistered', plugin: previous.name, version: previous.version, reason: 'replaced' });
      this.#publish({ type: 'plugin.registered', plugin: manifest.name, version: manifest.version });
    }
    const results: { plugin: InstalledPlugin; replaced?: string }[] = [];
    for (const [i, { manifest, path }] of staged.entries()) {
      const previous = previousOf[i];
      this.#forget(manifest.name);
      this.#modified.delete(manifest.name);
      const plugin = await this.get(manifest.name);
      // New calls get the new version from here on; the calls in flight finish on the old one.
      if (previous && previous.path !== path) this.#retire(previous, plugin);
      await this.#deps.store.audit.record({ actor, action: 'plugin.install', target: `${manifest.name}@${manifest.version}`, outcome: 'ok' });
      results.push({ plugin, replaced: previous?.version });
    }
    return results;
  }

  /** The installed version's quarantine in the sandbox, or null when it may run. */
  quarantineOf(plugin: InstalledPlugin): QuarantineView | null {
    const found = this.#deps.sandbox.quarantineOf(this.#sandboxPlugin(plugin.manifest, plugin.path, plugin.scriptSha256).id);
    return found ? quarantineView(found) : null;
  }

  /**
   * Lifts the installed version's quarantine now (the sandbox tells its listener, which audits
   * it as `actor`'s). `lifted` is null when it was not quarantined: lifting is idempotent.
   */
  async liftQuarantine(name: string, actor: string): Promise<{ plugin: InstalledPlugin; lifted: QuarantineView | null }> {
    const plugin = await this.get(name);
    const lifted = this.#deps.sandbox.liftQuarantine(this.#sandboxPlugin(plugin.manifest, plugin.path, plugin.scriptSha256).id, actor);
    return { plugin, lifted: lifted ? quarantineView(lifted) : null };
  }

  async enable(name: string, grant: Permissions, actor: string): Promise<InstalledPlugin> {
    const plugin = await this.get(name);
    const over = exceeds(grant, plugin.manifest.permissions ?? {});
    if (over.length > 0) {
      throw new EaselError('GRANT_INVALID', { plugin: name }, { problems: over.map((path) => ({ path, message: 'not requested by the manifest' })) });
    }
    this.#refuseModified(name);
    await this.#requireSharedFiles(plugin);
    await this.#requireDependenciesEnabled(plugin);
    this.#checkConfig(plugin.manifest, (await this.#deps.store.configs.get(name)) ?? {});
    await this.#deps.sandbox.load(this.#sandboxPlugin(plugin.manifest, plugin.path, plugin.scriptSha256), expectedHandlers(plugin.manifest));
    await this.#deps.store.grants.set(name, grant);
    await this.#deps.store.plugins.setEnabled(name, true);
    this.#forget(name);
    // Enabling an enabled plugin only changes its grant: it was runnable already.
    if (!plugin.enabled) this.#publish({ type: 'plugin.registered', plugin: name, version: plugin.version });
    await this.#deps.store.audit.record({ actor, action: 'plugin.enable', target: name, outcome: 'ok', details: { grant } });
    return this.get(name);
  }

  /**
   * Disables a plugin; refused while enabled plugins depend on it, unless `force`: then they
   * stay enabled and their calls into it fail with DEPENDENCY_DISABLED (`dependents` names them).
   */
  async disable(name: string, actor: string, force = false): Promise<{ plugin: InstalledPlugin; dependents: Dependent[] }> {
    const plugin = await this.get(name);
    const all = await this.list();
    const enabledDependents = dependentsOf(name, graphOf(all.filter((p) => p.enabled)));
    if (enabledDependents.length > 0 && !force) throw inUse(name, 'disable', enabledDependents);
    const grant = await this.grantOf(name);
    await this.#deps.store.plugins.setEnabled(name, false);
    this.#keepGrantWhileDraining(name, grant);
    this.#forget(name);
    if (this.#runnable(plugin)) this.#publish({ type: 'plugin.unregistered', plugin: name, version: plugin.version, reason: 'disabled' });
    await this.#deps.store.audit.record({ actor, action: 'plugin.disable', target: name, outcome: 'ok', ...(enabledDependents.length > 0 ? { details: { forced: true, dependents: enabledDependents.map((d) => d.name) } } : {}) });
    // New calls are refused (PLUGIN_DISABLED) from here on; the calls in flight finish.
    void this.#deps.sandbox.retire(this.#sandboxPlugin(plugin.manifest, plugin.path, plugin.scriptSha256).id, this.#drainMs);
    return { plugin: await this.get(name), dependents: enabledDependents };
  }

  /** Uninstalls a plugin; its dependents first when `cascade`, otherwise refused while it has any. */
  async uninstall(name: string, actor: string, cascade = false): Promise<InstalledPlugin[]> {
    const all = await this.list();
    if (!all.some((p) => p.name === name)) throw new EaselError('PLUGIN_NOT_FOUND', { plugin: name });
    const dependents = dependentsOf(name, graphOf(all));
    if (dependents.length > 0 && !cascade) throw inUse(name, 'uninstall', dependents);
    const removed: InstalledPlugin[] = [];
    // dependentsClosure lists the dependents, each before what it depends on; `name` goes last.
    for (const target of cascade ? [...dependentsClosure(name, graphOf(all)), name] : [name]) removed.push(await this.#uninstallOne(target, actor));
    return removed;
  }

  async #uninstallOne(name: string, actor: string): Promise<InstalledPlugin> {
    const grant = await this.grantOf(name);
    const removed = await this.#deps.store.plugins.remove(name);
    if (!removed) throw new EaselError('PLUGIN_NOT_FOUND', { plugin: name });
    this.#keepGrantWhileDraining(name, grant);
    // A disabled plugin was unregistered when it was disabled.
    if (this.#runnable(removed)) this.#publish({ type: 'plugin.unregistered', plugin: name, version: removed.version, reason: 'uninstalled' });
    await this.#deps.store.audit.record({ actor, action: 'plugin.uninstall', target: `${name}@${removed.version}`, outcome: 'ok' });
    // Its cached model answers go with it: a later plugin of the same name must not be served them.
    await this.#deps.store.modelCache.clearScope(name);
    this.#forget(name);
    // Its calls in flight finish; its files go when they have (its data went with the record).
    this.#retire(removed, undefined);
    return removed;
  }

  async getConfig(name: string): Promise<Record<string, unknown>> {
    await this.get(name);
    return (await this.#deps.store.configs.get(name)) ?? {};
  }

  async setConfig(name: string, value: Record<string, unknown>, actor: string): Promise<Record<string, unknown>> {
    const plugin = await this.get(name);
    this.#checkConfig(plugin.manifest, value);
    await this.#deps.store.configs.set(name, value);
    await this.#deps.store.audit.record({ actor, action: 'plugin.config', target: name, outcome: 'ok' });
    this.#forget(name);
    return value;
  }

  /**
   * At start, after verifyInstalled: announces every enabled plugin on the bus as registered,
   * as enabling it would have. A plugin whose files changed is not runnable, so not announced.
   */
  async announceEnabled(): Promise<void> {
    for (const plugin of await this.list()) {
      if (this.#runnable(plugin)) this.#publish({ type: 'plugin.registered', plugin: plugin.name, version: plugin.version });
    }
  }

  /** At start: drop staging leftovers and install folders no record points to (a crash mid-upload). */
  async sweep(): Promise<void> {
    await rm(stagingDir(this.#deps.dataDir), { recursive: true, force: true });
    const live = new Set((await this.list()).map((p) => p.path));
    const dir = pluginsDir(this.#deps.dataDir);
    const entries = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(entries.map((e) => join(dir, e)).filter((p) => !live.has(p)).map((p) => rm(p, { recursive: true, force: true })));
  }

  async #effectiveGrant(name: string): Promise<Permissions> {
    const plugin = await this.#deps.store.plugins.get(name);
    if (!plugin?.enabled) return this.#drainingGrants.get(name)?.grant ?? {};
    return intersect(await this.#deps.store.grants.get(name), plugin.manifest.permissions ?? {});
  }

  /**
   * At start: every installed plugin's files must still be exactly those recorded (and, for
   * registry installs, signed) at install. A modified plugin is not loaded (PLUGIN_MODIFIED).
   */
  async verifyInstalled(): Promise<string[]> {
    for (const plugin of await this.list()) if (!(await this.#ensureFiles(plugin))) this.#modified.add(plugin.name);
    return [...this.#modified];
  }

  /**
   * Whether the plugin's folder holds exactly the files recorded at install; with shared
   * bundles, a folder this host lacks (or whose files differ) is first restored from the archive.
   * A folder found whole is not hashed again (each install has a folder of its own).
   */
  async #ensureFiles(plugin: InstalledPlugin): Promise<boolean> {
    if (this.#checkedFolders.has(plugin.path)) return true;
    let whole = await matchesRecord(plugin);
    if (!whole) {
      const restored = await this.#deps.archive?.restore(plugin).catch(() => 'failed' as const);
      whole = restored === 'restored' && (await matchesRecord(plugin));
      if (!whole && restored !== undefined) this.#deps.log?.(plugin.name, restored);
    }
    if (whole) this.#checkedFolders.add(plugin.path);
    return whole;
  }

  /** With shared bundles, a plugin another host installed may have no files here yet: restored, or PLUGIN_MODIFIED. */
  async #requireSharedFiles(plugin: InstalledPlugin): Promise<void> {
    if (this.#deps.archive && !(await this.#ensureFiles(plugin))) throw new EaselError('PLUGIN_MODIFIED', { plugin: plugin.name });
  }

  #checkConfig(manifest: PluginManifest, value: Record<string, unknown>): void {
    const validate = this.#deps.validators.for(manifest).config;
    if (!validate(value)) {
      throw new EaselError('PLUGIN_CONFIG_INVALID', { reason: `it does not match ${manifest.name}'s config schema` }, { problems: toProblems(validate.errors) });
    }
  }

  async #requireDependenciesEnabled(plugin: InstalledPlugin): Promise<void> {
    const problems = await unmetDependencies(plugin, (name) => this.#deps.store.plugins.get(name));
    if (problems.length > 0) {
      throw new EaselError('DEPENDENCY_DISABLED', { plugin: plugin.name, reason: `it needs ${problems.map((p) => `${p.name}@${p.range} (${p.found})`).join(', ')}; enable its dependencies first` }, { dependencies: problems });
    }
  }

  #refuseModified(name: string): void {
    if (this.#modified.has(name)) {
      throw new EaselError('PLUGIN_MODIFIED', { plugin: name });
    }
  }

  async #buildView(name: string): Promise<ActivePlugin> {
    const record = await this.get(name);
    this.#refuseModified(name);
    if (!record.enabled) throw new EaselError('PLUGIN_DISABLED', { plugin: name });
    await this.#requireSharedFiles(record);
    const sandbox = this.#sandboxPlugin(record.manifest, record.path, record.scriptSha256);
    // Retired here after a change on another host, and current again (enabled, rolled back) by another.
    if (this.#deps.store.changes) this.#deps.sandbox.revive(sandbox.id);
    return {
      record,
      sandbox,
      validators: this.#deps.validators.for(record.manifest),
      config: Object.freeze((await this.#deps.store.configs.get(name)) ?? {}),
    };
  }

  #sandboxPlugin(manifest: PluginManifest, path: string, scriptSha256: string): SandboxPlugin {
    return {
      // The script hash is part of the id so a re-upload of the same version gets a fresh isolate.
      id: `${manifest.name}@${manifest.version}#${scriptSha256.slice(0, 12)}`,
      name: manifest.name,
      version: manifest.version,
      scriptPath: join(path, 'dist', 'plugin.js'),
      scriptSha256,
      limits: effectiveLimits(manifest.limits, this.#deps.sandboxLimits),
    };
  }

  get #drainMs(): number {
    return this.#deps.sandboxLimits.drainMs ?? DEFAULT_DRAIN_MS;
  }

  /**
   * A version that is no longer installed (replaced by `current`, or uninstalled): its calls in
   * flight drain in the sandbox, and its folder goes when the drain ends. When `current` is the
   * very same script (the same bytes uploaded again), the isolate is the current one and stays;
   * the old folder still waits out the drain, for a call bound to it that has to rebuild it.
   */
  #retire(old: InstalledPlugin, current: InstalledPlugin | undefined): void {
    this.#deps.validators.drop(old.manifest);
    const id = this.#sandboxPlugin(old.manifest, old.path, old.scriptSha256).id;
    const live = current?.enabled === true && this.#sandboxPlugin(current.manifest, current.path, current.scriptSha256).id === id;
    const drained = live ? delay(this.#drainMs) : this.#deps.sandbox.retire(id, this.#drainMs);
    void drained.then(() => rm(old.path, { recursive: true, force: true })).catch(() => undefined);
  }

  /** `grant` stays the grant of a disabled or uninstalled plugin for as long as its calls may drain. */
  #keepGrantWhileDraining(name: string, grant: Permissions): void {
    const entry = { grant };
    this.#drainingGrants.set(name, entry);
    void delay(this.#drainMs).then(() => {
      if (this.#drainingGrants.get(name) !== entry) return;
      this.#drainingGrants.delete(name);
      this.#grants.delete(name);
    });
  }

  /** Enabled and loadable: what plugin.registered announced (a modified plugin never was). */
  #runnable(plugin: InstalledPlugin): boolean {
    return plugin.enabled && !this.#modified.has(plugin.name);
  }

  #publish(event: HostEvent): void {
    this.#deps.bus?.publish(event);
  }

  #forget(name: string): void {
    this.#views.delete(name);
    this.#grants.delete(name);
    this.#installed = undefined;
  }

  /** A change made on another host: forgotten, and its files checked again at the next use. */
  #forgetChanged(name: string): void {
    const before = this.#views.get(name);
    this.#modified.delete(name);
    this.#forget(name);
    if (before) void this.#retireIfReplaced(name, before);
  }

  /**
   * After a change made on another host: the version this host ran retires (its calls drain)
   * unless it is still the one to run, so an upgrade, disable or uninstall elsewhere does not
   * leave its isolate loaded here until a restart.
   */
  async #retireIfReplaced(name: string, before: Promise<ActivePlugin>): Promise<void> {
    const old = await before.catch(() => undefined);
    if (!old) return;
    const now = await this.#deps.store.plugins.get(name).catch(() => null);
    if (now === null) return;
    const current = now?.enabled ? this.#sandboxPlugin(now.manifest, now.path, now.scriptSha256).id : undefined;
    if (old.sandbox.id !== current) void this.#deps.sandbox.retire(old.sandbox.id, this.#drainMs);
  }

  #forgetAll(): void {
    for (const name of [...this.#views.keys(), ...this.#grants.keys(), ...this.#modified]) this.#forgetChanged(name);
    this.#installed = undefined;
  }
}

/** Resolves after `ms`, without keeping the process alive for it. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One promise per key, shared by concurrent callers; a failed one is dropped so the next call retries. */
function memoize<T>(cache: Map<string, Promise<T>>, key: string, build: () => Promise<T>): Promise<T> {
  let found = cache.get(key);
  if (!found) {
    found = build();
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

/** The handlers a manifest promises, which the loaded script must define. */

/** Whether the plugin's folder holds exactly the files recorded at install. */
async function matchesRecord(plugin: InstalledPlugin): Promise<boolean> {
  const onDisk = await listFiles(plugin.path).catch(() => []);
  return JSON.stringify(onDisk.map((f) => [f.path, f.sha256]).sort()) === JSON.stringify([...plugin.files].map((f) => [f.path, f.sha256]).sort());
}
