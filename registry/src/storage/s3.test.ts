/** S3Storage against a real S3-compatible server (s3rver on 127.0.0.1, path-style). */
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, S3RVER_CREDENTIALS, type RunningS3rver } from '../../../test/helpers/s3rver.ts';
import { S3Storage, type S3StorageOptions } from './s3.ts';

let s3: RunningS3rver;
const opened: S3Storage[] = [];

beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  for (const storage of opened) storage.close();
  await s3.close();
});

function storage(options: Partial<S3StorageOptions> = {}): S3Storage {
  const made = new S3Storage({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, prefix: 'registry/', timeoutMs: 5000, credentials: S3RVER_CREDENTIALS, ...options });
  opened.push(made);
  return made;
}

const digestOf = (data: Buffer) => createHash('sha512').update(data).digest('hex');

describe('S3 tarball storage', () => {
  it('put, has, open the same bytes, delete; a missing object is undefined, deleting it again no error', async () => {
    const store = storage();
    const data = Buffer.from('a tarball, pretend');
    const digest = digestOf(data);
    expect(await store.has(digest)).toBe(false);
    expect(await store.open(digest)).toBeUndefined();
    await store.put(digest, data);
    await store.put(digest, data);
    expect(await store.has(digest)).toBe(true);
    const found = (await store.open(digest))!;
    expect(found.size).toBe(data.length);
    expect(await buffer(found.stream)).toEqual(data);
    await store.delete(digest);
    await store.delete(digest);
    expect(await store.has(digest)).toBe(false);
  });

  it('keys live under the prefix in the local layout, so two prefixes share a bucket apart', async () => {
    const data = Buffer.from('prefixed');
    const digest = digestOf(data);
    await storage({ prefix: 'one/' }).put(digest, data);
    expect(await storage({ prefix: 'two/' }).has(digest)).toBe(false);
    expect(await storage({ prefix: 'one/' }).has(digest)).toBe(true);
    expect(await storage({ prefix: `one/${digest.slice(0, 2)}/` }).has(digest)).toBe(false);
  });

  it('refused credentials: STORAGE_UNAVAILABLE naming the operation and the S3 error, not the secret', async () => {
    const store = storage({ credentials: { accessKeyId: 'WRONG', secretAccessKey: 'wrong-secret' } });
    const digest = digestOf(Buffer.from('x'));
    const attempts: [string, () => Promise<unknown>][] = [
      // HeadBucket's refusal has no body: only its status tells.
      ['check: HTTP 403', () => store.check()],
      ['put: InvalidAccessKeyId', () => store.put(digest, Buffer.from('x'))],
      ['get: InvalidAccessKeyId', () => store.open(digest)],
    ];
    for (const [reason, attempt] of attempts) {
      const error = await attempt().then(() => undefined, (e: unknown) => e as Error & { code: string; statusCode: number });
      expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', statusCode: 503, message: `the tarball storage did not answer (${reason}); retry later` });
      expect(error!.message).not.toContain('wrong-secret');
    }
  });

  it('a missing bucket and a stopped server are unavailable, not missing objects', async () => {
    const digest = digestOf(Buffer.from('y'));
    await expect(storage({ bucket: 'no-such-bucket' }).open(digest)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', message: expect.stringContaining('NoSuchBucket') });
    const store = storage();
    await s3.stop();
    try {
      await expect(store.has(digest)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });
    } finally {
      await s3.restart();
    }
    expect(await store.has(digest)).toBe(false);
  });

  it('refuses a digest that is not 128 hex characters before asking S3', async () => {
    await expect(storage().put('../etc', Buffer.from('x'))).rejects.toThrow('invalid tarball digest');
  });
});
