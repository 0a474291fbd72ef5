/**
 * The store's contract. Every method returns a Promise so that a PostgreSQL store for
 * several host replicas can implement the same interfaces; SQLite lives in ./sqlite.
 * Timestamps are ISO 8601 strings (UTC).
 */
import type { Permissions, PluginManifest } from '@easel/sdk';

export interface InstalledFile {
  /** Relative to the install folder, `/`-separated. */
  path: string;
  size: number;
  /** Hex. */
  sha256: string;
}

export interface InstalledPlugin {
  name: string;
  version: string;
  manifest: PluginManifest;
  enabled: boolean;
  /** The tarball's `sha512-…` integrity string. */
  integrity: string;
  /** Hex sha256 of dist/plugin.js. */
  scriptSha256: string;
  /** Absolute install folder. */
  path: string;
  files: InstalledFile[];
  installedAt: string;
  updatedAt: string;
}

export type NewPlugin = Omit<InstalledPlugin, 'installedAt' | 'updatedAt' | 'enabled'>;

export interface PluginRepository {
  /** Sorted by name. */
  list(): Promise<InstalledPlugin[]>;
  get(name: string): Promise<InstalledPlugin | undefined>;
  /**
   * Inserts (disabled), or replaces the installed version of the same name in one
   * transaction, keeping its enabled flag, installedAt, grants, config and kv.
   */
  install(record: NewPlugin): Promise<{ previous?: InstalledPlugin }>;
  /** Installs or replaces several plugins in one transaction: all of them, or none. */
  installSet(records: NewPlugin[]): Promise<{ previous?: InstalledPlugin }[]>;
  /** False when no plugin has that name. */
  setEnabled(name: string, enabled: boolean): Promise<boolean>;
  /** Deletes the plugin with its grants, config, kv and blob rows in one transaction (its blob objects become orphans for the sweeper). */
  remove(name: string): Promise<InstalledPlugin | undefined>;
}

export interface GrantRepository {
  /** `{}` when nothing is granted (or the plugin is unknown). */
  get(name: string): Promise<Permissions>;
  /** Rejects with EaselError PLUGIN_NOT_FOUND when the plugin is not installed. */
  set(name: string, permissions: Permissions): Promise<void>;
}

export interface ConfigRepository {
  get(name: string): Promise<Record<string, unknown> | undefined>;
  /** Rejects with EaselError PLUGIN_NOT_FOUND when the plugin is not installed. */
  set(name: string, value: Record<string, unknown>): Promise<void>;
}

export type ExecutionKind = 'agent' | 'workflow';
export type ExecutionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface NewExecution {
  id: string;
  pluginName: string;
  pluginVersion: string;
  kind: ExecutionKind;
  /** Agent type or workflow type. */
  target: string;
  capability?: string;
  apiKeyId?: string;
  /** The app (tenant) whose key started it; user ids are namespaced by it. */
  appId?: string;
  /** The app's end user the call runs for (`x-easel-user`), or `key:<apiKeyId>`; unique within its app only. */
  userId?: string;
  input: unknown;
}

export interface ExecutionOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  output?: unknown;
  errorCode?: string;
  errorMessage?: string;
  durationMs: number;
  cpuMs?: number;
  heapUsedBytes?: number;
}

export interface ExecutionRecord extends NewExecution {
  status: ExecutionStatus;
  output?: unknown;
  errorCode?: string;
  errorMessage?: string;
  durationMs?: number;
  cpuMs?: number;
  heapUsedBytes?: number;
  /** What its model calls cost (all of them, steps included); so far, while it runs. */
  costUsd: number;
  /** Times the execution was resumed after the host stopped mid-run. */
  resumed: number;
  startedAt: string;
  finishedAt?: string;
  /** When retention purged its event log (kept for a shorter time than the record); absent while kept. */
  eventsPurgedAt?: string;
}

