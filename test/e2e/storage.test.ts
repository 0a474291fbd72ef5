/**
 * ctx.storage end to end, through a real host (local-folder backend, real sandbox workers):
 * two fixture plugins (storage-user and storage-other, the same code under two names) attack
 * each other's namespaces and the limits, and apps fetch what they stored over HTTP. Every
 * refusal is checked to have written nothing: no metadata row, no usage change, no orphan,
 * no file in the blob folder.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

/** How long background work (deletes, audit rows) may take on a loaded machine; vi.waitFor's default is 1 s. */
const SETTLED = { timeout: 10_000 };

const KiB = 1024;
const MAX_OBJECT = 64 * KiB;
const QUOTA_BYTES = 160 * KiB;
const MAX_OBJECTS = 6;
const FULL = { storage: { read: true, write: true } };
const USER = 'storage-user';
const OTHER = 'storage-other';
type Plugin = typeof USER | typeof OTHER;
/** Every orphan, whatever its age. */
const FAR_FUTURE = '9999-12-31T00:00:00.000Z';

let host: RunningHost;
let appA: string;
let appB: string;
const tarballs = new Map<Plugin, Buffer>();

beforeAll(async () => {
  host = await startHost({ storage: { maxObjectBytes: MAX_OBJECT, pluginQuotaBytes: QUOTA_BYTES, maxObjectsPerPlugin: MAX_OBJECTS } });
  appA = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app-a' } })).body.key;
  appB = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app-b' } })).body.key;
  for (const name of [USER, OTHER] as const) tarballs.set(name, (await packWithCli(`test/fixtures/plugins/${name}`)).tarball);
});
afterAll(async () => {
  await host?.close();
});

async function install(name: Plugin): Promise<void> {
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarballs.get(name) })).status).toBe(201);
  await grant(name, FULL);
}

async function grant(name: Plugin, permissions: unknown): Promise<void> {
  const res = await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant: permissions } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

// Each test starts with both plugins freshly installed, fully granted, their namespaces empty
// and every object swept.
beforeEach(async () => {
  for (const name of [USER, OTHER] as const) {
    if ((await host.call('GET', `/v1/plugins/${name}`)).status === 200) expect((await host.call('DELETE', `/v1/plugins/${name}`)).status).toBe(200);
    await install(name);
  }
  await host.host.blobs.sweep();
  expect(await blobFiles()).toEqual([]);
  expect(await host.host.store.blobs.orphans(FAR_FUTURE, 1000)).toEqual([]);
});

// --- calling the fixture -------------------------------------------------------------------

type Outcome = { ok: true; value: any } | { ok: false; code: string; message: string };

async function run(plugin: Plugin, op: string, input: Record<string, unknown>, key = appA): Promise<{ status: number; body: any }> {
  return host.call('POST', `/v1/agents/${plugin}/store/${op}`, { key, body: input });
}

