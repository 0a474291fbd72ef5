import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../registry/src/index.ts';

function problemsOf(env: Record<string, string>, overrides: Record<string, unknown> = {}): readonly string[] {
  try {
    loadConfig(env, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('registry loadConfig', () => {
  it('has embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 4873,
      dataDir: resolve('./registry-data'),
      // base64 of the 40 MiB library cap, plus 2 MiB for the rest of the body.
      maxBodyBytes: Math.ceil((40 * 1024 * 1024) / 3) * 4 + 2 * 1024 * 1024,
      maxConcurrentPublishes: 4,
      maxDistTags: 100,
      maxVersions: 1000,
      libraryScopes: ['@easel'],
      libraryMaxBytes: 40 * 1024 * 1024,
      libraryMaxUnpackedBytes: 160 * 1024 * 1024,
      libraryMaxFileBytes: 64 * 1024 * 1024,
      libraryMaxEntries: 10_000,
      maxPasswordFailures: 10,
      passwordFailureWindowSeconds: 900,
      store: 'sqlite',
      databaseMaxConnections: 10,
      storage: 'folder',
      s3Region: 'us-east-1',
      s3ForcePathStyle: false,
      s3Prefix: '',
      s3TimeoutMs: 60_000,
      openSignup: true,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('replicas: postgres needs a database URL and a shared signing key, s3 a bucket, S3 keys come in pairs', () => {
    expect(problemsOf({ EASEL_REGISTRY_STORE: 'postgres' })).toEqual([
      'EASEL_REGISTRY_DATABASE_URL: is required when EASEL_REGISTRY_STORE is postgres',
      'EASEL_REGISTRY_SIGNING_KEY_FILE: is required when EASEL_REGISTRY_STORE is postgres (every replica must sign with the same key)',
    ]);
    expect(problemsOf({ EASEL_REGISTRY_STORAGE: 's3', EASEL_REGISTRY_S3_ACCESS_KEY_ID: 'key' })).toEqual([
      'EASEL_REGISTRY_S3_BUCKET: is required when EASEL_REGISTRY_STORAGE is s3',
      'EASEL_REGISTRY_S3_ACCESS_KEY_ID: set it together with EASEL_REGISTRY_S3_SECRET_ACCESS_KEY, or neither',
    ]);
    expect(problemsOf({ EASEL_REGISTRY_STORE: 'mysql', EASEL_REGISTRY_DATABASE_URL: 'mysql://x', EASEL_REGISTRY_DATABASE_MAX_CONNECTIONS: '0', EASEL_REGISTRY_S3_PREFIX: 'no-slash' })).toHaveLength(4);
    const config = loadConfig({
      EASEL_REGISTRY_STORE: 'postgres',
      EASEL_REGISTRY_DATABASE_URL: 'postgres://registry:pw@db:5432/easel',
      EASEL_REGISTRY_SIGNING_KEY_FILE: 'keys/shared.pem',
      EASEL_REGISTRY_STORAGE: 's3',
      EASEL_REGISTRY_S3_BUCKET: 'tarballs',
      EASEL_REGISTRY_S3_FORCE_PATH_STYLE: 'true',
      EASEL_REGISTRY_S3_PREFIX: 'registry/',
    });
    expect(config).toMatchObject({ store: 'postgres', databaseUrl: 'postgres://registry:pw@db:5432/easel', signingKeyFile: resolve('keys/shared.pem'), storage: 's3', s3Bucket: 'tarballs', s3ForcePathStyle: true, s3Prefix: 'registry/' });
  });

  it('coerces env strings, resolves paths, normalises the public URL', () => {
    const config = loadConfig({
      EASEL_REGISTRY_PORT: '0',
      EASEL_REGISTRY_OPEN_SIGNUP: 'false',
      EASEL_REGISTRY_DATA_DIR: 'rel/dir',
      EASEL_REGISTRY_SIGNING_KEY_FILE: 'keys/k.pem',
      EASEL_REGISTRY_PUBLIC_URL: 'https://registry.example.com/npm/',
      EASEL_REGISTRY_MAX_BODY_BYTES: '',
      EASEL_REGISTRY_LIBRARY_SCOPES: ' @easel , acme,@easel',
      EASEL_REGISTRY_LIBRARY_MAX_BYTES: '3145728',
    });
    expect(config).toMatchObject({
      port: 0,
      openSignup: false,
      dataDir: resolve('rel/dir'),
      signingKeyFile: resolve('keys/k.pem'),
      publicUrl: 'https://registry.example.com/npm',
      libraryScopes: ['@easel', '@acme'],
      libraryMaxBytes: 3 * 1024 * 1024,
      // Unset: the plugin cap (20 MiB) is now the larger, as base64, plus 2 MiB.
      maxBodyBytes: Math.ceil((20 * 1024 * 1024) / 3) * 4 + 2 * 1024 * 1024,
    });
    expect(loadConfig({ EASEL_REGISTRY_LIBRARY_SCOPES: 'none', EASEL_REGISTRY_MAX_BODY_BYTES: '5000' })).toMatchObject({ libraryScopes: [], maxBodyBytes: 5000 });
    expect(problemsOf({ EASEL_REGISTRY_LIBRARY_SCOPES: '@Easel,@x/y' })).toEqual([expect.stringMatching(/^EASEL_REGISTRY_LIBRARY_SCOPES: must match pattern/)]);
  });

  it('reports every problem together and never echoes a secret', () => {
    const secret = 'short';
    const problems = problemsOf({
      EASEL_REGISTRY_PORT: '70000',
      EASEL_REGISTRY_MAX_BODY_BYTES: 'lots',
      EASEL_REGISTRY_ADMIN_TOKEN: secret,
      EASEL_REGISTRY_PUBLIC_URL: 'ftp://x',
      EASEL_REGISTRY_LOG_LEVEL: 'loud',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'EASEL_REGISTRY_PORT: must be <= 65535',
        'EASEL_REGISTRY_MAX_BODY_BYTES: must be integer',
        expect.stringMatching(/^EASEL_REGISTRY_ADMIN_TOKEN: /),
        expect.stringMatching(/^EASEL_REGISTRY_PUBLIC_URL: /),
        expect.stringMatching(/^EASEL_REGISTRY_LOG_LEVEL: must be equal to one of the allowed values/),
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).not.toContain(`${secret}`);
    expect(problemsOf({ EASEL_REGISTRY_PUBLIC_URL: 'http://user:pw@host' })).toEqual(['EASEL_REGISTRY_PUBLIC_URL: must be an http(s) URL without credentials']);
    expect(problemsOf({}, { dataDirr: 'x' })).toEqual(['dataDirr: is not a known setting']);
  });

  it('CONFIG_VARIABLES covers every setting with unique names', () => {
    const all = loadConfig({
      EASEL_REGISTRY_ADMIN_TOKEN: 'a'.repeat(16),
      EASEL_REGISTRY_PUBLIC_URL: 'http://x',
      EASEL_REGISTRY_SIGNING_KEY_FILE: 'k',
      EASEL_REGISTRY_DATABASE_URL: 'postgres://db/x',
      EASEL_REGISTRY_S3_BUCKET: 'bucket',
      EASEL_REGISTRY_S3_ENDPOINT: 'http://s3',
      EASEL_REGISTRY_S3_ACCESS_KEY_ID: 'id',
      EASEL_REGISTRY_S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(CONFIG_VARIABLES.map((v) => v.path).sort()).toEqual(Object.keys(all).sort());
    expect(new Set(CONFIG_VARIABLES.map((v) => v.env)).size).toBe(CONFIG_VARIABLES.length);
  });
});
