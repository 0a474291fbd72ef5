import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, type DeepPartial, type HostConfig } from './index.ts';

function problemsOf(env: Record<string, string>, overrides?: DeepPartial<HostConfig>): readonly string[] {
  try {
    loadConfig(env, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('loadConfig', () => {
  test('defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: resolve('./data'),
      logLevel: 'info',
      bodyMaxBytes: 1024 * 1024,
      bundles: { maxBytes: 20 * 1024 * 1024, maxEntries: 1000, maxUnpackedBytes: 50 * 1024 * 1024, maxFileBytes: 10 * 1024 * 1024 },
      sandbox: {
        workers: Math.min(64, availableParallelism()),
        memoryMb: 64,
        maxMemoryMb: 256,
        timeoutMs: 10_000,
        maxTimeoutMs: 120_000,
        cpuMs: 5000,
        maxCpuMs: 60_000,
        maxPayloadBytes: 1024 * 1024,
        maxPendingBridgeCalls: 64,
        quarantineAfterCrashes: 3,
        quarantineWindowMs: 600_000,
      },
      kv: { maxValueBytes: 65536, maxKeyLength: 512, maxKeysPerPlugin: 100_000 },
      logs: { maxLineBytes: 8192 },
      firstPartyPlugins: true,
    });
    expect(config.adminToken).toBeUndefined();
  });

  test('CONFIG_VARIABLES covers every setting, with unique env names', () => {
    // Settings without a default are set here so that they appear as leaves.
    const withToken = loadConfig({
      EASEL_ADMIN_TOKEN: 'a'.repeat(16),
      EASEL_BEDROCK_ENDPOINT: 'http://127.0.0.1:4599',
      EASEL_MODELS_CATALOG_FILE: 'catalog.json',
      EASEL_MODELS_OVERRIDES_FILE: 'overrides.json',
      EASEL_PUBLIC_URL: 'https://easel.example.com',
      EASEL_S3_BUCKET: 'easel-blobs',
      EASEL_S3_ENDPOINT: 'http://127.0.0.1:4569',
      EASEL_S3_ACCESS_KEY_ID: 'S3RVER',
      EASEL_S3_SECRET_ACCESS_KEY: 'S3RVER',
      EASEL_DATABASE_URL: 'postgres://easel@127.0.0.1:5432/easel',
    });
    expect(CONFIG_VARIABLES.map((v) => v.path).sort()).toEqual(leafPaths(withToken).sort());
    expect(new Set(CONFIG_VARIABLES.map((v) => v.env)).size).toBe(CONFIG_VARIABLES.length);
    for (const v of CONFIG_VARIABLES) expect(v.description.length).toBeGreaterThan(0);
  });

  test('env strings are coerced to numbers and booleans; empty means unset', () => {
    const config = loadConfig({
      EASEL_PORT: '0',
      EASEL_SANDBOX_WORKERS: '3',
      EASEL_FIRST_PARTY_PLUGINS: 'false',
      EASEL_DATA_DIR: 'relative/dir',
      EASEL_LOG_LEVEL: 'debug',
      EASEL_KV_MAX_KEY_LENGTH: '',
    });
    expect(config.port).toBe(0);
    expect(config.sandbox.workers).toBe(3);
    expect(config.firstPartyPlugins).toBe(false);
    expect(isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toBe(resolve('relative/dir'));
    expect(config.logLevel).toBe('debug');
    expect(config.kv.maxKeyLength).toBe(512);
  });

  test('overrides win over env and are validated the same way', () => {
    const config = loadConfig({ EASEL_PORT: '9000' }, { port: 0, sandbox: { workers: 1 } });
    expect(config.port).toBe(0);
    expect(config.sandbox.workers).toBe(1);
    expect(config.sandbox.memoryMb).toBe(64);
    expect(problemsOf({}, { port: 70000 })).toEqual(['port: must be <= 65535']);
  });

  test('several bad values are reported together in one error', () => {
    const token = 'short-secret';
    const problems = problemsOf({
      EASEL_PORT: '65536',
      EASEL_SANDBOX_WORKERS: 'many',
      EASEL_LOG_LEVEL: 'loud',
      EASEL_ADMIN_TOKEN: token,
      EASEL_FIRST_PARTY_PLUGINS: 'maybe',
      EASEL_SANDBOX_WORKERS_TYPO: '1',
    });
    expect(problems).toContain('EASEL_PORT: must be <= 65535');
    expect(problems).toContain('EASEL_SANDBOX_WORKERS: must be integer');
    expect(problems).toContain('EASEL_FIRST_PARTY_PLUGINS: must be boolean');
    expect(problems.some((p) => p.startsWith('EASEL_LOG_LEVEL: must be equal to one of the allowed values'))).toBe(true);
    expect(problems.some((p) => p.startsWith('EASEL_ADMIN_TOKEN: '))).toBe(true);
    expect(problems).toHaveLength(5);
    // The secret itself is never echoed back.
    expect(problems.join('\n')).not.toContain(token);
  });

  test('an admin token the Bearer header cannot carry is refused', () => {
    expect(problemsOf({ EASEL_ADMIN_TOKEN: 'has spaces in it, sixteen+' })).toHaveLength(1);
    expect(loadConfig({ EASEL_ADMIN_TOKEN: 'esl_0123456789abcdef' }).adminToken).toBe('esl_0123456789abcdef');
  });

  test('unknown override keys are refused, nested or not', () => {
    const problems = problemsOf({}, { sandbox: { workerz: 2 }, extra: true } as DeepPartial<HostConfig>);
    expect(problems).toEqual(expect.arrayContaining(['sandbox.workerz: is not a known setting', 'extra: is not a known setting']));
    expect(problems).toHaveLength(2);
    expect(problemsOf({}, { sandbox: 5 } as unknown as DeepPartial<HostConfig>)).toEqual(['sandbox: must be object']);
  });

  test('the result is deep-frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sandbox)).toBe(true);
    expect(() => {
      (config.sandbox as { workers: number }).workers = 99;
    }).toThrow(TypeError);
  });

  test('cross-field rules are reported with the rest', () => {
    const problems = problemsOf(
      { EASEL_SANDBOX_MEMORY_MB: '512', EASEL_SANDBOX_CPU_MS: '90000', EASEL_PORT: '-1' },
      { sandbox: { timeoutMs: 200_000 } },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'EASEL_PORT: must be >= 0',
        'EASEL_SANDBOX_MEMORY_MB: must be <= EASEL_SANDBOX_MAX_MEMORY_MB (256)',
        'EASEL_SANDBOX_CPU_MS: must be <= EASEL_SANDBOX_MAX_CPU_MS (60000)',
        'sandbox.timeoutMs: must be <= EASEL_SANDBOX_MAX_TIMEOUT_MS (120000)',
      ]),
    );
    expect(problems).toHaveLength(4);
    expect(loadConfig({ EASEL_SANDBOX_MEMORY_MB: '512', EASEL_SANDBOX_MAX_MEMORY_MB: '1024' }).sandbox.memoryMb).toBe(512);
  });

  test('storage rules: s3 needs a bucket, an object must fit the bridge, the blob folder defaults under the data dir', () => {
    expect(problemsOf({ EASEL_STORAGE_BACKEND: 's3' })).toEqual(['EASEL_S3_BUCKET: is required when EASEL_STORAGE_BACKEND is s3']);
    expect(problemsOf({ EASEL_S3_ACCESS_KEY_ID: 'key' })).toEqual(['EASEL_S3_ACCESS_KEY_ID: set it together with EASEL_S3_SECRET_ACCESS_KEY, or neither']);
    expect(problemsOf({ EASEL_STORAGE_MAX_OBJECT_BYTES: String(64 * 1024 * 1024) })).toEqual([
      'EASEL_STORAGE_MAX_OBJECT_BYTES: must be <= EASEL_SANDBOX_MAX_BINARY_BYTES (33554432), or no object that size could cross the bridge',
    ]);
    expect(problemsOf({ EASEL_STORAGE_URL_TTL_SECONDS: '7200', EASEL_STORAGE_MAX_URL_TTL_SECONDS: '3600' })).toEqual(['EASEL_STORAGE_URL_TTL_SECONDS: must be <= EASEL_STORAGE_MAX_URL_TTL_SECONDS (3600)']);
    expect(problemsOf({ EASEL_PUBLIC_URL: 'https://easel.example.com/' })).toEqual([expect.stringMatching(/^EASEL_PUBLIC_URL: must match pattern/)]);
    const config = loadConfig({ EASEL_DATA_DIR: 'some/data' });
    expect(config.storage.dir).toBe(resolve('some/data/blobs'));
    expect(loadConfig({ EASEL_STORAGE_DIR: 'elsewhere' }).storage.dir).toBe(resolve('elsewhere'));
  });

  test('a cross-field rule is skipped when one side is already invalid', () => {
    expect(problemsOf({ EASEL_SANDBOX_MEMORY_MB: 'lots' })).toEqual(['EASEL_SANDBOX_MEMORY_MB: must be integer']);
  });
});
