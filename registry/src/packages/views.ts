/**
 * The marketplace's views of packages and versions (`/api/v1/packages`): plugins only. A
 * library package (EASEL_REGISTRY_LIBRARY_SCOPES) has no manifest and is not shown there.
 */
import type { PackageRecord, PluginVersionRecord, VersionRecord, VersionTexts } from '../store/index.ts';
import { latestVersion, liveVersions } from './packument.ts';
import { manifestSummary } from './version-doc.ts';

/** One package in a listing: its latest version's manifest in brief. */
export function packageSummary(pkg: PackageRecord, downloads: number) {
  const latest = latestVersion(pkg);
  if (latest?.kind !== 'plugin') throw new Error(`${pkg.name} has no live plugin version`);
  const m = latest.manifest;
  return {
    name: pkg.name,
    description: m.description,
    latest: latest.version,
    distTags: pkg.distTags,
    keywords: m.keywords ?? [],
    license: m.license,
    author: m.author,
    ...(m.homepage === undefined ? {} : { homepage: m.homepage }),
    hostRange: m.engines.easel,
    agents: manifestSummary(m).agents,
    workflows: manifestSummary(m).workflows,
    permissions: m.permissions ?? {},
    dependencies: m.dependencies ?? {},
    owners: pkg.owners,
    downloads,
    deprecated: latest.deprecated ?? null,
    createdAt: pkg.createdAt,
    updatedAt: pkg.modifiedAt,
  };
}

/** One version in a package's version list. */
export function versionSummary(v: PluginVersionRecord, pkg: PackageRecord, downloads: number) {
  return {
    version: v.version,
    publishedAt: v.publishedAt,
    publisher: v.publisher,
    hostRange: v.manifest.engines.easel,
    dependencies: v.manifest.dependencies ?? {},
    integrity: v.integrity,
    size: v.size,
    fileCount: v.fileCount,
    unpackedSize: v.unpackedSize,
    tags: Object.entries(pkg.distTags).filter(([, version]) => version === v.version).map(([tag]) => tag),
    deprecated: v.deprecated ?? null,
    yanked: v.yanked ?? null,
    downloads,
  };
}

/** `texts`: the latest version's README and CHANGELOG. */
export function packageDetail(pkg: PackageRecord, downloads: { total: number; versions: Record<string, number> }, texts: VersionTexts) {
  return {
    ...packageSummary(pkg, downloads.total),
    versions: liveVersions(pkg)
      .filter(isPlugin)
      .map((v) => versionSummary(v, pkg, downloads.versions[v.version] ?? 0))
      .reverse(),
    unpublished: pkg.versions.filter((v) => v.unpublishedAt !== undefined).map((v) => ({ version: v.version, unpublishedAt: v.unpublishedAt })),
    readme: texts.readme ?? null,
    changelog: texts.changelog ?? null,
  };
}

/** `texts`: this version's README and CHANGELOG. */
export function versionDetail(v: PluginVersionRecord, pkg: PackageRecord, downloads: number, texts: VersionTexts) {
  return {
    name: pkg.name,
    ...versionSummary(v, pkg, downloads),
    manifest: v.manifest,
    readme: texts.readme ?? null,
    changelog: texts.changelog ?? null,
    signatures: { npm: v.doc.dist.signatures, statement: v.doc.dist['easel:statement'], statementSignatures: v.doc.dist['easel:signatures'] },
  };
}

export function isPlugin(v: VersionRecord): v is PluginVersionRecord {
  return v.kind === 'plugin';
}

/** What `npm search` shows of a package's latest version, plugin or library. */
export function searchSummary(v: VersionRecord): { description?: string; keywords: string[]; homepage?: string } {
  if (v.kind === 'plugin') {
    const m = v.manifest;
    return { description: m.description, keywords: m.keywords ?? [], ...(m.homepage ? { homepage: m.homepage } : {}) };
  }
  const { description, keywords, homepage } = v.doc;
  return {
    ...(typeof description === 'string' ? { description } : {}),
    keywords: Array.isArray(keywords) ? keywords.filter((k): k is string => typeof k === 'string') : [],
    ...(typeof homepage === 'string' && homepage !== '' ? { homepage } : {}),
  };
}