/** What one retention batch of executions removed; `more`: the batch was full, so more may be due. */
export interface ExecutionPurge {
  executions: number;
  steps: number;
  events: number;
  more: boolean;
}

export interface ExecutionQuery {
  plugin?: string;
  kind?: ExecutionKind;
  /** Agent type or workflow type. */
  target?: string;
  /** Only executions started with this API key. */
  apiKeyId?: string;
  /** Only executions of this app (tenant): what an app key may see. */
  appId?: string;
  userId?: string;
  status?: ExecutionStatus;
  /** ISO instants: executions started at or after `startedSince`, before `startedUntil`. */
  startedSince?: string;
  startedUntil?: string;
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  before?: string;
}

export interface ExecutionRepository {
  /** Records a new execution, `running` unless it has to wait for a slot (`queued`). */
  create(execution: NewExecution, status?: 'queued' | 'running'): Promise<ExecutionRecord>;
  /** queued → running (also running → running for a resume); false when it already finished. */
  markRunning(id: string, resumed?: boolean): Promise<boolean>;
  /**
   * Executions still queued or running that no live host runs (left so by a stop), oldest
   * first. On a store several hosts share, each one returned is taken over by this store's
   * owner in the same statement, so no two hosts get the same one; SQLite's single host gets them all.
   */
  unfinished(): Promise<ExecutionRecord[]>;
  /**
   * Finishes a running execution, summing its cost in the same write, and answers that cost.
   * `won` is false when it is unknown or already finished (e.g. failed by failRunning): the
   * update is atomic, so only one finisher wins; the cost is then the one recorded (0 when unknown).
   */
  complete(id: string, outcome: ExecutionOutcome): Promise<{ won: boolean; costUsd: number }>;
  get(id: string): Promise<ExecutionRecord | undefined>;
  /** Newest first; `nextCursor` is set when there may be more. */
  list(query?: ExecutionQuery): Promise<{ items: ExecutionRecord[]; nextCursor?: string }>;
  /** Marks executions left running by a crash as failed (HOST_RESTARTED); returns how many. */
  failRunning(reason: string): Promise<number>;
  /**
   * Retention: one batch, in one transaction, of at most `limit` rows of executions that
   * finished before `before` (ISO), oldest first: their events, then their steps, then the
   * execution row once it has neither. Queued and running executions are never touched.
   */
  purgeFinished(before: string, limit: number): Promise<ExecutionPurge>;
}

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface NewStep {
  id: string;
  executionId: string;
  parentStepId?: string;
  /** Identifies the call across a resume: its place in the call tree, target, input and occurrence. */
  callKey: string;
  depth: number;
  pluginName: string;
  pluginVersion: string;
  agent: string;
  capability: string;
  inputSha256: string;
}

export interface StepOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  output?: unknown;
  errorCode?: string;
  errorMessage?: string;
  durationMs: number;
  cpuMs?: number;
  heapPeakBytes?: number;
}

export interface StepRecord extends NewStep {
  status: StepStatus;
  output?: unknown;
  errorCode?: string;
  errorMessage?: string;
  /** Models that answered this step's calls and its sub-steps' (cache hits included). */
  models: string[];
  inputTokens: number;
  outputTokens: number;
  /** This step's model calls and its sub-steps'. */
  costUsd: number;
  /** 1, or more when the step was run again after a host stop interrupted it. */
  attempts: number;
  durationMs?: number;
  cpuMs?: number;
  heapPeakBytes?: number;
  startedAt: string;
  finishedAt?: string;
}

export interface StepRepository {
  /**
   * Begins the step `callKey` names: a step that already succeeded is answered as it is (its
   * output is replayed, `replayed: true`); one that failed or was interrupted starts again
   * (attempts + 1, keeping its id); otherwise a new row is written.
   */
  begin(step: NewStep): Promise<{ step: StepRecord; replayed: boolean }>;
  /** Finishes a running step; models, tokens and cost are summed from model usage (sub-steps included). */
  finish(id: string, outcome: StepOutcome): Promise<StepRecord | undefined>;
  listByExecution(executionId: string): Promise<StepRecord[]>;
  /**
   * Fails the execution's steps still `running` when it ends: left by a stop and not called
   * again by the resumed run (its code took another path). Returns how many.
   */
  abandon(executionId: string, errorCode: string, errorMessage: string): Promise<number>;
}

