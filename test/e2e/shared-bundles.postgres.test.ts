/**
 * Bundles shared through the blob store (EASEL_STORE=postgres, blobs on an S3-compatible
 * server): a host on a new, empty data folder (a replaced machine, a pod without a volume)
 * runs what another data folder installed, restored from the tarball kept under its integrity;
 * a tarball whose bytes are not the recorded integrity is never extracted, and its plugin is
 * not run.
 */
import { readdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { integrityOf } from '@easel/sdk/bundle';
import { BundleArchive } from '../../host/src/plugins/index.ts';
import { freshDatabase } from '../../host/src/store/test-store.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packWithCli } from '../helpers/pack.ts';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../helpers/s3rver.ts';

let database: { url: string; drop(): Promise<void> };
let s3: RunningS3rver;
let appKey: string;
let integrity: string;
const hosts: RunningHost[] = [];

const shared = () =>
  ({
    store: { kind: 'postgres', url: database.url },
    storage: { backend: 's3', s3: { bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, prefix: 'easel/', timeoutMs: 2000, ...S3RVER_CREDENTIALS } },
  }) as never;

async function start(): Promise<RunningHost> {
  const host = await startHost(shared());
  hosts.push(host);
  return host;
}

beforeAll(async () => {
  database = await freshDatabase();
  s3 = await startS3rver({ bucket: 'easel-shared' });
  const first = await start();
  const { tarball } = await packWithCli('plugins-external/hello');
  integrity = integrityOf(tarball);
  expect((await first.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await first.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
  appKey = (await first.call('POST', '/v1/keys', { body: { role: 'app', label: 'web' } })).body.key;
  expect((await first.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } })).body.output).toEqual({ name: 'Ada', visits: 1 });
  await first.close();
});
afterAll(async () => {
  for (const host of hosts) await host.close().catch(() => undefined);
  await database?.drop();
  await s3?.close();
});

test('the install kept its tarball in the bucket, under its integrity', async () => {
  const objects = await readdir(s3.dir, { recursive: true });
  const key = BundleArchive.keyOf(integrity);
  expect(objects.some((o) => o.includes(key.split('/')[1] as string))).toBe(true);
});

test('a host on a new, empty data folder restores the bundle and runs it, with its kv and grant', async () => {
  const second = await start();
  expect(await readdir(`${second.dataDir}/plugins`)).toHaveLength(1);
  const res = await second.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
  expect(res.status).toBe(200);
  expect(res.body.output).toEqual({ name: 'Ada', visits: 2 });
  await second.close();
});

test('a tarball whose bytes are not the recorded integrity is not extracted, and the plugin does not run', async () => {
  // Someone with write access to the bucket swaps the bytes (another bundle under hello's key).
  const { tarball: other } = await packWithCli('test/fixtures/plugins/http-attacker');
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'ap-northeast-2', credentials: { ...S3RVER_CREDENTIALS } });
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `easel/${BundleArchive.keyOf(integrity)}`, Body: other }));
  client.destroy();

  const third = await start();
  expect(await readdir(`${third.dataDir}/plugins`).catch(() => [])).toEqual([]);
  const res = await third.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
  expect(res.body.code).toBe('PLUGIN_MODIFIED');
  await rm(`${third.dataDir}/plugins`, { recursive: true, force: true });
});
