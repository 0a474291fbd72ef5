/** Caps applied to every bundle before anything is written to disk. */
export interface BundleLimits {
  /** Compressed size of the .tgz. */
  maxBytes: number;
  /** Archive entries (files and directories). */
  maxEntries: number;
  /** Sum of the sizes of all files once unpacked. */
  maxUnpackedBytes: number;
  /** Size of one file once unpacked. */
  maxFileBytes: number;
  /** Path segments of one entry, `package` included. */
  maxDepth: number;
}

const MiB = 1024 * 1024;

/** Defaults shared by `easel pack`, the registry and the host. */
export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = Object.freeze({
  maxBytes: 20 * MiB,
  maxEntries: 1000,
  maxUnpackedBytes: 50 * MiB,
  maxFileBytes: 10 * MiB,
  maxDepth: 32,
});