/** A plugin's key-value rows. `plugin` is always bound by the host, never built from guest input. */
export interface KvRepository {
  /** The stored JSON text. */
  get(plugin: string, key: string): Promise<string | undefined>;
  /**
   * Rejects with EaselError PLUGIN_NOT_FOUND when the plugin is not installed, and with
   * KV_QUOTA_EXCEEDED when `key` is new and the plugin already has `maxKeys` keys.
   */
  set(plugin: string, key: string, json: string, maxKeys?: number): Promise<void>;
  delete(plugin: string, key: string): Promise<boolean>;
  /** Keys starting with `prefix` (taken literally), sorted by code point. */
  list(plugin: string, prefix: string, limit: number): Promise<string[]>;
  count(plugin: string): Promise<number>;
}

/** A stored object's metadata row. `objectKey` names its bytes in the blob backend. */
export interface BlobRecord {
  id: string;
  pluginName: string;
  /** The plugin's normalized key. */
  key: string;
  objectKey: string;
  contentType: string;
  size: number;
  /** Hex. */
  sha256: string;
  executionId?: string;
  /** The app whose execution wrote it (from the execution row, kept on the blob's), when known. */
  appId?: string;
  createdAt: string;
  /** When it expires (its TTL): from then on it reads as absent, and the retention purge deletes it. */
  expiresAt?: string;
}

export type NewBlob = Omit<BlobRecord, 'appId'>;

/**
 * Blob metadata. A put is two steps around the backend write: `beginWrite` marks the object
 * key as an orphan first (so a crash before the commit leaves it to the sweeper), `commit`
 * then records the row, checks the quotas and clears the mark in one transaction.
 * `plugin` is always bound by the host, never built from guest input.
 */
export interface BlobRepository {
  beginWrite(objectKey: string): Promise<void>;
  /**
   * Records `blob` (replacing the plugin's row with the same key, whose object becomes an
   * orphan) in one transaction. Rejects with STORAGE_QUOTA_EXCEEDED when the plugin's bytes
   * or objects would pass the limits, with PLUGIN_NOT_FOUND when it is not installed, and with
   * STORAGE_UNAVAILABLE when the write's orphan mark is gone (a sweeper took the object: the
   * write outlived EASEL_STORAGE_SWEEP_AFTER_MS); then nothing changed.
   */
  commit(blob: NewBlob, limits: { maxBytes: number; maxObjects: number }): Promise<{ replaced?: BlobRecord }>;
  get(plugin: string, key: string): Promise<BlobRecord | undefined>;
  byId(id: string): Promise<BlobRecord | undefined>;
  /**
   * Keys starting with `prefix` (taken literally) and after `after`, sorted by code point;
   * with `liveAt` (ISO), blobs expired by then are left out.
   */
  list(plugin: string, prefix: string, after: string | undefined, limit: number, liveAt?: string): Promise<BlobRecord[]>;
  /** Deletes the row; its object becomes an orphan. */
  remove(plugin: string, key: string): Promise<BlobRecord | undefined>;
  usage(plugin: string): Promise<{ bytes: number; objects: number }>;
  /** Orphans to delete from the backend: every released one, and writes older than `writingBefore`. */
  orphans(writingBefore: string, limit: number): Promise<string[]>;
  /**
   * Takes an orphan off the list before its object is deleted; false when it is not there (a
   * commit or another sweeper took it). Whoever claims it deletes it, or calls `release`.
   */
  claim(objectKey: string): Promise<boolean>;
  /** Puts an object (back) on the orphan list as released: the next sweep deletes it. */
  release(objectKey: string): Promise<void>;
  /**
   * Retention: deletes at most `limit` rows of blobs expired at `now` (ISO), oldest expiry
   * first, in one transaction that also gives their bytes and objects back to their plugins'
   * totals and releases their objects (to be deleted at once by the caller, or by the sweeper).
   */
  expire(now: string, limit: number): Promise<{ expired: BlobRecord[]; more: boolean }>;
}

