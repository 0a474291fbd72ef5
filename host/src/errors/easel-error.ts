import { ERROR_TABLE, type ErrorCode } from './table.ts';

/** An error with a stable code; the API answers it in Fastify's error shape. */
export class EaselError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'EaselError';
    this.code = code;
    this.statusCode = ERROR_TABLE[code].status;
    this.details = details;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}
