/**
 * The BlobBackend contract, run against both backends: a local temp folder, and S3Backend
 * against a real S3-compatible server (s3rver). Then what only one of them can show: the
 * local folder's atomic writes, key checks and permissions; S3 going down and coming back,
 * a store that never answers, bad credentials and a missing bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EaselError } from '../../host/src/errors/index.ts';
import type { BlobBackend } from '../../host/src/storage/backend.ts';
import { LocalFolderBackend } from '../../host/src/storage/local-folder.ts';
import { S3Backend, type S3BackendOptions } from '../../host/src/storage/s3.ts';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../helpers/s3rver.ts';

const MiB = 1024 * 1024;
const meta = (bytes: Uint8Array, contentType = 'application/octet-stream') => ({ contentType, sha256: createHash('sha256').update(bytes).digest('hex') });
const key = () => `tester/${randomBytes(8).toString('hex')}`;
const settle = <T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

/** Rejects with EaselError STORAGE_UNAVAILABLE; answers the error and how long it took. */
async function expectUnavailable(promise: Promise<unknown>): Promise<{ error: EaselError; ms: number }> {
  const started = Date.now();
  const { error } = await settle(promise);
  expect(error).toBeInstanceOf(EaselError);
  expect((error as EaselError).code).toBe('STORAGE_UNAVAILABLE');
  expect((error as EaselError).statusCode).toBe(503);
  return { error: error as EaselError, ms: Date.now() - started };
}

