/** Tarball storage: the interface, the local-folder implementation and the S3 one. */
export { digestOf, type StoredTarball, type TarballStorage } from './tarball-storage.ts';
export { LocalFolderStorage } from './local-folder.ts';
export { S3Storage, type S3StorageOptions } from './s3.ts';
