/**
 * BlobService with its real parts: a SQLite store in a temp folder (plugins installed for the
 * foreign keys), the real LocalFolderBackend and UrlSigner. Keys and prefixes, listing and
 * paging, quotas decided atomically under concurrency, failed and interrupted puts, the
 * sweeper, corrupted bytes, and signed URLs.
 *
 * The one stand-in is FlakyBackend, a wrapper around the real LocalFolderBackend that fails
 * the calls a test asks it to: no real disk can be made to fail on demand (and running as root
 * ignores permission bits), so this is the only way to show what a backend failure leaves.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { EaselError } from '../../host/src/errors/index.ts';
import type { BlobBackend } from '../../host/src/storage/backend.ts';
import { normalizeContentType, normalizeKey, normalizePrefix } from '../../host/src/storage/keys.ts';
import { LocalFolderBackend } from '../../host/src/storage/local-folder.ts';
import { BlobService, type BlobLimits } from '../../host/src/storage/service.ts';
import { UrlSigner } from '../../host/src/storage/url-signer.ts';
import type { Store } from '../../host/src/store/index.ts';
import { freshStore, pluginRecord } from '../../host/src/store/test-store.ts';

/** How long background work (deletes, audit rows) may take on a loaded machine; vi.waitFor's default is 1 s. */
const SETTLED = { timeout: 10_000 };

const LIMITS: BlobLimits = {
  maxObjectBytes: 1000,
  pluginQuotaBytes: 10_000,
  maxObjectsPerPlugin: 100,
  maxKeyLength: 64,
  urlTtlSeconds: 600,
  maxUrlTtlSeconds: 3600,
  sweepAfterMs: 60_000,
};
const FAR_FUTURE = '9999-12-31T00:00:00.000Z';
const BLOB_URL = /^\/v1\/blobs\/([0-9a-f-]{36})\?expires=(\d+)&sig=([A-Za-z0-9_-]{43})$/;

/** Wraps the real backend; `failPuts`/`failDeletes` fail that many next calls (see the file comment). */
class FlakyBackend implements BlobBackend {
  readonly kind = 'local' as const;
  /** Fail the next N puts before writing anything. */
  failPuts = 0;
  /** Awaited after the bytes of a put landed, before it returns (a slow acknowledgement). */
  stall: Promise<void> | undefined;
  /** Fail the next N puts after the bytes landed, as when the acknowledgement is lost. */
  failPutsAfterWrite = 0;
  failDeletes = 0;
  readonly deleteCalls: string[] = [];
  readonly inner: LocalFolderBackend;

  constructor(inner: LocalFolderBackend) {
    this.inner = inner;
  }

  async put(objectKey: string, bytes: Uint8Array, meta: { contentType: string; sha256: string }, signal?: AbortSignal): Promise<void> {
    if (this.failPuts > 0) {
      this.failPuts--;
      throw new EaselError('STORAGE_UNAVAILABLE', { operation: 'put', reason: 'EIO' });
    }
    await this.inner.put(objectKey, bytes, meta, signal);
    if (this.stall) await this.stall;
    if (this.failPutsAfterWrite > 0) {
      this.failPutsAfterWrite--;
      throw new EaselError('STORAGE_UNAVAILABLE', { operation: 'put', reason: 'ETIMEDOUT' });
    }
  }

  get(objectKey: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    return this.inner.get(objectKey, signal);
  }

  async delete(objectKey: string): Promise<void> {
    this.deleteCalls.push(objectKey);
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw new EaselError('STORAGE_UNAVAILABLE', { operation: 'delete', reason: 'EIO' });
    }
    await this.inner.delete(objectKey);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

let dir: string;
let blobDir: string;
let store: Store;
let removeStore: () => Promise<void>;
let backend: FlakyBackend;
let warnings: { obj: object; msg?: string }[];
let secret: Buffer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'easel-blob-service-'));
  blobDir = join(dir, 'blobs');
  ({ store, remove: removeStore } = await freshStore(dir));
  for (const name of ['p1', 'p2']) await store.plugins.install(pluginRecord(name));
  backend = new FlakyBackend(new LocalFolderBackend({ dir: blobDir }));
  await backend.check();
  warnings = [];
  secret = randomBytes(32);
});
afterEach(async () => {
  await removeStore?.();
  await rm(dir, { recursive: true, force: true });
});

function service(limits: Partial<BlobLimits> = {}, publicUrl?: string): BlobService {
  return new BlobService({
    backend,
    repo: store.blobs,
    limits: { ...LIMITS, ...limits },
    signer: new UrlSigner(secret, publicUrl),
    logger: { warn: (obj, msg) => warnings.push({ obj, msg }) },
  });
}

