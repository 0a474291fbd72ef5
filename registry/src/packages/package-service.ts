/**
 * Everything that reads or changes packages, shared by the npm routes and the marketplace
 * API. Changes to one package run one at a time under the store's package lock (across
 * replicas when the store is shared): read, check, write.
 */
import type { FastifyBaseLogger } from 'fastify';
import semver from 'semver';
import { RegistryError } from '../errors/index.ts';
import type { RegistryKey } from '../signing/registry-key.ts';
import { digestOf, type StoredTarball, type TarballStorage } from '../storage/index.ts';
import type { PackageRecord, PluginVersionRecord, Principal, RegistryStore, VersionRecord, VersionTexts } from '../store/index.ts';
import { isLibraryName, scopeOf } from './library.ts';
import { versionOfTarball } from './names.ts';
import { assertCanWrite } from './ownership.ts';
import { latestVersion, liveVersions } from './packument.ts';
import { publishVersion, type PackageLimits, type PublishDeps } from './publish.ts';
import { hasAttachments, isTagName, TAG_NAME_RULE } from './publish-body.ts';
import { checkRevision } from './revision.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_MESSAGE = 1024;

// A library package is served over the npm protocol only (npm view shows it); the marketplace API has plugins.
const notAPlugin = (name: string) => new RegistryError('PACKAGE_NOT_FOUND', { kind: 'plugin', package: name });
const notFound = (name: string) => new RegistryError('PACKAGE_NOT_FOUND', { kind: 'package', package: name });

/** What the service needs: the same as publishing does (store, storage, signing key, limits). */
export type PackageServiceOptions = PublishDeps;

export class PackageService {
  #store: RegistryStore;
  #storage: TarballStorage;
  #key: RegistryKey;
  #log: FastifyBaseLogger;
  #tempRoot: string;
  #limits: PackageLimits;

  constructor(options: PackageServiceOptions) {
    this.#store = options.store;
    this.#storage = options.storage;
    this.#key = options.key;
    this.#log = options.log;
    this.#tempRoot = options.tempRoot;
    this.#limits = options.limits;
  }

