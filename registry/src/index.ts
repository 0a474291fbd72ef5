/** The Easel plugin registry: `buildRegistry(config)` and what its callers need. */
export { buildRegistry, type BuildOptions, type Registry } from './build-registry.ts';
export { CONFIG_VARIABLES, ConfigError, loadConfig, type ConfigVariable, type RegistryConfig } from './config/index.ts';
export { ERROR_TABLE, RegistryError, type ErrorCode } from './errors/index.ts';
export type { PublicKeyEntry } from './signing/registry-key.ts';
export type { TarballStorage } from './storage/index.ts';
export { LocalFolderStorage, S3Storage } from './storage/index.ts';
export { RegistryStartError, StoreSchemaError } from './store/index.ts';
