/**
 * Library packages: npm packages of a library scope (EASEL_REGISTRY_LIBRARY_SCOPES, default
 * `@easel`) that are not plugin bundles, such as `@easel/sdk`. The version document is the
 * tarball's package.json (as npmjs serves it), never what the client sent, with the fields
 * the registry owns (`_id`, `_npmUser`, `dist`, …) set by the registry.
 */
import type { BundleFile } from '@easel/sdk/bundle';
import { RegistryError } from '../errors/index.ts';
import type { VersionDoc } from '../store/index.ts';
import type { InspectedLibrary } from './inspect-bundle.ts';
import { signedDist, type VersionDocInput } from './version-doc.ts';

/** `@scope` of a scoped name, else undefined. */
export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
}

export function isLibraryName(name: string, scopes: readonly string[]): boolean {
  const scope = scopeOf(name);
  return scope !== undefined && scopes.includes(scope);
}

export type LibraryDocInput = Omit<VersionDocInput, 'bundle'> & { library: InspectedLibrary };

// Underscore fields are npm's and the registry's (`_id`, `_npmUser`, `_hasShrinkwrap`); `easel`
// is the registry's summary of a plugin, which a library must not imitate.
const NOT_COPIED = new Set(['readme', 'readmeFilename', 'dist', 'easel', 'bundleDependencies', 'bundledDependencies']);

/** Throws PUBLISH_INVALID unless package.json names `name@version`. */
export function checkLibraryIdentity(name: string, version: string, pkg: Record<string, unknown>): void {
  if (pkg.name !== name || pkg.version !== version) {
    throw new RegistryError('PUBLISH_INVALID', {
      package: name,
      problem: `package.json names ${JSON.stringify(pkg.name)}@${JSON.stringify(pkg.version)}, not ${name}@${version}`,
    });
  }
}

export function buildLibraryDoc({ name, version, library, shasum, publisher, publishedAt, key }: LibraryDocInput): VersionDoc {
  const pkg = library.packageJson;
  const copied = Object.fromEntries(Object.entries(pkg).filter(([k]) => !k.startsWith('_') && !NOT_COPIED.has(k)));
  const bundled = bundleDependencies(pkg);
  const engines = pkg.engines as { easel?: unknown } | undefined;
  return {
    ...copied,
    name,
    version,
    ...(bundled.length === 0 ? {} : { bundleDependencies: bundled }),
    ...(hasInstallScript(pkg, library.files) ? { hasInstallScript: true } : {}),
    _hasShrinkwrap: library.files.some((f) => f.path === 'npm-shrinkwrap.json'),
    _id: `${name}@${version}`,
    _npmUser: publisher,
    dist: signedDist({
      name,
      version,
      integrity: library.integrity,
      shasum,
      files: library.files,
      // A library states no host range unless it has one; '*' keeps the statement well-formed.
      hostApi: typeof engines?.easel === 'string' && engines.easel !== '' ? engines.easel : '*',
      publisher,
      publishedAt,
      key,
    }),
  };
}

/**
 * npm's normalisation: `bundledDependencies` is an alias, and `true` means every dependency.
 * npm install skips fetching the names listed here: they come inside the tarball.
 */
function bundleDependencies(pkg: Record<string, unknown>): string[] {
  const value = pkg.bundleDependencies ?? pkg.bundledDependencies;
  const dependencies = typeof pkg.dependencies === 'object' && pkg.dependencies !== null ? Object.keys(pkg.dependencies) : [];
  if (value === true) return dependencies;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** As npmjs marks it: an install script, or a binding.gyp that npm would build. */
function hasInstallScript(pkg: Record<string, unknown>, files: readonly BundleFile[]): boolean {
  const scripts = (typeof pkg.scripts === 'object' && pkg.scripts !== null ? pkg.scripts : {}) as Record<string, unknown>;
  if (['preinstall', 'install', 'postinstall'].some((s) => typeof scripts[s] === 'string')) return true;
  return pkg.gypfile !== false && files.some((f) => f.path === 'binding.gyp');
}
