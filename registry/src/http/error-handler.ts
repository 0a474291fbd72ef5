/**
 * Every error leaves as `{ statusCode, code, error, message, details? }` with a code from
 * the registry's table. `error` carries the message too, not the status text: npm prints
 * `body.error` after the status line (`403 Forbidden - PUT … - cannot modify pre-existing
 * version: 1.0.0`). Unexpected errors are logged and answered as INTERNAL_ERROR without
 * their text, which may carry paths.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { RegistryError } from '../errors/index.ts';

function translate(error: FastifyError): RegistryError | undefined {
  if (error instanceof RegistryError) return error;
  if (error.validation) {
    const problems = error.validation.map((v) => ({ path: `${error.validationContext ?? ''}${v.instancePath}` || '/', message: v.message ?? 'is invalid' }));
    return new RegistryError('REQUEST_INVALID', error.message, { problems });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RegistryError('REQUEST_TOO_LARGE', 'the request body is over the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RegistryError('UNSUPPORTED_MEDIA_TYPE', error.message);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new RegistryError('REQUEST_INVALID', error.message);
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = translate(error);
    if (!known) request.log.error({ err: error }, 'unexpected error');
    const e = known ?? new RegistryError('INTERNAL_ERROR', `unexpected error; request id ${request.id}`);
    if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
    return reply.status(e.statusCode).send({
      statusCode: e.statusCode,
      code: e.code,
      error: e.message,
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
    });
  });
  app.setNotFoundHandler((request) => {
    throw new RegistryError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
}
