/** Host configuration: environment variables, validated once into a frozen HostConfig. */
export { ConfigError, loadConfig } from './load-config.ts';
export { CONFIG_VARIABLES, type ConfigVariable } from './variables.ts';
export type { BundleConfig, DeepPartial, HostConfig, KeyLimitsConfig, KvConfig, LogLevel, ModelsConfig, RegistriesConfig, SandboxConfig, StorageConfig } from './types.ts';
