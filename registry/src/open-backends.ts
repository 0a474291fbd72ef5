/**
 * The store and the tarball storage the configuration names: SQLite and a local folder under
 * the data dir (the default, one registry process), or PostgreSQL and an S3 bucket that
 * several replicas share. Either is checked here, so a start fails at once, in one line
 * (RegistryStartError), when the database or the bucket cannot be used.
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryConfig } from './config/index.ts';
import { LocalFolderStorage, S3Storage, type TarballStorage } from './storage/index.ts';
import { openPostgresStore, openStore, RegistryStartError, type RegistryStore } from './store/index.ts';

export async function openConfiguredStore(config: RegistryConfig): Promise<RegistryStore> {
  if (config.store === 'postgres') return openPostgresStore(config.databaseUrl!, { maxConnections: config.databaseMaxConnections });
  const dbFile = join(config.dataDir, 'registry.db');
  const store = await openStore(dbFile);
  // SQLite creates its files with the umask's mode; they hold token hashes and password hashes.
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) {
    await chmod(file, 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  return store;
}

export async function openConfiguredStorage(config: RegistryConfig): Promise<{ storage: TarballStorage; close(): void }> {
  if (config.storage === 'folder') return { storage: new LocalFolderStorage(join(config.dataDir, 'tarballs')), close: () => undefined };
  const s3 = new S3Storage({
    bucket: config.s3Bucket!,
    region: config.s3Region,
    forcePathStyle: config.s3ForcePathStyle,
    prefix: config.s3Prefix,
    timeoutMs: config.s3TimeoutMs,
    ...(config.s3Endpoint === undefined ? {} : { endpoint: config.s3Endpoint }),
    ...(config.s3AccessKeyId === undefined ? {} : { credentials: { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey! } }),
  });
  try {
    await s3.check();
  } catch (error) {
    s3.close();
    throw new RegistryStartError(`cannot use the S3 bucket ${config.s3Bucket}: ${(error as Error).message.replace(/; retry later$/, '')}; check EASEL_REGISTRY_S3_* and that the server is up`, { cause: error });
  }
  return { storage: s3, close: () => s3.close() };
}
