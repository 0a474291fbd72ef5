/**
 * loadConfig: environment variables (and, for tests, direct overrides) validated once
 * against one schema, every problem reported together, the result frozen.
 */
import { resolve } from 'node:path';
import { createEnvConfigLoader } from '@easel/common/config/load-env-config';
import { DEFAULT_BUNDLE_LIMITS } from '@easel/sdk/bundle';
import type { RegistryConfig } from './types.ts';
import { base64Length, FIELDS, PUBLISH_BODY_SLACK_BYTES } from './variables.ts';

export { ConfigError } from '@easel/common/config/load-env-config';

const load = createEnvConfigLoader<RegistryConfig, Partial<Record<keyof RegistryConfig, unknown>>>({
  fields: FIELDS,
  rules: [
    {
      paths: ['publicUrl'],
      check: ([text], label) => {
        if (typeof text !== 'string') return undefined;
        const url = URL.canParse(text) ? new URL(text) : undefined;
        return !url || url.username !== '' || url.password !== '' ? `${label('publicUrl')}: must be an http(s) URL without credentials` : undefined;
      },
    },
    {
      paths: ['store', 'databaseUrl'],
      check: ([store, url], label) => (store === 'postgres' && url === undefined ? `${label('databaseUrl')}: is required when ${label('store')} is postgres` : undefined),
    },
    {
      // A replica that generated a key of its own would sign with a key the others do not serve.
      paths: ['store', 'signingKeyFile'],
      check: ([store, file], label) =>
        store === 'postgres' && file === undefined ? `${label('signingKeyFile')}: is required when ${label('store')} is postgres (every replica must sign with the same key)` : undefined,
    },
    {
      paths: ['storage', 's3Bucket'],
      check: ([storage, bucket], label) => (storage === 's3' && bucket === undefined ? `${label('s3Bucket')}: is required when ${label('storage')} is s3` : undefined),
    },
    {
      paths: ['s3AccessKeyId', 's3SecretAccessKey'],
      check: ([id, secret], label) => ((id === undefined) !== (secret === undefined) ? `${label('s3AccessKeyId')}: set it together with ${label('s3SecretAccessKey')}, or neither` : undefined),
    },
  ],
  finish: (tree) => {
    if (typeof tree.publicUrl === 'string') {
      const url = new URL(tree.publicUrl);
      tree.publicUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
    }
    tree.dataDir = resolve(tree.dataDir as string);
    const scopes = (tree.libraryScopes as string).trim();
    tree.libraryScopes = scopes === 'none' ? [] : [...new Set(scopes.split(',').map((s) => `@${s.trim().replace(/^@/, '')}`))];
    // Unset: room for the largest tarball either kind of package may have, as base64.
    tree.maxBodyBytes ??= base64Length(Math.max(DEFAULT_BUNDLE_LIMITS.maxBytes, tree.libraryMaxBytes as number)) + PUBLISH_BODY_SLACK_BYTES;
    if (typeof tree.signingKeyFile === 'string') tree.signingKeyFile = resolve(tree.signingKeyFile);
  },
});

/**
 * Reads the registry configuration from `env` (usually `process.env`). `overrides` win over
 * the environment and are validated the same way. An empty variable counts as unset.
 *
 * @throws ConfigError listing every problem at once; e.g. `EASEL_REGISTRY_PORT: must be <= 65535`.
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * const forTests = loadConfig({}, { port: 0, dataDir: tmp, logLevel: 'silent' });
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: Partial<Record<keyof RegistryConfig, unknown>> = {}): RegistryConfig {
  return load(env, overrides);
}