export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface NewAuditEntry {
  actor: string;
  action: string;
  target?: string;
  outcome: AuditOutcome;
  details?: unknown;
  /**
   * The plugin the entry is about; absent: the plugin that acted (actor `plugin:<id>`) or, for a
   * `plugin.*` action, the one acted on (its target), else none.
   */
  plugin?: string;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
  at: string;
}

/** Which entries to list: every filter given must match. */
export interface AuditQuery {
  /** At most 1000. */
  limit: number;
  action?: string;
  plugin?: string;
  actor?: string;
  /** ISO instants: entries written at or after `since`, before `until`. */
  since?: string;
  until?: string;
  /** Entries older than this id (the last id of the previous page). */
  before?: number;
}

export interface AuditRepository {
  record(entry: NewAuditEntry): Promise<void>;
  /** Newest first (by id, the order they were written in). */
  list(query: AuditQuery): Promise<AuditEntry[]>;
  /** Retention: deletes at most `limit` rows written before `before` (ISO), oldest first, in one transaction. */
  purge(before: string, limit: number): Promise<{ removed: number; more: boolean }>;
}

export type ApiKeyRole = 'admin' | 'app';

export interface ApiKeyInfo {
  id: string;
  role: ApiKeyRole;
  label: string;
  /** The app (tenant) an app key belongs to; absent for admin keys. */
  appId?: string;
  createdAt: string;
  revokedAt?: string;
}

/** A verified key: who calls. */
export interface ApiKeyIdentity {
  id: string;
  role: ApiKeyRole;
  label: string;
  /** Set for app keys. */
  appId?: string;
}

export interface ApiKeyRepository {
  /**
   * Returns the key: the only time it is seen; only its sha256 is stored. An app key belongs to
   * `appId` (rejects with APP_NOT_FOUND when there is no such app) or, without one, to a new
   * app of its own, named after the label and with the key's id, created in the same transaction. An admin key has no
   * app (REQUEST_INVALID when one is named).
   */
  create(input: { role: ApiKeyRole; label: string; appId?: string }): Promise<{ id: string; key: string; appId?: string }>;
  /** Stores an admin key chosen elsewhere (EASEL_ADMIN_TOKEN). Idempotent: a known key (even revoked) is left as is. */
  createWithKey(key: string, input: { role: 'admin'; label: string }): Promise<{ id: string; created: boolean }>;
  /** The key's identity, or undefined when unknown or revoked. */
  verify(key: string): Promise<ApiKeyIdentity | undefined>;
  /** Oldest first, revoked keys included; never hashes. */
  list(): Promise<ApiKeyInfo[]>;
  /** False when unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  /** Keys not revoked. */
  count(): Promise<number>;
}

/** An app: a tenant. It owns its app keys; its users' ids, usage, budgets and executions are its own. */
export interface AppRecord {
  id: string;
  name: string;
  createdAt: string;
}

export interface AppRepository {
  create(input: { name: string }): Promise<AppRecord>;
  get(id: string): Promise<AppRecord | undefined>;
  /** Oldest first. */
  list(): Promise<AppRecord[]>;
  /** The app's keys, oldest first, revoked ones included. */
  keys(id: string): Promise<ApiKeyInfo[]>;
}

export type UsageTask = 'text' | 'structured' | 'image' | 'embedding';

