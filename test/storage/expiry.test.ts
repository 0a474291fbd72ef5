/**
 * Blob TTLs in BlobService, with its real parts (a SQLite store in a temp folder, the real
 * LocalFolderBackend and UrlSigner): a put's `ttlSeconds` is checked against the maximum and
 * becomes `expiresAt` (or the host's default TTL does); an expired blob reads as absent through
 * every read (head, get, list, url, byId) before anything is purged; `expire` deletes rows and
 * bytes together in batches and gives the quota back. The clock is moved with a faked Date.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { EaselError } from '../../host/src/errors/index.ts';
import { LocalFolderBackend } from '../../host/src/storage/local-folder.ts';
import { BlobService, type BlobLimits } from '../../host/src/storage/service.ts';
import { UrlSigner } from '../../host/src/storage/url-signer.ts';
import type { Store } from '../../host/src/store/index.ts';
import { freshStore, pluginRecord } from '../../host/src/store/test-store.ts';

const LIMITS: BlobLimits = { maxObjectBytes: 1000, pluginQuotaBytes: 10_000, maxObjectsPerPlugin: 100, maxKeyLength: 64, urlTtlSeconds: 600, maxUrlTtlSeconds: 3600, sweepAfterMs: 60_000, maxBlobTtlSeconds: 7200 };
const T0 = Date.parse('2031-05-01T00:00:00.000Z');

let dir: string;
let store: Store;
let removeStore: () => Promise<void>;
let backend: LocalFolderBackend;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'easel-blob-expiry-'));
  ({ store, remove: removeStore } = await freshStore(dir));
  for (const name of ['p1', 'p2']) await store.plugins.install(pluginRecord(name));
  backend = new LocalFolderBackend({ dir: join(dir, 'blobs') });
  await backend.check();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(async () => {
  vi.useRealTimers();
  await removeStore?.();
  await rm(dir, { recursive: true, force: true });
});

function service(limits: Partial<BlobLimits> = {}): BlobService {
  return new BlobService({ backend, repo: store.blobs, limits: { ...LIMITS, ...limits }, signer: new UrlSigner(randomBytes(32), undefined), logger: { warn: () => undefined } });
}

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(EaselError);
    return (error as EaselError).code;
  }
  throw new Error('expected an EaselError');
}

/** Object files of a plugin in the blob folder. */
const files = async (plugin: string) => (await readdir(join(dir, 'blobs', plugin)).catch(() => [])).sort();
const bytes = (size: number) => new Uint8Array(size).fill(7);

test('ttlSeconds must be an integer from 1 to the maximum; a refused put stores nothing', async () => {
  const blobs = service();
  for (const ttlSeconds of [0, -1, 1.5, 7201, '60', Number.NaN, {}]) {
    expect(await codeOf(() => blobs.put('p1', undefined, 'k', bytes(3), 'text/plain', { ttlSeconds })), String(ttlSeconds)).toBe('BRIDGE_ARGUMENT_INVALID');
  }
  expect(await blobs.head('p1', 'k')).toBeUndefined();
  expect(await store.blobs.usage('p1')).toEqual({ bytes: 0, objects: 0 });
  expect(await files('p1')).toEqual([]);
  const info = await blobs.put('p1', undefined, 'k', bytes(3), 'text/plain', { ttlSeconds: 7200 });
  expect(info.expiresAt).toBe(new Date(T0 + 7_200_000).toISOString());
  expect(await blobs.head('p1', 'k')).toEqual(info);
});

test("without a TTL of its own a blob gets the host's default, or none", async () => {
  expect((await service().put('p1', undefined, 'a', bytes(1), 'text/plain')).expiresAt).toBeUndefined();
  expect((await service({ defaultBlobTtlSeconds: 0 }).put('p1', undefined, 'b', bytes(1), 'text/plain', { ttlSeconds: null })).expiresAt).toBeUndefined();
  const defaulted = service({ defaultBlobTtlSeconds: 86_400 });
  expect((await defaulted.put('p1', undefined, 'c', bytes(1), 'text/plain')).expiresAt).toBe(new Date(T0 + 86_400_000).toISOString());
  // Its own TTL wins over the default.
  expect((await defaulted.put('p1', undefined, 'd', bytes(1), 'text/plain', { ttlSeconds: 60 })).expiresAt).toBe(new Date(T0 + 60_000).toISOString());
});

test('an expired blob reads as absent everywhere before it is purged; then expire deletes rows and bytes in batches and gives the quota back', async () => {
  const blobs = service();
  const short = await blobs.put('p1', undefined, 'a/short', bytes(10), 'text/plain', { ttlSeconds: 60 });
  const longer = await blobs.put('p1', undefined, 'a/longer', bytes(20), 'text/plain', { ttlSeconds: 120 });
  const kept = await blobs.put('p1', undefined, 'a/kept', bytes(30), 'text/plain');
  const other = await blobs.put('p2', undefined, 'a/short', bytes(40), 'text/plain', { ttlSeconds: 7200 });
  expect(await files('p1')).toHaveLength(3);
  expect((await blobs.list('p1', 'a/', undefined, 10)).map((i) => i.key)).toEqual(['a/kept', 'a/longer', 'a/short']);

  vi.setSystemTime(T0 + 60_000);
  // At its expiry instant it is gone for every reader, while its row and bytes are still there.
  expect(await blobs.head('p1', 'a/short')).toBeUndefined();
  expect(await blobs.get('p1', 'a/short')).toBeUndefined();
  expect(await codeOf(() => blobs.url('p1', 'a/short', 60))).toBe('BLOB_NOT_FOUND');
  expect(await blobs.byId(short.blobId)).toBeUndefined();
  // A page is as long as its limit, skipping the expired key.
  expect((await blobs.list('p1', 'a/', undefined, 2)).map((i) => i.key)).toEqual(['a/kept', 'a/longer']);
  expect(await store.blobs.get('p1', 'a/short')).toBeDefined();
  expect(await files('p1')).toHaveLength(3);

  vi.setSystemTime(T0 + 3_600_000);
  expect(await blobs.expire(1)).toEqual({ blobs: 1, bytes: 10, more: true });
  expect(await store.blobs.usage('p1')).toEqual({ bytes: 50, objects: 2 });
  expect(await files('p1')).toHaveLength(2);
  expect(await blobs.expire(1)).toEqual({ blobs: 1, bytes: 20, more: true });
  expect(await blobs.expire(1)).toEqual({ blobs: 0, bytes: 0, more: false });
  expect(await store.blobs.usage('p1')).toEqual({ bytes: 30, objects: 1 });
  const keptRow = (await store.blobs.get('p1', 'a/kept'))!;
  expect(keptRow.id).toBe(kept.blobId);
  expect(await files('p1')).toEqual([keptRow.objectKey.split('/')[1]]);
  expect(await blobs.byId(longer.blobId)).toBeUndefined();
  expect((await blobs.get('p1', 'a/kept'))?.bytes.length).toBe(30);
  // Another plugin's blob, not yet expired, is untouched; nothing was left for the sweeper.
  expect(await blobs.head('p2', 'a/short')).toEqual(other);
  expect(await store.blobs.orphans(new Date(T0).toISOString(), 10)).toEqual([]);
  // The quota given back is usable again.
  await blobs.put('p1', undefined, 'again', bytes(1), 'text/plain');
});
