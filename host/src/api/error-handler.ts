/**
 * Every error leaves in Fastify's shape `{ statusCode, code, error, message, details? }`
 * with a code from the host's table. Unexpected errors are logged and answered as
 * INTERNAL_ERROR without their text, which may carry paths or secrets.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import { EaselError } from '../errors/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The code to answer when this route's body is over its limit (default REQUEST_TOO_LARGE). */
    tooLargeCode?: 'BUNDLE_TOO_LARGE' | 'REQUEST_TOO_LARGE';
  }
}

function translate(error: FastifyError, tooLargeCode: 'BUNDLE_TOO_LARGE' | 'REQUEST_TOO_LARGE'): EaselError | undefined {
  if (error instanceof EaselError) return error;
  if (error.validation) {
    const problems = error.validation.map((v) => ({ path: `${error.validationContext ?? ''}${v.instancePath}` || '/', message: v.message ?? 'is invalid' }));
    return new EaselError('REQUEST_INVALID', error.message, { problems });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new EaselError(tooLargeCode, 'the request body is over the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new EaselError('UNSUPPORTED_MEDIA_TYPE', error.message);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new EaselError('REQUEST_INVALID', error.message);
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = translate(error, request.routeOptions.config?.tooLargeCode ?? 'REQUEST_TOO_LARGE');
    if (!known) request.log.error({ err: error }, 'unexpected error');
    const e = known ?? new EaselError('INTERNAL_ERROR', `unexpected error; request id ${request.id}`);
    const retryAfterMs = e.details?.retryAfterMs;
    if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs)) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    return reply.status(e.statusCode).send({
      statusCode: e.statusCode,
      code: e.code,
      error: STATUS_CODES[e.statusCode] ?? 'Error',
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
    });
  });
  app.setNotFoundHandler((request) => {
    throw new EaselError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
}
