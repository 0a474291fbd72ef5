/**
 * Installed bundles kept in the blob store (EASEL_STORE=postgres), keyed by their integrity, so
 * a host whose data folder is new (a replaced machine, a pod without a volume) or another
 * replica can run what was installed elsewhere: it fetches the tarball on first use, checks
 * it against the integrity the store recorded, and extracts it with the same fail-closed
 * extractor as an upload. A tarball that does not match is never extracted.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractBundle, integrityOf, sha256Hex, type BundleLimits } from '@easel/sdk/bundle';
import type { BlobBackend } from '../storage/index.ts';
import type { InstalledPlugin } from '../store/index.ts';
import { pluginsDir, stagingDir, type StagedBundle } from './stage-bundle.ts';

export type RestoreOutcome = 'restored' | 'missing' | 'mismatch';

export class BundleArchive {
  #backend: BlobBackend;
  #dataDir: string;
  #limits: BundleLimits;

  constructor(backend: BlobBackend, dataDir: string, limits: BundleLimits) {
    this.#backend = backend;
    this.#dataDir = dataDir;
    this.#limits = limits;
  }

  /**
   * The object key of the tarball with this integrity (`sha512-<base64>`): its digest in hex,
   * under `-bundles/`, a folder no plugin's blobs can be in (a plugin name starts with a letter
   * or a digit).
   */
  static keyOf(integrity: string): string {
    const digest = Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
    return `-bundles/${digest}`;
  }

  /** Keeps a staged bundle's tarball (idempotent: the same bytes under the same key). */
  async keep(staged: StagedBundle): Promise<void> {
    await this.#backend.put(BundleArchive.keyOf(staged.integrity), staged.tarball, { contentType: 'application/gzip', sha256: sha256Hex(staged.tarball) });
  }

  /**
   * Puts `plugin`'s files at `plugin.path` from its kept tarball: `missing` when there is none,
   * `mismatch` when its bytes are not the recorded integrity (nothing is extracted then).
   */
  async restore(plugin: InstalledPlugin): Promise<RestoreOutcome> {
    const tgz = await this.#backend.get(BundleArchive.keyOf(plugin.integrity));
    if (tgz === undefined) return 'missing';
    if (integrityOf(tgz) !== plugin.integrity) return 'mismatch';
    await mkdir(stagingDir(this.#dataDir), { recursive: true, mode: 0o700 });
    await mkdir(pluginsDir(this.#dataDir), { recursive: true, mode: 0o700 });
    const staging = await mkdtemp(join(stagingDir(this.#dataDir), 'restore-'));
    try {
      await extractBundle(tgz, staging, this.#limits);
      await rm(plugin.path, { recursive: true, force: true });
      await rename(staging, plugin.path);
      return 'restored';
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
}
