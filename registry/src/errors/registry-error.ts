import { ERROR_TABLE, type ErrorCode } from './table.ts';

/** An error with a stable code; the registry answers it as `{statusCode, code, error, message, details?}`. */
export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;
  /** Sent as `Retry-After` (429 and 503 answers). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
    this.statusCode = ERROR_TABLE[code].status;
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