async function call(plugin: Plugin, op: string, input: Record<string, unknown>, key = appA): Promise<Outcome> {
  const res = await run(plugin, op, input, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.output as Outcome;
}

async function ok(plugin: Plugin, op: string, input: Record<string, unknown>, key = appA): Promise<any> {
  const out = await call(plugin, op, input, key);
  expect(out, JSON.stringify(out)).toMatchObject({ ok: true });
  return (out as { value: unknown }).value;
}

async function refused(plugin: Plugin, op: string, input: Record<string, unknown>, code: string): Promise<string> {
  const out = await call(plugin, op, input);
  expect(out, JSON.stringify(out)).toMatchObject({ ok: false, code });
  return (out as { message: string }).message;
}

// --- what is stored ------------------------------------------------------------------------

/** Files under the blob folder, as paths relative to it, sorted. */
async function blobFiles(): Promise<string[]> {
  const dir = host.config.storage.dir;
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const files: string[] = [];
  for (const entry of entries) if ((await stat(join(dir, entry))).isFile()) files.push(entry.split('\\').join('/'));
  return files.sort();
}

/** Rows, usage, orphans and files: two equal snapshots mean nothing was written. */
async function snapshot() {
  const plugins: Record<string, unknown> = {};
  for (const name of [USER, OTHER]) {
    const rows = await host.host.store.blobs.list(name, '', undefined, 1000);
    plugins[name] = { rows: rows.map((r) => `${r.key} ${r.id} ${r.sha256}`), usage: await host.host.store.blobs.usage(name) };
  }
  return { plugins, orphans: await host.host.store.blobs.orphans(FAR_FUTURE, 1000), files: await blobFiles() };
}

async function expectNothingWritten(action: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await action();
  expect(await snapshot()).toEqual(before);
}

const sha = (bytes: Uint8Array | number[]) => createHash('sha256').update(Buffer.from(bytes as Uint8Array)).digest('hex');
const objectFile = async (plugin: Plugin, key: string) => {
  const row = await host.host.store.blobs.get(plugin, key);
  expect(row).toBeDefined();
  return row!.objectKey;
};

/** GET against the host without the JSON parsing of host.call: blobs are bytes. */
async function fetchBlob(path: string, options: { key?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const res = await fetch(`${host.url}${path}`, { headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const body = res.status >= 400 ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: res.status, headers: res.headers, bytes, body };
}

const BLOB_URL = /^\/v1\/blobs\/([0-9a-f-]{36})\?expires=(\d+)&sig=([A-Za-z0-9_-]{43})$/;

// --------------------------------------------------------------------------------------------

describe('round trips', () => {
  test('bytes from arrays, views, windows and big buffers come back exactly; a 0-byte object is bytes, not missing', async () => {
    const info = await ok(USER, 'put', { key: 'one', bytes: [1, 2, 3, 250], contentType: 'application/octet-stream' });
    expect(info).toMatchObject({ key: 'one', size: 4, contentType: 'application/octet-stream', sha256: sha([1, 2, 3, 250]) });
    expect(info.blobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ok(USER, 'get', { key: 'one' })).toEqual({ found: true, isUint8Array: true, size: 4, bytes: [1, 2, 3, 250] });

    // Only the view's bytes cross, never the rest of its buffer.
    expect(await ok(USER, 'put', { key: 'window', bytes: [9, 8, 7], view: 'window' })).toMatchObject({ size: 3, sha256: sha([9, 8, 7]) });
    expect((await ok(USER, 'get', { key: 'window' })).bytes).toEqual([9, 8, 7]);
    expect(await ok(USER, 'put', { key: 'dv', bytes: [5, 6], view: 'dataview' })).toMatchObject({ size: 2 });
    expect(await ok(USER, 'put', { key: 'ab', bytes: [4], view: 'arraybuffer' })).toMatchObject({ size: 1 });

    const empty = await ok(USER, 'put', { key: 'empty', bytes: [] });
    expect(empty).toMatchObject({ size: 0, sha256: sha([]) });
    expect(await ok(USER, 'get', { key: 'empty' })).toEqual({ found: true, isUint8Array: true, size: 0, bytes: [] });

    // Exactly the object limit: made inside the isolate, checked by sha on both sides.
    const big = await ok(USER, 'put', { key: 'big', bytes: { size: MAX_OBJECT, fill: 0x5a } });
    expect(big).toMatchObject({ size: MAX_OBJECT, sha256: sha(Buffer.alloc(MAX_OBJECT, 0x5a)) });
    expect(await ok(USER, 'get', { key: 'big', as: 'sha' })).toEqual({ found: true, isUint8Array: true, size: MAX_OBJECT, sha256: big.sha256 });
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 4 + 3 + 2 + 1 + 0 + MAX_OBJECT, objects: 6 });
    expect(await blobFiles()).toHaveLength(6);
  });

  test('keys normalize: `a//b/` is `a/b`, a leading `/` is dropped, NFD is NFC', async () => {
    expect(await ok(USER, 'put', { key: 'a//b/', bytes: [1] })).toMatchObject({ key: 'a/b' });
    expect(await ok(USER, 'head', { key: 'a/b' })).toMatchObject({ key: 'a/b', size: 1 });
    expect(await ok(USER, 'head', { key: '/a/b' })).toMatchObject({ key: 'a/b' });
    expect((await ok(USER, 'get', { key: 'a///b//' })).bytes).toEqual([1]);
    expect(await ok(USER, 'put', { key: 'cafe\u0301', bytes: [2] })).toMatchObject({ key: 'caf\u00e9' });
    expect(await ok(USER, 'head', { key: 'caf\u00e9' })).toMatchObject({ size: 1 });
    // `a/b` written again through another spelling replaces the same object.
    await ok(USER, 'put', { key: '/a/b', bytes: [3] });
    expect((await ok(USER, 'list', {})).map((i: { key: string }) => i.key)).toEqual(['a/b', 'caf\u00e9']);
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 2, objects: 2 });
  });
});

