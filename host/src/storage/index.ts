/** Blob storage: one interface, a local-folder and an S3 backend, metadata in the store. */
import type { StorageConfig } from '../config/index.ts';
import type { BlobBackend } from './backend.ts';
import { LocalFolderBackend } from './local-folder.ts';
import { S3Backend } from './s3.ts';

export type { BlobBackend } from './backend.ts';
export { BlobService, toInfo, type BlobLimits, type PutOptions } from './service.ts';
export { UrlSigner } from './url-signer.ts';
export { normalizeKey, normalizePrefix, normalizeContentType } from './keys.ts';

/** The backend the configuration names; S3 credentials come from the AWS SDK's default chain. */
export function createBlobBackend(config: StorageConfig): BlobBackend {
  if (config.backend === 'local') return new LocalFolderBackend({ dir: config.dir });
  const { s3 } = config;
  const credentials = s3.accessKeyId !== undefined && s3.secretAccessKey !== undefined ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : undefined;
  return new S3Backend({ bucket: s3.bucket as string, region: s3.region, endpoint: s3.endpoint, forcePathStyle: s3.forcePathStyle, prefix: s3.prefix, timeoutMs: s3.timeoutMs, credentials });
}
