/** The host's configuration, as `loadConfig` returns it: validated, defaulted and deep-frozen. */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface BundleConfig {
  /** Largest tarball accepted, in bytes. */
  readonly maxBytes: number;
  /** Most entries a tarball may hold. */
  readonly maxEntries: number;
  /** Largest total size once unpacked, in bytes. */
  readonly maxUnpackedBytes: number;
  /** Largest single file once unpacked, in bytes. */
  readonly maxFileBytes: number;
}

export interface StoreConfig {
  /** `sqlite` (the file in the data folder) or `postgres` (EASEL_DATABASE_URL). */
  readonly kind: 'sqlite' | 'postgres';
  readonly url?: string;
  readonly maxConnections: number;
  /** How long a host counts as alive after its last heartbeat (PostgreSQL), in ms. */
  readonly leaseMs: number;
  /** `one`: this host holds the PostgreSQL store alone; `many`: hosts share it. */
  readonly replicas: 'one' | 'many';
}

export interface SandboxConfig {
  /** `processes` (worker processes, the default) or `in-process` (trusted plugins only). */
  readonly mode: 'processes' | 'in-process';
  readonly workers: number;
  /** Isolate heap per plugin when its manifest says nothing, in MB. */
  readonly memoryMb: number;
  /** Cap on the heap a manifest may ask for, in MB. */
  readonly maxMemoryMb: number;
  readonly timeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly cpuMs: number;
  readonly maxCpuMs: number;
  readonly maxPayloadBytes: number;
  readonly maxBinaryBytes: number;
  readonly maxPendingBridgeCalls: number;
  readonly quarantineAfterCrashes: number;
  readonly quarantineWindowMs: number;
  /** A quarantine lifts itself after this long, in ms; 0: only an admin (or a reload) lifts it. */
  readonly quarantineLiftMs: number;
  readonly maxPendingLogLines: number;
  readonly workerMaxRssMb: number;
  /** How long a cancelled call's code may take to wind down before its isolate is stopped, in ms. */
  readonly abortGraceMs: number;
  /** How long calls in flight keep running on a retired plugin version (`EASEL_PLUGIN_DRAIN_MS`), in ms. */
  readonly drainMs: number;
}

export interface KvConfig {
  readonly maxValueBytes: number;
  readonly maxKeyLength: number;
  readonly maxKeysPerPlugin: number;
}

export interface RegistriesConfig {
  /** Comma-separated registry URLs, asked in order ('' for none). */
  readonly urls: string;
  /** JSON array of trusted keys (checked at load). */
  readonly trustedKeys: string;
  readonly signaturePolicy: 'require' | 'warn' | 'off';
  readonly timeoutMs: number;
  readonly maxPackumentBytes: number;
}

export interface ModelsConfig {
  readonly bedrock: {
    readonly mode: 'auto' | 'emulator' | 'aws';
    readonly region: string;
    readonly endpoint?: string;
  };
  readonly catalogFile?: string;
  readonly overridesFile?: string;
  readonly residency: 'in-region' | 'apac' | 'global';
  readonly strategy: 'cost-first' | 'quality-first' | 'balanced';
  readonly balancedCostFactor: number;
  /** The size a routing question over HTTP is priced for when it names none. */
  readonly typicalRequest: { readonly inputTokens: number; readonly outputTokens: number };
  readonly callTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly quotaMaxWaitMs: number;
  readonly quotaSafety: number;
  readonly cooldownMs: number;
  readonly throttleCooldownMs: number;
  readonly failureRate: number;
  readonly failureMinCalls: number;
  readonly healthWindowMs: number;
  readonly defaultMaxTokens: number;
  readonly maxOpenStreams: number;
  readonly maxSchemaBytes: number;
  readonly maxSchemaNodes: number;
  readonly cache: {
    readonly enabled: boolean;
    readonly semantic: boolean;
    readonly threshold: number;
    /** Longest prompt, in characters, the semantic cache looks up or stores. */
    readonly semanticMaxChars: number;
    readonly ttlMs: number;
    readonly maxEntries: number;
  };
  readonly budgetDowngradeAt: number;
  readonly budgetBasicAt: number;
  /** Longest period of a usage report, in days. */
  readonly usageReportMaxDays: number;
  /** Most users and most budgets one usage report lists. */
  readonly usageReportTop: number;
}

