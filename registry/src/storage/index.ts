/** Tarball storage: the interface and the local-folder implementation. */
export { digestOf, type StoredTarball, type TarballStorage } from './tarball-storage.ts';
export { LocalFolderStorage } from './local-folder.ts';