/** One model call (or cache hit) as billed: written for every call, success or failure. */
export interface UsageRow {
  /** The app (tenant) the call is billed to. */
  appId: string;
  /** The app's end user; unique within the app only. */
  userId: string;
  pluginName?: string;
  executionId?: string;
  /** The workflow step that made the call, if any. */
  stepId?: string;
  task: UsageTask;
  /** The model that answered (for a cache hit: the model whose answer was reused). */
  modelId: string;
  /** `call` for a plugin's request, `cache-embedding` for the embedding a semantic lookup needed. */
  purpose: 'call' | 'cache-embedding';
  inputTokens: number;
  outputTokens: number;
  images: number;
  /** USD; 0 for cache hits. */
  costUsd: number;
  /** `exact` or `semantic` for a cache hit. */
  cached?: 'exact' | 'semantic';
  status: 'ok' | 'failed';
  errorCode?: string;
  latencyMs: number;
  /** On a cache hit: what the answer cost when a model made it (what the hit saved). */
  savedUsd?: number;
  /** The first row of a call that looked in the cache and missed. */
  cacheMiss?: boolean;
  /** An attempt sent after an earlier attempt of the same call failed (the router fell back). */
  fallback?: boolean;
  /** This attempt's failure cooled its model down. */
  cooled?: boolean;
  /** How often the call waited for a per-minute quota before this row (on the first row after the waits). */
  quotaWaits?: number;
}

/**
 * A usage row as stored. `unreconciled`: a call whose host process died before it was billed
 * (the provider may have answered and billed it); it is charged at what it held, the most it
 * could cost, with that worst case's tokens and images, latency 0, and `reservationId`.
 */
export interface UsageRecord extends Omit<UsageRow, 'status'> {
  id: number;
  at: string;
  status: UsageRow['status'] | 'unreconciled';
  /** The reservation an unreconciled row charges; absent on every other row. */
  reservationId?: string;
}

export interface UsageTotals {
  calls: number;
  cachedCalls: number;
  failedCalls: number;
  /** Calls charged at their hold because their process died before billing them (see UsageRecord). */
  unreconciledCalls: number;
  /** What those calls were charged (included in costUsd). */
  unreconciledUsd: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  images: number;
}

export interface UsageStats extends UsageTotals {
  appId: string;
  /** Absent for an app's stats as a whole. */
  userId?: string;
  since: string;
  until: string;
  byModel: (UsageTotals & { modelId: string })[];
  byPlugin: (UsageTotals & { pluginName: string })[];
  /** One entry per UTC day with usage, oldest first. */
  byDay: (UsageTotals & { day: string })[];
}

export interface UsageReportQuery {
  /** One app; absent: every app. */
  appId?: string;
  /** ISO instants: rows written at or after `since`, before `until`. */
  since: string;
  until: string;
  /** Most users in `byUser`, and most budgets in `budgets`. */
  top: number;
  /** `YYYY-MM` (UTC): the month whose spend `budgets` shows. */
  budgetMonth: string;
}

/** What `GET /v1/usage/report` answers (without its `from`, `to` and `app`). Every figure counts usage rows, as UsageStats does. */
export interface UsageReport {
  totals: { calls: number; failedCalls: number; costUsd: number; inputTokens: number; outputTokens: number };
  /** One entry per UTC day with usage, oldest first. */
  byDay: { day: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }[];
  /** Every app with usage, dearest first; [] when the report is about one app. */
  byApp: { app: string; calls: number; costUsd: number }[];
  /** The `top` dearest users (of any app in the report), dearest first. */
  byUser: { app: string; user: string; calls: number; costUsd: number }[];
  /** Rows without a plugin (the host's own calls) count in the totals only, as in UsageStats. */
  byPlugin: { plugin: string; calls: number; costUsd: number }[];
  byModel: { model: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }[];
  /** hits: calls served from a cache; misses: calls that looked, missed and reached a model; savedUsd: what the hits' answers cost when made. */
  cache: { hits: number; misses: number; hitRate: number; savedUsd: number };
  routing: { fallbacks: number; cooldowns: number; quotaWaits: number };
  /** Budgets set (the app's own first, then the closest to their limit), with `budgetMonth`'s spend; at most `top`. */
  budgets: { scope: 'app' | 'user'; app: string; user?: string; month: string; limitUsd: number; spentUsd: number; reservedUsd: number }[];
  unreconciled: { calls: number; costUsd: number };
}