export interface StorageConfig {
  readonly backend: 'local' | 's3';
  /** Absolute path of the local backend's folder. */
  readonly dir: string;
  readonly maxObjectBytes: number;
  readonly pluginQuotaBytes: number;
  readonly maxObjectsPerPlugin: number;
  readonly maxKeyLength: number;
  readonly urlTtlSeconds: number;
  readonly maxUrlTtlSeconds: number;
  readonly sweepAfterMs: number;
  /** Longest TTL a plugin may give a blob (`ctx.storage.put(…, { ttlSeconds })`), in seconds. */
  readonly maxBlobTtlSeconds: number;
  readonly s3: {
    readonly bucket?: string;
    readonly region: string;
    readonly endpoint?: string;
    readonly accessKeyId?: string;
    readonly secretAccessKey?: string;
    readonly forcePathStyle: boolean;
    readonly prefix: string;
    readonly timeoutMs: number;
  };
}

/** Limits of workflows and executions: call tree, concurrency queues, event streams. */
export interface OrchestrationConfig {
  readonly maxDepth: number;
  readonly maxSteps: number;
  readonly maxParallelSteps: number;
  readonly maxConcurrent: number;
  readonly maxConcurrentPerPlugin: number;
  readonly maxQueued: number;
  readonly queuePollMs: number;
  readonly waitMs: number;
  readonly workflowTimeoutMs: number;
  readonly maxEvents: number;
  readonly maxProgressBytes: number;
  readonly sseHeartbeatMs: number;
  /** How long a stop waits for agent calls in flight, in ms. */
  readonly stopGraceMs: number;
  /** How often a stream reads the stored log of an execution another host runs (shared store), in ms. */
  readonly eventsTailMs: number;
  readonly maxStreams: number;
}

/** Plugin `ctx.log` lines and the live streams of them. */
export interface LogsConfig {
  readonly maxLineBytes: number;
  readonly maxStreams: number;
  readonly streamMaxBufferedBytes: number;
}

/** How deep and how big a JSON value from an app or a plugin may be (see json-limits.ts in @easel/sdk/isolate). */
export interface JsonLimitsConfig {
  readonly maxDepth: number;
  readonly maxNodes: number;
}

/** How long records are kept, in days (0: for ever), and how the background purge runs. */
export interface RetentionConfig {
  /** Finished executions with their steps and events. */
  readonly executionsDays: number;
  /** Event logs of finished executions (may go before the executions). */
  readonly eventsDays: number;
  /** Model usage rows (the months' spend that budgets read is kept). */
  readonly usageDays: number;
  readonly auditDays: number;
  /** The TTL of a blob whose put sets none, applied when it is written. */
  readonly blobsDays: number;
  /** Interval of the background purge, in ms (0: only `POST /v1/retention/purge`). */
  readonly sweepMs: number;
  /** Most rows one purge batch deletes per kind, each batch a transaction of its own. */
  readonly batch: number;
}

/** What one app key may do at once and per minute (0: no limit). */
export interface KeyLimitsConfig {
  readonly requestsPerMinute: number;
  readonly maxConcurrentExecutions: number;
}

export interface HostConfig {
  readonly host: string;
  readonly port: number;
  /** Absolute path. */
  readonly dataDir: string;
  /** SQLite's `synchronous` for easel.db (EASEL_DB_SYNCHRONOUS). */
  readonly store: StoreConfig;
  readonly dbSynchronous: 'full' | 'normal';
  /** Bootstrap admin key; absent unless EASEL_ADMIN_TOKEN is set. */
  readonly adminToken?: string;
  readonly logLevel: LogLevel;
  readonly bodyMaxBytes: number;
  readonly inputBodyMaxBytes: number;
  readonly json: JsonLimitsConfig;
  readonly keys: KeyLimitsConfig;
  readonly bundles: BundleConfig;
  readonly sandbox: SandboxConfig;
  readonly kv: KvConfig;
  readonly registries: RegistriesConfig;
  readonly logs: LogsConfig;
  readonly models: ModelsConfig;
  readonly storage: StorageConfig;
  readonly orchestration: OrchestrationConfig;
  readonly retention: RetentionConfig;
  /** Base URL apps reach the host at, without a trailing slash; absent: blob URLs are host-relative. */
  readonly publicUrl?: string;
  /** Install and enable the bundled first-party plugins at first start. */
  readonly firstPartyPlugins: boolean;
  /** Where they come from: their folders (packed at start) or the configured registry. */
  readonly firstPartySource: 'folder' | 'registry';
}

/** Every field optional, at every depth (for `loadConfig` overrides). */
export type DeepPartial<T> = { -readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
