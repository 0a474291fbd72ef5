import { fillTemplate, type MessageArgs } from '@easel/common/errors/message-template';
import { ERROR_TABLE, type ErrorCode } from './table.ts';

type Details = Record<string, unknown>;

export interface RegistryErrorOptions {
  /** Sent as `Retry-After` (429 and 503 answers). */
  retryAfterSeconds?: number;
}

/** The values of `code`'s message template, then details, then options. */
export type RegistryErrorArgs<C extends ErrorCode> = [...MessageArgs<(typeof ERROR_TABLE)[C]['message'], Details>, options?: RegistryErrorOptions];

/**
 * An error with a stable code; the registry answers it as `{statusCode, code, error, message, details?}`.
 * The message is the code's template from the error table, filled with the values given.
 *
 * @example
 * ```ts
 * throw new RegistryError('VERSION_NOT_FOUND', { package: name, version });
 * throw new RegistryError('SIGNUP_CLOSED');
 * ```
 */
export class RegistryError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly statusCode: number;
  readonly details: Details | undefined;
  /** Sent as `Retry-After` (429 and 503 answers). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: C, ...args: RegistryErrorArgs<C>) {
    const [values, details, options] = args as unknown as [Record<string, unknown> | undefined, Details | undefined, RegistryErrorOptions | undefined];
    super(fillTemplate(ERROR_TABLE[code].message, values));
    this.name = 'RegistryError';
    this.code = code;
    this.statusCode = ERROR_TABLE[code].status;
    this.details = details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /**
   * An error whose message comes from outside the registry's table: a library's or Fastify's
   * own text (a JSON parse error, a schema validation message), or Node's HTTP parser's.
   * Everything the registry itself says goes through a template instead.
   */
  static relay(code: ErrorCode, message: string, details?: Details, options?: RegistryErrorOptions): RegistryError {
    const error = new (RegistryError as new (code: ErrorCode, values?: object, details?: Details, options?: RegistryErrorOptions) => RegistryError)(code, {}, details, options);
    error.message = message;
    return error;
  }
}
