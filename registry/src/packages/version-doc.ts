/**
 * The version document the registry stores and serves, built from the bundle (never from
 * what the client sent), with both signatures in `dist`.
 */
import type { PluginManifest } from '@easel/sdk';
import type { BundleFile, FileStatement } from '@easel/sdk/bundle';
import type { RegistryKey } from '../signing/registry-key.ts';
import type { VersionDoc } from '../store/index.ts';
import type { InspectedBundle } from './inspect-bundle.ts';

/** The manifest in brief, as `easel` in the version document and in marketplace listings. */
export function manifestSummary(m: PluginManifest) {
  return {
    manifest: 'plugin.json',
    hostApi: m.engines.easel,
    agents: m.agents.map((a) => ({ type: a.type, description: a.description, capabilities: a.capabilities.map((c) => c.name) })),
    workflows: (m.workflows ?? []).map((w) => ({ type: w.type, description: w.description })),
    permissions: m.permissions ?? {},
    ...(m.limits ? { limits: m.limits } : {}),
  };
}

export interface VersionDocInput {
  name: string;
  version: string;
  bundle: InspectedBundle;
  shasum: string;
  publisher: { name: string; email: string };
  publishedAt: string;
  key: RegistryKey;
}

/** Fields of the bundle's package.json that are copied when they are strings (or string arrays). */
const COPIED = ['description', 'license', 'homepage'] as const;

export function buildVersionDoc({ name, version, bundle, shasum, publisher, publishedAt, key }: VersionDocInput): VersionDoc {
  const { manifest, packageJson: pkg } = bundle;
  const copied = Object.fromEntries(COPIED.filter((k) => typeof pkg[k] === 'string').map((k) => [k, pkg[k]]));
  const keywords = Array.isArray(pkg.keywords) && pkg.keywords.every((k) => typeof k === 'string') ? { keywords: pkg.keywords } : {};
  return {
    name,
    version,
    description: manifest.description,
    ...copied,
    ...keywords,
    author: typeof manifest.author === 'string' ? { name: manifest.author } : manifest.author,
    // A plugin's npm dependencies are its plugin dependencies: npm and the host resolve the same graph.
    dependencies: { ...(manifest.dependencies ?? {}) },
    engines: { easel: manifest.engines.easel },
    easel: manifestSummary(manifest),
    _id: `${name}@${version}`,
    _npmUser: publisher,
    dist: signedDist({ name, version, integrity: bundle.integrity, shasum, files: bundle.files, hostApi: manifest.engines.easel, publisher, publishedAt, key }),
  };
}

export interface DistInput {
  name: string;
  version: string;
  integrity: string;
  shasum: string;
  files: readonly BundleFile[];
  /** The statement's `hostApi`: the `engines.easel` range. */
  hostApi: string;
  publisher: { name: string };
  publishedAt: string;
  key: RegistryKey;
}

/** `dist` with npm's registry signature and the signed file statement. */
export function signedDist({ name, version, integrity, shasum, files, hostApi, publisher, publishedAt, key }: DistInput): VersionDoc['dist'] {
  const statement: FileStatement = {
    v: 1,
    name,
    version,
    integrity,
    files: Object.fromEntries(files.map((f) => [f.path, f.sha256])),
    hostApi,
    publisher: publisher.name,
    publishedAt,
  };
  const signed = key.signStatement(statement);
  return {
    integrity,
    shasum,
    fileCount: files.length,
    unpackedSize: files.reduce((sum, f) => sum + f.size, 0),
    signatures: [key.signVersion(name, version, integrity)],
    'easel:statement': signed.text,
    'easel:signatures': signed.signatures,
  };
}