/**
 * Whom a budget limits: an app as a whole (`userId` absent: every user and key of the app
 * together), or one user of an app.
 */
export interface BudgetScope {
  appId: string;
  userId?: string;
}

/**
 * What a model call about to go out holds: whom it bills, what for, and the most it can cost
 * (`amountUsd`, which prices `inputTokens`, `outputTokens` and `images`).
 */
export interface ReservationRequest {
  appId: string;
  userId: string;
  /** `YYYY-MM` (UTC): the month whose spend holds it. */
  month: string;
  amountUsd: number;
  pluginName?: string;
  executionId?: string;
  stepId?: string;
  task: UsageTask;
  modelId: string;
  purpose: UsageRow['purpose'];
  inputTokens: number;
  outputTokens: number;
  images: number;
}

/** Reservations of dead processes charged at a start (BudgetRepository.chargeAbandoned). */
export interface AbandonedCharges {
  calls: number;
  costUsd: number;
  /** Per plugin (absent: the host's own calls) and model, sorted. */
  groups: { pluginName?: string; modelId: string; calls: number; costUsd: number }[];
}

/** A user's (or a whole app's) monthly budget and where the current month stands. */
export interface BudgetStatus {
  scope: 'app' | 'user';
  appId: string;
  /** Absent for the app scope. */
  userId?: string;
  /** Undefined when there is no budget (unlimited). */
  monthlyUsd?: number;
  /** `YYYY-MM` (UTC). */
  month: string;
  spentUsd: number;
  /** Held by calls in flight. */
  reservedUsd: number;
  updatedAt?: string;
}

export interface UsageRepository {
  /**
   * Records one call and, in the same transaction, adds its cost to the month's spend of the
   * user and of its app and, when the call held budget (`reservationId`, from
   * BudgetRepository.reserve, for the same app and user), deletes that reservation and gives
   * its hold back at both, in the reservation's month; otherwise the spend goes to `month`
   * (default: the month now). A reservation already gone (charged at a start) gives nothing
   * back. Batched by group commit; resolves once committed.
   */
  record(row: UsageRow, options?: { reservationId?: string; month?: string }): Promise<void>;
  /** Totals over [since, until) (ISO instants) for one user of an app, or for the whole app (`userId` absent). */
  stats(scope: BudgetScope, since: string, until: string): Promise<UsageStats>;
  /** The cost report over [since, until) for one app or (appId absent) every app: one snapshot. */
  report(query: UsageReportQuery): Promise<UsageReport>;
  /** Newest first, for one execution (tests, execution details). */
  listByExecution(executionId: string): Promise<UsageRecord[]>;
  /**
   * Retention: deletes at most `limit` usage rows written before `before` (ISO), oldest first,
   * in one transaction; never those of a queued or running execution (its cost is summed from
   * them). The months' spend (budgets) is kept as it is: only the per-call rows go.
   */
  purge(before: string, limit: number): Promise<{ removed: number; more: boolean }>;
}

