/**
 * Where tarballs live, content-addressed by the hex sha512 of their bytes. The local
 * folder is the default; S3 (./s3.ts) is for replicas that share one bucket.
 */
import type { Readable } from 'node:stream';

export interface StoredTarball {
  size: number;
  stream: Readable;
}

export interface TarballStorage {
  /** Stores `data` under `sha512Hex` (the caller computed it); storing the same bytes twice is a no-op. */
  put(sha512Hex: string, data: Buffer): Promise<void>;
  /** undefined when nothing is stored under that digest. */
  open(sha512Hex: string): Promise<StoredTarball | undefined>;
  has(sha512Hex: string): Promise<boolean>;
  /** No error when nothing was stored. */
  delete(sha512Hex: string): Promise<void>;
}

/** The storage key of an `sha512-<base64>` integrity string. */
export function digestOf(integrity: string): string {
  if (!integrity.startsWith('sha512-')) throw new Error(`not an sha512 integrity: ${integrity}`);
  return Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
}
