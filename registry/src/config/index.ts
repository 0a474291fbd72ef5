/** Registry configuration: environment variables, validated once into a frozen RegistryConfig. */
export { ConfigError, loadConfig } from './load-config.ts';
export { CONFIG_VARIABLES, type ConfigVariable } from './variables.ts';
export type { LogLevel, RegistryConfig } from './types.ts';
