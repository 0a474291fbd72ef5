/**
 * Where blob bytes live. A backend only ever sees object keys the host generated
 * (`<prefix><plugin>/<uuid>`), never a key a plugin chose: plugin keys, owners, sizes and
 * hashes are metadata rows in SQLite, so listing never touches the backend and no plugin
 * input can name a path or an S3 key.
 */
import { EaselError } from '../errors/index.ts';

/**
 * The one error a backend fails with. Its message reaches plugins, so it names the operation
 * and a short reason (an errno code, an S3 error name) only, never a path, an endpoint or a
 * credential; the original error rides along as `cause` for the host log.
 */
export function storageUnavailable(operation: string, reason: string | undefined, cause: unknown): EaselError {
  const e = new EaselError('STORAGE_UNAVAILABLE', { operation, reason: reason || 'reason unknown' });
  e.cause = cause;
  return e;
}
export interface BlobBackend {
  readonly kind: 'local' | 's3';
  /**
   * Writes the whole object and resolves once it is durable (fsynced, or acknowledged by S3).
   * Never leaves a partial object visible under `objectKey`. Fails with EaselError
   * STORAGE_UNAVAILABLE when the backend cannot be reached or refuses the write.
   */
  put(objectKey: string, bytes: Uint8Array, meta: { contentType: string; sha256: string }, signal?: AbortSignal): Promise<void>;
  /** The object's bytes; undefined when no such object exists. STORAGE_UNAVAILABLE on backend failure. */
  get(objectKey: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** Idempotent: deleting a missing object succeeds. STORAGE_UNAVAILABLE on backend failure. */
  delete(objectKey: string): Promise<void>;
  /** Readiness probe (folder writable, bucket reachable); STORAGE_UNAVAILABLE when not. */
  check(): Promise<void>;
  /**
   * Removes what a crash mid-write can leave outside any object key (the local folder's temp
   * files) once older than `olderThanMs`; answers how many. Backends without such leftovers omit it.
   */
  sweepLeftovers?(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}