describe("one plugin cannot reach another's objects", () => {
  test('storage-user sees nothing of what storage-other stored under the same key', async () => {
    const secret = await ok(OTHER, 'put', { key: 'secret', bytes: [42, 42, 42] });
    await ok(OTHER, 'put', { key: 'dir/inner', bytes: [7] });
    await expectNothingWritten(async () => {
      expect(await ok(USER, 'get', { key: 'secret' })).toEqual({ found: false });
      expect(await ok(USER, 'head', { key: 'secret' })).toBeNull();
      expect(await ok(USER, 'list', { prefix: '' })).toEqual([]);
      expect(await ok(USER, 'list', { prefix: 'dir/' })).toEqual([]);
      expect(await ok(USER, 'delete', { key: 'secret' })).toBe(false);
      expect(await refused(USER, 'url', { key: 'secret' }, 'BLOB_NOT_FOUND')).toMatch(/no blob of storage-user under that key/);
    });
    // Its own `secret` is another object; storage-other's is untouched.
    const mine = await ok(USER, 'put', { key: 'secret', bytes: [1] });
    expect(mine.blobId).not.toBe(secret.blobId);
    expect((await ok(OTHER, 'get', { key: 'secret' })).bytes).toEqual([42, 42, 42]);
    expect((await ok(USER, 'get', { key: 'secret' })).bytes).toEqual([1]);
    expect(await objectFile(USER, 'secret')).toMatch(/^storage-user\//);
    expect(await objectFile(OTHER, 'secret')).toMatch(/^storage-other\//);
  });

  test('traversal keys and prefixes are refused as STORAGE_KEY_INVALID by every operation, writing nothing', async () => {
    await ok(OTHER, 'put', { key: 'secret', bytes: [42] });
    const keys = ['../storage-other/secret', 'a/../../x', './x', '/../x', '..', '.', 'a/./b', 'x/..', '../../../../etc/passwd', '', '///', 'a\u0000b', 'line\nbreak', 'del\u007f'];
    await expectNothingWritten(async () => {
      for (const key of keys) {
        for (const op of ['put', 'get', 'head', 'delete', 'url']) await refused(USER, op, { key, bytes: [1] }, 'STORAGE_KEY_INVALID');
      }
      for (const prefix of ['../storage-other/', '../', 'a/../', './', 'x\u0001']) await refused(USER, 'list', { prefix }, 'STORAGE_KEY_INVALID');
      await refused(USER, 'list', { after: '../storage-other/secret' }, 'STORAGE_KEY_INVALID');
      // Not a string at all.
      await refused(USER, 'put', { key: 12, bytes: [1] }, 'STORAGE_KEY_INVALID');
      await refused(USER, 'get', { key: { toString: 'secret' } }, 'STORAGE_KEY_INVALID');
    });
    expect((await ok(OTHER, 'get', { key: 'secret' })).bytes).toEqual([42]);
  });

  test('an app key sees only the blobs its own executions wrote', async () => {
    const a = await ok(USER, 'put', { key: 'by-a', bytes: [1] }, appA);
    const b = await ok(OTHER, 'put', { key: 'by-b', bytes: [2] }, appB);
    expect((await fetchBlob(`/v1/blobs/${a.blobId}`, { key: appA })).bytes).toEqual(Buffer.from([1]));
    expect((await fetchBlob(`/v1/blobs/${b.blobId}`, { key: appB })).bytes).toEqual(Buffer.from([2]));
    for (const [id, key] of [[a.blobId, appB], [b.blobId, appA]] as const) {
      const res = await fetchBlob(`/v1/blobs/${id}`, { key });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('BLOB_NOT_FOUND');
    }
  });
});

describe('limits', () => {
  test(`a put over maxObjectBytes (${MAX_OBJECT}) is STORAGE_OBJECT_TOO_LARGE and writes nothing`, async () => {
    await ok(USER, 'put', { key: 'keep', bytes: [1] });
    await expectNothingWritten(async () => {
      const message = await refused(USER, 'put', { key: 'huge', bytes: { size: MAX_OBJECT + 1, fill: 1 } }, 'STORAGE_OBJECT_TOO_LARGE');
      expect(message).toContain(String(MAX_OBJECT));
      // Replacing an existing object with a too-large one leaves the old one in place.
      await refused(USER, 'put', { key: 'keep', bytes: { size: MAX_OBJECT + 1, fill: 1 } }, 'STORAGE_OBJECT_TOO_LARGE');
    });
    expect((await ok(USER, 'get', { key: 'keep' })).bytes).toEqual([1]);
    expect(await ok(USER, 'head', { key: 'huge' })).toBeNull();
  });

  test(`the byte quota (${QUOTA_BYTES}): STORAGE_QUOTA_EXCEEDED writes nothing; growing an object within it works, to the byte`, async () => {
    const chunk = 50 * KiB;
    for (const [i, key] of ['a', 'b', 'c'].entries()) await ok(USER, 'put', { key, bytes: { size: chunk, fill: i } });
    await expectNothingWritten(async () => {
      const message = await refused(USER, 'put', { key: 'd', bytes: { size: chunk, fill: 3 } }, 'STORAGE_QUOTA_EXCEEDED');
      expect(message).toContain(`${QUOTA_BYTES} bytes`);
      // Growing `a` one byte past the quota is refused too, and `a` keeps its bytes.
      await refused(USER, 'put', { key: 'a', bytes: { size: QUOTA_BYTES - 2 * chunk + 1, fill: 9 } }, 'STORAGE_QUOTA_EXCEEDED');
    });
    expect(await ok(USER, 'get', { key: 'a', as: 'sha' })).toMatchObject({ sha256: sha(Buffer.alloc(chunk, 0)) });
    // Another plugin's quota is its own.
    await ok(OTHER, 'put', { key: 'd', bytes: { size: chunk, fill: 3 } });

    // `a` grown to fill the quota exactly: the overwrite counts its new size, not both.
    await ok(USER, 'put', { key: 'a', bytes: { size: QUOTA_BYTES - 2 * chunk, fill: 4 } });
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: QUOTA_BYTES, objects: 3 });
    await vi.waitFor(async () => expect(await blobFiles()).toHaveLength(4), SETTLED);
    await expectNothingWritten(async () => {
      await refused(USER, 'put', { key: 'e', bytes: [1] }, 'STORAGE_QUOTA_EXCEEDED');
    });
    // At the quota, a same-size overwrite still fits.
    expect(await ok(USER, 'put', { key: 'b', bytes: { size: chunk, fill: 6 } })).toMatchObject({ sha256: sha(Buffer.alloc(chunk, 6)) });
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: QUOTA_BYTES, objects: 3 });
  });

  test('shrinking an object or deleting one makes room under the byte quota', async () => {
    await ok(USER, 'put', { key: 'a', bytes: { size: 60 * KiB, fill: 1 } });
    await ok(USER, 'put', { key: 'b', bytes: { size: 60 * KiB, fill: 2 } });
    await ok(USER, 'put', { key: 'a', bytes: { size: 20 * KiB, fill: 3 } });
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 80 * KiB, objects: 2 });
    expect(await ok(USER, 'delete', { key: 'b' })).toBe(true);
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 20 * KiB, objects: 1 });
    await ok(USER, 'put', { key: 'c', bytes: { size: 60 * KiB, fill: 4 } });
    await ok(USER, 'put', { key: 'd', bytes: { size: MAX_OBJECT, fill: 5 } });
    await ok(USER, 'put', { key: 'e', bytes: { size: QUOTA_BYTES - 80 * KiB - MAX_OBJECT, fill: 6 } });
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: QUOTA_BYTES, objects: 4 });
  });

  test(`the object count quota (${MAX_OBJECTS}): the next new key is refused, an overwrite is not`, async () => {
    for (let i = 0; i < MAX_OBJECTS; i++) await ok(USER, 'put', { key: `k${i}`, bytes: [i] });
    await expectNothingWritten(async () => {
      const message = await refused(USER, 'put', { key: 'one-more', bytes: [1] }, 'STORAGE_QUOTA_EXCEEDED');
      expect(message).toContain(`${MAX_OBJECTS} objects`);
    });
    expect(await ok(USER, 'put', { key: 'k0', bytes: [100, 100] })).toMatchObject({ size: 2 });
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: MAX_OBJECTS + 1, objects: MAX_OBJECTS });
    await vi.waitFor(async () => expect(await blobFiles()).toHaveLength(MAX_OBJECTS), SETTLED);
  });

  test('parallel puts racing for the quota: exactly the ones that fit are stored, and only their bytes stay', async () => {
    const size = 30 * KiB;
    const fits = Math.floor(QUOTA_BYTES / size); // 5
    const ops = Array.from({ length: fits + 3 }, (_, i) => ({ op: 'put', key: `race-${i}`, bytes: { size, fill: i } }));
    const res = await run(USER, 'batch', { ops });
    expect(res.status).toBe(200);
    const results = res.body.output.results as Outcome[];
    expect(results.filter((r) => r.ok)).toHaveLength(fits);
    expect(results.filter((r) => !r.ok).map((r) => (r as { code: string }).code)).toEqual(Array(3).fill('STORAGE_QUOTA_EXCEEDED'));
    const rows = await host.host.store.blobs.list(USER, '', undefined, 1000);
    expect(rows.map((r) => r.key).sort()).toEqual(results.flatMap((r, i) => (r.ok ? [`race-${i}`] : [])).sort());
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: fits * size, objects: fits });
    // A put refused at commit had written its bytes: they are deleted right away, not left to the sweeper.
    await vi.waitFor(async () => {
      expect(await blobFiles()).toEqual(rows.map((r) => r.objectKey).sort());
      expect(await host.host.store.blobs.orphans(FAR_FUTURE, 1000)).toEqual([]);
    }, SETTLED);
  });
});

