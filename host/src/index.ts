/** The Easel host's public face: build it, configure it. */
export { buildHost, type Host } from './build-host.ts';
export { loadConfig, ConfigError, type HostConfig } from './config/index.ts';
export { HOST_API_VERSION } from './plugins/index.ts';
export { ERROR_TABLE, EaselError, type ErrorCode } from './errors/index.ts';
