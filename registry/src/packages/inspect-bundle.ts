/**
 * The publish-time check of a tarball, by the same `@easel/sdk/bundle` module the host and
 * `easel pack` use: a plugin must be a valid Easel bundle (`extractBundle`); a library (a
 * package of a library scope) must pass the same archive rules and carry a package.json
 * (`extractPackage`). The tarball is extracted into a fresh private temp folder (mkdtemp:
 * mode 0700) under `tempRoot` (the data dir's `tmp/`, itself 0700), read, and the folder is
 * deleted whatever happens.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleError, DEFAULT_BUNDLE_LIMITS, extractBundle, extractPackage, type BundleFile, type BundleLimits, type ExtractedBundle } from '@easel/sdk/bundle';
import { RegistryError } from '../errors/index.ts';

/** README and CHANGELOG texts kept for the marketplace and packuments, cut at this many characters. */
const MAX_DOC_CHARS = 256 * 1024;
/** A library's package.json becomes its version document, served in every packument. */
const MAX_LIBRARY_PACKAGE_JSON_BYTES = 1024 * 1024;

export interface PackageTexts {
  readme?: string;
  changelog?: string;
}

export interface InspectedBundle extends ExtractedBundle, PackageTexts {
  /** The bundle's package.json. */
  packageJson: Record<string, unknown>;
}

export interface InspectedLibrary extends PackageTexts {
  integrity: string;
  files: BundleFile[];
  packageJson: Record<string, unknown>;
}

export function inspectBundle(tarball: Buffer, tempRoot: string): Promise<InspectedBundle> {
  return inTempDir(tarball, tempRoot, { kind: 'Easel bundle', maxBytes: DEFAULT_BUNDLE_LIMITS.maxBytes }, async (dir) => {
    const extracted = await extractBundle(tarball, dir, DEFAULT_BUNDLE_LIMITS);
    const has = (path: string) => extracted.files.some((f) => f.path === path);
    const text = async (path: string) => (has(path) ? clip(await readFile(join(dir, path), 'utf8')) : undefined);
    return {
      ...extracted,
      packageJson: JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>,
      readme: await text('README.md'),
      changelog: await text('CHANGELOG.md'),
    };
  });
}

/** `limits`: the library caps of the configuration (depth: the plugins' one). */
export function inspectLibrary(tarball: Buffer, tempRoot: string, limits: BundleLimits): Promise<InspectedLibrary> {
  return inTempDir(tarball, tempRoot, { kind: 'package', maxBytes: limits.maxBytes }, async (dir) => {
    const { integrity, files, packageJson } = await extractPackage(tarball, dir, limits);
    const size = files.find((f) => f.path === 'package.json')?.size ?? 0;
    if (size > MAX_LIBRARY_PACKAGE_JSON_BYTES) {
      throw new BundleError('BUNDLE_INVALID', [{ path: 'package/package.json', message: `is ${size} bytes, more than ${MAX_LIBRARY_PACKAGE_JSON_BYTES}` }]);
    }
    // npm finds README and CHANGELOG at the package root whatever their case and extension.
    const text = async (base: string) => {
      const found = files.find((f) => !f.path.includes('/') && new RegExp(`^${base}(\\.(md|markdown|txt))?$`, 'i').test(f.path));
      return found ? clip(await readFile(join(dir, found.path), 'utf8')) : undefined;
    };
    return { integrity, files, packageJson, readme: await text('readme'), changelog: await text('changelog') };
  });
}

/** What the tarball was checked as: a plugin bundle or a library package, and its size cap. */
interface Expected {
  kind: 'Easel bundle' | 'package';
  maxBytes: number;
}

async function inTempDir<T>(tarball: Buffer, tempRoot: string, expected: Expected, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tempRoot, 'publish-'));
  try {
    return await work(dir);
  } catch (error) {
    if (error instanceof BundleError) throw refusal(error, tarball, expected);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The SDK's finding as the registry's error; `problems` carries every finding, the message the first. */
function refusal(error: BundleError, tarball: Buffer, { kind, maxBytes }: Expected): RegistryError {
  const details = { problems: error.problems };
  switch (error.code) {
    case 'BUNDLE_TOO_LARGE':
      return new RegistryError('BUNDLE_TOO_LARGE', { limit: maxBytes, size: `${tarball.length} bytes` }, details);
    case 'MANIFEST_INVALID':
      return new RegistryError('MANIFEST_INVALID', { problem: error.message }, details);
    case 'BUNDLE_INVALID':
      return new RegistryError('BUNDLE_INVALID', { kind, problem: error.message }, details);
  }
}

function clip(text: string): string {
  return text.length <= MAX_DOC_CHARS ? text : `${text.slice(0, MAX_DOC_CHARS)}\n\n… (cut at ${MAX_DOC_CHARS} characters)`;
}