describe('grants', () => {
  afterEach(async () => {
    await grant(USER, FULL);
  });

  test('without the storage grant: PERMISSION_DENIED, a denied audit row, nothing written', async () => {
    await ok(USER, 'put', { key: 'before', bytes: [1] });
    await grant(USER, {});
    await expectNothingWritten(async () => {
      const res = await run(USER, 'put', { key: 'x', bytes: [1, 2] });
      expect(res.status).toBe(200);
      expect(res.body.output).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
      const audit = await host.host.store.audit.list({ limit: 50, action: 'storage.put' });
      const row = audit.find((a) => a.target === res.body.executionId);
      expect(row).toMatchObject({ action: 'storage.put', outcome: 'denied', actor: expect.stringMatching(/^plugin:storage-user/) });
      for (const op of ['get', 'head', 'list', 'url', 'delete']) await refused(USER, op, { key: 'before' }, 'PERMISSION_DENIED');
      // Rethrown, the denial fails the execution with 403.
      const thrown = await run(USER, 'put', { key: 'x', bytes: [1], rethrow: true });
      expect(thrown.status).toBe(403);
      expect(thrown.body.code).toBe('PERMISSION_DENIED');
    });
    await grant(USER, FULL);
    expect((await ok(USER, 'get', { key: 'before' })).bytes).toEqual([1]);
  });

  test('a read-only grant reads (get, head, list, url) but put and delete are denied and audited', async () => {
    const info = await ok(USER, 'put', { key: 'doc', bytes: [3, 1, 4] });
    await grant(USER, { storage: { read: true } });
    await expectNothingWritten(async () => {
      expect((await ok(USER, 'get', { key: 'doc' })).bytes).toEqual([3, 1, 4]);
      expect(await ok(USER, 'head', { key: 'doc' })).toMatchObject({ blobId: info.blobId });
      expect((await ok(USER, 'list', {})).map((i: { key: string }) => i.key)).toEqual(['doc']);
      expect(await ok(USER, 'url', { key: 'doc' })).toMatch(BLOB_URL);
      await refused(USER, 'put', { key: 'doc', bytes: [0] }, 'PERMISSION_DENIED');
      await refused(USER, 'put', { key: 'new', bytes: [0] }, 'PERMISSION_DENIED');
      const res = await run(USER, 'delete', { key: 'doc' });
      expect(res.body.output).toMatchObject({ ok: false, code: 'PERMISSION_DENIED' });
      const audit = await host.host.store.audit.list({ limit: 50, action: 'storage.delete' });
      expect(audit.find((a) => a.target === res.body.executionId)).toMatchObject({ outcome: 'denied' });
    });
  });

  test('a write-only grant stores but cannot read back', async () => {
    await grant(USER, { storage: { write: true } });
    expect(await ok(USER, 'put', { key: 'w', bytes: [5] })).toMatchObject({ key: 'w', size: 1 });
    for (const op of ['get', 'head', 'list', 'url']) await refused(USER, op, { key: 'w' }, 'PERMISSION_DENIED');
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 1, objects: 1 });
  });
});

