/**
 * The blob store plugins see through `ctx.storage` and apps through `GET /v1/blobs/:id`:
 * metadata rows in SQLite, bytes in a backend (local folder or S3) under random host-made
 * object keys.
 *
 * A put writes in this order, so a crash or a failure at any step loses nothing committed
 * and leaves no row without its bytes: mark the new object key as an orphan, write the
 * bytes, then one transaction records the row (quotas checked there), clears the mark and
 * releases the object it replaced. Orphans — writes that never committed, released
 * objects — are deleted from the backend by the sweeper.
 *
 * A blob may expire (a TTL its put set, or the host's default): from then on it reads as
 * absent everywhere, and the retention purge (`expire`) deletes its row and bytes together.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BlobInfo } from '@easel/sdk';
import { EaselError } from '../errors/index.ts';
import type { BlobRecord, BlobRepository, NewBlob } from '../store/index.ts';
import type { BlobBackend } from './backend.ts';
import { normalizeContentType, normalizeKey, normalizePrefix } from './keys.ts';
import type { UrlSigner } from './url-signer.ts';

export interface BlobLimits {
  maxObjectBytes: number;
  pluginQuotaBytes: number;
  maxObjectsPerPlugin: number;
  maxKeyLength: number;
  urlTtlSeconds: number;
  maxUrlTtlSeconds: number;
  /** A write not committed after this long is an orphan the sweeper deletes. */
  sweepAfterMs: number;
  /** Longest TTL a put may ask for, in seconds (default ten years). */
  maxBlobTtlSeconds?: number;
  /** TTL of a blob whose put asks for none, in seconds; absent or 0: it never expires. */
  defaultBlobTtlSeconds?: number;
}

/** What `put` takes besides the object. */
export interface PutOptions {
  signal?: AbortSignal;
  /** Seconds until the blob expires (unchecked input: validated here). */
  ttlSeconds?: unknown;
}

export interface BlobLogger {
  warn(obj: object, msg?: string): void;
}

const LIST_MAX = 1000;
const TEN_YEARS = 315_360_000;

export function toInfo(r: BlobRecord): BlobInfo {
  const info: BlobInfo = { key: r.key, blobId: r.id, size: r.size, contentType: r.contentType, sha256: r.sha256, createdAt: r.createdAt };
  if (r.expiresAt !== undefined) info.expiresAt = r.expiresAt;
  return info;
}

/** The row, unless it has expired at `nowMs` (then it reads as absent, whether or not it was purged yet). */
function live(row: BlobRecord | undefined, nowMs = Date.now()): BlobRecord | undefined {
  return row && (row.expiresAt === undefined || Date.parse(row.expiresAt) > nowMs) ? row : undefined;
}

export class BlobService {
  readonly backend: BlobBackend;
  #repo: BlobRepository;
  #limits: BlobLimits;
  #signer: UrlSigner;
  #log: BlobLogger;
  #sweeping: Promise<number> | undefined;

  constructor(deps: { backend: BlobBackend; repo: BlobRepository; limits: BlobLimits; signer: UrlSigner; logger: BlobLogger }) {
    this.backend = deps.backend;
    this.#repo = deps.repo;
    this.#limits = deps.limits;
    this.#signer = deps.signer;
    this.#log = deps.logger;
  }

