/**
 * Publishing one version: parse the npm body, check ownership and the version number,
 * check the tarball (a plugin bundle, or a library package in a library scope), sign, store
 * the tarball, then record everything in one transaction. The caller holds the package's
 * lock (and, for a library, its scope's).
 */
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '@easel/sdk/bundle';
import { RegistryError } from '../errors/index.ts';
import type { RegistryKey } from '../signing/registry-key.ts';
import { digestOf, type TarballStorage } from '../storage/index.ts';
import type { NewVersion, PackageRecord, Principal, RegistryStore, VersionKind } from '../store/index.ts';
import { inspectBundle, inspectLibrary } from './inspect-bundle.ts';
import { buildLibraryDoc, checkLibraryIdentity, isLibraryName, scopeOf } from './library.ts';
import { assertCanWrite } from './ownership.ts';
import { parsePublishBody, type PublishRequest } from './publish-body.ts';
import { buildVersionDoc } from './version-doc.ts';

export interface PublishDeps {
  store: RegistryStore;
  storage: TarballStorage;
  key: RegistryKey;
  log: FastifyBaseLogger;
  /** Private folder for publish-time extraction. */
  tempRoot: string;
  limits: PackageLimits;
}

export interface PackageLimits {
  /** dist-tags per package. */
  maxDistTags: number;
  /** Versions per package, tombstones included. */
  maxVersions: number;
  /** Scopes (`@easel`) whose packages are libraries, not plugin bundles. */
  libraryScopes: readonly string[];
  /** Archive caps of a library tarball. */
  library: BundleLimits;
}

type Publisher = { name: string; email: string };
/** What the checked tarball contributes to the stored version. */
type Checked = VersionKind & Pick<NewVersion, 'doc' | 'fileCount' | 'unpackedSize' | 'readme' | 'changelog'>;

export async function publishVersion(deps: PublishDeps, name: string, body: unknown, principal: Principal, pkg: PackageRecord | undefined): Promise<void> {
  if (principal.role !== 'user') throw new RegistryError('FORBIDDEN', { action: 'publishing', token: 'a user token (the admin token owns no packages)' });
  const { maxDistTags, maxVersions } = deps.limits;
  const library = isLibraryName(name, deps.limits.libraryScopes);
  const maxBundleBytes = library ? deps.limits.library.maxBytes : DEFAULT_BUNDLE_LIMITS.maxBytes;
  const request = parsePublishBody(name, body, { maxDistTags, maxBundleBytes });
  if (pkg) assertCanWrite(pkg, principal);
  else if (library) await assertCanClaim(deps.store, name, principal.name);
  if (pkg?.versions.some((v) => v.version === request.version)) {
    // npm prints this text verbatim; the number stays taken after an unpublish (tombstone).
    throw new RegistryError('VERSION_EXISTS', { version: request.version });
  }
  if (pkg && pkg.versions.length >= maxVersions) {
    throw new RegistryError('VERSION_LIMIT', { package: name, count: pkg.versions.length });
  }
  const tags = new Set([...Object.keys(pkg?.distTags ?? {}), ...request.tags]);
  if (tags.size > maxDistTags) {
    throw new RegistryError('DIST_TAG_LIMIT', { package: name, count: tags.size, max: maxDistTags });
  }

  const publishedAt = new Date().toISOString();
  const publisher = { name: principal.name, email: (await deps.store.users.get(principal.name))?.email ?? '' };
  const checked = library ? await checkLibrary(deps, name, request, publisher, publishedAt) : await checkPlugin(deps, name, request, publisher, publishedAt);

  const digest = digestOf(request.integrity);
  await deps.storage.put(digest, request.tarball);
  try {
    await deps.store.packages.publish(
      {
        ...checked,
        name,
        version: request.version,
        integrity: request.integrity,
        shasum: request.shasum,
        size: request.tarball.length,
        publisher: principal.name,
        publishedAt,
      },
      request.tags,
      principal.name,
    );
  } catch (error) {
    // Tarballs are named by content, so only this version could use these bytes.
    await deps.storage.delete(digest).catch((e: unknown) => deps.log.warn({ err: e, digest }, 'could not remove the tarball of a failed publish'));
    throw error;
  }
}

async function checkPlugin(deps: PublishDeps, name: string, request: PublishRequest, publisher: Publisher, publishedAt: string): Promise<Checked> {
  const bundle = await inspectBundle(request.tarball, deps.tempRoot);
  if (bundle.manifest.name !== name || bundle.manifest.version !== request.version) {
    throw new RegistryError('PUBLISH_INVALID', {
      package: name,
      problem: `the bundle is ${bundle.manifest.name}@${bundle.manifest.version}, not ${name}@${request.version}`,
    });
  }
  const doc = buildVersionDoc({ name, version: request.version, bundle, shasum: request.shasum, publisher, publishedAt, key: deps.key });
  return { kind: 'plugin', manifest: bundle.manifest, doc, ...counts(bundle.files), ...texts(bundle) };
}

async function checkLibrary(deps: PublishDeps, name: string, request: PublishRequest, publisher: Publisher, publishedAt: string): Promise<Checked> {
  const library = await inspectLibrary(request.tarball, deps.tempRoot, deps.limits.library);
  checkLibraryIdentity(name, request.version, library.packageJson);
  const doc = buildLibraryDoc({ name, version: request.version, library, shasum: request.shasum, publisher, publishedAt, key: deps.key });
  return { kind: 'library', doc, ...counts(library.files), ...texts(library) };
}

/**
 * A library scope belongs to its first publisher: a new name in it may be published only by
 * someone who owns a package of the scope already (or by anyone while the scope is empty).
 */
async function assertCanClaim(store: RegistryStore, name: string, user: string): Promise<void> {
  const scope = scopeOf(name)!;
  const owners = await store.packages.scopeOwners(scope);
  if (owners.length > 0 && !owners.includes(user)) {
    throw new RegistryError('NOT_OWNER', { user, target: `a package in the scope ${scope}`, owners: owners.join(', ') });
  }
}

const counts = (files: readonly { size: number }[]) => ({ fileCount: files.length, unpackedSize: files.reduce((sum, f) => sum + f.size, 0) });

const texts = (found: { readme?: string; changelog?: string }) => ({
  ...(found.readme === undefined ? {} : { readme: found.readme }),
  ...(found.changelog === undefined ? {} : { changelog: found.changelog }),
});
