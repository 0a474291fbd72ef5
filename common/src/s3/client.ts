/**
 * The S3 client the host's blob store and the registry's tarball storage both use, and how
 * both read its failures. Requests are bounded by one timeout and tried twice; checksums only
 * where S3 requires them, so S3-compatible servers that do not know the newer ones work.
 */
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  region: string;
  /** An S3-compatible server's URL; unset: the Region's AWS endpoint. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Connect, request and socket timeout of each request, in ms. */
  timeoutMs: number;
  /** Static credentials; unset: the SDK's default chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function s3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // NodeHttpHandler's options: the SDK builds the handler, so no direct dependency on it.
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs, throwOnRequestTimeout: true, socketTimeout: options.timeoutMs },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

/** An S3 error name or Node errno code, if it looks like one; server-chosen text is never echoed. */
export function s3FailureReason(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  for (const candidate of [e?.code, e?.name]) {
    // 'Unknown': the SDK's name for an error answer without a body (HeadBucket, HeadObject).
    if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== 'Unknown' && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(candidate)) return candidate;
  }
  const status = e?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? `HTTP ${status}` : 'no answer';
}

/** A missing object, as opposed to a missing bucket (a misconfiguration, so unavailable). */
export function isMissingObject(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}
