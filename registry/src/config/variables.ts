/**
 * Every setting of the registry: its environment variable, its key in RegistryConfig, its
 * JSON Schema. The schema is built from this table and docs/reference/registry.md is
 * checked against CONFIG_VARIABLES, so the three never drift apart.
 */
import { type ConfigField, type ConfigVariable, configVariables } from '@easel/common/config/fields';

export type { ConfigVariable };

const MiB = 1024 * 1024;

export const FIELDS: readonly ConfigField[] = [
  { env: 'EASEL_REGISTRY_HOST', path: 'host', description: 'Address the HTTP server listens on', schema: { type: 'string', minLength: 1, default: '127.0.0.1' } },
  { env: 'EASEL_REGISTRY_PORT', path: 'port', description: 'Port the HTTP server listens on (0: any free port)', schema: { type: 'integer', minimum: 0, maximum: 65535, default: 4873 } },
  {
    env: 'EASEL_REGISTRY_DATA_DIR',
    path: 'dataDir',
    description: 'Folder for the database, the tarballs and the signing key (resolved to an absolute path)',
    schema: { type: 'string', minLength: 1, default: './registry-data' },
  },
  {
    env: 'EASEL_REGISTRY_PUBLIC_URL',
    path: 'publicUrl',
    description: 'Origin (and optional path) clients reach the registry at; tarball URLs start with it',
    schema: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s?#]+$' },
    docDefault: 'http://HOST:PORT (the address listened on)',
  },
  {
    env: 'EASEL_REGISTRY_MAX_BODY_BYTES',
    path: 'maxBodyBytes',
    description: 'Largest publish or packument-edit body, in bytes, enforced before JSON parsing (a tarball travels as base64: 4/3 of its size)',
    schema: { type: 'integer', minimum: 1024, maximum: 1024 * MiB, default: 30 * MiB },
  },
  {
    env: 'EASEL_REGISTRY_MAX_CONCURRENT_PUBLISHES',
    path: 'maxConcurrentPublishes',
    description: 'Publish and packument-edit requests (`PUT /:name`, `PUT /:name/-rev/:rev`) handled at once, counted before the body is read; more are answered 503 `PUBLISH_BUSY` with Retry-After',
    schema: { type: 'integer', minimum: 1, maximum: 1024, default: 4 },
  },
  {
    env: 'EASEL_REGISTRY_MAX_DIST_TAGS',
    path: 'maxDistTags',
    description: 'Most dist-tags one package may have (publish and `npm dist-tag add`); more are refused with `DIST_TAG_LIMIT`',
    schema: { type: 'integer', minimum: 1, maximum: 100_000, default: 100 },
  },
  {
    env: 'EASEL_REGISTRY_MAX_VERSIONS',
    path: 'maxVersions',
    description: 'Most versions one package may have, unpublished ones (tombstones) included; a publish beyond it is refused with `VERSION_LIMIT`',
    schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1000 },
  },
  {
    env: 'EASEL_REGISTRY_ADMIN_TOKEN',
    path: 'adminToken',
    description: 'Admin token (yank, unyank, owners of any package, user creation), stored hashed; unset: one is generated at first start and printed once',
    schema: { type: 'string', minLength: 16, maxLength: 512, pattern: '^[A-Za-z0-9._~+/=-]+$' },
  },
  {
    env: 'EASEL_REGISTRY_SIGNING_KEY_FILE',
    path: 'signingKeyFile',
    description: 'PEM file of the ECDSA P-256 private key that signs versions; unset: DATA_DIR/keys/signing-key.pem, generated at first start (mode 0600)',
    schema: { type: 'string', minLength: 1 },
  },
  {
    env: 'EASEL_REGISTRY_OPEN_SIGNUP',
    path: 'openSignup',
    description: 'Anyone may create a user with `npm login`/`npm adduser` (true or false); false: only the admin token creates users',
    schema: { type: 'boolean', default: true },
  },
  {
    env: 'EASEL_REGISTRY_LOG_LEVEL',
    path: 'logLevel',
    description: 'Log level',
    schema: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
  },
];

/** The table docs are checked against: env name, config path, default, description. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = configVariables(FIELDS);