  async put(plugin: string, executionId: string | undefined, rawKey: unknown, bytes: Uint8Array, rawType: unknown, options: PutOptions = {}): Promise<BlobInfo> {
    const { signal } = options;
    const key = normalizeKey(rawKey, this.#limits.maxKeyLength);
    const contentType = normalizeContentType(rawType);
    const ttlSeconds = this.#ttl(options.ttlSeconds);
    const { maxObjectBytes, pluginQuotaBytes, maxObjectsPerPlugin } = this.#limits;
    if (bytes.byteLength > maxObjectBytes) {
      throw new EaselError('STORAGE_OBJECT_TOO_LARGE', { size: bytes.byteLength, limit: maxObjectBytes }, { size: bytes.byteLength, maxBytes: maxObjectBytes });
    }
    // Fail early, before any bytes move; the commit checks again, atomically.
    const usage = await this.#repo.usage(plugin);
    if (usage.bytes + bytes.byteLength > pluginQuotaBytes || usage.objects + 1 > maxObjectsPerPlugin) {
      const old = await this.#repo.get(plugin, key);
      if (usage.bytes - (old?.size ?? 0) + bytes.byteLength > pluginQuotaBytes || usage.objects + (old ? 0 : 1) > maxObjectsPerPlugin) {
        throw new EaselError('STORAGE_QUOTA_EXCEEDED', { plugin, maxBytes: pluginQuotaBytes, maxObjects: maxObjectsPerPlugin }, {
          usedBytes: usage.bytes,
          usedObjects: usage.objects,
          maxBytes: pluginQuotaBytes,
          maxObjects: maxObjectsPerPlugin,
        });
      }
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const objectKey = `${plugin}/${randomUUID()}`;
    await this.#repo.beginWrite(objectKey);
    let committed: { replaced?: BlobRecord };
    const createdAt = Date.now();
    const record: NewBlob = { id: randomUUID(), pluginName: plugin, key, objectKey, contentType, size: bytes.byteLength, sha256, executionId, createdAt: new Date(createdAt).toISOString() };
    if (ttlSeconds !== undefined) record.expiresAt = new Date(createdAt + ttlSeconds * 1000).toISOString();
    try {
      await this.backend.put(objectKey, bytes, { contentType, sha256 }, signal);
      committed = await this.#repo.commit(record, { maxBytes: pluginQuotaBytes, maxObjects: maxObjectsPerPlugin });
    } catch (error) {
      // The object (if any part of it landed) stays an orphan until deleted: now, or by the sweeper.
      void this.#discard(objectKey, false);
      throw error;
    }
    if (committed.replaced) void this.#discard(committed.replaced.objectKey, true);
    return toInfo(record);
  }

  /** The TTL a put asked for (an integer from 1 to the maximum), or the default; undefined: it never expires. */
  #ttl(raw: unknown): number | undefined {
    const max = this.#limits.maxBlobTtlSeconds ?? TEN_YEARS;
    if (raw === undefined || raw === null) return this.#limits.defaultBlobTtlSeconds || undefined;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > max) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `ttlSeconds must be an integer from 1 to ${max}` });
    }
    return raw;
  }

