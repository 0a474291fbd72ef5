import { fillTemplate, type MessageArgs } from '@easel/common/errors/message-template';
import { ERROR_TABLE, type ErrorCode } from './table.ts';

type Details = Record<string, unknown>;

/** The message template of a code, as its literal type. */
export type TemplateOf<C extends ErrorCode> = (typeof ERROR_TABLE)[C]['message'];

/** What follows the code: one value per placeholder of its template (optional when it has none), then details. */
export type ErrorArgs<C extends ErrorCode> = MessageArgs<TemplateOf<C>, Details>;

/**
 * A code's message: its template filled with `values`. For places that need the text without
 * an error object (an envelope to the guest, a worker's `{ code, message }` outcome).
 *
 * @example
 * ```ts
 * errorEnvelope('CALL_ENDED', errorMessage('CALL_ENDED'));
 * errorMessage('EXECUTION_MEMORY', { memoryMb: 128 }); // "the call ran out of the plugin's 128 MB of memory"
 * ```
 */
export function errorMessage<C extends ErrorCode>(code: C, ...[values]: MessageArgs<TemplateOf<C>, never>): string {
  return fillTemplate(ERROR_TABLE[code].message, values);
}

/** An error with a stable code; the API answers it in Fastify's error shape. */
class CodedError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Details | undefined;

  constructor(code: ErrorCode, values?: Readonly<Record<string, unknown>>, details?: Details) {
    super(fillTemplate(ERROR_TABLE[code].message, values));
    this.name = 'EaselError';
    this.code = code;
    this.statusCode = ERROR_TABLE[code].status;
    this.details = details;
  }

  /** The same error (code and message) with other details. */
  withDetails(details: Details | undefined): EaselError {
    return keep(this.code, this.message, details);
  }

  /**
   * An error whose message was made outside the host's code and is kept as it is: what a
   * plugin threw (PLUGIN_ERROR and the codes a guest may claim), what a worker process or
   * the guest sent in an envelope, a provider's or an upstream registry's error text, a
   * library's error message. Not for sentences written at the call site: those belong in the
   * code's template in the error table (`new EaselError(code, values)`).
   */
  static relay(code: ErrorCode, message: string, details?: Details): EaselError {
    return keep(code, message, details);
  }
}

function keep(code: ErrorCode, message: string, details: Details | undefined): EaselError {
  const e = new CodedError(code, undefined, details);
  e.message = message;
  return e;
}

/** `new EaselError(code, values, details?)`: `values` has exactly the placeholders of the code's template. */
interface EaselErrorConstructor {
  new <C extends ErrorCode>(code: C, ...args: ErrorArgs<C>): EaselError;
  readonly prototype: EaselError;
  relay: typeof CodedError.relay;
}

/**
 * An error with a stable code and its table's message template filled with `values` (type
 * checked against the template); the API answers it in Fastify's error shape.
 *
 * @example
 * ```ts
 * throw new EaselError('PLUGIN_NOT_FOUND', { plugin: name });
 * throw new EaselError('AUTH_INVALID');
 * throw new EaselError('EXECUTIONS_BUSY', { reason: `${queued} executions are waiting` }, { retryAfterMs: 1000 });
 * ```
 */
export const EaselError = CodedError as EaselErrorConstructor;
export type EaselError = CodedError;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}