let s3: RunningS3rver;
let folder: string;
beforeAll(async () => {
  s3 = await startS3rver();
  folder = await mkdtemp(join(tmpdir(), 'easel-blobs-'));
});
afterAll(async () => {
  await s3?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const s3Options = (over: Partial<S3BackendOptions> = {}): S3BackendOptions => ({
  bucket: s3.bucket,
  region: 'us-east-1',
  endpoint: s3.endpoint,
  forcePathStyle: true,
  prefix: 'easel/',
  timeoutMs: 2000,
  credentials: { ...S3RVER_CREDENTIALS },
  ...over,
});

const backends: [string, () => BlobBackend][] = [
  ['local folder', () => new LocalFolderBackend({ dir: join(folder, 'contract') })],
  ['s3', () => new S3Backend(s3Options())],
];

describe.each(backends)('%s backend', (_name, make) => {
  let backend: BlobBackend;
  beforeAll(() => {
    backend = make();
  });
  afterAll(async () => {
    await backend?.close();
  });

  test('check passes', async () => {
    await expect(backend.check()).resolves.toBeUndefined();
  });

  test.each([0, 1, 1000, 5 * MiB])('round trip of %i random bytes', async (size) => {
    const bytes = randomBytes(size);
    const k = key();
    await backend.put(k, new Uint8Array(bytes), meta(bytes));
    const back = await backend.get(k);
    expect(back).toBeInstanceOf(Buffer);
    expect(back!.length).toBe(size);
    expect(back!.equals(bytes)).toBe(true);
  });

  test('a Uint8Array view into a larger buffer stores only its own bytes', async () => {
    const whole = randomBytes(300);
    const view = whole.subarray(100, 200);
    const k = key();
    await backend.put(k, view, meta(view));
    expect((await backend.get(k))!.equals(whole.subarray(100, 200))).toBe(true);
  });

  test('a put replaces the object', async () => {
    const k = key();
    const first = randomBytes(4096);
    const second = randomBytes(17);
    await backend.put(k, first, meta(first));
    await backend.put(k, second, meta(second));
    expect((await backend.get(k))!.equals(second)).toBe(true);
  });

  test('get of a missing object is undefined', async () => {
    expect(await backend.get(key())).toBeUndefined();
  });

  test('delete removes the object and is idempotent', async () => {
    const k = key();
    const bytes = randomBytes(64);
    await backend.put(k, bytes, meta(bytes));
    await backend.delete(k);
    expect(await backend.get(k)).toBeUndefined();
    await expect(backend.delete(k)).resolves.toBeUndefined();
    await expect(backend.delete(key())).resolves.toBeUndefined();
  });

  test('an already aborted signal stops a put with its reason and stores nothing', async () => {
    const k = key();
    const bytes = randomBytes(1000);
    const reason = new Error('cancelled by the test');
    const { error } = await settle(backend.put(k, bytes, meta(bytes), AbortSignal.abort(reason)));
    expect(error).toBe(reason);
    expect(await backend.get(k)).toBeUndefined();
  });

  test('a signal aborted while a 5 MiB put is under way rejects it with its reason', async () => {
    const bytes = randomBytes(5 * MiB);
    const controller = new AbortController();
    const reason = new Error('cancelled mid-put');
    const put = settle(backend.put(key(), bytes, meta(bytes), controller.signal));
    controller.abort(reason);
    expect((await put).error).toBe(reason);
  });
});

describe('local folder only', () => {
  /** Every entry under `dir`, relative, folders with a trailing `/`. */
  async function tree(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.map((e) => join(e.parentPath, e.name).slice(dir.length + 1) + (e.isDirectory() ? '/' : '')).sort();
  }

  test('temp and probe files a crash left behind are swept once old; objects and young temp files stay', async () => {
    const dir = join(folder, 'leftovers');
    const backend = new LocalFolderBackend({ dir });
    const bytes = randomBytes(16);
    await backend.put('alpha/one', bytes, meta(bytes));
    // Temp and probe files live in the scratch folder `.tmp/`, the only place the sweeper reads.
    const stale = join(dir, '.tmp', `.tmp-${'a'.repeat(24)}`);
    const staleProbe = join(dir, '.tmp', `.probe-${'b'.repeat(24)}`);
    const young = join(dir, '.tmp', `.tmp-${'c'.repeat(24)}`);
    for (const path of [stale, staleProbe, young]) await writeFile(path, 'half-written');
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const path of [stale, staleProbe]) await utimes(path, hourAgo, hourAgo);
    expect(await backend.sweepLeftovers(60_000)).toBe(2);
    expect(await tree(dir)).toEqual(['.tmp/', `.tmp/.tmp-${'c'.repeat(24)}`, 'alpha/', 'alpha/one']);
    expect(await backend.get('alpha/one')).toEqual(bytes);
    expect(await new LocalFolderBackend({ dir: join(folder, 'never-made') }).sweepLeftovers(0)).toBe(0);
  });

  test('puts leave exactly the objects, no temp files; files are 0600 and folders 0700', async () => {
    const dir = join(folder, 'atomic');
    const backend = new LocalFolderBackend({ dir });
    const bytes = randomBytes(2048);
    await backend.put('alpha/one', bytes, meta(bytes));
    await backend.put('alpha/one', bytes, meta(bytes));
    await backend.put('alpha/two', bytes, meta(bytes));
    await backend.put('beta-2/x-1', bytes, meta(bytes));
    await backend.check();
    // A put cancelled mid-write removes its temp file.
    const big = randomBytes(5 * MiB);
    const controller = new AbortController();
    const cancelled = settle(backend.put('alpha/three', big, meta(big), controller.signal));
    controller.abort(new Error('cancelled'));
    expect((await cancelled).error).toBeInstanceOf(Error);
    expect(await tree(dir)).toEqual(['.tmp/', 'alpha/', 'alpha/one', 'alpha/two', 'beta-2/', 'beta-2/x-1']);
    expect((await stat(join(dir, 'alpha', 'one'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'beta-2', 'x-1'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'alpha'))).mode & 0o777).toBe(0o700);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  test.each(['', '../escape', 'tester/../../escape', 'tester/.', 'tester/..', '/abs', 'tester//x', 'tester/x/', 'Tester/x', 'tester/x.bin', 'tester\\x', 'tester/x\0', 'a'.repeat(600)])(
    'object key %j is refused before touching the folder',
    async (bad) => {
      const dir = join(folder, 'keys');
      const backend = new LocalFolderBackend({ dir });
      const bytes = randomBytes(8);
      const attempts: Promise<unknown>[] = [backend.put(bad, bytes, meta(bytes)), backend.get(bad), backend.delete(bad)];
      for (const attempt of attempts) {
        const { error } = await settle(attempt);
        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(EaselError);
        expect((error as Error).message).toBe('refused a malformed storage object key');
      }
      expect(await readdir(folder)).not.toContain('escape');
      await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    },
  );

  test('fs failures are STORAGE_UNAVAILABLE with the errno code and no path; a failed put leaves nothing', async () => {
    const dir = join(folder, 'broken');
    const backend = new LocalFolderBackend({ dir });
    await backend.check();
    // A file where the plugin's folder should be: mkdir fails (EEXIST / ENOTDIR).
    await writeFile(join(dir, 'tester'), 'in the way');
    const bytes = randomBytes(8);
    const { error } = await expectUnavailable(backend.put('tester/x', bytes, meta(bytes)));
    expect(error.message).toMatch(/^blob storage put failed \(E[A-Z]+\)$/);
    expect(error.message).not.toContain(folder);
    expect(error.cause).toBeDefined();
    expect(await tree(dir)).toEqual(['.tmp/', 'tester']);
    // A folder that cannot be created: check fails the same way.
    const { error: checkError } = await expectUnavailable(new LocalFolderBackend({ dir: join(dir, 'tester', 'sub') }).check());
    expect(checkError.message).toMatch(/^blob storage check failed \(E[A-Z]+\)$/);
    await expectUnavailable(backend.get('tester/x'));
  });
});

describe('s3 only', () => {
  test('objects land under the prefix with their content type and sha256 metadata', async () => {
    const backend = new S3Backend(s3Options({ prefix: 'pre/' }));
    const bare = new S3Backend(s3Options({ prefix: '' }));
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS } });
    try {
      const bytes = randomBytes(333);
      const m = meta(bytes, 'image/png');
      await backend.put('tester/abc', bytes, m);
      expect((await bare.get('pre/tester/abc'))!.equals(bytes)).toBe(true);
      expect(await bare.get('tester/abc')).toBeUndefined();
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'pre/tester/abc' }));
      expect(head.ContentType).toBe('image/png');
      expect(head.ContentLength).toBe(333);
      expect(head.Metadata?.sha256).toBe(m.sha256);
    } finally {
      client.destroy();
      await backend.close();
      await bare.close();
    }
  });

  test('server down: every operation is STORAGE_UNAVAILABLE in bounded time; back up: everything works again', async () => {
    const backend = new S3Backend(s3Options());
    try {
      const before = randomBytes(1000);
      const k = key();
      await backend.put(k, before, meta(before));
      await s3.stop();
      const bytes = randomBytes(100);
      for (const [operation, call] of [
        ['put', () => backend.put(key(), bytes, meta(bytes))],
        ['get', () => backend.get(k)],
        ['delete', () => backend.delete(k)],
        ['check', () => backend.check()],
      ] as const) {
        const { error, ms } = await expectUnavailable(call());
        expect(error.message).toMatch(new RegExp(`^blob storage ${operation} failed \\(`));
        expect(error.message).not.toContain(String(s3.port));
        expect(ms).toBeLessThan(5000);
      }
      await s3.restart();
      await backend.check();
      expect((await backend.get(k))!.equals(before)).toBe(true);
      const after = randomBytes(2000);
      await backend.put(k, after, meta(after));
      expect((await backend.get(k))!.equals(after)).toBe(true);
      await backend.delete(k);
      expect(await backend.get(k)).toBeUndefined();
    } finally {
      await s3.restart();
      await backend.close();
    }
  });

  test('a store that accepts connections but never answers fails within the timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const backend = new S3Backend(s3Options({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 500 }));
    try {
      const bytes = randomBytes(100);
      // Two attempts of ~500 ms each, plus a retry delay.
      expect((await expectUnavailable(backend.put(key(), bytes, meta(bytes)))).ms).toBeLessThan(3000);
      expect((await expectUnavailable(backend.get(key()))).ms).toBeLessThan(3000);
    } finally {
      await backend.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('wrong credentials and a missing bucket are STORAGE_UNAVAILABLE, not a missing object; nothing secret in the message', async () => {
    const secret = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEYzz';
    const badKeys = new S3Backend(s3Options({ credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE12', secretAccessKey: secret } }));
    const noBucket = new S3Backend(s3Options({ bucket: 'no-such-bucket' }));
    try {
      const bytes = randomBytes(10);
      for (const call of [() => badKeys.put(key(), bytes, meta(bytes)), () => badKeys.get(key()), () => badKeys.check()]) {
        const { error } = await expectUnavailable(call());
        expect(error.message).not.toContain(secret);
        expect(error.message).not.toContain('AKIA');
      }
      expect((await expectUnavailable(noBucket.get(key()))).error.message).toBe('blob storage get failed (NoSuchBucket)');
      await expectUnavailable(noBucket.check());
      await expectUnavailable(noBucket.put(key(), bytes, meta(bytes)));
    } finally {
      await badKeys.close();
      await noBucket.close();
    }
  });
});
