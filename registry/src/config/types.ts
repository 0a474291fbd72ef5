/** The registry's configuration, as `loadConfig` returns it: validated, defaulted and frozen. */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RegistryConfig {
  readonly host: string;
  readonly port: number;
  /** Absolute path. */
  readonly dataDir: string;
  /** Without a trailing slash; absent: `http://host:port` of the listening server. */
  readonly publicUrl?: string;
  readonly maxBodyBytes: number;
  /** Publish-like requests in flight at once (counted before their body is read). */
  readonly maxConcurrentPublishes: number;
  /** dist-tags per package. */
  readonly maxDistTags: number;
  /** Versions per package, tombstones included. */
  readonly maxVersions: number;
  /** npm scopes (with `@`) whose packages are libraries, not plugin bundles; empty: none. */
  readonly libraryScopes: readonly string[];
  /** Archive caps of library tarballs (the depth cap is the plugins' one). */
  readonly libraryMaxBytes: number;
  readonly libraryMaxUnpackedBytes: number;
  readonly libraryMaxFileBytes: number;
  readonly libraryMaxEntries: number;
  /** Wrong passwords per user name, and per client address, within the window. */
  readonly maxPasswordFailures: number;
  readonly passwordFailureWindowSeconds: number;
  /** Bootstrap admin token; absent unless EASEL_REGISTRY_ADMIN_TOKEN is set. */
  readonly adminToken?: string;
  /** Absolute path; absent: `<dataDir>/keys/signing-key.pem`, generated when missing. Required with postgres. */
  readonly signingKeyFile?: string;
  readonly store: 'sqlite' | 'postgres';
  /** Required when `store` is postgres. */
  readonly databaseUrl?: string;
  readonly databaseMaxConnections: number;
  readonly storage: 'folder' | 's3';
  /** Required when `storage` is s3. */
  readonly s3Bucket?: string;
  readonly s3Region: string;
  readonly s3Endpoint?: string;
  readonly s3ForcePathStyle: boolean;
  readonly s3Prefix: string;
  /** Both or neither. */
  readonly s3AccessKeyId?: string;
  readonly s3SecretAccessKey?: string;
  readonly s3TimeoutMs: number;
  readonly openSignup: boolean;
  readonly logLevel: LogLevel;
}
