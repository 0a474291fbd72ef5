/**
 * Bedrock Runtime's modeled exceptions (reference §4.9) and how the emulator sends them:
 * the status, `x-amzn-errortype: <Name>` and a JSON body with both `message` and `__type`
 * (the SDK reads the header first, then `code`, then `__type`).
 */
import type { FastifyReply } from 'fastify';

export const EXCEPTIONS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
} as const satisfies Record<string, number>;

export type ExceptionName = keyof typeof EXCEPTIONS;

const DEFAULT_MESSAGES: Record<ExceptionName, string> = {
  ValidationException: 'The request failed validation.',
  ServiceQuotaExceededException: 'Your request exceeds the service quota for your account.',
  AccessDeniedException: 'You do not have access to the requested model.',
  ResourceNotFoundException: 'The specified resource was not found.',
  ModelTimeoutException: 'The model timed out while processing the request.',
  ModelErrorException: 'The model failed to process the request.',
  ModelStreamErrorException: 'The model stream failed.',
  ThrottlingException: 'Too many requests, please wait before trying again.',
  ModelNotReadyException: 'The model is not ready to serve requests.',
  InternalServerException: 'An internal server error occurred.',
  ServiceUnavailableException: 'The service is temporarily unavailable.',
};

export function isExceptionName(name: string): name is ExceptionName {
  return Object.hasOwn(EXCEPTIONS, name);
}

/** An AWS-shaped error the routes throw; `sendBedrockError` turns it into the response. */
export class BedrockError extends Error {
  readonly type: ExceptionName;
  readonly status: number;
  readonly extra: Record<string, unknown>;

  constructor(type: ExceptionName, message?: string, extra: Record<string, unknown> = {}) {
    super(message ?? DEFAULT_MESSAGES[type]);
    this.name = type;
    this.type = type;
    this.status = EXCEPTIONS[type];
    this.extra = extra;
  }
}

/** Shorthand for the most common one. */
export function invalid(message: string): BedrockError {
  return new BedrockError('ValidationException', message);
}

/** Body fields the model-facing exceptions carry besides `message` (§4.9 table). */
function extraFields(err: BedrockError): Record<string, unknown> {
  if (err.type === 'ModelErrorException') return { originalStatusCode: 500, ...err.extra };
  if (err.type === 'ModelStreamErrorException') {
    return { originalStatusCode: 500, originalMessage: err.message, ...err.extra };
  }
  return err.extra;
}

export function sendBedrockError(reply: FastifyReply, err: BedrockError): FastifyReply {
  return reply
    .code(err.status)
    .header('content-type', 'application/json')
    .header('x-amzn-errortype', err.type)
    .send(Buffer.from(JSON.stringify({ message: err.message, __type: err.type, ...extraFields(err) })));
}
