/**
 * `ctx.storage` for tests: metadata in memory, bytes in memory or as files in a folder the
 * test names (one file per object version, named by its blob id, never by a plugin's key).
 * Keys, content types, sizes, listings, URLs and TTLs follow the host's rules.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobInfo } from '../context.ts';
import { withBytes } from './bytes.ts';
import { EaselError } from './errors.ts';
import { mediaType, storageKey, storagePrefix } from './storage-keys.ts';

/** The host's defaults (EASEL_STORAGE_MAX_OBJECT_BYTES, _PLUGIN_QUOTA_BYTES, _MAX_OBJECTS_PER_PLUGIN, _URL_TTL_SECONDS, _MAX_URL_TTL_SECONDS, _MAX_BLOB_TTL_SECONDS). */
const LIMITS = { objectBytes: 10 * 1024 * 1024, quotaBytes: 1024 * 1024 * 1024, objects: 100_000, urlTtl: 3600, maxUrlTtl: 604_800, maxBlobTtl: 315_360_000 };
const LIST_MAX = 1000;

/**
 * Where stored bytes go: `'memory'` (the default), files in a fresh temp folder removed by
 * `close()` (`'temp'`), or files in a folder the test owns (`{ dir }`).
 *
 * @example
 * ```ts
 * const storage: StorageLocation = { dir: await mkdtemp(join(tmpdir(), 'blobs-')) };
 * const { ctx } = createTestContext({ manifest, storage });
 * ```
 */
export type StorageLocation = 'memory' | 'temp' | { dir: string };

/**
 * One stored object, as a test reads it back.
 *
 * @example
 * ```ts
 * const [first]: StoredObject[] = await plugin.readStorage();
 * assert.equal(first?.info.contentType, 'image/png');
 * ```
 */
export interface StoredObject {
  /** With `expiresAt` when the put set `ttlSeconds`. */
  info: BlobInfo;
  bytes: Uint8Array;
}

export class BlobStore {
  readonly #infos = new Map<string, BlobInfo>();
  readonly #memory = new Map<string, Uint8Array>();
  readonly #location: StorageLocation;
  readonly #publicUrl: string;
  #dir: Promise<string> | undefined;

  constructor(location: StorageLocation, publicUrl: string) {
    this.#location = location;
    this.#publicUrl = publicUrl.replace(/\/+$/, '');
  }

