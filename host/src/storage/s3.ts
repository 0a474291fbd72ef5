/**
 * Blobs in an S3 bucket (AWS or an S3-compatible server) through the real
 * `@aws-sdk/client-s3`, under `<prefix><plugin>/<uuid>`. A PutObject is atomic on S3's side,
 * so a failed put never leaves a partial object.
 *
 * Settings that matter, and why:
 * - checksums only WHEN_REQUIRED: the SDK's newer default (CRC32 trailers, aws-chunked
 *   bodies) is not understood by many S3-compatible servers; the host checks sha256 itself.
 * - `maxAttempts: 2`: one retry rides over a dropped keep-alive connection, more would only
 *   hold a plugin's call while the store is down.
 * - connection, request and idle-socket timeouts from `timeoutMs`, so a store that accepts
 *   connections but never answers fails in bounded time instead of hanging the call.
 * Every failure becomes STORAGE_UNAVAILABLE naming the operation and the S3 error name only
 * (never the endpoint, bucket or credentials); the SDK error is kept as `cause` for the log.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isMissingObject, s3Client, type S3ClientOptions, s3FailureReason } from '@easel/common/s3/client';
import type { EaselError } from '../errors/index.ts';
import { storageUnavailable, type BlobBackend } from './backend.ts';

/** The client's settings (`timeoutMs` must cover uploading the largest object over the slowest expected link), and where blobs go. */
export interface S3BackendOptions extends S3ClientOptions {
  bucket: string;
  /** Put before every object key, e.g. `easel/`; '' for the bucket's root. */
  prefix: string;
}

function unavailable(operation: string, error: unknown): EaselError {
  return storageUnavailable(operation, s3FailureReason(error), error);
}

export class S3Backend implements BlobBackend {
  readonly kind = 's3' as const;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3BackendOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix;
    this.#client = s3Client(options);
  }

  async put(objectKey: string, bytes: Uint8Array, meta: { contentType: string; sha256: string }, signal?: AbortSignal): Promise<void> {
    // A Buffer, not a stream: the SDK knows the length up front and can retry the body.
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#prefix + objectKey,
          Body: body,
          ContentType: meta.contentType,
          ContentLength: body.byteLength,
          Metadata: { sha256: meta.sha256 },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // A cancel is the caller's own doing, not a storage failure: it keeps its reason.
      if (signal?.aborted) throw signal.reason;
      throw unavailable('put', error);
    }
  }

  async get(objectKey: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + objectKey }), { abortSignal: signal });
      if (!out.Body) throw new Error('GetObject answered without a body');
      // Read inside the try: a connection that breaks mid-body is a storage failure too.
      const bytes = await out.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isMissingObject(error)) return undefined;
      throw unavailable('get', error);
    }
  }

  async delete(objectKey: string): Promise<void> {
    try {
      // S3 answers 204 for a missing key as well, so this is idempotent by itself.
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#prefix + objectKey }));
    } catch (error) {
      if (isMissingObject(error)) return;
      throw unavailable('delete', error);
    }
  }

  /** HeadBucket: the endpoint answers, the credentials are good and the bucket exists. */
  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (error) {
      throw unavailable('check', error);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
