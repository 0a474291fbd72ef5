/** Content digests used in bundle records and in the registry's `dist.integrity`. */
import { createHash } from 'node:crypto';

/**
 * The Subresource Integrity string npm uses for tarballs.
 *
 * @example
 * ```ts
 * integrityOf(Buffer.from('x')); // 'sha512-…'
 * ```
 */
export function integrityOf(buf: Uint8Array): string {
  return `sha512-${createHash('sha512').update(buf).digest('base64')}`;
}

/** Lowercase hex sha256 of `buf`. */
export function sha256Hex(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Lowercase hex sha1 of `buf`: npm's legacy `dist.shasum`, which registries still check. */
export function sha1Hex(buf: Uint8Array): string {
  return createHash('sha1').update(buf).digest('hex');
}