describe('content types', () => {
  test('header injection, empty and malformed types are STORAGE_KEY_INVALID and write nothing', async () => {
    await expectNothingWritten(async () => {
      for (const contentType of ['text/html\r\nX: y', 'text/html\nset-cookie: a=b', '', '   ', 'nope', 'text/', '/html', 'text/html; charset="utf-8"', 'text/html;\u0000', 'image/png;charset', 12, null]) {
        await refused(USER, 'put', { key: 'typed', bytes: [1], contentType }, 'STORAGE_KEY_INVALID');
      }
    });
  });

  test('types are trimmed and lower-cased, parameters kept', async () => {
    expect(await ok(USER, 'put', { key: 'p', bytes: [1], contentType: ' Image/PNG ' })).toMatchObject({ contentType: 'image/png' });
    expect(await ok(USER, 'put', { key: 't', bytes: [1], contentType: 'text/plain; charset=utf-8' })).toMatchObject({ contentType: 'text/plain; charset=utf-8' });
  });
});

describe('overwrite and delete', () => {
  test("an overwrite gets a new blobId, deletes the old object's file, and the old URL answers 404", async () => {
    const first = await ok(USER, 'put', { key: 'doc', bytes: [1, 1, 1], contentType: 'text/plain' });
    const firstFile = await objectFile(USER, 'doc');
    expect(await blobFiles()).toEqual([firstFile]);
    const firstUrl = (await ok(USER, 'url', { key: 'doc' })) as string;
    expect((await fetchBlob(firstUrl)).bytes).toEqual(Buffer.from([1, 1, 1]));

    const second = await ok(USER, 'put', { key: 'doc', bytes: [2, 2, 2, 2], contentType: 'text/plain' });
    expect(second.blobId).not.toBe(first.blobId);
    const secondFile = await objectFile(USER, 'doc');
    expect(secondFile).not.toBe(firstFile);
    // Deleted by the put itself (no sweep here), and no orphan is left behind.
    await vi.waitFor(async () => {
      expect(await blobFiles()).toEqual([secondFile]);
      expect(await host.host.store.blobs.orphans(FAR_FUTURE, 1000)).toEqual([]);
    }, SETTLED);
    const stale = await fetchBlob(firstUrl);
    expect(stale.status).toBe(404);
    expect(stale.body.code).toBe('BLOB_NOT_FOUND');
    expect((await fetchBlob(`/v1/blobs/${first.blobId}`, { key: appA })).status).toBe(404);
    const secondUrl = (await ok(USER, 'url', { key: 'doc' })) as string;
    expect((await fetchBlob(secondUrl)).bytes).toEqual(Buffer.from([2, 2, 2, 2]));
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 4, objects: 1 });
  });

  test('deleting a key that was never stored answers false and writes nothing', async () => {
    await ok(USER, 'put', { key: 'kept', bytes: [1] });
    await expectNothingWritten(async () => {
      expect(await ok(USER, 'delete', { key: 'never' })).toBe(false);
    });
  });

  test('a delete removes the row and the file, and the URL answers 404', async () => {
    await ok(USER, 'put', { key: 'doc', bytes: [2, 2] });
    const url = (await ok(USER, 'url', { key: 'doc' })) as string;
    expect(await ok(USER, 'delete', { key: 'doc' })).toBe(true);
    await vi.waitFor(async () => expect(await blobFiles()).toEqual([]), SETTLED);
    expect(await host.host.store.blobs.orphans(FAR_FUTURE, 1000)).toEqual([]);
    const gone = await fetchBlob(url);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('BLOB_NOT_FOUND');
    expect(await ok(USER, 'get', { key: 'doc' })).toEqual({ found: false });
    expect(await ok(USER, 'delete', { key: 'doc' })).toBe(false);
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 0, objects: 0 });
  });

  test('an overwrite with a smaller object replaces it', async () => {
    await ok(USER, 'put', { key: 'doc', bytes: [1, 1, 1] });
    expect(await ok(USER, 'put', { key: 'doc', bytes: [2] })).toMatchObject({ size: 1 });
    expect((await ok(USER, 'get', { key: 'doc' })).bytes).toEqual([2]);
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 1, objects: 1 });
  });
});