  /** Removes the temp folder, if the store made one. */
  async close(): Promise<void> {
    if (this.#location === 'temp' && this.#dir) await rm(await this.#dir, { recursive: true, force: true });
  }

  /** The folder the bytes go to; undefined in memory. */
  #folder(): Promise<string> | undefined {
    if (this.#location === 'memory') return undefined;
    const location = this.#location;
    this.#dir ??= location === 'temp' ? mkdtemp(join(tmpdir(), 'easel-test-storage-')) : mkdir(location.dir, { recursive: true }).then(() => location.dir);
    return this.#dir;
  }

  /** One bridge operation with the arguments the shim sends (`bytes` for put). */
  async handle(op: string, args: Record<string, unknown>, bytes: Uint8Array | undefined): Promise<unknown> {
    switch (op) {
      case 'put':
        if (!bytes) throw new EaselError('BRIDGE_ARGUMENT_INVALID', 'put needs bytes');
        return this.#put(storageKey(args.key), bytes, mediaType(args.contentType), ttlOf(args.ttlSeconds));
      case 'get': {
        const info = this.#live(storageKey(args.key));
        return info && withBytes(info, [await this.#read(info.blobId)]);
      }
      case 'head':
        return this.#live(storageKey(args.key));
      case 'delete':
        return this.#delete(storageKey(args.key));
      case 'list':
        return this.#list(storagePrefix(args.prefix), args.after, args.limit);
      case 'url':
        return this.#url(storageKey(args.key), args.expiresInSeconds);
      default:
        throw new EaselError('BRIDGE_ARGUMENT_INVALID', `storage has no operation ${op}`);
    }
  }

  /** The object under `key` unless it has expired: then, as on the host, it reads as absent. */
  #live(key: string): BlobInfo | undefined {
    const info = this.#infos.get(key);
    return info && !expired(info) ? info : undefined;
  }

  /** Every object, sorted by key, with its bytes: for a test to look at (expired ones too, with their `expiresAt`). */
  async objects(): Promise<StoredObject[]> {
    const infos = [...this.#infos.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    return Promise.all(infos.map(async (info) => ({ info: { ...info }, bytes: await this.#read(info.blobId) })));
  }

  async #put(key: string, bytes: Uint8Array, contentType: string, ttlSeconds: number | undefined): Promise<BlobInfo> {
    if (bytes.byteLength > LIMITS.objectBytes) {
      throw new EaselError('STORAGE_OBJECT_TOO_LARGE', `the object is ${bytes.byteLength} bytes, over the ${LIMITS.objectBytes} byte limit`);
    }
    const replaced = this.#infos.get(key);
    const used = [...this.#infos.values()].reduce((sum, info) => sum + info.size, 0) - (replaced?.size ?? 0);
    if (used + bytes.byteLength > LIMITS.quotaBytes || this.#infos.size + (replaced ? 0 : 1) > LIMITS.objects) {
      throw new EaselError('STORAGE_QUOTA_EXCEEDED', `a plugin may keep at most ${LIMITS.quotaBytes} bytes in ${LIMITS.objects} objects`);
    }
    const createdAt = Date.now();
    const info: BlobInfo = {
      key,
      blobId: randomUUID(),
      size: bytes.byteLength,
      contentType,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      createdAt: new Date(createdAt).toISOString(),
    };
    if (ttlSeconds !== undefined) info.expiresAt = new Date(createdAt + ttlSeconds * 1000).toISOString();
    const folder = await this.#folder();
    if (folder === undefined) this.#memory.set(info.blobId, bytes);
    else await writeFile(join(folder, info.blobId), bytes);
    this.#infos.set(key, info);
    if (replaced) await this.#discard(replaced.blobId);
    return { ...info };
  }

  async #read(blobId: string): Promise<Uint8Array> {
    const folder = await this.#folder();
    const bytes = folder === undefined ? this.#memory.get(blobId) : await readFile(join(folder, blobId));
    if (!bytes) throw new EaselError('INTERNAL_ERROR', `the bytes of blob ${blobId} are missing`);
    return new Uint8Array(bytes);
  }

  async #delete(key: string): Promise<boolean> {
    const info = this.#infos.get(key);
    if (!info) return false;
    this.#infos.delete(key);
    await this.#discard(info.blobId);
    return true;
  }

  async #discard(blobId: string): Promise<void> {
    this.#memory.delete(blobId);
    const folder = await this.#folder();
    if (folder !== undefined) await rm(join(folder, blobId), { force: true });
  }

  #list(prefix: string, rawAfter: unknown, rawLimit: unknown): BlobInfo[] {
    const after = rawAfter === undefined || rawAfter === null ? undefined : storageKey(rawAfter, 'after');
    const limit = rawLimit === undefined || rawLimit === null ? 100 : rawLimit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_MAX) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', `limit must be an integer from 1 to ${LIST_MAX}`);
    }
    return [...this.#infos.values()]
      .filter((info) => info.key.startsWith(prefix) && (after === undefined || info.key > after) && !expired(info))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, limit)
      .map((info) => ({ ...info }));
  }

  /** A URL of the host's shape: `/v1/blobs/<blobId>?expires=<unix seconds>&sig=<HMAC>`. */
  #url(key: string, rawTtl: unknown): string {
    const ttl = rawTtl === undefined || rawTtl === null ? LIMITS.urlTtl : rawTtl;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > LIMITS.maxUrlTtl) {
      throw new EaselError('BRIDGE_ARGUMENT_INVALID', `expiresInSeconds must be an integer from 1 to ${LIMITS.maxUrlTtl}`);
    }
    const info = this.#live(key);
    if (!info) throw new EaselError('BLOB_NOT_FOUND', 'the plugin has no object under that key');
    const expires = Math.floor(Date.now() / 1000) + ttl;
    const sig = createHmac('sha256', 'easel-test-kit').update(`blob\n${info.blobId}\n${expires}`).digest('base64url');
    return `${this.#publicUrl}/v1/blobs/${info.blobId}?expires=${expires}&sig=${sig}`;
  }
}

/** `ttlSeconds` as the host checks it: absent, or an integer from 1 to the host's default maximum. */
function ttlOf(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > LIMITS.maxBlobTtl) {
    throw new EaselError('BRIDGE_ARGUMENT_INVALID', `ttlSeconds must be an integer from 1 to ${LIMITS.maxBlobTtl}`);
  }
  return raw;
}

function expired(info: BlobInfo): boolean {
  return info.expiresAt !== undefined && Date.parse(info.expiresAt) <= Date.now();
}
