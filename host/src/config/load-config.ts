/**
 * loadConfig: environment variables (and, for tests, direct overrides) validated once
 * against one schema, every problem reported together, the result deep-frozen.
 */
import { join, resolve } from 'node:path';
import { createEnvConfigLoader, type ConfigRule } from '@easel/common/config/load-env-config';
import type { DeepPartial, HostConfig } from './types.ts';
import { FIELDS } from './variables.ts';

export { ConfigError } from '@easel/common/config/load-env-config';

/** Pairs of [value, ceiling] paths: a default may not exceed the cap a manifest is held to. */
const AT_MOST: readonly [string, string][] = [
  ['sandbox.memoryMb', 'sandbox.maxMemoryMb'],
  ['sandbox.timeoutMs', 'sandbox.maxTimeoutMs'],
  ['sandbox.cpuMs', 'sandbox.maxCpuMs'],
  ['bundles.maxFileBytes', 'bundles.maxUnpackedBytes'],
  ['models.backoffBaseMs', 'models.backoffMaxMs'],
  ['models.budgetDowngradeAt', 'models.budgetBasicAt'],
  ['storage.urlTtlSeconds', 'storage.maxUrlTtlSeconds'],
  ['storage.maxObjectBytes', 'storage.pluginQuotaBytes'],
];

const RULES: readonly ConfigRule[] = [
  ...AT_MOST.map(([low, high]): ConfigRule => ({
    paths: [low, high],
    check: ([a, b], label) => (typeof a === 'number' && typeof b === 'number' && a > b ? `${label(low)}: must be <= ${label(high)} (${b})` : undefined),
  })),
  {
    paths: ['storage.backend', 'storage.s3.bucket'],
    check: ([backend, bucket], label) => (backend === 's3' && bucket === undefined ? `${label('storage.s3.bucket')}: is required when ${label('storage.backend')} is s3` : undefined),
  },
  {
    paths: ['store.kind', 'store.url'],
    check: ([kind, url], label) => (kind === 'postgres' && url === undefined ? `${label('store.url')}: is required when ${label('store.kind')} is postgres` : undefined),
  },
  {
    paths: ['storage.s3.accessKeyId', 'storage.s3.secretAccessKey'],
    check: ([id, secret], label) => ((id === undefined) !== (secret === undefined) ? `${label('storage.s3.accessKeyId')}: set it together with ${label('storage.s3.secretAccessKey')}, or neither` : undefined),
  },
  {
    paths: ['storage.maxObjectBytes', 'sandbox.maxBinaryBytes'],
    check: ([object, binary], label) =>
      typeof object === 'number' && typeof binary === 'number' && object > binary ? `${label('storage.maxObjectBytes')}: must be <= ${label('sandbox.maxBinaryBytes')} (${binary}), or no object that size could cross the bridge` : undefined,
  },
  {
    paths: ['firstPartySource', 'firstPartyPlugins', 'registries.urls'],
    check: ([source, install, urls], label) =>
      source === 'registry' && install !== false && !urls ? `${label('firstPartySource')}: registry needs ${label('registries.urls')}, the registry to install them from` : undefined,
  },
  {
    paths: ['registries.trustedKeys'],
    check: ([text], label) => {
      const problem = trustedKeysProblem(text);
      return problem && `${label('registries.trustedKeys')}: ${problem}`;
    },
  },
];

const load = createEnvConfigLoader<HostConfig, DeepPartial<HostConfig>>({
  fields: FIELDS,
  rules: RULES,
  finish: (tree) => {
    tree.dataDir = resolve(tree.dataDir as string);
    const storage = tree.storage as { dir?: string } | undefined;
    if (storage) storage.dir = resolve(storage.dir ?? join(tree.dataDir as string, 'blobs'));
  },
});

/**
 * Reads the host configuration from `env` (usually `process.env`). `overrides` win over the
 * environment and are validated the same way. An empty variable counts as unset.
 *
 * @throws ConfigError listing every problem at once.
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * const forTests = loadConfig({}, { port: 0, sandbox: { workers: 1 } });
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>, overrides: DeepPartial<HostConfig> = {}): HostConfig {
  return load(env, overrides);
}

/** The trusted-key list is JSON inside a string (an env variable); check its shape here. */
function trustedKeysProblem(text: unknown): string | undefined {
  let keys: unknown;
  try {
    keys = JSON.parse(String(text));
  } catch {
    return 'must be a JSON array';
  }
  if (!Array.isArray(keys)) return 'must be a JSON array';
  const wrong = keys.findIndex((k) => k === null || typeof k !== 'object' || Array.isArray(k) || typeof k.keyid !== 'string' || typeof k.key !== 'string');
  return wrong === -1 ? undefined : `item ${wrong} needs a string keyid and a string key (base64 SPKI DER)`;
}
