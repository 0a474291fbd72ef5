/**
 * The canvas plugin with its images in S3: the real @aws-sdk/client-s3 against s3rver on
 * loopback. The objects land in the bucket (read back with a separate client), the URLs
 * serve them; with the server stopped mid-test a put fails with STORAGE_UNAVAILABLE,
 * nothing is recorded, and the sweeper removes the half-done write once S3 is back.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { pngSize, sha256 } from '../helpers/images.ts';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../helpers/s3rver.ts';

/** How long background work (deletes, audit rows) may take on a loaded machine; vi.waitFor's default is 1 s. */
const SETTLED = { timeout: 10_000 };

let s3: RunningS3rver;
let host: RunningHost;
let appKey: string;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3rver({ bucket: 'easel-blobs' });
  host = await startHost({
    firstPartyPlugins: true,
    storage: {
      backend: 's3',
      sweepAfterMs: 1000,
      s3: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'easel/', timeoutMs: 2000, ...S3RVER_CREDENTIALS },
    },
  });
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
  client = new S3Client({ region: 'ap-northeast-2', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});
afterAll(async () => {
  client?.destroy();
  await host?.close();
  await s3?.close();
});

const generate = () => host.call('POST', '/v1/p/canvas/generate', { key: appKey, body: { keywords: 'paper boat', count: 2, size: '512x512' } });

test('keywords to images stored in the bucket; metadata rows and URLs match the objects', async () => {
  const res = await generate();
  expect(res.status).toBe(200);
  for (const image of res.body.output.images) {
    const row = (await host.host.store.blobs.byId(image.blobId))!;
    expect(row.objectKey).toMatch(/^canvas\/[0-9a-f-]{36}$/);
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `easel/${row.objectKey}` }));
    const inBucket = Buffer.from(await object.Body!.transformToByteArray());
    expect(object.ContentType).toBe('image/png');
    expect(pngSize(inBucket)).toEqual({ width: 512, height: 512 });
    expect(row).toMatchObject({ pluginName: 'canvas', executionId: res.body.executionId, size: inBucket.length, sha256: sha256(inBucket) });
    const served = await fetch(`${host.url}${image.url}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(inBucket)).toBe(true);
  }
});

test('S3 stopped mid-test: STORAGE_UNAVAILABLE, no metadata row, and the sweeper cleans up once it is back', async () => {
  const before = await host.host.store.blobs.usage('canvas');
  const stored = await host.host.store.blobs.list('canvas', '', undefined, 1000);
  await s3.stop();
  // Readiness says so (the first probe of this host, so nothing cached).
  const ready = await host.call('GET', '/readyz', { key: null });
  expect(ready).toMatchObject({ status: 503, body: { status: 'degraded', storage: 'unavailable' } });
  const res = await generate();
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ code: 'STORAGE_UNAVAILABLE', message: expect.stringMatching(/^blob storage put failed/) });
  expect(await host.host.store.blobs.usage('canvas')).toEqual(before);
  expect(await host.host.store.blobs.list('canvas', '', undefined, 1000)).toEqual(stored);
  // The write that failed stays an orphan, since part of it might have landed (once the
  // immediate delete has failed against the stopped server too).
  const pending = await vi.waitFor(async () => {
    const keys = await host.host.store.blobs.orphans(new Date(Date.now() + 60_000).toISOString(), 100);
    expect(keys.length).toBeGreaterThan(0);
    return keys;
  }, SETTLED);
  expect(pending.every((key) => key.startsWith('canvas/'))).toBe(true);
  // Reading what was stored before fails cleanly too.
  const url = (await host.call('POST', '/v1/p/canvas/generate', { key: appKey, body: { keywords: 'x' } })).status;
  expect(url).toBe(503);
  await s3.restart();
  await new Promise((r) => setTimeout(r, 1100));
  await host.host.blobs.sweep();
  expect(await host.host.store.blobs.orphans(new Date(Date.now() + 60_000).toISOString(), 100)).toEqual([]);
  expect((await generate()).status).toBe(200);
});