export interface BudgetRepository {
  /** Sets (or replaces) the monthly limit in USD of an app or of one of its users. Rejects with APP_NOT_FOUND when the app does not exist. */
  set(scope: BudgetScope, monthlyUsd: number): Promise<BudgetStatus>;
  /** Status for `month`, with `monthlyUsd` undefined when the scope has no budget. */
  get(scope: BudgetScope, month: string): Promise<BudgetStatus>;
  /** False when there was none. */
  delete(scope: BudgetScope): Promise<boolean>;
  /**
   * Holds `amountUsd` for a call about to go out, against the user's budget and its app's
   * together, in one atomic statement: succeeds only when, at both scopes that have a budget,
   * spent + reserved + amount <= monthly limit, and then holds it at both (with no budget at
   * either, it always succeeds and still holds, so that a call in flight is never lost). The
   * reservation row (owned by this store's `owner`) is written in the same transaction as the
   * hold. `status` is the user's, or on a refusal the scope that refused (the user's when both
   * would have).
   */
  reserve(request: ReservationRequest): Promise<{ ok: true; reservationId: string; status: BudgetStatus } | { ok: false; status: BudgetStatus }>;
  /**
   * Gives back a reservation whose call never billed (refused before sending): deletes its row
   * and its hold at both scopes in one transaction. False when it was already gone.
   */
  release(reservationId: string): Promise<boolean>;
  /**
   * At start: every reservation whose owner is not this store's owner (the process that made
   * it died with the call in flight) becomes a usage row with status `unreconciled`, charged
   * at its amount: its hold moves into spend at both scopes, in one transaction. In SQLite one
   * host process serves a data folder, so every other owner is dead; a shared store must only
   * charge owners known to be gone.
   */
  chargeAbandoned(): Promise<AbandonedCharges>;
}

/** A cached model answer (JSON), keyed by a model-independent request hash. */
export interface CachedAnswer {
  answer: unknown;
  modelId: string;
  createdAt: string;
}

export interface ModelCacheRepository {
  getExact(key: string, nowMs: number): Promise<CachedAnswer | undefined>;
  putExact(entry: { key: string; scope: string; answer: unknown; modelId: string; expiresAtMs: number }): Promise<void>;
  /**
   * The entry of `partition` whose vector is most similar (cosine) to `vector`, if that
   * similarity is at least `threshold`. Vectors are L2-normalized by the caller.
   */
  nearest(partition: string, vector: Float32Array, threshold: number, nowMs: number): Promise<(CachedAnswer & { similarity: number }) | undefined>;
  putSemantic(entry: { partition: string; scope: string; vector: Float32Array; answer: unknown; modelId: string; expiresAtMs: number }): Promise<void>;
  /** Drops expired entries and, past `maxEntries` per table, the oldest. Returns rows removed. */
  prune(nowMs: number, maxEntries: number): Promise<number>;
  /** Removes every entry of a scope (a plugin's, at uninstall). */
  clearScope(scope: string): Promise<number>;
}

export interface Store {
  plugins: PluginRepository;
  grants: GrantRepository;
  configs: ConfigRepository;
  executions: ExecutionRepository;
  steps: StepRepository;
  kv: KvRepository;
  audit: AuditRepository;
  apiKeys: ApiKeyRepository;
  apps: AppRepository;
  usage: UsageRepository;
  budgets: BudgetRepository;
  modelCache: ModelCacheRepository;
  blobs: BlobRepository;
  executionEvents: ExecutionEventRepository;
  /**
   * Who this process is to the store: a boot id, fresh at every start unless the opener names
   * one. Reservations (BudgetRepository.reserve) carry it, so a later start can tell the holds
   * of a dead process from its own.
   */
  readonly owner: string;
  /**
   * On a store several hosts share: tells this host of changes any host committed to a plugin's
   * records (its install, enabled flag, grant or config), so it drops what it keeps of them.
   * `plugin` absent: anything may have changed (the feed was interrupted). Absent on SQLite.
   */
  readonly changes?: StoreChanges;
  /** On a store several hosts share: request counts per key and time window, counted for all of them. Absent on SQLite. */
  readonly rateWindows?: RateWindows;
  /** On a store several hosts share: executions at once per key, counted for all of them. Absent on SQLite. */
  readonly keySlots?: KeySlotStore;
  /** On a store several hosts share: executions at once per plugin, counted for all of them, served in turns. Absent on SQLite. */
  readonly pluginSlots?: PluginSlotStore;
  /**
   * On a store several hosts share: whether this host does the periodic `job` now. The host
   * that has it keeps it while it asks again within `holdMs`; another gets it once that lapses
   * (its holder stopped or died). Absent on SQLite, whose one host does every job.
   */
  periodicTurn?(job: string, holdMs: number): Promise<boolean>;
  /**
   * On a store several hosts share: the secret named `name` (32 random bytes), the same for every
   * host, made by the first that asks (a blob URL signed on one host verifies on another). Absent on SQLite.
   */
  sharedSecret?(name: string): Promise<Buffer>;
  /** Idempotent. */
  close(): Promise<void>;
}