/** The EaselError code a call throws or rejects with (fails the test when it succeeds). */
async function codeOf(run: () => unknown): Promise<string> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an EaselError').toBeInstanceOf(EaselError);
  return (thrown as EaselError).code;
}

const bytes = (size: number, fill = 1) => new Uint8Array(size).fill(fill);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Files under the blob folder, relative, sorted (temp and probe files included: none should stay). */
async function files(): Promise<string[]> {
  const entries = await readdir(blobDir, { recursive: true }).catch(() => [] as string[]);
  const out: string[] = [];
  for (const entry of entries) if ((await stat(join(blobDir, entry))).isFile()) out.push(entry);
  return out.sort();
}

const rowsOf = async (plugin: string) => store.blobs.list(plugin, '', undefined, 1000);
const keysOf = async (list: Promise<{ key: string }[]>) => (await list).map((i) => i.key);

// ---------------------------------------------------------------------------------------------

describe('keys, prefixes and content types', () => {
  test.each([
    ['a', 'a'],
    ['a//b/', 'a/b'],
    ['/a', 'a'],
    ['///a///b///', 'a/b'],
    ['cafe\u0301', 'caf\u00e9'],
    ['\uff41', '\uff41'], // NFC, not NFKC: a full-width letter stays itself
    ['..a/b..', '..a/b..'],
    ['.hidden/x.y', '.hidden/x.y'],
    [' spaced key ', ' spaced key '],
    ['100%_done', '100%_done'],
    ['😀/한글', '😀/한글'],
  ])('normalizeKey(%j) is %j', (raw, expected) => {
    expect(normalizeKey(raw, 64)).toBe(expected);
  });

  test.each([
    [''],
    ['/'],
    ['//'],
    ['.'],
    ['..'],
    ['./a'],
    ['a/.'],
    ['a/./b'],
    ['a/../b'],
    ['../x'],
    ['/../x'],
    ['a/../../x'],
    ['a\u0000b'],
    ['a\tb'],
    ['a\nb'],
    ['a\rb'],
    ['\u001b[31m'],
    ['a\u007f'],
    ['a\u0085'],
    ['a\u009f'],
    [1],
    [null],
    [undefined],
    [{}],
    [['a']],
  ])('normalizeKey(%j) is STORAGE_KEY_INVALID', async (raw) => {
    expect(await codeOf(() => normalizeKey(raw, 64))).toBe('STORAGE_KEY_INVALID');
  });

  test('the length limit counts code points of the normalized key', async () => {
    expect(normalizeKey('abcdefgh', 8)).toBe('abcdefgh');
    expect(await codeOf(() => normalizeKey('abcdefghi', 8))).toBe('STORAGE_KEY_INVALID');
    // Slashes that normalization drops do not count; the ones it keeps do.
    expect(normalizeKey('//abc//defg//', 8)).toBe('abc/defg');
    expect(await codeOf(() => normalizeKey('abc/defgh', 8))).toBe('STORAGE_KEY_INVALID');
    // Astral characters count once (not as two UTF-16 units), NFD counts after composing.
    expect(normalizeKey('😀'.repeat(8), 8)).toBe('😀'.repeat(8));
    expect(await codeOf(() => normalizeKey('😀'.repeat(9), 8))).toBe('STORAGE_KEY_INVALID');
    expect(normalizeKey('e\u0301'.repeat(8), 8)).toBe('\u00e9'.repeat(8));
    expect(await codeOf(() => normalizeKey('x'.repeat(65), 64))).toBe('STORAGE_KEY_INVALID');
  });

  test('prefixes keep a trailing `/` and otherwise normalize like keys', async () => {
    expect(normalizePrefix(undefined, 64)).toBe('');
    expect(normalizePrefix(null, 64)).toBe('');
    expect(normalizePrefix('', 64)).toBe('');
    expect(normalizePrefix('/', 64)).toBe('');
    expect(normalizePrefix('images/', 64)).toBe('images/');
    expect(normalizePrefix('images//', 64)).toBe('images/');
    expect(normalizePrefix('/images', 64)).toBe('images');
    expect(normalizePrefix('a//b', 64)).toBe('a/b');
    expect(normalizePrefix('cafe\u0301/', 64)).toBe('caf\u00e9/');
    for (const raw of ['..', '../', 'a/../', './', 'a\u0000', 5, {}]) expect(await codeOf(() => normalizePrefix(raw, 64))).toBe('STORAGE_KEY_INVALID');
  });

  test('content types: lower-cased and trimmed; anything that could break a header is refused', async () => {
    expect(normalizeContentType(' Image/PNG ')).toBe('image/png');
    expect(normalizeContentType('text/plain; charset=utf-8')).toBe('text/plain; charset=utf-8');
    expect(normalizeContentType('application/vnd.api+json')).toBe('application/vnd.api+json');
    for (const raw of ['text/html\r\nX: y', 'text/html\nx', '', ' ', 'nope', 'text/', '/plain', 'text/plain; charset="utf-8"', 'a/b;c', 'a/b c', 'a/b\u0000', 'ü/x', 'x/'.padEnd(200, 'y'), 1, null, undefined]) {
      expect(await codeOf(() => normalizeContentType(raw))).toBe('STORAGE_KEY_INVALID');
    }
  });

  test('through the service, every spelling of a key names one object', async () => {
    const blobs = service();
    const first = await blobs.put('p1', undefined, 'cafe\u0301//menu/', bytes(3), 'text/plain');
    expect(first.key).toBe('caf\u00e9/menu');
    expect((await blobs.head('p1', '/caf\u00e9/menu'))?.blobId).toBe(first.blobId);
    expect((await blobs.get('p1', 'cafe\u0301/menu'))?.bytes).toEqual(Buffer.from(bytes(3)));
    const second = await blobs.put('p1', undefined, '/caf\u00e9/menu', bytes(3, 2), 'text/plain');
    expect(await keysOf(blobs.list('p1', '', undefined, undefined))).toEqual(['caf\u00e9/menu']);
    expect((await blobs.head('p1', 'caf\u00e9/menu'))?.blobId).toBe(second.blobId);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 3, objects: 1 });
    // Bad input is refused before anything is stored.
    expect(await codeOf(() => blobs.put('p1', undefined, 'a/../b', bytes(1), 'text/plain'))).toBe('STORAGE_KEY_INVALID');
    expect(await codeOf(() => blobs.put('p1', undefined, 'ok', bytes(1), 'text/html\r\nx: y'))).toBe('STORAGE_KEY_INVALID');
    expect(await rowsOf('p1')).toHaveLength(1);
    expect(await files()).toHaveLength(1);
  });

  test('keys with lone surrogates do not collide with each other', async () => {
    const blobs = service();
    const settle = (p: Promise<unknown>) => p.then(() => 'stored', (e: EaselError) => e.code);
    const first = await settle(blobs.put('p1', undefined, 'x\ud800', bytes(1, 1), 'text/plain'));
    const second = await settle(blobs.put('p1', undefined, 'x\udc00', bytes(1, 2), 'text/plain'));
    if (first === 'stored' && second === 'stored') {
      expect((await blobs.get('p1', 'x\ud800'))?.bytes).toEqual(Buffer.from([1]));
      expect(await rowsOf('p1')).toHaveLength(2);
    } else {
      expect([first, second]).toEqual(['STORAGE_KEY_INVALID', 'STORAGE_KEY_INVALID']);
    }
  });
});

