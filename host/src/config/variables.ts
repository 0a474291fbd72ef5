/**
 * Every setting of the host: its environment variable, its path in HostConfig, its JSON
 * Schema. The config schema is built from this table, and docs/reference/config.md can be
 * generated from (or checked against) CONFIG_VARIABLES, so the three never drift apart.
 */
import { availableParallelism } from 'node:os';
import { type ConfigField, type ConfigVariable, configVariables } from '@easel/common/config/fields';
// One source for the sandbox defaults: `easel validate` and the test kit assume a default host.
import { HOST_DEFAULT_BRIDGE, HOST_DEFAULT_JSON_LIMITS, HOST_DEFAULT_LIMITS as LIMITS, JSON_DEPTH_CEILING } from '@easel/sdk/isolate';

export type { ConfigVariable };

const MiB = 1024 * 1024;
const int = (min: number, max: number, def: number) => ({ type: 'integer', minimum: min, maximum: max, default: def });

export const FIELDS: readonly ConfigField[] = [
  { env: 'EASEL_HOST', path: 'host', description: 'Address the HTTP server listens on', schema: { type: 'string', minLength: 1, default: '127.0.0.1' } },
  { env: 'EASEL_PORT', path: 'port', description: 'Port the HTTP server listens on (0: any free port)', schema: int(0, 65535, 8080) },
  { env: 'EASEL_DATA_DIR', path: 'dataDir', description: 'Folder for the database, installed plugins and blobs (resolved to an absolute path)', schema: { type: 'string', minLength: 1, default: './data' } },
  {
    env: 'EASEL_STORE',
    path: 'store.kind',
    description:
      'Where the host keeps its records: `sqlite`, the file `<EASEL_DATA_DIR>/easel.db`; `postgres`, the PostgreSQL database at EASEL_DATABASE_URL (version 16 or later; migrated at start), which several hosts may share with EASEL_REPLICAS=many',
    schema: { type: 'string', enum: ['sqlite', 'postgres'], default: 'sqlite' },
  },
  {
    env: 'EASEL_DATABASE_URL',
    path: 'store.url',
    description: 'PostgreSQL connection URL (`postgres://user:password@host:5432/database`), required with EASEL_STORE=postgres; never logged with its password',
    schema: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^postgres(ql)?://' },
  },
  { env: 'EASEL_DATABASE_MAX_CONNECTIONS', path: 'store.maxConnections', description: 'Most connections the host opens to PostgreSQL at once', schema: int(2, 1000, 10) },
  {
    env: 'EASEL_REPLICAS',
    path: 'store.replicas',
    description:
      'With EASEL_STORE=postgres: `one`, this host holds the database alone (a second host on it refuses to start); `many`, several hosts share it behind a load balancer (each keeps its own execution capacity and queue, while the execution slots of a plugin are counted across hosts: see docs/guides/operating-the-host.md)',
    schema: { type: 'string', enum: ['one', 'many'], default: 'one' },
  },
  {
    env: 'EASEL_REPLICA_LEASE_MS',
    path: 'store.leaseMs',
    description:
      'With EASEL_STORE=postgres: how long a host counts as alive after its last heartbeat (it beats every third of this), in ms. Unfinished executions, budget holds and execution slots of a host silent for longer are taken over or freed by the live hosts (which look every half of this)',
    schema: int(1000, 3_600_000, 10_000),
  },
  {
    env: 'EASEL_DB_SYNCHRONOUS',
    path: 'dbSynchronous',
    description: "SQLite's `synchronous` for `easel.db` (WAL mode): `full` syncs the log at every commit, so nothing the host reported as done is lost to a power loss or an OS crash; `normal` syncs only at checkpoints, so such a crash may lose the last commits (executions, usage rows, spend), while a process crash still loses nothing",
    schema: { type: 'string', enum: ['full', 'normal'], default: 'full' },
  },
  {
    env: 'EASEL_ADMIN_TOKEN',
    path: 'adminToken',
    description: 'Admin API key, stored hashed at start (16 to 512 characters usable in a Bearer header); changing it revokes the token it replaces; unset: a key is generated at first start, printed and kept in `<dataDir>/admin.key` (mode 0600)',
    // The character set is what the auth layer accepts after `Bearer `.
    schema: { type: 'string', minLength: 16, maxLength: 512, pattern: '^[A-Za-z0-9._~+/=-]+$' },
  },
  {
    env: 'EASEL_LOG_LEVEL',
    path: 'logLevel',
    description: 'Host log level',
    schema: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
  },
  { env: 'EASEL_BODY_MAX_BYTES', path: 'bodyMaxBytes', description: 'Largest HTTP request body, in bytes (calls that run plugin code have their own limit)', schema: int(1, 1024 * MiB, MiB) },
  {
    env: 'EASEL_INPUT_BODY_MAX_BYTES',
    path: 'inputBodyMaxBytes',
    description: 'Largest request body of a call that runs plugin code (agents, workflows, plugin routes), whose input may carry byte fields such as an uploaded image, in bytes',
    schema: int(1, 1024 * MiB, 8 * MiB),
  },
  {
    env: 'EASEL_JSON_MAX_DEPTH',
    path: 'json.maxDepth',
    description: 'Most levels of nested objects and arrays in a JSON value an app or a plugin hands the host (request bodies, inputs, outputs, bridge arguments such as kv values and progress data); deeper values are refused before anything is recorded. At most 512: SQLite\'s JSON functions stop at 1,000 levels',
    schema: int(1, JSON_DEPTH_CEILING, HOST_DEFAULT_JSON_LIMITS.maxDepth),
  },
  {
    env: 'EASEL_JSON_MAX_NODES',
    path: 'json.maxNodes',
    description: 'Most values (objects, arrays, strings, numbers, booleans, nulls) in a JSON value an app or a plugin hands the host, wherever EASEL_JSON_MAX_DEPTH applies',
    schema: int(1, 10_000_000, HOST_DEFAULT_JSON_LIMITS.maxNodes),
  },

  {
    env: 'EASEL_KEY_REQUESTS_PER_MINUTE',
    path: 'keys.requestsPerMinute',
    description: 'Most requests one app key may make in a minute (a sliding count per key; 0: no limit); past it, 429 KEY_RATE_LIMITED with retry-after',
    schema: int(0, 10_000_000, 3000),
  },
  {
    env: 'EASEL_KEY_MAX_CONCURRENT_EXECUTIONS',
    path: 'keys.maxConcurrentExecutions',
    description: 'Most executions (agent calls and workflows, queued or running) one app key may have at once (0: no limit); past it, 429 KEY_CONCURRENCY_LIMITED before anything is recorded',
    schema: int(0, 1_000_000, 64),
  },

  { env: 'EASEL_BUNDLE_MAX_BYTES', path: 'bundles.maxBytes', description: 'Largest plugin tarball, in bytes', schema: int(1, 1024 * MiB, 20 * MiB) },
  { env: 'EASEL_BUNDLE_MAX_ENTRIES', path: 'bundles.maxEntries', description: 'Most entries in a plugin tarball', schema: int(1, 1_000_000, 1000) },
  { env: 'EASEL_BUNDLE_MAX_UNPACKED_BYTES', path: 'bundles.maxUnpackedBytes', description: 'Largest total size of a bundle once unpacked, in bytes', schema: int(1, 4096 * MiB, 50 * MiB) },
  { env: 'EASEL_BUNDLE_MAX_FILE_BYTES', path: 'bundles.maxFileBytes', description: 'Largest single file of a bundle once unpacked, in bytes', schema: int(1, 4096 * MiB, 10 * MiB) },

  {
    env: 'EASEL_SANDBOX_MODE',
    path: 'sandbox.mode',
    description:
      "Where plugin isolates run: `processes`, in sandbox worker processes (a runaway isolate or a worker past `EASEL_SANDBOX_WORKER_MAX_RSS_MB` ends its worker, not the host); `in-process`, in the host's own process, for trusted plugins only: no process hop per call and bridge call, but no resident-memory cap, and an isolate V8 cannot stop ends the host. Limits, bridges and grants are the same in both; `in-process` needs the host started with `--no-node-snapshot`",
    schema: { type: 'string', enum: ['processes', 'in-process'], default: 'processes' },
  },
  {
    env: 'EASEL_SANDBOX_WORKERS',
    path: 'sandbox.workers',
    description: 'Sandbox worker processes',
    schema: int(1, 64, Math.min(64, Math.max(1, availableParallelism()))),
    docDefault: 'os.availableParallelism(), at most 64',
  },
  { env: 'EASEL_SANDBOX_MEMORY_MB', path: 'sandbox.memoryMb', description: "Isolate heap of a plugin whose manifest sets no `limits.memoryMb`, in MB", schema: int(8, 65536, LIMITS.memoryMb) },
  { env: 'EASEL_SANDBOX_MAX_MEMORY_MB', path: 'sandbox.maxMemoryMb', description: 'Most isolate heap a manifest may ask for, in MB', schema: int(8, 65536, LIMITS.maxMemoryMb) },
  { env: 'EASEL_SANDBOX_TIMEOUT_MS', path: 'sandbox.timeoutMs', description: 'Wall-clock budget of a call when the manifest sets none, in ms', schema: int(1, 86_400_000, LIMITS.timeoutMs) },
  { env: 'EASEL_SANDBOX_MAX_TIMEOUT_MS', path: 'sandbox.maxTimeoutMs', description: 'Largest wall-clock budget a manifest may ask for, in ms', schema: int(1, 86_400_000, LIMITS.maxTimeoutMs) },
  { env: 'EASEL_SANDBOX_CPU_MS', path: 'sandbox.cpuMs', description: 'CPU-time budget of a call when the manifest sets none, in ms', schema: int(1, 86_400_000, LIMITS.cpuMs) },
  { env: 'EASEL_SANDBOX_MAX_CPU_MS', path: 'sandbox.maxCpuMs', description: 'Largest CPU-time budget a manifest may ask for, in ms', schema: int(1, 86_400_000, LIMITS.maxCpuMs) },
  { env: 'EASEL_SANDBOX_MAX_PAYLOAD_BYTES', path: 'sandbox.maxPayloadBytes', description: 'Largest message between host and isolate (input, output, bridge arguments), in bytes', schema: int(1, 1024 * MiB, HOST_DEFAULT_BRIDGE.maxPayloadBytes) },
  {
    env: 'EASEL_SANDBOX_MAX_BINARY_BYTES',
    path: 'sandbox.maxBinaryBytes',
    description: 'Most bytes one bridge call or answer (or one call\'s byte inputs) may carry as byte arrays, all arrays together (images, stored objects); copied, never base64',
    schema: int(1, 1024 * MiB, HOST_DEFAULT_BRIDGE.maxBinaryBytes),
  },
  { env: 'EASEL_SANDBOX_MAX_PENDING_BRIDGE_CALLS', path: 'sandbox.maxPendingBridgeCalls', description: 'Most bridge calls one call may have in flight', schema: int(1, 100_000, 64) },
  { env: 'EASEL_SANDBOX_QUARANTINE_AFTER_CRASHES', path: 'sandbox.quarantineAfterCrashes', description: 'Worker crashes within the window that quarantine a plugin', schema: int(1, 1000, 3) },
  { env: 'EASEL_SANDBOX_QUARANTINE_WINDOW_MS', path: 'sandbox.quarantineWindowMs', description: 'Window in which worker crashes are counted, in ms', schema: int(1, 604_800_000, 600_000) },
  {
    env: 'EASEL_SANDBOX_QUARANTINE_LIFT_MS',
    path: 'sandbox.quarantineLiftMs',
    description: 'How long a quarantine lasts before it lifts itself, in ms (0: until an admin lifts it, or disables and enables the plugin); quarantines are kept in memory, so a host restart lifts them too',
    schema: int(0, 604_800_000, 3_600_000),
  },
  {
    env: 'EASEL_PLUGIN_DRAIN_MS',
    path: 'sandbox.drainMs',
    description: "How long a plugin version that was upgraded, disabled or uninstalled stays usable for the calls already bound to it, in ms (new calls go to the version installed now at once); its isolate goes when its last call ends, its files at this deadline, and calls still running then end with PLUGIN_DRAIN_TIMEOUT. The default is the default `EASEL_WORKFLOW_TIMEOUT_MS`, so that calls end by their own time limits first",
    schema: int(0, 86_400_000, 900_000),
  },
  { env: 'EASEL_SANDBOX_MAX_PENDING_LOG_LINES', path: 'sandbox.maxPendingLogLines', description: '`ctx.log` lines one call may have in flight; the guest drops (and counts) lines past it', schema: int(1, 100_000, 32) },
  {
    env: 'EASEL_SANDBOX_WORKER_MAX_RSS_MB',
    path: 'sandbox.workerMaxRssMb',
    description: 'Resident memory of a sandbox worker process past which it ends itself (naming the plugin that filled it, when it can tell) and is restarted, in MB',
    schema: int(64, 1_048_576, 1024),
  },
  {
    env: 'EASEL_SANDBOX_ABORT_GRACE_MS',
    path: 'sandbox.abortGraceMs',
    description: "How long a cancelled call's code may take to wind down (its `ctx.signal` fired, its pending ctx calls failed) before its isolate is stopped, failing the other calls in it `EXECUTION_ABORTED`, in ms",
    schema: int(1, 60_000, 1000),
  },

  { env: 'EASEL_KV_MAX_VALUE_BYTES', path: 'kv.maxValueBytes', description: 'Largest kv value (as JSON), in bytes', schema: int(1, 64 * MiB, 65536) },
  { env: 'EASEL_KV_MAX_KEY_LENGTH', path: 'kv.maxKeyLength', description: 'Longest kv key, in characters', schema: int(1, 4096, 512) },
  { env: 'EASEL_KV_MAX_KEYS_PER_PLUGIN', path: 'kv.maxKeysPerPlugin', description: 'Most kv keys one plugin may hold', schema: int(1, 100_000_000, 100_000) },

  {
    env: 'EASEL_REGISTRY_URL',
    path: 'registries.urls',
    description: 'Plugin registries (npm protocol) to install from, comma-separated, asked in order; empty: none',
    schema: { type: 'string', pattern: '^$|^https?://[^\\s,]+(,https?://[^\\s,]+)*$', default: '' },
  },
  {
    env: 'EASEL_REGISTRY_TRUSTED_KEYS',
    path: 'registries.trustedKeys',
    description: 'Registry signing keys to trust, as JSON: `[{"keyid","key" (base64 SPKI DER),"expires"?,"revoked"?}]` (a registry serves its keys at `/-/npm/v1/keys`)',
    schema: { type: 'string', default: '[]' },
  },
  {
    env: 'EASEL_REGISTRY_SIGNATURES',
    path: 'registries.signaturePolicy',
    description: 'What an install does with registry signatures: require (refuse unsigned or badly signed), warn (install, log), off',
    schema: { type: 'string', enum: ['require', 'warn', 'off'], default: 'require' },
  },
  { env: 'EASEL_REGISTRY_TIMEOUT_MS', path: 'registries.timeoutMs', description: 'Time limit of one registry request, in ms', schema: int(1, 600_000, 30_000) },
  { env: 'EASEL_REGISTRY_MAX_PACKUMENT_BYTES', path: 'registries.maxPackumentBytes', description: 'Largest package document accepted from a registry, in bytes', schema: int(1, 1024 * MiB, 10 * MiB) },

  {
    env: 'EASEL_BEDROCK_MODE',
    path: 'models.bedrock.mode',
    description: 'Where model calls go: auto (Bedrock when AWS credentials are configured, else the built-in emulator on a loopback port), emulator, or aws',
    schema: { type: 'string', enum: ['auto', 'emulator', 'aws'], default: 'auto' },
  },
  { env: 'EASEL_BEDROCK_REGION', path: 'models.bedrock.region', description: 'AWS Region of Bedrock calls', schema: { type: 'string', minLength: 1, default: 'ap-northeast-2' } },
  {
    env: 'EASEL_BEDROCK_ENDPOINT',
    path: 'models.bedrock.endpoint',
    description: "Bedrock runtime endpoint URL (a VPC endpoint, or an emulator started elsewhere); unset: the Region's public endpoint, or the built-in emulator",
    schema: { type: 'string', pattern: '^https?://[^\\s]+$' },
  },
  { env: 'EASEL_MODELS_CATALOG_FILE', path: 'models.catalogFile', description: 'Model catalog JSON replacing the bundled Seoul catalog (host/src/models/catalog/ap-northeast-2.json)', schema: { type: 'string', minLength: 1 } },
  { env: 'EASEL_MODELS_OVERRIDES_FILE', path: 'models.overridesFile', description: 'JSON of per-model changes (prices, quotas, availability, tier) applied over the catalog', schema: { type: 'string', minLength: 1 } },
  {
    env: 'EASEL_MODELS_RESIDENCY',
    path: 'models.residency',
    description: 'Widest place a model call may run: in-region (Seoul only), apac (APAC inference profiles), global (global profiles)',
    schema: { type: 'string', enum: ['in-region', 'apac', 'global'], default: 'global' },
  },
  {
    env: 'EASEL_MODELS_STRATEGY',
    path: 'models.strategy',
    description: 'Routing strategy when neither the request nor the plugin config (`modelStrategy`) names one',
    schema: { type: 'string', enum: ['cost-first', 'quality-first', 'balanced'], default: 'cost-first' },
  },
  { env: 'EASEL_MODELS_BALANCED_COST_FACTOR', path: 'models.balancedCostFactor', description: 'balanced strategy: models costing at most this many times the cheapest candidate compete on quality', schema: { type: 'number', minimum: 1, maximum: 1000, default: 1.5 } },
  {
    env: 'EASEL_MODELS_TYPICAL_INPUT_TOKENS',
    path: 'models.typicalRequest.inputTokens',
    description: 'Input tokens a routing question (POST /v1/models/select, GET /v1/models/costs/estimate) is priced for when it names no inputTokens',
    schema: int(0, 10_000_000, 1000),
  },
  {
    env: 'EASEL_MODELS_TYPICAL_OUTPUT_TOKENS',
    path: 'models.typicalRequest.outputTokens',
    description: 'Output tokens a routing question is priced for when it names no outputTokens',
    schema: int(0, 10_000_000, 500),
  },
  { env: 'EASEL_MODELS_CALL_TIMEOUT_MS', path: 'models.callTimeoutMs', description: 'Time limit of one model call (one hop), in ms', schema: int(1, 3_600_000, 60_000) },
  { env: 'EASEL_MODELS_BACKOFF_BASE_MS', path: 'models.backoffBaseMs', description: 'Backoff before the next candidate after a failure, doubled per failure (with jitter), in ms', schema: int(0, 60_000, 100) },
  { env: 'EASEL_MODELS_BACKOFF_MAX_MS', path: 'models.backoffMaxMs', description: 'Longest backoff between candidates, in ms', schema: int(0, 600_000, 2000) },
  { env: 'EASEL_MODELS_QUOTA_MAX_WAIT_MS', path: 'models.quotaMaxWaitMs', description: "How long a call may wait for a model's per-minute quota before MODEL_QUOTA_EXHAUSTED, in ms", schema: int(0, 600_000, 2000) },
  { env: 'EASEL_MODELS_QUOTA_SAFETY', path: 'models.quotaSafety', description: "Share by which Easel's quota buckets refill slower than the provider's, so clock skew never lets a call through that the provider would throttle", schema: { type: 'number', minimum: 0, maximum: 1, default: 0.05 } },
  { env: 'EASEL_MODELS_COOLDOWN_MS', path: 'models.cooldownMs', description: 'How long a model that keeps failing is skipped, in ms', schema: int(1, 3_600_000, 30_000) },
  { env: 'EASEL_MODELS_THROTTLE_COOLDOWN_MS', path: 'models.throttleCooldownMs', description: 'How long a throttled model is skipped, in ms', schema: int(1, 3_600_000, 10_000) },
  { env: 'EASEL_MODELS_FAILURE_RATE', path: 'models.failureRate', description: 'Share of failed calls (0 to 1) within the health window that cools a model down', schema: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5 } },
  { env: 'EASEL_MODELS_FAILURE_MIN_CALLS', path: 'models.failureMinCalls', description: 'Calls within the health window before the failure rate can cool a model down', schema: int(1, 10_000, 4) },
  { env: 'EASEL_MODELS_HEALTH_WINDOW_MS', path: 'models.healthWindowMs', description: 'Window of recent calls behind failure rates and latencies, in ms', schema: int(1000, 86_400_000, 60_000) },
  { env: 'EASEL_MODELS_DEFAULT_MAX_TOKENS', path: 'models.defaultMaxTokens', description: 'Output tokens a text call may produce when it names no maxTokens', schema: int(1, 200_000, 1024) },
  { env: 'EASEL_MODELS_MAX_SCHEMA_BYTES', path: 'models.maxSchemaBytes', description: 'Largest JSON Schema a structured model call may carry (canonical JSON), in bytes', schema: int(64, 1024 * 1024, 16_384) },
  { env: 'EASEL_MODELS_MAX_SCHEMA_NODES', path: 'models.maxSchemaNodes', description: 'Most objects and arrays in the JSON Schema of a structured model call (its compile time grows with them)', schema: int(1, 100_000, 256) },
  { env: 'EASEL_MODELS_MAX_OPEN_STREAMS', path: 'models.maxOpenStreams', description: 'Streamed text calls one execution may have open at once', schema: int(1, 1000, 8) },
  { env: 'EASEL_MODELS_CACHE', path: 'models.cache.enabled', description: 'Serve repeated model requests from the exact cache (true or false)', schema: { type: 'boolean', default: true } },
  { env: 'EASEL_MODELS_SEMANTIC_CACHE', path: 'models.cache.semantic', description: "Allow text requests that ask for it (`cache: 'semantic'`) to be served near repeats from the semantic cache, guarded against prompts that differ in negation, numbers, dates or names (costs one embedding per exact-cache miss of such a request)", schema: { type: 'boolean', default: false } },
  { env: 'EASEL_MODELS_SEMANTIC_THRESHOLD', path: 'models.cache.threshold', description: 'Cosine similarity at or above which a cached answer serves a new prompt', schema: { type: 'number', minimum: 0, maximum: 1, default: 0.95 } },
  { env: 'EASEL_MODELS_SEMANTIC_MAX_CHARS', path: 'models.cache.semanticMaxChars', description: "Longest prompt (in characters) a text request with cache: 'semantic' is looked up and stored in the semantic cache with; a longer prompt uses the exact cache only (bounds the guard's work and the lookup's embedding)", schema: int(1, 200_000, 8000) },
  { env: 'EASEL_MODELS_CACHE_TTL_MS', path: 'models.cache.ttlMs', description: 'How long a cached answer is served, in ms', schema: int(1, 31_536_000_000, 86_400_000) },
  { env: 'EASEL_MODELS_CACHE_MAX_ENTRIES', path: 'models.cache.maxEntries', description: 'Most entries kept per cache table (oldest dropped first)', schema: int(1, 100_000_000, 10_000) },
  { env: 'EASEL_BUDGET_DOWNGRADE_AT', path: 'models.budgetDowngradeAt', description: 'Share of a monthly budget used (0 to 1) past which calls are routed cost-first one tier lower', schema: { type: 'number', minimum: 0, maximum: 1, default: 0.8 } },
  { env: 'EASEL_BUDGET_BASIC_AT', path: 'models.budgetBasicAt', description: 'Share of a monthly budget used past which calls are routed cost-first at the basic tier', schema: { type: 'number', minimum: 0, maximum: 1, default: 0.95 } },
  { env: 'EASEL_USAGE_REPORT_MAX_DAYS', path: 'models.usageReportMaxDays', description: 'Longest period `GET /v1/usage/report` covers, in days; a longer `from`–`to` is refused with REQUEST_INVALID', schema: int(1, 3660, 366) },
  { env: 'EASEL_USAGE_REPORT_TOP', path: 'models.usageReportTop', description: 'Most users (`byUser`, dearest first) and most budgets (`budgets`) one usage report lists', schema: int(1, 10_000, 50) },

  {
    env: 'EASEL_PUBLIC_URL',
    path: 'publicUrl',
    description: 'Base URL apps reach the host at (e.g. https://easel.example.com), used in blob URLs that `ctx.storage.url` returns; unset: those URLs are host-relative paths (`/v1/blobs/…`)',
    schema: { type: 'string', pattern: '^https?://[^\\s?#]+[^/\\s?#]$' },
  },
  {
    env: 'EASEL_STORAGE_BACKEND',
    path: 'storage.backend',
    description: 'Where blob bytes live: local (a folder, EASEL_STORAGE_DIR) or s3 (EASEL_S3_*); their metadata is in the store (EASEL_STORE)',
    schema: { type: 'string', enum: ['local', 's3'], default: 'local' },
  },
  { env: 'EASEL_STORAGE_DIR', path: 'storage.dir', description: 'Folder of the local blob backend (resolved to an absolute path); unset: `<EASEL_DATA_DIR>/blobs`', schema: { type: 'string', minLength: 1 } },
  { env: 'EASEL_STORAGE_MAX_OBJECT_BYTES', path: 'storage.maxObjectBytes', description: 'Largest object a plugin may store, in bytes', schema: int(1, 1024 * MiB, 10 * MiB) },
  { env: 'EASEL_STORAGE_PLUGIN_QUOTA_BYTES', path: 'storage.pluginQuotaBytes', description: 'Most bytes one plugin may keep stored, all objects together', schema: int(1, Number.MAX_SAFE_INTEGER, 1024 * MiB) },
  { env: 'EASEL_STORAGE_MAX_OBJECTS_PER_PLUGIN', path: 'storage.maxObjectsPerPlugin', description: 'Most objects one plugin may keep stored', schema: int(1, 100_000_000, 100_000) },
  { env: 'EASEL_STORAGE_MAX_KEY_LENGTH', path: 'storage.maxKeyLength', description: 'Longest storage key after normalization, in characters', schema: int(1, 4096, 512) },
  { env: 'EASEL_STORAGE_URL_TTL_SECONDS', path: 'storage.urlTtlSeconds', description: 'Default lifetime of a signed blob URL from `ctx.storage.url`, in seconds', schema: int(1, 604_800, 3600) },
  { env: 'EASEL_STORAGE_MAX_URL_TTL_SECONDS', path: 'storage.maxUrlTtlSeconds', description: 'Longest lifetime a plugin may ask for a signed blob URL, in seconds', schema: int(1, 31_536_000, 604_800) },
  { env: 'EASEL_STORAGE_SWEEP_AFTER_MS', path: 'storage.sweepAfterMs', description: 'Age after which an object whose write never committed (a crash, a failed put) is deleted from the backend, in ms', schema: int(1000, 604_800_000, 3_600_000) },
  {
    env: 'EASEL_STORAGE_MAX_BLOB_TTL_SECONDS',
    path: 'storage.maxBlobTtlSeconds',
    description: 'Longest TTL a plugin may give a blob (`ctx.storage.put(key, bytes, type, { ttlSeconds })`), in seconds; a longer one is refused with BRIDGE_ARGUMENT_INVALID',
    schema: int(1, 3_153_600_000, 315_360_000),
  },
  { env: 'EASEL_S3_BUCKET', path: 'storage.s3.bucket', description: 'S3 bucket of the s3 blob backend (required with EASEL_STORAGE_BACKEND=s3)', schema: { type: 'string', minLength: 3, maxLength: 63 } },
  { env: 'EASEL_S3_REGION', path: 'storage.s3.region', description: 'AWS Region of the bucket', schema: { type: 'string', minLength: 1, default: 'ap-northeast-2' } },
  {
    env: 'EASEL_S3_ENDPOINT',
    path: 'storage.s3.endpoint',
    description: "S3 endpoint URL (an S3-compatible server such as MinIO or s3rver); unset: the Region's AWS endpoint. Credentials come from the AWS SDK's default chain",
    schema: { type: 'string', pattern: '^https?://[^\\s]+$' },
  },
  {
    env: 'EASEL_S3_ACCESS_KEY_ID',
    path: 'storage.s3.accessKeyId',
    description: "Access key of the s3 blob backend, for an S3-compatible server whose keys differ from the AWS ones (with EASEL_S3_SECRET_ACCESS_KEY); unset: the AWS SDK's default credential chain",
    schema: { type: 'string', minLength: 1, maxLength: 256 },
  },
  { env: 'EASEL_S3_SECRET_ACCESS_KEY', path: 'storage.s3.secretAccessKey', description: 'Secret key that goes with EASEL_S3_ACCESS_KEY_ID', schema: { type: 'string', minLength: 1, maxLength: 256 } },
  { env: 'EASEL_S3_FORCE_PATH_STYLE', path: 'storage.s3.forcePathStyle', description: 'Address the bucket as a path (`endpoint/bucket/key`), as most S3-compatible servers need (true or false)', schema: { type: 'boolean', default: false } },
  { env: 'EASEL_S3_PREFIX', path: 'storage.s3.prefix', description: 'Prefix of every object key Easel writes in the bucket (e.g. `easel/`)', schema: { type: 'string', maxLength: 256, pattern: '^([A-Za-z0-9._-]+/)*$', default: '' } },
  { env: 'EASEL_S3_TIMEOUT_MS', path: 'storage.s3.timeoutMs', description: 'Time limit of one S3 request (connect and response), in ms', schema: int(1, 600_000, 10_000) },

  { env: 'EASEL_ORCHESTRATION_MAX_DEPTH', path: 'orchestration.maxDepth', description: 'Deepest chain of `ctx.agents.invoke` calls (a workflow calling an agent is depth 1); deeper calls are refused with AGENT_CALL_REFUSED', schema: int(1, 64, 4) },
  { env: 'EASEL_ORCHESTRATION_MAX_STEPS', path: 'orchestration.maxSteps', description: 'Most `ctx.agents.invoke` calls one execution may make in all (its fan-out); later calls are refused with AGENT_CALL_REFUSED', schema: int(1, 100_000, 256) },
  { env: 'EASEL_ORCHESTRATION_MAX_PARALLEL_STEPS', path: 'orchestration.maxParallelSteps', description: 'Steps one call (a workflow, or a step calling agents in turn) runs at once; more wait their turn in call order', schema: int(1, 1024, 8) },
  { env: 'EASEL_EXECUTIONS_MAX_CONCURRENT', path: 'orchestration.maxConcurrent', description: 'Executions (workflows and agent calls from apps) that run at once on this host; more are queued', schema: int(1, 100_000, 64) },
  {
    env: 'EASEL_EXECUTIONS_MAX_CONCURRENT_PER_PLUGIN',
    path: 'orchestration.maxConcurrentPerPlugin',
    description: 'Executions of one plugin that run at once; more are queued, and queues of different plugins take turns. With EASEL_STORE=postgres it counts every host on the database, and hosts waiting for the plugin are served in turns',
    schema: int(1, 100_000, 16),
  },
  { env: 'EASEL_EXECUTIONS_MAX_QUEUED', path: 'orchestration.maxQueued', description: 'Executions that may wait for a slot on this host; past it, new ones are refused with EXECUTIONS_BUSY (429)', schema: int(0, 1_000_000, 1000) },
  {
    env: 'EASEL_EXECUTIONS_QUEUE_POLL_MS',
    path: 'orchestration.queuePollMs',
    description: "With EASEL_STORE=postgres: how often a host with executions waiting for a plugin's slot asks the database again, besides the notices other hosts send when they free one (a host that died frees its slots only when its lease ends, and sends no notice), in ms",
    schema: int(50, 600_000, 1000),
  },
  {
    env: 'EASEL_STOP_GRACE_MS',
    path: 'orchestration.stopGraceMs',
    description: 'How long a stopping host lets the agent calls in flight finish before it stops the sandbox, in ms (workflows are not waited for: they are resumed, by the next start or another replica)',
    schema: int(0, 600_000, 10_000),
  },
  { env: 'EASEL_EXECUTIONS_WAIT_MS', path: 'orchestration.waitMs', description: 'How long `POST /v1/workflows/:type/executions` without `?wait` waits for the result before answering 202 with the execution id, in ms', schema: int(0, 3_600_000, 10_000) },
  { env: 'EASEL_WORKFLOW_TIMEOUT_MS', path: 'orchestration.workflowTimeoutMs', description: "Wall-clock budget of a workflow handler, which mostly waits for its steps, instead of the plugin's `limits.timeoutMs` (each step keeps its own plugin's budget; the CPU budget stays the plugin's), in ms", schema: int(1, 86_400_000, 900_000) },
  { env: 'EASEL_EXECUTION_MAX_EVENTS', path: 'orchestration.maxEvents', description: "Most events kept for one execution's stream; past it model token deltas and progress lines are dropped (steps and the result are always kept)", schema: int(16, 10_000_000, 20_000) },
  { env: 'EASEL_PROGRESS_MAX_BYTES', path: 'orchestration.maxProgressBytes', description: 'Largest `ctx.progress` line (message and data, as JSON), in bytes', schema: int(1, MiB, 4096) },
  {
    env: 'EASEL_EVENTS_TAIL_MS',
    path: 'orchestration.eventsTailMs',
    description: 'With EASEL_STORE=postgres: how often, at the latest, an event stream reads the stored log of an execution another host runs (a notice from the database when the log grows wakes it sooner), in ms',
    schema: int(20, 60_000, 250),
  },
  { env: 'EASEL_SSE_HEARTBEAT_MS', path: 'orchestration.sseHeartbeatMs', description: 'Interval of the comment line an execution event stream sends, so proxies keep it open, in ms', schema: int(100, 600_000, 15_000) },
  { env: 'EASEL_SSE_MAX_STREAMS', path: 'orchestration.maxStreams', description: 'Execution event streams open at once on this host; more are refused with EXECUTIONS_BUSY (429)', schema: int(1, 1_000_000, 1000) },

  {
    env: 'EASEL_RETENTION_EXECUTIONS_DAYS',
    path: 'retention.executionsDays',
    description: 'Days a finished execution (succeeded, failed or cancelled) is kept, with its steps and event log, counted from when it finished; queued and running ones are never purged (0: for ever)',
    schema: int(0, 36_500, 90),
  },
  {
    env: 'EASEL_RETENTION_EVENTS_DAYS',
    path: 'retention.eventsDays',
    description: "Days a finished execution's event log (what `GET /v1/executions/:id/events` replays) is kept, counted from when it finished; it may go before the execution record, which then has `eventsPurgedAt` (0: as long as the execution)",
    schema: int(0, 36_500, 30),
  },
  {
    env: 'EASEL_RETENTION_USAGE_DAYS',
    path: 'retention.usageDays',
    description: "Days a model usage row (one per model call, behind usage stats) is kept; rows of a running execution stay until it ends, and the months' spend that budgets read is kept whatever this says. Below 31, this month's usage stats lose their oldest calls (0: for ever)",
    schema: int(0, 36_500, 400),
  },
  { env: 'EASEL_RETENTION_AUDIT_DAYS', path: 'retention.auditDays', description: 'Days an audit log row is kept (0: for ever)', schema: int(0, 36_500, 365) },
  {
    env: 'EASEL_RETENTION_BLOBS_DAYS',
    path: 'retention.blobsDays',
    description: "TTL in days given to a blob whose put sets none of its own, when it is written (blobs written before keep theirs); an expired blob reads as absent and is purged with its bytes, its plugin's quota given back (0: blobs without a TTL are kept for ever)",
    schema: int(0, 36_500, 0),
  },
  {
    env: 'EASEL_RETENTION_SWEEP_MS',
    path: 'retention.sweepMs',
    description: 'Interval of the background purge, in ms; a pass deletes at most EASEL_RETENTION_BATCH rows of each kind, and while a kind has more due the next pass follows within 100 ms (0: no background purge, only `POST /v1/retention/purge`)',
    schema: int(0, 86_400_000, 300_000),
  },
  {
    env: 'EASEL_RETENTION_BATCH',
    path: 'retention.batch',
    description: "Most rows one purge batch deletes of one kind (an execution's events and steps count with it), each batch a short transaction of its own",
    schema: int(1, 100_000, 1000),
  },

  { env: 'EASEL_LOG_MAX_LINE_BYTES', path: 'logs.maxLineBytes', description: "Largest plugin `ctx.log` line (message and fields), in bytes", schema: int(1, MiB, 8192) },
  { env: 'EASEL_LOG_MAX_STREAMS', path: 'logs.maxStreams', description: 'Live plugin log streams (`GET /v1/plugins/:name/logs`) open at once on this host; more are refused with LOG_STREAMS_BUSY (429)', schema: int(1, 10_000, 16) },
  {
    env: 'EASEL_LOG_STREAM_MAX_BUFFERED_BYTES',
    path: 'logs.streamMaxBufferedBytes',
    description: 'Unsent bytes a plugin log stream may hold for a client that does not read; past it the host closes that stream, in bytes',
    schema: int(1024, 64 * MiB, 256 * 1024),
  },
  {
    env: 'EASEL_FIRST_PARTY_PLUGINS',
    path: 'firstPartyPlugins',
    description: 'Install and enable the bundled first-party plugins at first start (true or false)',
    schema: { type: 'boolean', default: true },
  },
  {
    env: 'EASEL_FIRST_PARTY_SOURCE',
    path: 'firstPartySource',
    description: 'Where first-party plugins come from: `folder` (packed from plugins-external/ at start) or `registry` (installed by range from EASEL_REGISTRY_URL, as `./run start --with-registry` sets up)',
    schema: { type: 'string', enum: ['folder', 'registry'], default: 'folder' },
  },
];

/** The table docs are generated from: env name, config path, default, description. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = configVariables(FIELDS);