describe('signed URLs and GET /v1/blobs/:id', () => {
  const PNG = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13];

  test('a signed URL is fetchable without a key, served as untrusted content', async () => {
    const info = await ok(USER, 'put', { key: 'pic.png', bytes: PNG, contentType: 'image/png' });
    const url = (await ok(USER, 'url', { key: 'pic.png' })) as string;
    const [, id, expires] = BLOB_URL.exec(url) ?? [];
    expect(id).toBe(info.blobId);
    // Default lifetime: EASEL_STORAGE_URL_TTL_SECONDS (3600).
    expect(Number(expires) - Date.now() / 1000).toBeGreaterThan(3590);
    expect(Number(expires) - Date.now() / 1000).toBeLessThanOrEqual(3600);
    const res = await fetchBlob(url);
    expect(res.status).toBe(200);
    expect(res.bytes).toEqual(Buffer.from(PNG));
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(res.headers.get('content-disposition')).toBe('inline');
    expect(res.headers.get('content-length')).toBe(String(PNG.length));
    expect(res.headers.get('etag')).toBe(`"${info.sha256}"`);
    const again = await fetchBlob(url, { headers: { 'if-none-match': `"${info.sha256}"` } });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
  });

  test('a tampered signature or expiry, or a signature moved to another blob, is 403 BLOB_TOKEN_INVALID', async () => {
    await ok(USER, 'put', { key: 'x', bytes: [1] });
    const other = await ok(USER, 'put', { key: 'y', bytes: [2] });
    const url = (await ok(USER, 'url', { key: 'x' })) as string;
    const [, id, expires, sig] = BLOB_URL.exec(url) as unknown as string[];
    const flipped = `${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
    const forged = [
      `/v1/blobs/${id}?expires=${expires}&sig=${flipped}`,
      `/v1/blobs/${id}?expires=${Number(expires) + 1}&sig=${sig}`,
      `/v1/blobs/${id}?expires=${Number(expires) + 86_400 * 365}&sig=${sig}`,
      `/v1/blobs/${id}?expires=${expires}`,
      `/v1/blobs/${id}?sig=${sig}`,
      `/v1/blobs/${id}?expires=${expires}&sig=`,
      `/v1/blobs/${id}?expires=${expires}&sig=${sig!.slice(0, 42)}`,
      `/v1/blobs/${other.blobId}?expires=${expires}&sig=${sig}`,
    ];
    for (const path of forged) {
      const res = await fetchBlob(path);
      expect(res.status, path).toBe(403);
      expect(res.body.code, path).toBe('BLOB_TOKEN_INVALID');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
    // A valid signature does not need the key, and a wrong key does not spoil it.
    expect((await fetchBlob(url, { key: 'not-a-key' })).status).toBe(200);
  });

  test('an expired URL is 403 BLOB_TOKEN_INVALID', async () => {
    await ok(USER, 'put', { key: 'short', bytes: [1] });
    const url = (await ok(USER, 'url', { key: 'short', expiresInSeconds: 1 })) as string;
    expect((await fetchBlob(url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const res = await fetchBlob(url);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'BLOB_TOKEN_INVALID', message: expect.stringMatching(/expired/) });
  });

  test('url() refuses bad lifetimes and missing keys', async () => {
    await ok(USER, 'put', { key: 'k', bytes: [1] });
    for (const expiresInSeconds of [0, -1, 1.5, '60', 604_801, Number.MAX_SAFE_INTEGER]) {
      await refused(USER, 'url', { key: 'k', expiresInSeconds }, 'BRIDGE_ARGUMENT_INVALID');
    }
    expect(await ok(USER, 'url', { key: 'k', expiresInSeconds: 604_800 })).toMatch(BLOB_URL);
    await refused(USER, 'url', { key: 'missing' }, 'BLOB_NOT_FOUND');
  });

  test('by key: the app whose execution wrote it and an admin may read; another app 404, no key 401', async () => {
    const info = await ok(USER, 'put', { key: 'mine', bytes: [8, 8], contentType: 'application/json' }, appA);
    const path = `/v1/blobs/${info.blobId}`;
    const own = await fetchBlob(path, { key: appA });
    expect(own.status).toBe(200);
    expect(own.bytes).toEqual(Buffer.from([8, 8]));
    expect(own.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetchBlob(path, { key: host.config.adminToken as string })).status).toBe(200);
    const foreign = await fetchBlob(path, { key: appB });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('BLOB_NOT_FOUND');
    const anonymous = await fetchBlob(path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('AUTH_REQUIRED');
    expect((await fetchBlob(path, { key: 'not-a-key' })).body.code).toBe('AUTH_INVALID');
    // An unknown id answers like another app's blob.
    expect((await fetchBlob('/v1/blobs/00000000-0000-4000-8000-000000000000', { key: appA })).status).toBe(404);
  });

  test('HTML, SVG and other active types are served as downloads, never inline', async () => {
    const cases: [string, string][] = [
      ['text/html', 'attachment'],
      ['image/svg+xml', 'attachment'],
      ['application/xhtml+xml', 'attachment'],
      ['application/octet-stream', 'attachment'],
      ['text/plain; charset=utf-8', 'inline'],
      ['image/webp', 'inline'],
    ];
    for (const [contentType, disposition] of cases) {
      const info = await ok(USER, 'put', { key: 'page', bytes: [60, 98, 62], contentType });
      const res = await fetchBlob((await ok(USER, 'url', { key: 'page' })) as string);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition'), contentType).toBe(disposition === 'inline' ? 'inline' : `attachment; filename="${info.blobId}"`);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

// Last: it uninstalls storage-user (and installs it again).
describe('uninstall', () => {
  test("removes the plugin's rows at once and its files at the next sweep; other plugins keep theirs", async () => {
    const a = await ok(USER, 'put', { key: 'a', bytes: [1] });
    await ok(USER, 'put', { key: 'dir/b', bytes: [2, 2] });
    await ok(OTHER, 'put', { key: 'a', bytes: [3] });
    const userFiles = [await objectFile(USER, 'a'), await objectFile(USER, 'dir/b')];
    const otherFile = await objectFile(OTHER, 'a');
    const url = (await ok(USER, 'url', { key: 'a' })) as string;

    const res = await host.call('DELETE', `/v1/plugins/${USER}`);
    expect(res.status).toBe(200);
    expect(res.body.removed).toEqual({ name: USER, version: '1.0.0' });
    expect(await host.host.store.blobs.list(USER, '', undefined, 1000)).toEqual([]);
    expect(await host.host.store.blobs.usage(USER)).toEqual({ bytes: 0, objects: 0 });
    expect(await host.host.blobs.byId(a.blobId)).toBeUndefined();
    expect((await host.host.store.blobs.orphans(FAR_FUTURE, 1000)).sort()).toEqual([...userFiles].sort());
    expect((await fetchBlob(url)).status).toBe(404);
    expect((await fetchBlob(`/v1/blobs/${a.blobId}`, { key: appA })).status).toBe(404);

    expect(await host.host.blobs.sweep()).toBe(2);
    expect(await blobFiles()).toEqual([otherFile]);
    expect(await host.host.store.blobs.orphans(FAR_FUTURE, 1000)).toEqual([]);
    expect((await ok(OTHER, 'get', { key: 'a' })).bytes).toEqual([3]);

    // A plugin installed again under the name starts with an empty namespace.
    await install(USER);
    expect(await ok(USER, 'get', { key: 'a' })).toEqual({ found: false });
    expect(await ok(USER, 'list', {})).toEqual([]);
  });
});