describe('list', () => {
  async function putAll(blobs: BlobService, plugin: string, keys: string[]): Promise<void> {
    for (const key of keys) await blobs.put(plugin, undefined, key, bytes(1), 'application/octet-stream');
  }

  test('a prefix with a trailing `/` matches that folder only: `images/` does not match `images2`', async () => {
    const blobs = service();
    await putAll(blobs, 'p1', ['images2/x', 'images/b/c', 'imagesX', 'images', 'images2', 'images/a', 'image']);
    await putAll(blobs, 'p2', ['images/theirs']);
    expect(await keysOf(blobs.list('p1', 'images/', undefined, undefined))).toEqual(['images/a', 'images/b/c']);
    expect(await keysOf(blobs.list('p1', 'images//', undefined, undefined))).toEqual(['images/a', 'images/b/c']);
    expect(await keysOf(blobs.list('p1', 'images', undefined, undefined))).toEqual(['images', 'images/a', 'images/b/c', 'images2', 'images2/x', 'imagesX']);
    expect(await keysOf(blobs.list('p1', 'images2', undefined, undefined))).toEqual(['images2', 'images2/x']);
    expect(await keysOf(blobs.list('p1', 'images/b/', undefined, undefined))).toEqual(['images/b/c']);
    expect(await keysOf(blobs.list('p1', 'nothing', undefined, undefined))).toEqual([]);
    expect(await keysOf(blobs.list('p2', '', undefined, undefined))).toEqual(['images/theirs']);
  });

  test('`%`, `_` and `\\` in a prefix are plain characters', async () => {
    const blobs = service();
    await putAll(blobs, 'p1', ['a%b', 'a%c', 'axb', 'a_c', 'abc', 'a\\b', 'a[1]', 'a*']);
    expect(await keysOf(blobs.list('p1', 'a%', undefined, undefined))).toEqual(['a%b', 'a%c']);
    expect(await keysOf(blobs.list('p1', 'a_', undefined, undefined))).toEqual(['a_c']);
    expect(await keysOf(blobs.list('p1', 'a\\', undefined, undefined))).toEqual(['a\\b']);
    expect(await keysOf(blobs.list('p1', 'a[', undefined, undefined))).toEqual(['a[1]']);
    expect(await keysOf(blobs.list('p1', 'a*', undefined, undefined))).toEqual(['a*']);
    // Paging inside such a prefix.
    expect(await keysOf(blobs.list('p1', 'a%', 'a%b', undefined))).toEqual(['a%c']);
  });

  test('keys come sorted by code point, not by UTF-16 unit', async () => {
    const blobs = service();
    await putAll(blobs, 'p1', ['😀', '\uff46', '\u00e9', 'a', 'Z', '한']);
    expect(await keysOf(blobs.list('p1', '', undefined, undefined))).toEqual(['Z', 'a', '\u00e9', '한', '\uff46', '😀']);
    // Paging across the astral boundary.
    expect(await keysOf(blobs.list('p1', '', '\uff46', undefined))).toEqual(['😀']);
  });

  test('paging with `after` and `limit` visits every key once, in order', async () => {
    const blobs = service();
    const inside = Array.from({ length: 25 }, (_, i) => `p/${String(i).padStart(2, '0')}`);
    await putAll(blobs, 'p1', ['o', 'p', 'q', 'pz', ...inside]);
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await keysOf(blobs.list('p1', 'p/', after, 10));
      sizes.push(page.length);
      if (page.length === 0) break;
      seen.push(...page);
      after = page.at(-1);
    }
    expect(sizes).toEqual([10, 10, 5, 0]);
    expect(seen).toEqual(inside);
    // `after` is exclusive, need not exist, and normalizes like a key.
    expect(await keysOf(blobs.list('p1', 'p/', 'p/05x', 2))).toEqual(['p/06', 'p/07']);
    expect(await keysOf(blobs.list('p1', 'p/', '/p//04/', 2))).toEqual(['p/05', 'p/06']);
    // Before the prefix: from its start; past it: nothing.
    expect(await keysOf(blobs.list('p1', 'p/', 'a', 2))).toEqual(['p/00', 'p/01']);
    expect(await keysOf(blobs.list('p1', 'p/', 'p0', 2))).toEqual([]);
    expect(await keysOf(blobs.list('p1', 'p/', 'zzz', 2))).toEqual([]);
    // Without a prefix.
    expect(await keysOf(blobs.list('p1', '', 'p/24', 10))).toEqual(['pz', 'q']);
    expect(await codeOf(() => blobs.list('p1', 'p/', '../x', 2))).toBe('STORAGE_KEY_INVALID');
  });

  test('limit: 1 to 1000, default 100; anything else is BRIDGE_ARGUMENT_INVALID', async () => {
    const blobs = service({ maxObjectsPerPlugin: 200 });
    await putAll(blobs, 'p1', Array.from({ length: 101 }, (_, i) => `k${String(i).padStart(3, '0')}`));
    expect(await blobs.list('p1', '', undefined, undefined)).toHaveLength(100);
    expect(await blobs.list('p1', '', undefined, null)).toHaveLength(100);
    expect(await blobs.list('p1', '', undefined, 1000)).toHaveLength(101);
    expect(await blobs.list('p1', '', undefined, 1)).toHaveLength(1);
    for (const limit of [0, -1, 1001, 1.5, '10', Number.NaN, Number.POSITIVE_INFINITY, true]) {
      expect(await codeOf(() => blobs.list('p1', '', undefined, limit))).toBe('BRIDGE_ARGUMENT_INVALID');
    }
  });

  test('an `after` past the prefix in code point order answers nothing, whatever UTF-16 says', async () => {
    const blobs = service();
    await putAll(blobs, 'p1', ['\uff46-1', '\uff46-2', '😀']);
    expect(await keysOf(blobs.list('p1', '\uff46', '😀', 10))).toEqual([]);
  });
});

