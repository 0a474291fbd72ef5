/**
 * Publishing one version: parse the npm body, check ownership and the version number,
 * check the bundle, sign, store the tarball, then record everything in one transaction.
 * The caller holds the package's lock.
 */
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_BUNDLE_LIMITS } from '@easel/sdk/bundle';
import { RegistryError } from '../errors/index.ts';
import type { RegistryKey } from '../signing/registry-key.ts';
import { digestOf, type TarballStorage } from '../storage/index.ts';
import type { PackageRecord, Principal, RegistryStore } from '../store/index.ts';
import { inspectBundle } from './inspect-bundle.ts';
import { assertCanWrite } from './ownership.ts';
import { parsePublishBody } from './publish-body.ts';
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
}

export async function publishVersion(deps: PublishDeps, name: string, body: unknown, principal: Principal, pkg: PackageRecord | undefined): Promise<void> {
  if (principal.role !== 'user') throw new RegistryError('FORBIDDEN', 'publish with a user token: the admin token owns no packages');
  const { maxDistTags, maxVersions } = deps.limits;
  const request = parsePublishBody(name, body, { maxDistTags, maxBundleBytes: DEFAULT_BUNDLE_LIMITS.maxBytes });
  if (pkg) assertCanWrite(pkg, principal);
  if (pkg?.versions.some((v) => v.version === request.version)) {
    // npm prints this text verbatim; the number stays taken after an unpublish (tombstone).
    throw new RegistryError('VERSION_EXISTS', `cannot modify pre-existing version: ${request.version}`);
  }
  if (pkg && pkg.versions.length >= maxVersions) {
    throw new RegistryError('VERSION_LIMIT', `${name} has ${pkg.versions.length} versions (unpublished ones included), the most this registry allows`);
  }
  const tags = new Set([...Object.keys(pkg?.distTags ?? {}), ...request.tags]);
  if (tags.size > maxDistTags) {
    throw new RegistryError('DIST_TAG_LIMIT', `${name} would have ${tags.size} dist-tags; this registry allows at most ${maxDistTags}`);
  }

  const bundle = await inspectBundle(request.tarball, deps.tempRoot);
  if (bundle.manifest.name !== name || bundle.manifest.version !== request.version) {
    throw new RegistryError('PUBLISH_INVALID', `the bundle is ${bundle.manifest.name}@${bundle.manifest.version}, not ${name}@${request.version}`);
  }
  const publishedAt = new Date().toISOString();
  const email = (await deps.store.users.get(principal.name))?.email ?? '';
  const doc = buildVersionDoc({ name, version: request.version, bundle, shasum: request.shasum, publisher: { name: principal.name, email }, publishedAt, key: deps.key });

  const digest = digestOf(request.integrity);
  await deps.storage.put(digest, request.tarball);
  try {
    await deps.store.packages.publish(
      {
        name,
        version: request.version,
        doc,
        manifest: bundle.manifest,
        integrity: request.integrity,
        shasum: request.shasum,
        size: request.tarball.length,
        fileCount: bundle.files.length,
        unpackedSize: bundle.files.reduce((sum, f) => sum + f.size, 0),
        publisher: principal.name,
        publishedAt,
        ...(bundle.readme === undefined ? {} : { readme: bundle.readme }),
        ...(bundle.changelog === undefined ? {} : { changelog: bundle.changelog }),
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