  #lock<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.#store.lockPackage(key, task);
  }

  /** A package with at least one live version; PACKAGE_NOT_FOUND otherwise. */
  async get(name: string): Promise<PackageRecord> {
    const pkg = await this.#store.packages.get(name);
    if (!pkg || liveVersions(pkg).length === 0) throw notFound(name);
    return pkg;
  }

  async liveVersion(name: string, version: string): Promise<{ pkg: PackageRecord; version: VersionRecord }> {
    const pkg = await this.get(name);
    const found = liveVersions(pkg).find((v) => v.version === (pkg.distTags[version] ?? version));
    if (!found) throw new RegistryError('VERSION_NOT_FOUND', { package: name, version });
    return { pkg, version: found };
  }

  /** A package whose latest live version is a plugin (the marketplace API's view); PACKAGE_NOT_FOUND otherwise. */
  async getPlugin(name: string): Promise<PackageRecord> {
    const pkg = await this.get(name);
    if (latestVersion(pkg)?.kind !== 'plugin') throw notAPlugin(name);
    return pkg;
  }

  /** One live plugin version (by number or tag) for the marketplace API. */
  async livePluginVersion(name: string, version: string): Promise<{ pkg: PackageRecord; version: PluginVersionRecord }> {
    const found = await this.liveVersion(name, version);
    if (found.version.kind !== 'plugin') throw notAPlugin(name);
    return { pkg: found.pkg, version: found.version };
  }

  /** README and CHANGELOG of one version, for the views that serve them. */
  async texts(name: string, version: string): Promise<VersionTexts> {
    return this.#store.packages.texts(name, version);
  }

  /** `PUT /:name`: a publish when the body has attachments, else a deprecation edit. */
  async put(name: string, body: unknown, principal: Principal): Promise<'published' | 'updated'> {
    // A library's first publish claims its scope: publishes in one library scope run one at a time.
    const scope = isLibraryName(name, this.#limits.libraryScopes) ? scopeOf(name) : undefined;
    return this.#lock(name, () => (scope === undefined ? this.#put(name, body, principal) : this.#lock(scope, () => this.#put(name, body, principal))));
  }

  async #put(name: string, body: unknown, principal: Principal): Promise<'published' | 'updated'> {
    const pkg = await this.#store.packages.get(name);
    if (hasAttachments(body)) {
      const deps = { store: this.#store, storage: this.#storage, key: this.#key, log: this.#log, tempRoot: this.#tempRoot, limits: this.#limits };
      await publishVersion(deps, name, body, principal, pkg);
      return 'published';
    }
    if (!pkg || liveVersions(pkg).length === 0) throw notFound(name);
    assertCanWrite(pkg, principal);
    await this.#deprecate(pkg, body);
    return 'updated';
  }

  /** Only `versions[*].deprecated` is read: a metadata PUT cannot rewrite dist or dependencies. */
  async #deprecate(pkg: PackageRecord, body: unknown): Promise<void> {
    if (!isObject(body) || !isObject(body.versions)) throw new RegistryError('REQUEST_INVALID', { field: 'the body', problem: 'must carry `versions`' });
    const changes = new Map<string, string | null>();
    for (const v of liveVersions(pkg)) {
      const sent = body.versions[v.version];
      if (!isObject(sent) || !Object.hasOwn(sent, 'deprecated')) continue;
      const message = sent.deprecated;
      if (typeof message !== 'string' || message.length > MAX_MESSAGE) {
        throw new RegistryError('REQUEST_INVALID', { field: `versions[${v.version}].deprecated`, problem: `must be a string of at most ${MAX_MESSAGE} characters` });
      }
      const next = message === '' ? null : message;
      if (next !== (v.deprecated ?? null)) changes.set(v.version, next);
    }
    if (changes.size > 0) await this.#store.packages.setDeprecations(pkg.name, changes);
  }

  /**
   * `PUT /:name/-rev/:rev`: npm unpublish of one version (the packument without it) and
   * npm owner add/rm (`maintainers`). Only those two changes are read from the body.
   */
  async putRevision(name: string, rev: string, body: unknown, principal: Principal): Promise<void> {
    await this.#lock(name, async () => {
      const pkg = await this.#existing(name);
      assertCanWrite(pkg, principal);
      checkRevision(pkg, rev);
      if (!isObject(body)) throw new RegistryError('REQUEST_INVALID', { field: 'the body', problem: 'must be a JSON object' });
      if (Array.isArray(body.maintainers)) await this.#setOwners(pkg, body.maintainers.map((m: unknown) => (isObject(m) ? m.name : m)));
      if (isObject(body.versions)) {
        const kept = body.versions;
        const removed = liveVersions(pkg).map((v) => v.version).filter((v) => !Object.hasOwn(kept, v));
        const tags = isObject(body['dist-tags']) ? body['dist-tags'] : {};
        await this.#unpublish(pkg, removed, typeof tags.latest === 'string' ? tags.latest : undefined);
      }
    });
  }

  /** `DELETE /:name/-rev/:rev`: every version becomes a tombstone; the name stays owned. */
  async unpublishAll(name: string, rev: string, principal: Principal): Promise<void> {
    await this.#lock(name, async () => {
      const pkg = await this.#existing(name);
      assertCanWrite(pkg, principal);
      checkRevision(pkg, rev);
      await this.#unpublish(pkg, liveVersions(pkg).map((v) => v.version));
    });
  }

  /** `DELETE /:name/-/:file/-rev/:rev`: the last step of npm's one-version unpublish. */
  async unpublishTarball(name: string, file: string, rev: string, principal: Principal): Promise<void> {
    await this.#lock(name, async () => {
      const pkg = await this.#existing(name);
      assertCanWrite(pkg, principal);
      checkRevision(pkg, rev);
      const version = pkg.versions.find((v) => v.version === versionOfTarball(name, file));
      if (!version) throw new RegistryError('TARBALL_NOT_FOUND', { package: name, file });
      // Usually already a tombstone (the PUT before removed the version); then nothing is left to do.
      if (version.unpublishedAt === undefined) await this.#unpublish(pkg, [version.version]);
    });
  }

  async #unpublish(pkg: PackageRecord, versions: string[], latest?: string): Promise<void> {
    if (versions.length === 0) return;
    const remaining = liveVersions(pkg).filter((v) => !versions.includes(v.version)).map((v) => v.version);
    let nextLatest = latest !== undefined && remaining.includes(latest) ? latest : undefined;
    if (nextLatest === undefined && remaining.length > 0 && (pkg.distTags.latest === undefined || versions.includes(pkg.distTags.latest))) {
      const stable = remaining.filter((v) => semver.prerelease(v) === null);
      nextLatest = semver.rsort(stable.length > 0 ? stable : remaining)[0];
    }
    const released = await this.#store.packages.unpublish(pkg.name, versions, nextLatest);
    for (const integrity of released) {
      await this.#storage.delete(digestOf(integrity)).catch((e: unknown) => this.#log.warn({ err: e }, 'could not remove an unpublished tarball'));
    }
  }

  async setTag(name: string, tag: string, version: unknown, principal: Principal): Promise<void> {
    await this.#lock(name, async () => {
      const pkg = await this.get(name);
      assertCanWrite(pkg, principal);
      if (!isTagName(tag)) throw new RegistryError('DIST_TAG_INVALID', { tag: JSON.stringify(tag), problem: TAG_NAME_RULE });
      if (typeof version !== 'string' || !liveVersions(pkg).some((v) => v.version === version)) {
        throw new RegistryError('DIST_TAG_INVALID', {
          tag: JSON.stringify(tag),
          problem: `cannot point at ${JSON.stringify(version)}, which is not a published version of ${name}`,
        });
      }
      const max = this.#limits.maxDistTags;
      if (!Object.hasOwn(pkg.distTags, tag) && Object.keys(pkg.distTags).length >= max) {
        throw new RegistryError('DIST_TAG_LIMIT', { package: name, count: max + 1, max });
      }
      await this.#store.packages.setTag(name, tag, version);
    });
  }

  async removeTag(name: string, tag: string, principal: Principal): Promise<void> {
    await this.#lock(name, async () => {
      const pkg = await this.get(name);
      assertCanWrite(pkg, principal);
      if (tag === 'latest') throw new RegistryError('DIST_TAG_PROTECTED');
      if (!(await this.#store.packages.removeTag(name, tag))) throw new RegistryError('DIST_TAG_NOT_FOUND', { package: name, tag });
    });
  }

  async addOwner(name: string, user: string, principal: Principal): Promise<string[]> {
    return this.#lock(name, async () => {
      const pkg = await this.#existing(name);
      assertCanWrite(pkg, principal);
      return this.#setOwners(pkg, [...pkg.owners, user]);
    });
  }

  async removeOwner(name: string, user: string, principal: Principal): Promise<string[]> {
    return this.#lock(name, async () => {
      const pkg = await this.#existing(name);
      assertCanWrite(pkg, principal);
      return this.#setOwners(pkg, pkg.owners.filter((o) => o !== user));
    });
  }

  async #setOwners(pkg: PackageRecord, wanted: unknown[]): Promise<string[]> {
    const owners = [...new Set(wanted)];
    if (owners.length === 0) throw new RegistryError('LAST_OWNER', { package: pkg.name });
    for (const owner of owners) {
      if (typeof owner !== 'string' || !(await this.#store.users.get(owner))) {
        throw new RegistryError('USER_NOT_FOUND', { user: JSON.stringify(owner) });
      }
    }
    const list = owners as string[];
    if (list.join('\n') !== pkg.owners.join('\n')) await this.#store.packages.setOwners(pkg.name, list);
    return list;
  }

  /** Admin only (the route checks): a yanked version stays downloadable but is never chosen fresh. Plugins only. */
  async setYanked(name: string, version: string, reason: string | null): Promise<PluginVersionRecord> {
    return this.#lock(name, async () => {
      const found = await this.livePluginVersion(name, version);
      if (found.version.version !== version) throw new RegistryError('VERSION_NOT_FOUND', { package: name, version });
      await this.#store.packages.setYanked(name, version, reason === null ? null : { at: new Date().toISOString(), reason });
      return (await this.livePluginVersion(name, version)).version;
    });
  }

  /** The bytes of a live version's tarball; `count` records a download. */
  async openTarball(name: string, file: string, count: boolean): Promise<StoredTarball> {
    // Only the one version row: a download never loads the package's other versions.
    const wanted = versionOfTarball(name, file);
    const found = wanted === undefined ? undefined : await this.#store.packages.version(name, wanted);
    const version = found?.unpublishedAt === undefined ? found : undefined;
    const stored = version && (await this.#storage.open(digestOf(version.integrity)));
    if (!version || !stored) throw new RegistryError('TARBALL_NOT_FOUND', { package: name, file });
    if (count) await this.#store.downloads.record(name, version.version).catch((e: unknown) => this.#log.warn({ err: e }, 'could not count a download'));
    return stored;
  }

  /** The package row, even when every version is unpublished (owners still apply). */
  async #existing(name: string): Promise<PackageRecord> {
    const pkg = await this.#store.packages.get(name);
    if (!pkg) throw notFound(name);
    return pkg;
  }
}
