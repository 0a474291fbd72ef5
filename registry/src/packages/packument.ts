/**
 * Packuments as npm reads them: the full document (`application/json`, what npm 11 fetches
 * for install, view and publish) and the abbreviated one (`application/vnd.npm.install-v1+json`).
 * Tarball URLs are made at serve time from the public URL; tombstones stay in `time`.
 */
import type { PackageRecord, VersionRecord } from '../store/index.ts';
import { tarballPath } from './names.ts';
import { revString } from './revision.ts';

export const ABBREVIATED_TYPE = 'application/vnd.npm.install-v1+json';

/** The live (not unpublished) versions, in publish order. */
export function liveVersions(pkg: PackageRecord): VersionRecord[] {
  return pkg.versions.filter((v) => v.unpublishedAt === undefined);
}

/** The version `latest` points at, else the last published live one. */
export function latestVersion(pkg: PackageRecord): VersionRecord | undefined {
  const live = liveVersions(pkg);
  return live.find((v) => v.version === pkg.distTags.latest) ?? live.at(-1);
}

/** One version as served: the stored document plus tarball URL, deprecation and yank. */
export function servedVersion(v: VersionRecord, publicUrl: string): Record<string, unknown> {
  return {
    ...v.doc,
    dist: { ...v.doc.dist, tarball: `${publicUrl}${tarballPath(v.name, v.version)}` },
    ...(v.deprecated === undefined ? {} : { deprecated: v.deprecated }),
    ...(v.yanked === undefined ? {} : { 'easel:yanked': v.yanked }),
  };
}

/** `readme`: the latest version's README (read apart: version records do not carry it). */
export function fullPackument(pkg: PackageRecord, publicUrl: string, readme: string | undefined): Record<string, unknown> {
  const live = liveVersions(pkg);
  const latest = latestVersion(pkg);
  const time: Record<string, string> = { created: pkg.createdAt, modified: pkg.modifiedAt };
  for (const v of pkg.versions) time[v.version] = v.publishedAt;
  return {
    _id: pkg.name,
    _rev: revString(pkg.name, pkg.rev),
    name: pkg.name,
    ...(latest ? { description: latest.doc.description } : {}),
    'dist-tags': pkg.distTags,
    versions: Object.fromEntries(live.map((v) => [v.version, servedVersion(v, publicUrl)])),
    time,
    // npm prints `name <email>`; an empty email keeps it from printing `<undefined>`.
    maintainers: pkg.owners.map((name) => ({ name, email: pkg.ownerEmails[name] ?? '' })),
    ...(latest?.doc.license === undefined ? {} : { license: latest.doc.license }),
    ...(latest?.doc.keywords === undefined ? {} : { keywords: latest.doc.keywords }),
    readme: readme ?? '',
    ...(readme === undefined ? {} : { readmeFilename: 'README.md' }),
  };
}

/** The fields npm's abbreviated format allows per version, plus the registry's yank mark. */
const ABBREVIATED_FIELDS = [
  'name',
  'version',
  'dependencies',
  'optionalDependencies',
  'devDependencies',
  'bundleDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'bin',
  'directories',
  'engines',
  'os',
  'cpu',
  'dist',
  'deprecated',
  '_hasShrinkwrap',
  'hasInstallScript',
  'easel:yanked',
];

export function abbreviatedPackument(pkg: PackageRecord, publicUrl: string): Record<string, unknown> {
  const versions = liveVersions(pkg).map((v) => {
    const served = servedVersion(v, publicUrl);
    return [v.version, Object.fromEntries(ABBREVIATED_FIELDS.filter((k) => served[k] !== undefined).map((k) => [k, served[k]]))];
  });
  return { name: pkg.name, modified: pkg.modifiedAt, 'dist-tags': pkg.distTags, versions: Object.fromEntries(versions) };
}
