/**
 * Takes an uploaded tarball to an installable folder: extract into a fresh private staging
 * folder (the SDK's fail-closed extractor), check the host API range, then rename into
 * `plugins/` (same filesystem, so the move is atomic). Any failure removes what was staged.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { BundleError, extractBundle, type BundleLimits, type ExtractedBundle } from '@easel/sdk/bundle';
import { EaselError } from '../errors/index.ts';
import { HOST_API_VERSION } from './host-api.ts';

export interface StagedBundle extends ExtractedBundle {
  /** Absolute folder the bundle now lives in, under `<dataDir>/plugins/`. */
  path: string;
  /** The tarball it came from (kept in the blob store when bundles are shared, bundle-archive.ts). */
  tarball: Buffer;
}

export function stagingDir(dataDir: string): string {
  return join(dataDir, 'staging');
}

export function pluginsDir(dataDir: string): string {
  return join(dataDir, 'plugins');
}

export async function stageBundle(tgz: Buffer, dataDir: string, limits: BundleLimits): Promise<StagedBundle> {
  await mkdir(stagingDir(dataDir), { recursive: true, mode: 0o700 });
  await mkdir(pluginsDir(dataDir), { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(stagingDir(dataDir), 'upload-'));
  try {
    const extracted = await extractOrExplain(tgz, staging, limits);
    const { name, version, engines } = extracted.manifest;
    if (!semver.satisfies(HOST_API_VERSION, engines.easel, { includePrerelease: true })) {
      throw new EaselError('ENGINE_INCOMPATIBLE', { plugin: name, version, range: engines.easel, hostApi: HOST_API_VERSION }, {
        required: engines.easel,
        host: HOST_API_VERSION,
      });
    }
    const dest = await mkdtemp(join(pluginsDir(dataDir), `${name}@${version}-`));
    await rm(dest, { recursive: true });
    await rename(staging, dest);
    return { ...extracted, path: dest, tarball: tgz };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function extractOrExplain(tgz: Buffer, dest: string, limits: BundleLimits): Promise<ExtractedBundle> {
  try {
    return await extractBundle(tgz, dest, limits);
  } catch (error) {
    if (error instanceof BundleError) {
      // The SDK's checker summed its problems up (the first, and how many more); all are in details.
      const details = { problems: error.problems };
      if (error.code === 'BUNDLE_TOO_LARGE') throw new EaselError('BUNDLE_TOO_LARGE', { limit: limits.maxBytes }, details);
      throw error.code === 'MANIFEST_INVALID' ? new EaselError('MANIFEST_INVALID', { reason: error.message }, details) : new EaselError('BUNDLE_INVALID', { reason: error.message }, details);
    }
    throw error;
  }
}