describe('quotas', () => {
  test('over maxObjectBytes: STORAGE_OBJECT_TOO_LARGE before anything is written; the limit itself fits', async () => {
    const blobs = service();
    expect(await codeOf(() => blobs.put('p1', undefined, 'big', bytes(LIMITS.maxObjectBytes + 1), 'application/octet-stream'))).toBe('STORAGE_OBJECT_TOO_LARGE');
    expect(await rowsOf('p1')).toEqual([]);
    expect(await files()).toEqual([]);
    expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
    expect(backend.deleteCalls).toEqual([]);
    const info = await blobs.put('p1', undefined, 'big', bytes(LIMITS.maxObjectBytes), 'application/octet-stream');
    expect(info).toMatchObject({ size: LIMITS.maxObjectBytes, sha256: sha(bytes(LIMITS.maxObjectBytes)) });
  });

  test('20 puts at once where 10 fit by bytes: exactly 10 are stored, usage matches the rows, the rest leave nothing', async () => {
    const blobs = service({ pluginQuotaBytes: 1000 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => blobs.put('p1', undefined, `k${i}`, bytes(100, i), 'application/octet-stream')));
    const stored = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as EaselError).code] : []));
    expect(stored).toHaveLength(10);
    expect(refused).toEqual(Array(10).fill('STORAGE_QUOTA_EXCEEDED'));
    const rows = await rowsOf('p1');
    expect(rows).toHaveLength(10);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: rows.reduce((n, r) => n + r.size, 0), objects: rows.length });
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 1000, objects: 10 });
    // Losers that had written their bytes delete them at once; no orphan is left for the sweeper.
    await vi.waitFor(async () => {
      expect(await files()).toEqual(rows.map((r) => r.objectKey).sort());
      expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
    }, SETTLED);
    expect(await store.blobs.usage('p2')).toEqual({ bytes: 0, objects: 0 });
  });

  test('20 puts at once where 7 fit by count: exactly 7 are stored', async () => {
    const blobs = service({ maxObjectsPerPlugin: 7 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => blobs.put('p1', undefined, `k${i}`, bytes(1), 'application/octet-stream')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 7, objects: 7 });
    await vi.waitFor(async () => expect(await files()).toHaveLength(7), SETTLED);
    const error = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(error.reason).toMatchObject({ code: 'STORAGE_QUOTA_EXCEEDED', details: { maxObjects: 7, maxBytes: LIMITS.pluginQuotaBytes } });
  });

  test('at the quota, overwrites of the same size all fit, even at once, and only the last object stays', async () => {
    const blobs = service({ pluginQuotaBytes: 300, maxObjectsPerPlugin: 3 });
    for (const key of ['a', 'b', 'c']) await blobs.put('p1', undefined, key, bytes(100), 'application/octet-stream');
    expect(await codeOf(() => blobs.put('p1', undefined, 'd', bytes(1), 'application/octet-stream'))).toBe('STORAGE_QUOTA_EXCEEDED');
    expect(await codeOf(() => blobs.put('p1', undefined, 'a', bytes(101), 'application/octet-stream'))).toBe('STORAGE_QUOTA_EXCEEDED');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => blobs.put('p1', undefined, 'a', bytes(100, i + 10), 'application/octet-stream')));
    expect(new Set(results.map((r) => r.blobId)).size).toBe(10);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 300, objects: 3 });
    const a = await store.blobs.get('p1', 'a');
    expect(results.map((r) => r.blobId)).toContain(a?.id);
    expect((await blobs.get('p1', 'a'))?.info.sha256).toBe(a?.sha256);
    await vi.waitFor(async () => {
      expect(await files()).toEqual((await rowsOf('p1')).map((r) => r.objectKey).sort());
      expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
    }, SETTLED);
  });

  test('a put for a plugin that is not installed is PLUGIN_NOT_FOUND and leaves nothing', async () => {
    const blobs = service();
    expect(await codeOf(() => blobs.put('ghost', undefined, 'k', bytes(5), 'text/plain'))).toBe('PLUGIN_NOT_FOUND');
    await vi.waitFor(async () => {
      expect(await files()).toEqual([]);
      expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
    }, SETTLED);
  });

  test('a delete frees its bytes and its object slot', async () => {
    const blobs = service({ pluginQuotaBytes: 200, maxObjectsPerPlugin: 2 });
    await blobs.put('p1', undefined, 'a', bytes(100), 'text/plain');
    await blobs.put('p1', undefined, 'b', bytes(100), 'text/plain');
    expect(await blobs.delete('p1', 'a')).toBe(true);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 100, objects: 1 });
    await blobs.put('p1', undefined, 'c', bytes(100), 'text/plain');
    expect(await blobs.delete('p1', 'a')).toBe(false);
  });

  test('an overwrite with fewer bytes frees the difference', async () => {
    const blobs = service({ pluginQuotaBytes: 200 });
    await blobs.put('p1', undefined, 'a', bytes(150), 'text/plain');
    await blobs.put('p1', undefined, 'a', bytes(50), 'text/plain');
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 50, objects: 1 });
    await blobs.put('p1', undefined, 'b', bytes(150), 'text/plain');
  });
});

