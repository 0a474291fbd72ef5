/**
 * Every setting of the registry: its environment variable, its key in RegistryConfig, its
 * JSON Schema. The schema is built from this table and docs/reference/registry.md is
 * checked against CONFIG_VARIABLES, so the three never drift apart.
 */
import { type ConfigField, type ConfigVariable, configVariables } from '@easel/common/config/fields';

export type { ConfigVariable };

const MiB = 1024 * 1024;

/** Characters of base64 for `bytes` bytes. */
export const base64Length = (bytes: number): number => Math.ceil(bytes / 3) * 4;

/** Room in a publish body for everything besides the tarball (the version document, README text). */
export const PUBLISH_BODY_SLACK_BYTES = 2 * MiB;
const LIBRARY_MAX_BYTES = 40 * MiB;

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
    description:
      'Largest publish or packument-edit body, in bytes, enforced before JSON parsing. A tarball travels as base64 (4/3 of its size); unset, it is the base64 size of the larger tarball cap (`EASEL_REGISTRY_LIBRARY_MAX_BYTES`, or 20 MiB for plugins) plus 2 MiB for the rest of the body. A smaller value refuses large publishes with `REQUEST_TOO_LARGE`',
    schema: { type: 'integer', minimum: 1024, maximum: 2048 * MiB },
    docDefault: `${base64Length(LIBRARY_MAX_BYTES) + PUBLISH_BODY_SLACK_BYTES} (derived, see Meaning)`,
  },
  {
    env: 'EASEL_REGISTRY_MAX_CONCURRENT_PUBLISHES',
    path: 'maxConcurrentPublishes',
    description: 'Publish and packument-edit requests (`PUT /:name`, `PUT /:name/-rev/:rev`) handled at once, counted before the body is read; more are answered 503 `PUBLISH_BUSY` with Retry-After. Counted per registry process: each replica counts its own',
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
    env: 'EASEL_REGISTRY_LIBRARY_SCOPES',
    path: 'libraryScopes',
    description:
      'npm scopes, comma-separated, whose packages are libraries (any npm package, no plugin manifest) rather than plugin bundles; `none`: no library scopes. A library scope is claimed by its first publisher: only owners of a package in it may publish new names in it',
    schema: { type: 'string', pattern: '^\\s*(none|@?[a-z0-9-~][a-z0-9-._~]*(\\s*,\\s*@?[a-z0-9-~][a-z0-9-._~]*)*)\\s*$', maxLength: 4096, default: '@easel' },
  },
  {
    env: 'EASEL_REGISTRY_LIBRARY_MAX_BYTES',
    path: 'libraryMaxBytes',
    description: 'Largest library tarball, in bytes (compressed); more is refused with `BUNDLE_TOO_LARGE`',
    schema: { type: 'integer', minimum: 1024, maximum: 1024 * MiB, default: LIBRARY_MAX_BYTES },
  },
  {
    env: 'EASEL_REGISTRY_LIBRARY_MAX_UNPACKED_BYTES',
    path: 'libraryMaxUnpackedBytes',
    description: 'Largest sum of file sizes of a library tarball once unpacked (also bounds gunzip: gzip bombs), in bytes',
    schema: { type: 'integer', minimum: 1024, maximum: 4096 * MiB, default: 160 * MiB },
  },
  {
    env: 'EASEL_REGISTRY_LIBRARY_MAX_FILE_BYTES',
    path: 'libraryMaxFileBytes',
    description: 'Largest single file of a library tarball once unpacked, in bytes',
    schema: { type: 'integer', minimum: 1024, maximum: 4096 * MiB, default: 64 * MiB },
  },
  {
    env: 'EASEL_REGISTRY_LIBRARY_MAX_ENTRIES',
    path: 'libraryMaxEntries',
    description: 'Most entries (files and folders) in a library tarball, bundled `node_modules` included',
    schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 10_000 },
  },
  {
    env: 'EASEL_REGISTRY_MAX_PASSWORD_FAILURES',
    path: 'maxPasswordFailures',
    description:
      'Wrong passwords allowed per user name, and per client address (IPv6: per /64), within the window below, over every route that checks a password (login, token creation); past it such requests get 429 `LOGIN_RATE_LIMITED` with Retry-After, the right password included, until the window ends',
    schema: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 10 },
  },
  {
    env: 'EASEL_REGISTRY_PASSWORD_FAILURE_WINDOW_SECONDS',
    path: 'passwordFailureWindowSeconds',
    description: 'Length of the window `EASEL_REGISTRY_MAX_PASSWORD_FAILURES` counts failures in, in seconds; it starts at the first failure',
    schema: { type: 'integer', minimum: 1, maximum: 7 * 24 * 3600, default: 900 },
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
    description: 'PEM file of the ECDSA P-256 private key that signs versions; unset: DATA_DIR/keys/signing-key.pem, generated at first start (mode 0600). Required with EASEL_REGISTRY_STORE=postgres: every replica must sign with the same key',
    schema: { type: 'string', minLength: 1 },
  },
  {
    env: 'EASEL_REGISTRY_STORE',
    path: 'store',
    description:
      'Where users, tokens and packages live: `sqlite`, the file DATA_DIR/registry.db (one registry process); `postgres`, the PostgreSQL database at EASEL_REGISTRY_DATABASE_URL (version 16 or later, tables named `registry_…`, migrated at start), which several registry replicas may share',
    schema: { type: 'string', enum: ['sqlite', 'postgres'], default: 'sqlite' },
  },
  {
    env: 'EASEL_REGISTRY_DATABASE_URL',
    path: 'databaseUrl',
    description: 'PostgreSQL connection URL (`postgres://user:password@host:5432/database`), required with EASEL_REGISTRY_STORE=postgres; may be the host\'s database (the tables do not meet); never shown with its password',
    schema: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^postgres(ql)?://' },
  },
  {
    env: 'EASEL_REGISTRY_DATABASE_MAX_CONNECTIONS',
    path: 'databaseMaxConnections',
    description: 'Most PostgreSQL connections one replica opens for queries; package locks (one per package being changed) hold up to as many again, so a replica opens at most twice this',
    schema: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
  },
  {
    env: 'EASEL_REGISTRY_STORAGE',
    path: 'storage',
    description: 'Where tarballs live: `folder`, DATA_DIR/tarballs; `s3`, the bucket EASEL_REGISTRY_S3_BUCKET, which several registry replicas may share',
    schema: { type: 'string', enum: ['folder', 's3'], default: 'folder' },
  },
  { env: 'EASEL_REGISTRY_S3_BUCKET', path: 's3Bucket', description: 'S3 bucket of the tarballs, required with EASEL_REGISTRY_STORAGE=s3', schema: { type: 'string', minLength: 3, maxLength: 63 } },
  { env: 'EASEL_REGISTRY_S3_REGION', path: 's3Region', description: 'AWS Region of the bucket', schema: { type: 'string', minLength: 1, maxLength: 64, default: 'us-east-1' } },
  {
    env: 'EASEL_REGISTRY_S3_ENDPOINT',
    path: 's3Endpoint',
    description: "S3 endpoint URL, for an S3-compatible server (MinIO, s3rver); unset: the Region's AWS endpoint",
    schema: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^https?://' },
  },
  {
    env: 'EASEL_REGISTRY_S3_FORCE_PATH_STYLE',
    path: 's3ForcePathStyle',
    description: 'Address the bucket as a path (`endpoint/bucket/key`), as most S3-compatible servers need (true or false)',
    schema: { type: 'boolean', default: false },
  },
  {
    env: 'EASEL_REGISTRY_S3_PREFIX',
    path: 's3Prefix',
    description: 'Prefix of every tarball key in the bucket (e.g. `registry/`); tarballs are `PREFIX<2 hex>/<sha512 hex>.tgz`',
    schema: { type: 'string', maxLength: 256, pattern: '^([A-Za-z0-9._-]+/)*$', default: '' },
    docDefault: '(empty: the bucket root)',
  },
  {
    env: 'EASEL_REGISTRY_S3_ACCESS_KEY_ID',
    path: 's3AccessKeyId',
    description: "Access key for the bucket (with EASEL_REGISTRY_S3_SECRET_ACCESS_KEY); unset: the AWS SDK's default credential chain (environment, profile, instance role)",
    schema: { type: 'string', minLength: 1, maxLength: 256 },
  },
  { env: 'EASEL_REGISTRY_S3_SECRET_ACCESS_KEY', path: 's3SecretAccessKey', description: 'Secret key that goes with EASEL_REGISTRY_S3_ACCESS_KEY_ID', schema: { type: 'string', minLength: 1, maxLength: 256 } },
  {
    env: 'EASEL_REGISTRY_S3_TIMEOUT_MS',
    path: 's3TimeoutMs',
    description: 'Time limit of connecting to S3 and of one S3 request, in ms; it must cover uploading the largest tarball',
    schema: { type: 'integer', minimum: 1000, maximum: 600_000, default: 60_000 },
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
