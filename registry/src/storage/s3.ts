/**
 * Tarballs in an S3 bucket (AWS or an S3-compatible server) through `@aws-sdk/client-s3`,
 * under `<prefix><2 hex>/<128 hex>.tgz`, the local folder's layout. A PutObject is atomic on
 * S3's side, so a reader never sees half a tarball; tarballs are named by content, so putting
 * the same bytes again (another replica, a retry) only rewrites them.
 *
 * Settings, as the host's S3 backend (host/src/storage/s3.ts) has them, and why:
 * - checksums only WHEN_REQUIRED: many S3-compatible servers do not understand the SDK's
 *   newer default (CRC32 trailers); the registry checks sha512 itself.
 * - `maxAttempts: 2`: one retry rides over a dropped keep-alive connection.
 * - connect, request and idle-socket timeouts, so a bucket that never answers fails in bounded time.
 * Failures become STORAGE_UNAVAILABLE (503) naming the operation and the S3 error name only,
 * never the endpoint, bucket or credentials; the SDK error is the `cause`, for the log.
 */
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isMissingObject, s3Client, type S3ClientOptions, s3FailureReason } from '@easel/common/s3/client';
import { RegistryError } from '../errors/index.ts';
import type { StoredTarball, TarballStorage } from './tarball-storage.ts';

/** The client's settings (`timeoutMs` must cover uploading the largest tarball), and where tarballs go. */
export interface S3StorageOptions extends S3ClientOptions {
  bucket: string;
  /** Put before every object key, e.g. `registry/`; '' for the bucket's root. */
  prefix: string;
}

const HEX512 = /^[0-9a-f]{128}$/;

function unavailable(operation: string, error: unknown): RegistryError {
  const failure = new RegistryError('STORAGE_UNAVAILABLE', { operation, reason: s3FailureReason(error) }, undefined, { retryAfterSeconds: 5 });
  failure.cause = error;
  return failure;
}

export class S3Storage implements TarballStorage {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3StorageOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix;
    this.#client = s3Client(options);
  }

  #key(digest: string): string {
    // The digest is computed by the registry, never taken from a URL; still, no key tricks.
    if (!HEX512.test(digest)) throw new Error('invalid tarball digest');
    return `${this.#prefix}${digest.slice(0, 2)}/${digest}.tgz`;
  }

  /**
   * Runs one S3 request as `operation`: failures become STORAGE_UNAVAILABLE, except a missing
   * object when `ifMissing` says what that means.
   */
  async #call<T>(operation: string, request: () => Promise<T>, ifMissing?: () => T): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (ifMissing && isMissingObject(error)) return ifMissing();
      throw unavailable(operation, error);
    }
  }

  async put(digest: string, data: Buffer): Promise<void> {
    const Key = this.#key(digest);
    await this.#call('put', () =>
      this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key, Body: data, ContentLength: data.byteLength, ContentType: 'application/octet-stream' })),
    );
  }

  async open(digest: string): Promise<StoredTarball | undefined> {
    const Key = this.#key(digest);
    return this.#call(
      'get',
      async () => {
        const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key }));
        if (!out.Body || out.ContentLength === undefined) throw new Error('GetObject answered without a body or its length');
        // In Node the body is a Readable (the SDK's IncomingMessage): streamed to the client as is.
        return { size: out.ContentLength, stream: out.Body as Readable };
      },
      () => undefined,
    );
  }

  async has(digest: string): Promise<boolean> {
    const Key = this.#key(digest);
    const found = async () => {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }));
      return true;
    };
    return this.#call('head', found, () => false);
  }

  async delete(digest: string): Promise<void> {
    const Key = this.#key(digest);
    // S3 answers 204 for a missing key as well: idempotent by itself.
    await this.#call('delete', () => this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key })), () => undefined);
  }

  /** HeadBucket at start: the endpoint answers, the credentials are good and the bucket exists. */
  async check(): Promise<void> {
    await this.#call('check', () => this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket })));
  }

  close(): void {
    this.#client.destroy();
  }
}