  async head(plugin: string, rawKey: unknown): Promise<BlobInfo | undefined> {
    const row = live(await this.#repo.get(plugin, normalizeKey(rawKey, this.#limits.maxKeyLength)));
    return row && toInfo(row);
  }

  /** The bytes under the plugin's key, checked against the sha256 recorded at write. */
  async get(plugin: string, rawKey: unknown, signal?: AbortSignal): Promise<{ info: BlobInfo; bytes: Buffer } | undefined> {
    const row = live(await this.#repo.get(plugin, normalizeKey(rawKey, this.#limits.maxKeyLength)));
    return row && { info: toInfo(row), bytes: await this.#read(row, signal) };
  }

  async delete(plugin: string, rawKey: unknown): Promise<boolean> {
    const row = await this.#repo.remove(plugin, normalizeKey(rawKey, this.#limits.maxKeyLength));
    if (row) void this.#discard(row.objectKey, true);
    return row !== undefined;
  }

  async list(plugin: string, rawPrefix: unknown, rawAfter: unknown, rawLimit: unknown): Promise<BlobInfo[]> {
    const prefix = normalizePrefix(rawPrefix, this.#limits.maxKeyLength);
    const after = rawAfter === undefined || rawAfter === null ? undefined : normalizeKey(rawAfter, this.#limits.maxKeyLength);
    const limit = rawLimit === undefined || rawLimit === null ? 100 : rawLimit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `limit must be an integer from 1 to ${LIST_MAX}` });
    }
    return (await this.#repo.list(plugin, prefix, after, limit, new Date().toISOString())).map(toInfo);
  }

  /** A signed URL of the object now under the key (it stops working once that object is replaced). */
  async url(plugin: string, rawKey: unknown, rawTtl: unknown): Promise<string> {
    const ttl = rawTtl === undefined || rawTtl === null ? this.#limits.urlTtlSeconds : rawTtl;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > this.#limits.maxUrlTtlSeconds) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `expiresInSeconds must be an integer from 1 to ${this.#limits.maxUrlTtlSeconds}` });
    }
    const row = live(await this.#repo.get(plugin, normalizeKey(rawKey, this.#limits.maxKeyLength)));
    if (!row) throw new EaselError('BLOB_NOT_FOUND', { blob: `of ${plugin} under that key` });
    return this.#signer.url(row.id, Math.floor(Date.now() / 1000) + ttl);
  }

  /** For the HTTP route: the row (callers decide who may read it) and a reader of its bytes; undefined once expired. */
  async byId(id: string): Promise<BlobRecord | undefined> {
    return live(await this.#repo.byId(id));
  }

  read(row: BlobRecord, signal?: AbortSignal): Promise<Buffer> {
    return this.#read(row, signal);
  }

  checkUrl(blobId: string, expires: unknown, sig: unknown): 'ok' | 'expired' | 'invalid' {
    return this.#signer.check(blobId, expires, sig);
  }

  /**
   * Retention: deletes at most `limit` blobs expired by now, oldest expiry first: their rows
   * (their plugins' quotas given back) in one transaction, then their bytes. Bytes the backend
   * fails to delete stay on the orphan list for the sweeper, as after a failed delete.
   */
  async expire(limit: number): Promise<{ blobs: number; bytes: number; more: boolean }> {
    const { expired, more } = await this.#repo.expire(new Date().toISOString(), limit);
    await Promise.all(expired.map((row) => this.#discard(row.objectKey, true)));
    return { blobs: expired.length, bytes: expired.reduce((sum, row) => sum + row.size, 0), more };
  }

  /**
   * Deletes orphaned objects from the backend: released ones, and writes older than
   * `sweepAfterMs` (a put still running is younger). Returns how many were deleted; one
   * sweep at a time, failures are left for the next.
   */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweep(): Promise<number> {
    let deleted = (await this.backend.sweepLeftovers?.(this.#limits.sweepAfterMs)) ?? 0;
    const before = new Date(Date.now() - this.#limits.sweepAfterMs).toISOString();
    for (;;) {
      const keys = await this.#repo.orphans(before, 100);
      let progress = 0;
      for (const objectKey of keys) if (await this.#discard(objectKey, false)) progress++;
      deleted += progress;
      if (keys.length < 100 || progress === 0) return deleted;
    }
  }

  async #read(row: BlobRecord, signal?: AbortSignal): Promise<Buffer> {
    const bytes = await this.backend.get(row.objectKey, signal);
    if (!bytes) throw new EaselError('STORAGE_CORRUPT', { blob: row.id, reason: 'they are missing from the storage backend' });
    if (bytes.length !== row.size || createHash('sha256').update(bytes).digest('hex') !== row.sha256) {
      throw new EaselError('STORAGE_CORRUPT', { blob: row.id, reason: 'they do not match the sha256 recorded when it was written' });
    }
    return bytes;
  }

  /**
   * Deletes an orphan's bytes: claimed first (so a commit or another sweeper cannot race it),
   * put back as released when the backend fails. False (and a log line) then.
   */
  async #discard(objectKey: string, logFailure: boolean): Promise<boolean> {
    if (!(await this.#repo.claim(objectKey))) return false;
    try {
      await this.backend.delete(objectKey);
      return true;
    } catch (error) {
      await this.#repo.release(objectKey);
      if (logFailure) this.#log.warn({ err: error, objectKey }, 'could not delete a released blob object; the sweeper will retry');
      return false;
    }
  }
}