/**
 * What hosts sharing a store tell each other. `plugin`: that plugin's records changed.
 * `cancel`: cancel that execution wherever it runs. `events`: that execution's event log grew.
 * `slots`: a slot of that plugin's executions may be free. None: anything may have changed.
 */
export interface StoreChange {
  plugin?: string;
  cancel?: string;
  events?: string;
  slots?: string;
}

export interface KeySlotStore {
  /** Takes one of `max` slots of `keyId` for this host: its id, or undefined when all are held (by live hosts). */
  take(keyId: string, max: number): Promise<string | undefined>;
  /** Gives a slot back; idempotent. */
  release(slotId: string): Promise<void>;
}

/**
 * Executions at once per plugin across the hosts on one store. A host asks only while it has a
 * free slot of its own for the plugin's next execution; when the plugin is at its limit, the host
 * keeps a place in the plugin's line, and freed slots go to the hosts in line in turn.
 */
export interface PluginSlotStore {
  /**
   * Takes one of `max` slots of `plugin` for this host when its turn has come: the slot's id; or
   * undefined, and the host keeps (or takes) its place in the plugin's line.
   */
  take(plugin: string, max: number): Promise<string | undefined>;
  /** Gives a slot back and tells the hosts in line; idempotent. */
  release(slotId: string): Promise<void>;
  /** Gives up this host's places in the lines of `plugins` (all of them when absent): it has no free slot, or no execution of them waiting. */
  leave(plugins?: readonly string[]): Promise<void>;
}

export interface RateWindows {
  /**
   * Counts one request for `key` in its current window of `windowMs` (a new window starts at
   * `nowMs` when the last one is over) and answers the count so far and when the window began.
   */
  hit(key: string, windowMs: number, nowMs: number): Promise<{ count: number; windowStartMs: number }>;
}

export interface StoreChanges {
  /** Calls `listener` for every change committed from now on; returns the unsubscribe. */
  subscribe(listener: (change: StoreChange) => void): () => void;
  /** Asks every host (this one included) to cancel `executionId` if it runs it. */
  cancel(executionId: string): Promise<void>;
}

/** One entry of an execution's event stream as stored. */
export interface ExecutionEventRecord {
  executionId: string;
  /** From 1, per execution, without gaps. */
  seq: number;
  /** `execution.started`, `step.finished`, `model.delta`, … */
  type: string;
  /** JSON text. */
  data: string;
  at: string;
}

/** The persisted log behind an execution's event stream (GET /v1/executions/:id/events). */
export interface ExecutionEventRepository {
  /**
   * Stores events in one write, all or none (a seq already stored rejects the call).
   * Batched by group commit; resolves once committed.
   */
  append(events: readonly ExecutionEventRecord[]): Promise<void>;
  /** Events with seq > `afterSeq`, ascending; at most `limit` (1 to 1000). */
  list(executionId: string, afterSeq: number, limit: number): Promise<ExecutionEventRecord[]>;
  /** The highest seq stored, 0 when none. */
  lastSeq(executionId: string): Promise<number>;
  count(executionId: string): Promise<number>;
  /**
   * Retention: one batch, in one transaction, of at most `limit` events of executions that
   * finished before `before` (ISO), oldest execution first; an execution whose log is emptied
   * gets its `eventsPurgedAt`. Logs of queued and running executions are never touched.
   */
  purgeFinished(before: string, limit: number): Promise<{ events: number; more: boolean }>;
}
