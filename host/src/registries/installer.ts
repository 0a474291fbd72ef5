/**
 * Installs plugins from registries: resolves the whole installed set plus the request,
 * downloads and verifies every version that changes (integrity, signatures, the signed file
 * list), stages them all, and hands the set to the plugin service, which records it in one
 * transaction. Nothing is recorded unless every step for every plugin succeeded.
 */
import { rm } from 'node:fs/promises';
import semver from 'semver';
import type { FastifyBaseLogger } from 'fastify';
import type { BundleLimits } from '@easel/sdk/bundle';
import { EaselError } from '../errors/index.ts';
import { HOST_API_VERSION, stageBundle, type PluginService, type StagedBundle } from '../plugins/index.ts';

import { resolve, type PackageInfo, type Warning } from '../resolver/index.ts';
import type { InstalledPlugin } from '../store/index.ts';
import type { Packument, RegistryClient, VersionDoc } from './registry-client.ts';
import { verifyExtractedFiles, verifyVersionSignatures, type SignatureCheck } from './verify-version.ts';

export interface InstallOutcome {
  installed: { name: string; version: string; action: string; replaced?: string }[];
  order: string[];
  warnings: Warning[];
}

export interface InstallerDeps {
  client: RegistryClient;
  plugins: PluginService;
  signatures: SignatureCheck;
  dataDir: string;
  bundleLimits: BundleLimits;
  log: FastifyBaseLogger;
}

export class RegistryInstaller {
  #deps: InstallerDeps;
  // Installs run one at a time: each resolves against the installed set the previous one left.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: InstallerDeps) {
    this.#deps = deps;
  }

  install(requests: { name: string; range: string }[], includePrerelease: boolean, actor: string): Promise<InstallOutcome> {
    const run = this.#queue.then(() => this.#deps.plugins.announceInstall('registry', () => this.#install(requests, includePrerelease, actor)));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #install(requests: { name: string; range: string }[], includePrerelease: boolean, actor: string): Promise<InstallOutcome> {
    const installedList = await this.#deps.plugins.list();
    const installed = Object.fromEntries(installedList.map((p) => [p.name, p.version]));
    const packuments = await this.#fetchClosure([...requests.map((r) => r.name), ...installedList.map((p) => p.name)], installedList);
    const result = resolve({
      installed,
      requests,
      hostVersion: HOST_API_VERSION,
      includePrerelease,
      packages: (name) => packuments.get(name)?.info,
    });
    // The resolver's explanation: who requires what, the versions it considered and a suggestion.
    if (!result.ok) throw new EaselError(result.code, { explanation: result.message }, result.details as unknown as Record<string, unknown>);

    const changes = result.order.filter((name) => result.solution[name]?.action !== 'keep');
    const staged: StagedBundle[] = [];
    try {
      for (const name of changes) {
        const { version } = result.solution[name] as { version: string };
        const entry = packuments.get(name);
        const doc = entry?.doc?.versions[version];
        if (!entry?.doc || !doc) throw new EaselError('PACKAGE_NOT_FOUND', { explanation: `${name}@${version} is no longer in any configured registry` });
        staged.push(await this.#fetchAndStage(entry.doc, doc));
      }
      const recorded = await this.#deps.plugins.installStaged(staged, actor);
      for (const w of result.warnings) this.#deps.log.warn({ plugin: `${w.name}@${w.version}` }, w.message);
      return {
        installed: recorded.map((r) => ({
          name: r.plugin.name,
          version: r.plugin.version,
          action: result.solution[r.plugin.name]?.action ?? 'install',
          ...(r.replaced === undefined ? {} : { replaced: r.replaced }),
        })),
        order: result.order,
        warnings: result.warnings,
      };
    } catch (error) {
      // installStaged cleans up what it was given; folders staged before a later failure are ours.
      
      await Promise.all(staged.map((s) => rm(s.path, { recursive: true, force: true })));
      throw error;
    }
  }

  /** Every plugin of the registries with its versions and whether each runs on this host. */
  async available(names: string[]): Promise<{ name: string; versions: { version: string; runsHere: boolean; deprecated?: string; yanked: boolean }[] }[]> {
    const out = [];
    for (const name of names) {
      const found = await this.#deps.client.packument(name);
      if (!found) continue;
      out.push({
        name,
        versions: Object.values(found.doc.versions).map((v) => ({
          version: v.version,
          runsHere: semver.satisfies(HOST_API_VERSION, v.engines?.easel ?? '<0.0.0', { includePrerelease: true }),
          ...(v.deprecated ? { deprecated: v.deprecated } : {}),
          yanked: v['easel:yanked'] !== undefined,
        })),
      });
    }
    return out;
  }

  async #fetchAndStage(packument: Packument, doc: VersionDoc): Promise<StagedBundle> {
    const id = `${doc.name}@${doc.version}`;
    const statement = verifyVersionSignatures(packument, doc, this.#deps.signatures);
    const tarball = await this.#deps.client.tarball(doc);
    const staged = await stageBundle(tarball, this.#deps.dataDir, this.#deps.bundleLimits);
    try {
      if (staged.manifest.name !== doc.name || staged.manifest.version !== doc.version) {
        throw new EaselError('BUNDLE_INVALID', { reason: `the tarball of ${id} holds ${staged.manifest.name}@${staged.manifest.version}` });
      }
      // The resolver trusted the registry's document; the bundle's own manifest must agree.
      const claimed = toCandidate(doc);
      const actual = { dependencies: staged.manifest.dependencies ?? {}, hostRange: staged.manifest.engines.easel };
      if (!sameDependencies(claimed.dependencies, actual.dependencies) || claimed.hostRange !== actual.hostRange) {
        throw new EaselError('BUNDLE_INVALID', { reason: `the registry's document for ${id} disagrees with its plugin.json about dependencies or engines.easel` }, {
          registry: { dependencies: claimed.dependencies, hostRange: claimed.hostRange },
          bundle: actual,
        });
      }
      verifyExtractedFiles(statement, staged.files, id, this.#deps.signatures);
      return staged;
    } catch (error) {
      
      await rm(staged.path, { recursive: true, force: true });
      throw error;
    }
  }

  /** Packuments of the requested names, the installed set and everything they may depend on. */
  async #fetchClosure(start: string[], installed: InstalledPlugin[]): Promise<Map<string, { doc?: Packument; info: PackageInfo }>> {
    const found = new Map<string, { doc?: Packument; info: PackageInfo }>();
    const queue = [...new Set(start)];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (found.has(name)) continue;
      const fetched = await this.#deps.client.packument(name);
      const local = installed.find((p) => p.name === name);
      const versions = fetched ? Object.values(fetched.doc.versions).map(toCandidate) : [];
      // A plugin uploaded by hand is not in any registry; its installed version still counts.
      if (local && !versions.some((v) => v.version === local.version)) {
        versions.push({ version: local.version, dependencies: local.manifest.dependencies ?? {}, hostRange: local.manifest.engines.easel });
      }
      if (versions.length === 0) continue;
      found.set(name, { doc: fetched?.doc, info: { name, versions } });
      for (const v of versions) for (const dep of Object.keys(v.dependencies)) if (!found.has(dep)) queue.push(dep);
    }
    return found;
  }
}

function sameDependencies(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function toCandidate(v: VersionDoc) {
  return {
    version: v.version,
    dependencies: v.dependencies ?? {},
    hostRange: v.engines?.easel ?? '<0.0.0',
    ...(v.deprecated ? { deprecated: v.deprecated } : {}),
    ...(v['easel:yanked'] ? { yanked: true } : {}),
  };
}
