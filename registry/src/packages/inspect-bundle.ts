/**
 * The publish-time check: the tarball must be a valid Easel bundle, by the same
 * `extractBundle` the host and `easel pack` use. It is extracted into a fresh private temp
 * folder (mkdtemp: mode 0700) under `tempRoot` (the data dir's `tmp/`, itself 0700), read,
 * and the folder is deleted whatever happens.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleError, DEFAULT_BUNDLE_LIMITS, extractBundle, type ExtractedBundle } from '@easel/sdk/bundle';
import { RegistryError } from '../errors/index.ts';

/** README and CHANGELOG texts kept for the marketplace, cut at this many characters. */
const MAX_DOC_CHARS = 256 * 1024;

export interface InspectedBundle extends ExtractedBundle {
  /** The bundle's package.json. */
  packageJson: Record<string, unknown>;
  readme?: string;
  changelog?: string;
}

export async function inspectBundle(tarball: Buffer, tempRoot: string): Promise<InspectedBundle> {
  const dir = await mkdtemp(join(tempRoot, 'publish-'));
  try {
    const extracted = await extractBundle(tarball, dir, DEFAULT_BUNDLE_LIMITS);
    const has = (path: string) => extracted.files.some((f) => f.path === path);
    const text = async (path: string) => (has(path) ? clip(await readFile(join(dir, path), 'utf8')) : undefined);
    return {
      ...extracted,
      packageJson: JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>,
      readme: await text('README.md'),
      changelog: await text('CHANGELOG.md'),
    };
  } catch (error) {
    if (error instanceof BundleError) {
      throw new RegistryError(error.code, `the tarball is not a valid Easel bundle: ${error.message}`, { problems: error.problems });
    }
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function clip(text: string): string {
  return text.length <= MAX_DOC_CHARS ? text : `${text.slice(0, MAX_DOC_CHARS)}\n\n… (cut at ${MAX_DOC_CHARS} characters)`;
}