describe('failed and interrupted writes', () => {
  test('a backend put that fails leaves no row, no usage change, no file, no orphan; the old object stays', async () => {
    const blobs = service();
    const old = await blobs.put('p1', undefined, 'k', bytes(10, 7), 'text/plain');
    const before = await files();
    backend.failPuts = 1;
    expect(await codeOf(() => blobs.put('p1', undefined, 'k', bytes(20, 8), 'text/plain'))).toBe('STORAGE_UNAVAILABLE');
    backend.failPuts = 1;
    expect(await codeOf(() => blobs.put('p1', undefined, 'new', bytes(20, 8), 'text/plain'))).toBe('STORAGE_UNAVAILABLE');
    await vi.waitFor(async () => expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]), SETTLED);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 10, objects: 1 });
    expect((await rowsOf('p1')).map((r) => r.id)).toEqual([old.blobId]);
    expect(await files()).toEqual(before);
    expect((await blobs.get('p1', 'k'))?.bytes).toEqual(Buffer.from(bytes(10, 7)));
  });

  test('a put whose bytes landed but whose answer was lost deletes them again', async () => {
    const blobs = service();
    backend.failPutsAfterWrite = 1;
    expect(await codeOf(() => blobs.put('p1', undefined, 'k', bytes(20), 'text/plain'))).toBe('STORAGE_UNAVAILABLE');
    expect(await rowsOf('p1')).toEqual([]);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 0, objects: 0 });
    await vi.waitFor(async () => {
      expect(await files()).toEqual([]);
      expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
    }, SETTLED);
    expect(backend.deleteCalls).toHaveLength(1);
  });

  test('a put interrupted before its commit (a crash) is swept only once older than sweepAfterMs', async () => {
    // A minute: the first sweep comes well before that on any machine; the clock is then moved past it.
    const sweepAfterMs = 60_000;
    const blobs = service({ sweepAfterMs });
    const committed = await blobs.put('p1', undefined, 'kept', bytes(3), 'text/plain');
    // What a crash between the backend write and the commit leaves behind.
    const objectKey = `p1/${randomUUID()}`;
    await store.blobs.beginWrite(objectKey);
    await backend.put(objectKey, bytes(9), { contentType: 'text/plain', sha256: sha(bytes(9)) });
    expect(await blobs.sweep()).toBe(0);
    expect(await files()).toContain(objectKey);
    expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([objectKey]);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + sweepAfterMs + 1000 });
    try {
      expect(await blobs.sweep()).toBe(1);
      expect(await files()).toEqual([(await store.blobs.get('p1', 'kept'))?.objectKey]);
      expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
      // Committed objects are never the sweeper's, however old.
      expect((await blobs.get('p1', 'kept'))?.info.blobId).toBe(committed.blobId);
      expect(await blobs.sweep()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test('a put that outlives sweepAfterMs loses its object to the sweeper and fails: never a row without bytes', async () => {
    const sweepAfterMs = 200;
    const blobs = service({ sweepAfterMs });
    let resume!: () => void;
    backend.stall = new Promise<void>((resolve) => (resume = resolve));
    const slow = blobs.put('p1', undefined, 'slow', bytes(5), 'text/plain');
    await vi.waitFor(async () => expect(await files()).toHaveLength(1), SETTLED);
    await new Promise((resolve) => setTimeout(resolve, sweepAfterMs + 50));
    expect(await blobs.sweep()).toBe(1);
    expect(await files()).toEqual([]);
    resume();
    backend.stall = undefined;
    expect(await codeOf(() => slow)).toBe('STORAGE_UNAVAILABLE');
    expect(await rowsOf('p1')).toEqual([]);
    expect(await store.blobs.usage('p1')).toEqual({ bytes: 0, objects: 0 });
    expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
  });

  test('an overwritten object whose immediate delete failed is deleted by the next sweep, however young', async () => {
    const blobs = service();
    await blobs.put('p1', undefined, 'k', bytes(5, 1), 'text/plain');
    const oldObject = (await store.blobs.get('p1', 'k'))?.objectKey as string;
    backend.failDeletes = 1;
    await blobs.put('p1', undefined, 'k', bytes(6, 2), 'text/plain');
    await vi.waitFor(() => expect(warnings).toHaveLength(1), SETTLED);
    expect(warnings[0]?.obj).toMatchObject({ objectKey: oldObject });
    expect(await files()).toContain(oldObject);
    expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([oldObject]);
    expect(await blobs.sweep()).toBe(1);
    expect(await files()).toEqual([(await store.blobs.get('p1', 'k'))?.objectKey]);
    expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([]);
    expect((await blobs.get('p1', 'k'))?.bytes).toEqual(Buffer.from(bytes(6, 2)));
  });

  test('a deleted object whose immediate delete failed is deleted by the next sweep', async () => {
    const blobs = service();
    await blobs.put('p1', undefined, 'k', bytes(5), 'text/plain');
    backend.failDeletes = 1;
    expect(await blobs.delete('p1', 'k')).toBe(true);
    await vi.waitFor(() => expect(warnings).toHaveLength(1), SETTLED);
    expect(await files()).toHaveLength(1);
    expect(await blobs.sweep()).toBe(1);
    expect(await files()).toEqual([]);
  });

  test('a sweep that cannot delete keeps the orphan for the next one; concurrent sweeps are one', async () => {
    const blobs = service({ sweepAfterMs: 1000 });
    const objectKey = `p1/${randomUUID()}`;
    await store.blobs.beginWrite(objectKey);
    await backend.put(objectKey, bytes(4), { contentType: 'text/plain', sha256: sha(bytes(4)) });
    // Seen from 2 s on: the orphan is old enough without waiting.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2000 });
    try {
      backend.failDeletes = 1;
      expect(await blobs.sweep()).toBe(0);
      expect(await store.blobs.orphans(FAR_FUTURE, 100)).toEqual([objectKey]);
      const [a, b] = await Promise.all([blobs.sweep(), blobs.sweep()]);
      expect([a, b]).toEqual([1, 1]);
      expect(backend.deleteCalls).toEqual([objectKey, objectKey]);
      expect(await files()).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('reads', () => {
  async function stored(blobs: BlobService) {
    await blobs.put('p1', undefined, 'k', bytes(32, 3), 'application/octet-stream');
    const row = await store.blobs.get('p1', 'k');
    return join(blobDir, ...(row?.objectKey as string).split('/'));
  }

  test('bytes altered on disk (same length) are STORAGE_CORRUPT, never served', async () => {
    const blobs = service();
    const file = await stored(blobs);
    await writeFile(file, bytes(32, 4));
    expect(await codeOf(() => blobs.get('p1', 'k'))).toBe('STORAGE_CORRUPT');
    const row = await blobs.byId((await blobs.head('p1', 'k'))?.blobId as string);
    expect(await codeOf(() => blobs.read(row!))).toBe('STORAGE_CORRUPT');
    // The metadata is still there: head answers, and a new put repairs the key.
    expect(await blobs.head('p1', 'k')).toMatchObject({ size: 32 });
    await blobs.put('p1', undefined, 'k', bytes(32, 5), 'application/octet-stream');
    expect((await blobs.get('p1', 'k'))?.bytes).toEqual(Buffer.from(bytes(32, 5)));
  });

  test('a truncated, extended or missing file is STORAGE_CORRUPT', async () => {
    const blobs = service();
    const file = await stored(blobs);
    await truncate(file, 31);
    expect(await codeOf(() => blobs.get('p1', 'k'))).toBe('STORAGE_CORRUPT');
    await writeFile(file, Buffer.concat([Buffer.from(bytes(32, 3)), Buffer.from([0])]));
    expect(await codeOf(() => blobs.get('p1', 'k'))).toBe('STORAGE_CORRUPT');
    await unlink(file);
    expect(await codeOf(() => blobs.get('p1', 'k'))).toBe('STORAGE_CORRUPT');
  });

  test('get, head and delete of a missing key answer undefined/false; another plugin\'s key is missing', async () => {
    const blobs = service();
    await blobs.put('p2', undefined, 'k', bytes(1), 'text/plain');
    expect(await blobs.get('p1', 'k')).toBeUndefined();
    expect(await blobs.head('p1', 'k')).toBeUndefined();
    expect(await blobs.delete('p1', 'k')).toBe(false);
    expect(await blobs.list('p1', '', undefined, undefined)).toEqual([]);
    expect((await blobs.get('p2', 'k'))?.bytes).toEqual(Buffer.from([1]));
  });
});

describe('signed URLs', () => {
  test('url(): the object under the key now, with the default or a chosen lifetime', async () => {
    const blobs = service();
    const info = await blobs.put('p1', undefined, 'k', bytes(1), 'text/plain');
    const now = Math.floor(Date.now() / 1000);
    const [, id, expires, sig] = BLOB_URL.exec(await blobs.url('p1', 'k', undefined)) as unknown as string[];
    expect(id).toBe(info.blobId);
    expect(Number(expires) - now).toBeGreaterThanOrEqual(LIMITS.urlTtlSeconds);
    expect(Number(expires) - now).toBeLessThanOrEqual(LIMITS.urlTtlSeconds + 1);
    expect(blobs.checkUrl(id!, expires, sig)).toBe('ok');
    const [, , longer] = BLOB_URL.exec(await blobs.url('p1', '/k/', LIMITS.maxUrlTtlSeconds)) as unknown as string[];
    expect(Number(longer) - now).toBeGreaterThanOrEqual(LIMITS.maxUrlTtlSeconds);
    expect(await blobs.url('p1', 'k', null)).toMatch(BLOB_URL);
    // With a public URL, absolute.
    const absolute = await service({}, 'https://easel.example.com').url('p1', 'k', 60);
    expect(absolute.startsWith(`https://easel.example.com/v1/blobs/${info.blobId}?expires=`)).toBe(true);
  });

  test('url() of a missing key (or another plugin\'s) is BLOB_NOT_FOUND; a bad lifetime is BRIDGE_ARGUMENT_INVALID', async () => {
    const blobs = service();
    await blobs.put('p2', undefined, 'k', bytes(1), 'text/plain');
    expect(await codeOf(() => blobs.url('p1', 'k', undefined))).toBe('BLOB_NOT_FOUND');
    expect(await codeOf(() => blobs.url('p1', 'missing', 60))).toBe('BLOB_NOT_FOUND');
    for (const ttl of [0, -1, 1.5, '60', LIMITS.maxUrlTtlSeconds + 1, Number.NaN, Number.POSITIVE_INFINITY, {}]) {
      expect(await codeOf(() => blobs.url('p2', 'k', ttl))).toBe('BRIDGE_ARGUMENT_INVALID');
    }
    expect(await codeOf(() => blobs.url('p2', '../p1/k', 60))).toBe('STORAGE_KEY_INVALID');
  });
});

describe('UrlSigner', () => {
  const id = '3f2a8c1e-5b7d-4e9f-a0c2-1d3e5f7a9b0c';
  const parse = (url: string) => {
    const u = new URL(url, 'http://host');
    return { id: u.pathname.split('/').at(-1) as string, expires: u.searchParams.get('expires') as string, sig: u.searchParams.get('sig') as string };
  };

  test('ok until the expiry second, expired after it', () => {
    const signer = new UrlSigner(randomBytes(32), undefined);
    const u = parse(signer.url(id, 1_000_000));
    expect(u.id).toBe(id);
    expect(signer.check(id, u.expires, u.sig, 999_999)).toBe('ok');
    expect(signer.check(id, u.expires, u.sig, 1_000_000)).toBe('ok');
    expect(signer.check(id, u.expires, u.sig, 1_000_001)).toBe('expired');
  });

  test('a changed id, expiry or signature, garbage, or another secret is invalid', () => {
    const key = randomBytes(32);
    const signer = new UrlSigner(key, undefined);
    const u = parse(signer.url(id, 2_000_000));
    const at = 1_000_000;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(signer.check(id, u.expires, u.sig, at)).toBe('ok');
    expect(signer.check('3f2a8c1e-5b7d-4e9f-a0c2-1d3e5f7a9b0d', u.expires, u.sig, at)).toBe('invalid');
    expect(signer.check(id, '2000001', u.sig, at)).toBe('invalid');
    expect(signer.check(id, '1999999', u.sig, at)).toBe('invalid');
    for (const i of [0, 20, 42]) expect(signer.check(id, u.expires, flip(u.sig, i), at)).toBe('invalid');
    for (const expires of [undefined, null, '', ' 2000000', '2000000 ', '2e6', '-1', '1234567890123', 2_000_000, ['2000000']]) {
      expect(signer.check(id, expires, u.sig, at)).toBe('invalid');
    }
    for (const sig of [undefined, null, '', u.sig.slice(0, 42), `${u.sig}=`, `${u.sig}A`, `${u.sig.slice(0, 42)}+`, `${u.sig.slice(0, 42)}/`, Buffer.from(u.sig)]) {
      expect(signer.check(id, u.expires, sig, at)).toBe('invalid');
    }
    expect(new UrlSigner(randomBytes(32), undefined).check(id, u.expires, u.sig, at)).toBe('invalid');
    // An expired forgery is invalid, not expired: expiry is only told for genuine URLs.
    expect(signer.check(id, '1', flip(u.sig, 0), at)).toBe('invalid');
    expect(new UrlSigner(key, undefined).check(id, u.expires, u.sig, at)).toBe('ok');
  });
});
